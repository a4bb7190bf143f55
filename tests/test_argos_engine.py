"""The real argostranslate engine, run on tiny packages built offline (tests/argos_tiny.py)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from normalize.argos import (
    BCP47_TO_ARGOS,
    ArgosTranslator,
    guard_output,
    has_repetition,
    to_argos_code,
)
from normalize.types import Translation
from tests.argos_tiny import build_tiny_argos_package, install_packages


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    """ru->en with random weights (garbage output) and zt->en that always says "the book"."""
    work = tmp_path_factory.mktemp("argos-tiny")
    archives = [
        build_tiny_argos_package(work, "ru", "en", "0.0.1"),
        build_tiny_argos_package(work, "zt", "en", "0.0.1", reply="the book"),
    ]
    install_packages(archives, work / "packages")
    return work / "packages"


@pytest.fixture(scope="module")
def reply_dir(tmp_path_factory) -> Path:
    """Two versions of ru->en with known answers: 0.0.1 says "not only", 0.0.2 "for the heads"."""
    work = tmp_path_factory.mktemp("argos-reply")
    archives = [
        build_tiny_argos_package(work, "ru", "en", "0.0.1", reply="not only"),
        build_tiny_argos_package(work, "ru", "en", "0.0.2", reply="for the heads"),
    ]
    install_packages(archives, work / "packages")
    return work / "packages"


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection or resolve a name fails loudly."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


# --- the tiny package itself ---------------------------------------------------------


def test_archive_layout(tmp_path):
    import json
    import zipfile

    archive = build_tiny_argos_package(tmp_path)
    assert archive.name == "translate-ru_en-0_0_1.argosmodel"
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        meta = json.loads(zf.read("translate-ru_en-0_0_1/metadata.json"))
    assert {n.split("/")[0] for n in names} == {"translate-ru_en-0_0_1"}
    assert {
        "translate-ru_en-0_0_1/sentencepiece.model",
        "translate-ru_en-0_0_1/model/model.bin",
        "translate-ru_en-0_0_1/model/config.json",
        "translate-ru_en-0_0_1/model/shared_vocabulary.json",
    } <= names
    assert meta["type"] == "translate"
    assert (meta["from_code"], meta["to_code"], meta["package_version"]) == ("ru", "en", "0.0.1")


def test_build_is_byte_identical(tmp_path):
    a = build_tiny_argos_package(tmp_path / "a")
    b = build_tiny_argos_package(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()


def test_reply_that_does_not_fit_is_refused(tmp_path):
    with pytest.raises(ValueError):
        build_tiny_argos_package(tmp_path, reply="x" * 40)


# --- discovery -------------------------------------------------------------------------


def test_installed_packages_are_discovered(tiny_dir):
    tr = ArgosTranslator(tiny_dir)
    pairs = sorted((p.from_code, p.to_code, p.package_version) for p in tr.installed_packages())
    assert pairs == [("ru", "en", "0.0.1"), ("zt", "en", "0.0.1")]
    assert tr.find_package("ru", "en").package_path.parent == tiny_dir
    assert tr.find_package("zh-Hant", "en-US").from_code == "zt"
    assert tr.find_package("zh-Hans", "en") is None


def test_missing_packages_dir_means_no_packages(tmp_path):
    tr = ArgosTranslator(tmp_path / "does-not-exist")
    assert tr.installed_packages() == []
    assert tr.translate("не только", "ru", "en") == Translation(
        status="untranslated", text=None, engine="argostranslate", reason="no installed model ru->en"
    )


def test_default_packages_dir_is_argos_setting(tiny_dir, monkeypatch):
    from argostranslate import settings

    monkeypatch.setattr(settings, "package_data_dir", tiny_dir)
    tr = ArgosTranslator()
    assert tr.packages_dir == tiny_dir
    assert len(tr.installed_packages()) == 2


def test_refresh_sees_newly_installed_packages(tmp_path):
    packages = tmp_path / "packages"
    tr = ArgosTranslator(packages)
    assert tr.translate("не только", "ru", "en").status == "untranslated"
    install_packages([build_tiny_argos_package(tmp_path, reply="not only")], packages)
    assert tr.translate("не только", "ru", "en").status == "untranslated"  # cached
    tr.refresh()
    assert tr.translate("не только", "ru", "en").text == "not only"


# --- translation -----------------------------------------------------------------------


def test_translate_ru_en_with_random_weights(tiny_dir):
    result = ArgosTranslator(tiny_dir).translate("не только", "ru", "en")
    assert result.status in {"translated", "rejected"}
    assert result.engine == "argostranslate"
    assert result.model == "translate-ru_en"
    assert result.model_version == "0.0.1"
    if result.status == "translated":
        assert isinstance(result.text, str) and result.text
    else:
        assert result.text is None and result.reason.startswith("rejected: ")


def test_translate_is_deterministic(tiny_dir, tmp_path):
    first = ArgosTranslator(tiny_dir)
    results = [first.translate(t, "ru", "en") for t in ("не только", "За головы", "не только")]
    assert results[0] == results[2]
    # A second, independent build and install answers exactly the same.
    install_packages([build_tiny_argos_package(tmp_path)], tmp_path / "packages")
    again = ArgosTranslator(tmp_path / "packages")
    assert [again.translate(t, "ru", "en") for t in ("не только", "За головы")] == results[:2]


def test_translate_known_answer_uses_newest_version(reply_dir):
    result = ArgosTranslator(reply_dir).translate("За головы", "ru", "en")
    assert result == Translation(
        status="translated",
        text="for the heads",
        engine="argostranslate",
        model="translate-ru_en",
        model_version="0.0.2",
    )


def test_translate_bcp47_tags_map_to_argos_codes(tiny_dir):
    result = ArgosTranslator(tiny_dir).translate("這本書", "zh-Hant", "en-GB")
    assert (result.status, result.text, result.model) == ("translated", "the book", "translate-zt_en")


def test_no_package_for_pair_is_untranslated(tiny_dir):
    result = ArgosTranslator(tiny_dir).translate("Привіт", "uk", "en")
    assert result == Translation(
        status="untranslated", text=None, engine="argostranslate", reason="no installed model uk->en"
    )
    # Reverse direction is a different pair; no pivoting either.
    assert ArgosTranslator(tiny_dir).translate("hello", "en", "ru").reason == "no installed model en->ru"


def test_blank_input_is_rejected_without_calling_the_model(reply_dir):
    result = ArgosTranslator(reply_dir).translate("   ", "ru", "en")
    assert (result.status, result.text, result.reason) == ("rejected", None, "rejected: empty input")


def test_translate_makes_no_network_call(reply_dir, no_network):
    # A fresh translator: discovery, model load and translation all happen under the block.
    result = ArgosTranslator(reply_dir).translate("не только", "ru", "en")
    assert result.status == "translated" and result.text == "for the heads"
    assert no_network == []


def test_argos_network_sentencizers_are_never_built(reply_dir, monkeypatch):
    from argostranslate import sbd

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{type(self).__name__} downloads models; must not be used")

    for cls in (sbd.MiniSBDSentencizer, sbd.StanzaSentencizer, sbd.SpacySentencizerSmall):
        monkeypatch.setattr(cls, "__init__", refuse)
    assert ArgosTranslator(reply_dir).translate("За головы", "ru", "en").status == "translated"


def test_concurrent_translations_agree(reply_dir):
    tr = ArgosTranslator(reply_dir)
    results: list[Translation] = []
    lock = threading.Lock()

    def work() -> None:
        r = tr.translate("За головы", "ru", "en")
        with lock:
            results.append(r)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and {r.text for r in results} == {"for the heads"}


# --- language codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("zh-Hans", "zh"),
        ("zh-Hant", "zt"),
        ("zh", "zh"),
        ("pt-BR", "pb"),
        ("pt", "pt"),
        ("pt-PT", "pt"),
        ("en-GB", "en"),
        ("EN", "en"),
        ("ru", "ru"),
        ("zh-Hant-TW", "zt"),
        ("zh_Hant", "zt"),
        ("sr-Latn", "sr"),
    ],
)
def test_to_argos_code(tag, code):
    assert to_argos_code(tag) == code


def test_argos_code_table_is_lowercase():
    assert all(k == k.lower() for k in BCP47_TO_ARGOS)


@pytest.mark.parametrize("tag", ["", "  ", "-"])
def test_to_argos_code_rejects_empty_tags(tag):
    with pytest.raises(ValueError):
        to_argos_code(tag)


# --- guards ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "the cat the cat the cat",
        "no no no",
        "No, no, no,",
        "a b a b a b",
        "ПтоПтоПто",
        "hahaha",
        "的的的的",
        "heads heads heads heads",
    ],
)
def test_has_repetition(text):
    assert has_repetition(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no no",
        "a b a b a",
        "for the heads",
        "not only money but also time",
        "Wait...",
        "www.example.com",
        "Mississippi",
        "Chapter III",
        "的的的",
    ],
)
def test_no_repetition(text):
    assert not has_repetition(text)


def test_guard_empty_output():
    assert guard_output("не только", "") == "rejected: empty output"
    assert guard_output("не только", " \n\t") == "rejected: empty output"


def test_guard_repetition_only_when_source_has_none():
    assert guard_output("За головы", "for the heads for the heads for the heads") == "rejected: repetition"
    assert guard_output("За головы", "ПтоПтоПто") == "rejected: repetition"
    assert guard_output("нет нет нет", "no no no") is None
    assert guard_output("ха-ха-ха-ха", "hahaha") is None


def test_guard_accepts_ordinary_output():
    assert guard_output("не только", "not only") is None
    assert guard_output("За головы", "For the heads.") is None


def test_fresh_process_is_offline_from_import_on(reply_dir, tmp_path):
    """Sockets blocked before anything is imported, packages found via ARGOS_PACKAGES_DIR.

    argostranslate reads its environment once, at import; a fresh interpreter is the only
    honest way to show the default directory and the imports (stanza, torch) stay offline.
    """
    import json
    import os
    import subprocess
    import sys

    script = """
import json, socket
calls = []
def refuse(*args, **kwargs):
    calls.append(repr(args))
    raise OSError("network disabled")
socket.socket.connect = socket.socket.connect_ex = refuse
socket.create_connection = socket.getaddrinfo = refuse
from normalize.argos import ArgosTranslator
r = ArgosTranslator().translate("не только", "ru", "en")
print(json.dumps({"status": r.status, "text": r.text, "calls": calls}))
"""
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "ARGOS_PACKAGES_DIR": str(reply_dir),
        # argostranslate creates its data/config/cache dirs on import; keep them here.
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {
        "status": "translated",
        "text": "for the heads",
        "calls": [],
    }
