"""The bucket contract (docs/bucket.md), one suite run against a local folder and against
a moto S3 server over HTTP: layout, schemas, re-processing policy, manifests, safe keys
and metadata, reading while writing, and listing in pages."""

from __future__ import annotations

import json
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import jsonschema
import pytest

from ingest.reader import Reader
from ingest.reading import read_bytes, read_file
from ingest.records import build_record, record_schema, write_document
from ingest.runs import Manifest, new_run_id
from ingest.store import LocalStore, S3Store
from normalize.pipeline import normalize_text
from normalize.version import PIPELINE_VERSION

from .conftest import CORPUS

HTML_PAGES = [
    "en-bbc.com",
    "ru-football.ua",
    "zh-Hans-xinhuanet.com",
    "ja-nhk.or.jp",
    "de-die-partei.net",
    "ar-assabah.com.tn",
    "ko-entermedia.co.kr-8576",
    "en-german.stackexchange.com",
]


def store_doc(store, doc, *, engine="argostranslate[]", glossary=None, run_id=None, manifest=None):
    result = normalize_text(doc.text)
    record = build_record(doc, result, PIPELINE_VERSION, engine, glossary, run_id=run_id)
    report = write_document(store, doc, record)
    if manifest is not None:
        manifest.add(
            report.status,
            doc_id=doc.doc_id,
            version=report.version,
            keys=report.keys,
            sha256=doc.sha256,
            source=doc.source,
        )
    return report


@pytest.mark.corpus
def test_layout_and_schemas_for_the_seed_article_and_corpus_pages(store, seed_path):
    run = Manifest(new_run_id())
    docs = [read_file(seed_path)] + [read_file(CORPUS / "html" / f"{n}.html") for n in HTML_PAGES]
    for doc in docs:
        assert store_doc(store, doc, run_id=run.run_id, manifest=run).status == "written"
    run.write(store)

    keys = set(store.list())
    for doc in docs:
        [entry] = [e for e in run.entries if e["doc_id"] == doc.doc_id]
        base = f"docs/{doc.doc_id}/{entry['version']}"
        assert {
            f"{base}/raw/{doc.name}",
            f"{base}/cleaned.txt",
            f"{base}/record.json",
            f"latest/{doc.doc_id}.json",
        } <= keys
        record = json.loads(store.get(f"{base}/record.json"))
        jsonschema.validate(record, record_schema())
        pointer = json.loads(store.get(f"latest/{doc.doc_id}.json"))
        jsonschema.validate(pointer, record_schema("latest"))
        assert pointer["keys"] == record["keys"] and pointer["version"] == record["version"] == entry["version"]
        assert store.get(f"{base}/raw/{doc.name}") == doc.raw
        assert store.get(f"{base}/cleaned.txt").decode("utf-8") == record["cleaned_text"]
        assert record["run_id"] == run.run_id and record["source"]["origin"] == {"kind": "upload"}
    assert keys == {k for k in keys if k.startswith(("docs/", "latest/", "runs/"))}
    lines = store.get(f"runs/{run.run_id}/manifest.jsonl").decode().splitlines()
    assert len(lines) == len(docs)
    for line in lines:
        jsonschema.validate(json.loads(line), record_schema("manifest-entry"))
    assert Reader(store).runs()[0].counts == {"written": len(docs)}


@pytest.mark.corpus
def test_reprocessing_policy(store, seed_path):
    doc = read_file(seed_path)
    reader = Reader(store)
    first = store_doc(store, doc)
    assert store_doc(store, doc).status == "unchanged"
    # A changed glossary changes the output: a new version, the pointer moves, the old stays.
    newer = store_doc(store, doc, glossary="ab" * 32)
    assert (newer.status, newer.version != first.version) == ("written", True)
    assert reader.get(doc.doc_id).version == newer.version
    assert reader.versions(doc.doc_id) == sorted([first.version, newer.version])
    assert reader.record(doc.doc_id, first.version)["pipeline"]["glossary"] is None
    assert reader.original(doc.doc_id, first.version) == doc.raw
    with pytest.raises(KeyError):
        reader.original(doc.doc_id, "0" * 16)
    # Back to the first settings: nothing rewritten, the pointer moves back.
    before = store.get(first.keys["record"])
    back = store_doc(store, doc)
    assert (back.status, back.version) == ("relinked", first.version)
    assert reader.get(doc.doc_id).version == first.version and store.get(first.keys["record"]) == before


def test_nfc_and_nfd_names_are_one_object(store):
    raw = "Привет, это текст о городе Zürich и не только.\n".encode()
    nfc = read_bytes(raw, unicodedata.normalize("NFC", "Zürich-café.txt"))
    nfd = read_bytes(raw, unicodedata.normalize("NFD", "Zürich-café.txt"))
    a, b = store_doc(store, nfc), store_doc(store, nfd)
    assert a.keys == b.keys and b.status == "unchanged"
    assert [k for k in store.list("docs/") if "/raw/" in k] == [a.keys["raw"]]
    assert a.keys["raw"].endswith("/raw/" + unicodedata.normalize("NFC", "Zürich-café.txt"))


def test_path_traversal_in_an_uploaded_name_stays_inside(store, tmp_path):
    doc = read_bytes(b"An English text that came with a hostile file name.\n", "../../../etc/passwd.txt")
    report = store_doc(store, doc)
    assert report.keys["raw"] == f"docs/{doc.doc_id}/{report.version}/raw/passwd.txt"
    if isinstance(store, LocalStore):
        assert not (tmp_path / "etc").exists()
        assert all(p.resolve().is_relative_to((tmp_path / "store").resolve()) for p in (tmp_path / "store").rglob("*"))
    with pytest.raises(ValueError):
        store.put("docs/../../escape.txt", b"x", "text/plain")


def test_non_ascii_metadata_is_encoded_never_refused(store, moto_server):
    doc = read_bytes("Статья о Пекине. 北京 is the capital.\n".encode(), "Статья — 北京.txt")
    report = store_doc(store, doc)
    record = Reader(store).record(doc.doc_id)
    assert record["source"]["name"] == "Статья — 北京.txt"
    if isinstance(store, S3Store):
        head = store.client.head_object(Bucket=store.bucket, Key=store._key(report.keys["raw"]))
        meta = head["Metadata"]
        assert all(v.isascii() for v in meta.values())
        assert unquote(meta["source-name"]) == "Статья — 北京.txt"
        assert meta["doc-id"] == doc.doc_id and meta["version"] == report.version
        assert head["ContentType"] == "text/plain; charset=utf-8"


@pytest.mark.corpus
def test_reader_filters(store, seed_path):
    run = Manifest(new_run_id())
    seed = read_file(seed_path)
    ru = read_file(CORPUS / "html" / "ru-football.ua.html")
    for doc in (seed, ru):
        store_doc(store, doc, run_id=run.run_id, manifest=run)
    run.write(store)
    reader = Reader(store)
    assert {d.doc_id for d in reader.documents()} == {seed.doc_id, ru.doc_id}
    assert {d.doc_id for d in reader.documents(lang="zh")} == {seed.doc_id}  # zh matches zh-Hant
    assert {d.doc_id for d in reader.documents(lang="ru")} == {seed.doc_id, ru.doc_id}
    assert {d.doc_id for d in reader.documents(source="upload")} == {seed.doc_id, ru.doc_id}
    assert list(reader.documents(source="some-crawl")) == []
    assert list(reader.documents(since="2999-01-01")) == []
    assert len(list(reader.documents(until="2999-01-01T00:00:00+00:00"))) == 2
    assert {d.doc_id for d in reader.documents(run=run.run_id)} == {seed.doc_id, ru.doc_id}
    with pytest.raises(KeyError):
        list(reader.documents(run="20990101T000000Z-unknown"))
    assert reader.cleaned_text(seed.doc_id) == reader.record(seed.doc_id)["cleaned_text"]
    assert reader.original(ru.doc_id) == ru.raw


def test_a_reader_never_sees_a_partial_document(store):
    docs = [
        read_bytes(f"Document {i}: an English text with не только a Russian phrase.\n".encode(), f"doc-{i}.txt")
        for i in range(25)
    ]
    reader = Reader(store)
    done = threading.Event()
    seen: set[str] = set()
    problems: list[str] = []

    def read_loop() -> None:
        while not done.is_set():
            for ref in reader.documents():
                try:
                    record = reader.record(ref.doc_id)
                    if reader.cleaned_text(ref.doc_id) != record["cleaned_text"]:
                        problems.append(f"{ref.doc_id}: cleaned text differs from record")
                except KeyError as exc:
                    problems.append(f"{ref.doc_id}: {exc}")
                seen.add(ref.doc_id)

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        for doc in docs:
            store_doc(store, doc)
    finally:
        done.set()
        thread.join()
    assert problems == []
    assert {d.doc_id for d in reader.documents()} == {d.doc_id for d in docs}


def test_listing_documents_in_pages(store):
    # A small page size makes several pages of a few documents: the reader must follow
    # continuation tokens exactly as it does past S3's 1,000 keys a page.
    calls: list[int] = []
    if isinstance(store, S3Store):
        store.page_size = 7
        store.client.meta.events.register("before-call.s3.ListObjectsV2", lambda **kw: calls.append(1))
    template = {
        "schema_version": "1.2",
        "keys": {},
        "source": {
            "origin": {"kind": "upload"},
            "name": "x.txt",
            "path": "x.txt",
            "content_type": "text/plain",
            "sha256": "0" * 64,
        },
        "main_lang": "en",
        "fragment_langs": [],
        "pipeline": {"version": PIPELINE_VERSION, "fingerprint": "0" * 64},
        "processed_at": "2026-11-29T00:00:00+00:00",
        "run_id": None,
        "version": "0" * 16,
    }

    def put(i: int) -> None:
        doc_id = f"{i:032x}"
        keys = {
            "raw": f"docs/{doc_id}/{'0' * 16}/raw/x.txt",
            "cleaned": "c",
            "record": "r",
            "latest": f"latest/{doc_id}.json",
        }
        store.put(keys["latest"], json.dumps({**template, "doc_id": doc_id, "keys": keys}).encode(), "application/json")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(40)))
    ids = [d.doc_id for d in Reader(store).documents()]
    assert len(ids) == 40 and ids == sorted(ids)
    if isinstance(store, S3Store):
        assert len(calls) == 6  # 7 keys a page


@pytest.mark.corpus
def test_ls_cat_runs_commands(tmp_path, seed_path):
    from .test_cli import run

    store = LocalStore(tmp_path / "store")
    manifest = Manifest(new_run_id())
    seed = read_file(seed_path)
    report = store_doc(store, seed, run_id=manifest.run_id, manifest=manifest)
    manifest.write(store)
    where = ["--store", str(tmp_path / "store")]

    rows = [json.loads(line) for line in run("ls", *where, "--format", "jsonl").stdout.splitlines()]
    assert [(r["doc_id"], r["version"], r["main_lang"], r["fragment_langs"], r["source"]) for r in rows] == [
        (seed.doc_id, report.version, "en", ["ru", "zh-Hant"], "upload")
    ]
    assert run("ls", *where, "--lang", "ko").stdout == ""
    table = run("ls", *where).stdout
    assert table.startswith(f"{seed.doc_id}  {report.version}  ") and str(seed_path) in table
    assert run("cat", seed.doc_id, *where).stdout == Reader(store).cleaned_text(seed.doc_id)
    assert json.loads(run("cat", seed.doc_id, "--json", *where).stdout)["version"] == report.version
    assert run("cat", seed.doc_id, "--original", *where).stdout == seed_path.read_text(encoding="utf-8")
    assert run("runs", *where).stdout == f"{manifest.run_id}  written 1\n"
    missing = run("cat", "0" * 32, *where)
    assert (
        missing.returncode == 1
        and missing.stderr.strip() == f"transnorm: error: no document {'0' * 32} in {tmp_path / 'store'}"
    )
    bad_run = run("ls", *where, "--run", "nope")
    assert bad_run.returncode == 1 and "no finished run 'nope'" in bad_run.stderr
    bad_time = run("ls", *where, "--since", "yesterday")
    assert bad_time.returncode == 1 and "--since/--until must be ISO 8601 times" in bad_time.stderr
    typo = run("runs", "--store", str(tmp_path / "stroe"))
    assert typo.returncode == 1 and typo.stderr.strip() == f"transnorm: error: no store at {tmp_path / 'stroe'}"
    assert not (tmp_path / "stroe").exists()
