"""The detector's word lists kept built on disk (ingest/lexicon_cache.py): a list read back
from the cache answers exactly as the one built in memory, across processes, and a cache
that cannot be written or was cut short only costs the build."""

from __future__ import annotations

import subprocess
import sys

import numpy
import pytest

from ingest.lexicon_cache import DiskArrayCache
from normalize.detection import lexicon
from normalize.languages import word_zipf

WORDS = ["the", "house", "Haus", "maison", "не", "только", "já", "façade", "qwzxv", ""]


@pytest.fixture
def fresh_lists():
    """Empty the per-process list caches around a test, and restore the cache hook."""
    lexicon.counted.cache_clear()
    lexicon._listed.cache_clear()
    yield
    lexicon.use_cache(None)
    lexicon.counted.cache_clear()
    lexicon._listed.cache_clear()


def test_word_hash_is_the_same_in_another_process():
    code = "from normalize.detection.lexicon import word_hash; print(word_hash('только'), word_hash('façade'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert [int(x) for x in out] == [lexicon.word_hash("только"), lexicon.word_hash("façade")]


def test_cached_lists_answer_as_built_ones(tmp_path, fresh_lists):
    built_en = [lexicon.counted("en", "small").zipf(w) for w in WORDS]
    built_la = [lexicon._listed("la").zipf(w) for w in WORDS + ["et", "amicus"]]
    assert built_en[0] > 7 and built_en[-2] == 0.0  # "the" is frequent, nonsense unlisted

    lexicon.use_cache(DiskArrayCache(tmp_path))
    lexicon.counted.cache_clear()
    lexicon._listed.cache_clear()
    lexicon.counted("en", "small")  # builds and saves
    lexicon._listed("la")
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert len(saved) == 4 and all(name.endswith(".npy") for name in saved)

    lexicon.counted.cache_clear()
    lexicon._listed.cache_clear()
    loaded = lexicon.counted("en", "small")
    assert isinstance(loaded.hashes, numpy.memmap)  # read from disk, not rebuilt
    assert [loaded.zipf(w) for w in WORDS] == built_en
    assert [lexicon._listed("la").zipf(w) for w in WORDS + ["et", "amicus"]] == built_la


def test_cyrillic_word_frequencies_match_wordfreq():
    import wordfreq

    for word, lang, code in [
        ("только", "ru", "ru"),
        ("який", "uk", "uk"),
        ("предполага", "bg", "bg"),
        ("не-только", "ru", "ru"),
    ]:
        assert word_zipf(word, lang) == pytest.approx(wordfreq.zipf_frequency(word, code, "small"), abs=0.01)


def test_unwritable_or_damaged_cache_only_costs_the_build(tmp_path, fresh_lists):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    lexicon.use_cache(DiskArrayCache(blocked / "lexicons"))
    assert lexicon.counted("en", "small").zipf("house") > 4

    folder = tmp_path / "cache"
    cache = DiskArrayCache(folder)
    lexicon.use_cache(cache)
    lexicon.counted.cache_clear()
    lexicon.counted("en", "small")
    for path in folder.iterdir():  # cut every saved file short
        path.write_bytes(path.read_bytes()[:100])
    keys = {p.name.removesuffix(".npy").rsplit(".", 1)[0] for p in folder.iterdir()}
    assert keys and all(cache.load(key) is None for key in keys)
    lexicon.counted.cache_clear()
    assert lexicon.counted("en", "small").zipf("house") > 4
