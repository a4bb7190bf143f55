"""The real argostranslate engine, run on tiny packages built offline (tests/argos_tiny.py)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from normalize.argos import BCP47_TO_ARGOS, ArgosEngine, from_argos_code, to_argos_code
from normalize.translate import FragmentTranslator, Hop, MemoryCache, Request
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


def translate(engine: ArgosEngine, text: str, source: str, target: str = "en", script: str = "Cyrillic") -> Translation:
    """One fragment through the real engine, the way normalization sends it."""
    [t] = FragmentTranslator(engine).translate_all([Request(text, source, script, target)])
    return t


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
    tr = ArgosEngine(tiny_dir)
    pairs = sorted((p.from_code, p.to_code, p.package_version) for p in tr.installed_packages())
    assert pairs == [("ru", "en", "0.0.1"), ("zt", "en", "0.0.1")]
    assert tr.find_package("ru", "en").package_path.parent == tiny_dir
    assert tr.find_package("zh-Hant", "en-US").from_code == "zt"
    assert tr.find_package("zh-Hans", "en") is None


def test_missing_packages_dir_means_no_packages(tmp_path):
    engine = ArgosEngine(tmp_path / "does-not-exist")
    assert engine.installed_packages() == []
    assert translate(engine, "не только", "ru") == Translation(
        status="untranslated", text=None, engine="argostranslate", reason="no installed model ru->en"
    )


def test_default_packages_dir_is_argos_setting(tiny_dir, monkeypatch):
    from argostranslate import settings

    monkeypatch.setattr(settings, "package_data_dir", tiny_dir)
    engine = ArgosEngine()
    assert engine.packages_dir == tiny_dir
    assert len(engine.installed_packages()) == 2


def test_refresh_sees_newly_installed_packages(tmp_path):
    packages = tmp_path / "packages"
    engine = ArgosEngine(packages)
    assert translate(engine, "не только", "ru").status == "untranslated"
    install_packages([build_tiny_argos_package(tmp_path, reply="not only")], packages)
    assert translate(engine, "не только", "ru").status == "untranslated"  # discovery cached
    engine.refresh()
    assert translate(engine, "не только", "ru").text == "not only"


# --- the engine protocol ---------------------------------------------------------------


def test_hop_names_the_package(reply_dir):
    engine = ArgosEngine(reply_dir)
    assert engine.hop("ru", "en-GB") == Hop("ru", "en-GB", "translate-ru_en", "0.0.2")
    assert engine.hop("uk", "en") is None


def test_run_translates_a_list_in_one_call(reply_dir, monkeypatch):
    import ctranslate2

    engine = ArgosEngine(reply_dir)
    hop = engine.hop("ru", "en")
    model = engine._model(engine.find_package("ru", "en"))
    batches: list[int] = []
    real = model.translate_batch
    monkeypatch.setattr(engine, "_model", lambda pkg: _Counting(real, batches))
    assert isinstance(model, ctranslate2.Translator)
    assert engine.run(hop, ["За головы", "не только", "  ", "Привет, мир!"]) == [
        "for the heads",
        "for the heads",
        "",
        "for the heads",
    ]
    assert batches == [3]  # one translate_batch for the three non-blank texts


class _Counting:
    def __init__(self, real, batches):
        self.real, self.batches = real, batches

    def translate_batch(self, tokens, **kwargs):
        self.batches.append(len(tokens))
        return self.real(tokens, **kwargs)


def test_run_refuses_a_hop_whose_model_is_gone(reply_dir):
    with pytest.raises(LookupError, match="translate-ru_en@0.0.9 is not installed"):
        ArgosEngine(reply_dir).run(Hop("ru", "en", "translate-ru_en", "0.0.9"), ["За головы"])


# --- translation through FragmentTranslator ------------------------------------------


def test_translate_ru_en_with_random_weights(tiny_dir):
    result = translate(ArgosEngine(tiny_dir), "не только", "ru")
    assert result.engine == "argostranslate"
    assert (result.model, result.model_version, result.route) == ("translate-ru_en", "0.0.1", ("ru", "en"))
    # Random weights loop; the repetition guard must catch it, whatever the exact output.
    assert (result.status, result.text) == ("rejected", None)
    assert result.reason.startswith("rejected: ")


def test_translate_is_deterministic(tiny_dir, tmp_path):
    first = ArgosEngine(tiny_dir)
    hop = first.hop("ru", "en")
    outputs = first.run(hop, ["не только", "За головы", "не только"])
    assert outputs[0] == outputs[2] and outputs[0]
    # A second, independent build and install answers exactly the same.
    install_packages([build_tiny_argos_package(tmp_path)], tmp_path / "packages")
    again = ArgosEngine(tmp_path / "packages")
    assert again.run(again.hop("ru", "en"), ["не только", "За головы"]) == outputs[:2]


def test_translate_known_answer_uses_newest_version(reply_dir):
    assert translate(ArgosEngine(reply_dir), "За головы", "ru") == Translation(
        status="translated",
        text="for the heads",
        engine="argostranslate",
        model="translate-ru_en",
        model_version="0.0.2",
        route=("ru", "en"),
        cache="miss",
    )


def test_translate_bcp47_tags_map_to_argos_codes(tiny_dir):
    result = translate(ArgosEngine(tiny_dir), "這本書", "zh-Hant", "en-GB", script="Han")
    assert (result.status, result.text, result.model) == ("translated", "the book", "translate-zt_en")


def test_no_package_for_pair_is_untranslated(tiny_dir):
    result = translate(ArgosEngine(tiny_dir), "Привіт", "uk")
    assert result == Translation(
        status="untranslated", text=None, engine="argostranslate", reason="no installed model uk->en"
    )


def test_pivot_through_english_with_real_packages(tmp_path):
    work = tmp_path / "build"
    install_packages(
        [
            build_tiny_argos_package(work, "uk", "en", "1.0", reply="not only"),
            build_tiny_argos_package(work, "en", "de", "1.1", reply="the book"),
        ],
        tmp_path / "packages",
    )
    result = translate(ArgosEngine(tmp_path / "packages"), "не тільки", "uk", "de")
    assert (result.status, result.text, result.route) == ("translated", "the book", ("uk", "en", "de"))
    assert (result.model, result.model_version) == ("translate-uk_en+translate-en_de", "1.0+1.1")


def test_cache_spares_the_model_on_the_second_run(reply_dir):
    cache = MemoryCache()
    first = FragmentTranslator(ArgosEngine(reply_dir), cache)
    first.translate_all([Request("За головы", "ru", "Cyrillic")] * 3)
    second = FragmentTranslator(ArgosEngine(reply_dir), cache)
    [t] = second.translate_all([Request("За головы", "ru", "Cyrillic")])
    assert (first.stats.engine_calls, first.stats.engine_texts) == (1, 1)
    assert (second.stats.engine_calls, t.cache, t.text) == (0, "hit", "for the heads")


def test_translate_makes_no_network_call(reply_dir, no_network):
    # A fresh engine: discovery, model load and translation all happen under the block.
    result = translate(ArgosEngine(reply_dir), "не только", "ru")
    assert (result.status, result.text) == ("translated", "for the heads")
    assert no_network == []


def test_argos_network_sentencizers_are_never_built(reply_dir, monkeypatch):
    from argostranslate import sbd

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"{type(self).__name__} downloads models; must not be used")

    for cls in (sbd.MiniSBDSentencizer, sbd.StanzaSentencizer, sbd.SpacySentencizerSmall):
        monkeypatch.setattr(cls, "__init__", refuse)
    assert translate(ArgosEngine(reply_dir), "За головы", "ru").status == "translated"


def test_concurrent_translations_agree(reply_dir):
    engine = ArgosEngine(reply_dir)
    results: list[Translation] = []
    lock = threading.Lock()

    def work() -> None:
        r = translate(engine, "За головы", "ru")
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


@pytest.mark.parametrize("tag", ["zh-Hans", "zh-Hant", "pt-BR", "ru", "en"])
def test_argos_codes_map_back(tag):
    assert from_argos_code(to_argos_code(tag)) == tag


@pytest.mark.parametrize("tag", ["", "  ", "-"])
def test_to_argos_code_rejects_empty_tags(tag):
    with pytest.raises(ValueError):
        to_argos_code(tag)


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
from normalize.argos import ArgosEngine
from normalize.pipeline import normalize_text
from normalize.translate import FragmentTranslator
r = normalize_text("He said не только twice.", FragmentTranslator(ArgosEngine()))
[c] = [c for c in r.changes if c.kind == "foreign"]
print(json.dumps({"status": c.status, "text": c.replacement, "calls": calls}))
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
