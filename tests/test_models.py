"""``transnorm models``: install, list and remove real (tiny) argos packages, offline."""

from __future__ import annotations

import json
import zipfile

import pytest

from ingest import models
from normalize.argos import ArgosEngine
from tests.argos_tiny import build_tiny_argos_package

from .test_cli import run


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    work = tmp_path_factory.mktemp("archives")
    return {
        "ru": build_tiny_argos_package(work, "ru", "en", "1.0", reply="not only"),
        "zt": build_tiny_argos_package(work, "zt", "en", "2.1", reply="the book"),
    }


def test_install_list_remove_through_the_cli(tmp_path, archives):
    folder = str(tmp_path / "models")
    proc = run("models", "install", str(archives["ru"]), "--models-dir", folder)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("installed translate-ru_en 1.0 (")

    proc = run("models", "list", "--models-dir", folder, "--format", "jsonl")
    [row] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert (row["name"], row["source"], row["target"], row["argos_pair"], row["version"]) == (
        "translate-ru_en",
        "ru",
        "en",
        "ru-en",
        "1.0",
    )
    assert row["path"] == str(tmp_path / "models" / "translate-ru_en-1_0")
    assert row["bytes"] == sum(p.stat().st_size for p in (tmp_path / "models").rglob("*") if p.is_file())

    # The engine the flows use finds what the CLI installed.
    engine = ArgosEngine(folder)
    assert engine.run(engine.hop("ru", "en"), ["За головы"]) == ["not only"]

    proc = run("models", "remove", "ru-en", "--models-dir", folder)
    assert proc.returncode == 0 and "removed translate-ru_en 1.0" in proc.stdout
    assert models.list_models(folder) == []
    proc = run("models", "remove", "ru-en", "--models-dir", folder)
    assert proc.returncode == 1 and "no installed model matches ru-en" in proc.stderr


def test_install_every_package_of_a_folder_and_list_as_table(tmp_path, archives):
    source = archives["ru"].parent
    (source / "broken.argosmodel").write_bytes(b"not a zip")
    folder = str(tmp_path / "models")
    proc = run("models", "install", str(source), "--models-dir", folder)
    # The bad archive is reported; the good ones are installed anyway.
    assert proc.returncode == 1
    assert "broken.argosmodel: not an argos model (not a zip archive)" in proc.stderr
    assert sorted(line.split(" (")[0] for line in proc.stdout.splitlines()) == [
        "installed translate-ru_en 1.0",
        "installed translate-zt_en 2.1",
    ]
    table = run("models", "list", "--models-dir", folder).stdout.splitlines()
    assert [line.split("\t")[:2] for line in table] == [
        ["pair", "version"],
        ["ru -> en", "1.0"],
        ["zh-Hant -> en", "2.1"],
    ]
    (source / "broken.argosmodel").unlink()


def test_bcp47_pair_names_remove_the_argos_code(tmp_path, archives):
    models.install_archive(archives["zt"], tmp_path)
    [removed] = models.remove_model("zh-Hant:en", tmp_path)
    assert removed.name == "translate-zt_en"


def test_reinstall_replaces_the_same_version(tmp_path, archives):
    first = models.install_archive(archives["ru"], tmp_path)
    (first.path / "stale-file").write_text("left over")
    second = models.install_archive(archives["ru"], tmp_path)
    assert second.path == first.path and not (second.path / "stale-file").exists()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: p.write_bytes(b"plain text"), "not a zip archive"),
        (lambda p: _zip(p, {"a/metadata.json": "{}", "b/x": ""}), "one top-level folder"),
        (lambda p: _zip(p, {"x.txt": "hello"}), "one top-level folder"),
        (lambda p: _zip(p, {"a/model/model.bin": "", "a/sentencepiece.model": ""}), "no a/metadata.json"),
        (lambda p: _zip(p, {"a/metadata.json": "{", "a/model/x": "", "a/sentencepiece.model": ""}), "not JSON"),
        (
            lambda p: _zip(
                p, {"a/metadata.json": json.dumps({"from_code": "ru", "to_code": "en"}), "a/sentencepiece.model": ""}
            ),
            "no a/model/",
        ),
        (
            lambda p: _zip(
                p, {"a/metadata.json": json.dumps({"type": "sbd"}), "a/model/x": "", "a/sentencepiece.model": ""}
            ),
            "translate package",
        ),
        (lambda p: _zip(p, {"a/metadata.json": "{}", "a/model/x": "", "a/../../evil": ""}), "unsafe path"),
    ],
)
def test_bad_archives_are_refused_before_extraction(tmp_path, build, message):
    archive = tmp_path / "bad.argosmodel"
    build(archive)
    with pytest.raises(models.ModelError, match=message):
        models.install_archive(archive, tmp_path / "models")
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def _zip(path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def test_from_index_offline_is_a_clear_error(tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    with pytest.raises(
        models.ModelError, match=r"cannot reach the argos package index .*transnorm models install FILE"
    ):
        models.install_from_index("ru-en", tmp_path, timeout=5)


def test_from_index_through_the_cli_fails_in_one_line(tmp_path):
    # A proxy on a closed local port stands in for "no network": fast and certain.
    proc = run(
        "models",
        "install",
        "--from-index",
        "ru-en",
        "--models-dir",
        str(tmp_path),
        env={"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": ""},
    )
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("transnorm: error: cannot reach the argos package index")


def test_bad_pair_is_a_clear_error(tmp_path):
    with pytest.raises(models.ModelError, match="not a language pair"):
        models.remove_model("russian", tmp_path)
