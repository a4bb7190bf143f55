"""The persistent translation cache on a local folder and on S3 (moto over HTTP), and
glossary files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.glossaries import read_glossary
from ingest.translation_cache import StoreTranslationCache, cache_key
from normalize.glossary import GlossaryError
from normalize.pipeline import normalize_batch
from normalize.translate import FragmentTranslator
from tests.standins import StandIn, table

from .conftest import REPO


def test_entries_round_trip_and_are_shared_by_new_cache_objects(store):
    first = StoreTranslationCache(store)
    first.put_many({("translate-ru_en", "1.9", "не только"): "not only", ("translate-zt_en", "", "作者"): "author"})
    # A new object (another worker) sees the entries through the store, not memory.
    second = StoreTranslationCache(store)
    keys = [
        ("translate-ru_en", "1.9", "не только"),
        ("translate-zt_en", "", "作者"),
        ("translate-ru_en", "2.0", "не только"),
    ]
    assert second.get_many(keys) == {keys[0]: "not only", keys[1]: "author"}
    assert sorted(store.list("cache/")) == sorted(cache_key(k) for k in keys[:2])
    body = json.loads(store.get(cache_key(keys[1])))
    assert body == {"model": "translate-zt_en", "model_version": None, "source": "作者", "output": "author"}


def test_key_layout():
    key = cache_key(("translate-ru_en", "1.9", "не только"))
    assert key.startswith("cache/translations/translate-ru_en/1.9/")
    assert key.endswith(".json") and len(key.split("/")[-1]) == 64 + 5
    assert cache_key(("../evil", "", "x")).startswith("cache/translations/.._evil/_/")


def test_a_damaged_entry_is_a_miss_not_an_error(store):
    key = ("translate-ru_en", "1.9", "не только")
    store.put(cache_key(key), b"{not json", "application/json")
    assert StoreTranslationCache(store).get_many([key]) == {}
    store.put(
        cache_key(key),
        json.dumps({"model": "translate-ru_en", "model_version": "1.9", "source": "другое", "output": "x"}).encode(),
        "application/json",
    )
    assert StoreTranslationCache(store).get_many([key]) == {}


def test_boilerplate_is_translated_once_across_runs(store):
    """A crawl-like batch: every page carries the site's byline; two runs, two workers."""
    pages = [f"Page {i} of the site. 已發表 by the editor, and then text about topic {i} in English." for i in range(5)]
    answer = table({"已發表": "Posted"})
    run1 = FragmentTranslator(StandIn(answer=answer), StoreTranslationCache(store))
    first = normalize_batch(pages, run1)
    engine2 = StandIn(answer=answer)
    run2 = FragmentTranslator(engine2, StoreTranslationCache(store))
    second = normalize_batch(pages, run2)
    assert (run1.stats.engine_calls, run1.stats.engine_texts) == (1, 1)
    assert engine2.calls == [] and run2.stats.cache_hits == 1
    assert [r.cleaned_text for r in first] == [r.cleaned_text for r in second]
    assert all("Posted by the editor" in r.cleaned_text for r in second)


def test_sample_glossary_reads_and_covers_the_byline():
    g = read_glossary(REPO / "deploy" / "glossary.tsv")
    assert g.lookup("已發表", "zh-Hant", "en") == "Posted"
    assert g.lookup("作者", "zh-Hant", "en") == "by"


def test_yaml_glossary(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(
        "- {lang: ru, source: не только, translation: not only}\n- {lang: ru, source: За головы, translation: Bounties, target: en-GB}\n",
        encoding="utf-8",
    )
    g = read_glossary(path)
    assert len(g) == 2 and g.lookup("за  ГОЛОВЫ", "ru", "en") == "Bounties"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("g.tsv", "ru\tне только\n", r"g.tsv:1: expected 3 or 4 tab-separated columns"),
        ("g.tsv", "# c\nrussian!\tне только\tnot only\n", r"g.tsv:2: lang 'russian!' is not a BCP-47 tag"),
        ("g.tsv", "ru\t \tnot only\n", r"g.tsv:1: source must be non-empty"),
        ("g.yaml", "lang: ru\n", r"expected a list of entries"),
        ("g.yaml", "- {lang: ru, source: x}\n", r"entry 1: missing 'translation'"),
        ("g.yaml", "- {lang: ru, source: x, translation: y, note: z}\n", r"entry 1: unknown keys \['note'\]"),
        ("g.yaml", "- [unclosed\n", r"^[^\n]*g.yaml: not valid YAML \(line 2\)[^\n]*$"),
        ("g.csv", "ru,x,y\n", r"unknown glossary format .csv"),
    ],
)
def test_bad_glossaries_name_the_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GlossaryError, match=message):
        read_glossary(path)


def test_glossary_that_is_not_utf8(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_bytes("ru\tне только\tnot only\n".encode("cp1251"))
    with pytest.raises(GlossaryError, match="not UTF-8"):
        read_glossary(path)


def test_missing_glossary_or_a_directory(tmp_path):
    with pytest.raises(GlossaryError, match="no such glossary file"):
        read_glossary(Path(tmp_path / "nope.tsv"))
    with pytest.raises(GlossaryError, match="is a directory"):
        read_glossary(tmp_path)


@pytest.mark.parametrize("fault", ["500", "drop", "stall"])
def test_an_s3_outage_of_the_cache_is_a_miss_and_translation_goes_on(moto_server, s3_bucket, fault):
    """The cache on a real S3 server behind a fault injector: its reads and writes fail
    (a 500, a dropped connection, or no answer within the client's timeout); every lookup
    is a miss, every write is dropped, and the translations themselves stand."""
    import time

    import boto3
    from botocore.config import Config

    from ingest.store import S3Store

    from .faults import FaultProxy

    with FaultProxy(moto_server) as proxy:
        client = boto3.client(
            "s3",
            endpoint_url=proxy.url,
            config=Config(connect_timeout=1, read_timeout=1, retries={"mode": "standard", "max_attempts": 2}),
        )
        cache = StoreTranslationCache(S3Store(s3_bucket, "", client=client), workers=2)
        proxy.rule = lambda method, path, length: fault if "/cache/" in path else None
        t0 = time.monotonic()
        translator = FragmentTranslator(StandIn(answer=table({"не только": "not only"})), cache)
        [result] = normalize_batch(["He said не только that."], translator)
        assert "not only" in result.cleaned_text
        assert translator.stats.cache_misses >= 1 and translator.stats.engine_texts == 1
        assert time.monotonic() - t0 < 30
        proxy.rule = lambda method, path, length: None
        assert not list(S3Store(s3_bucket, "", client=client).list("cache/"))
