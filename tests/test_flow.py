"""The ``normalize-files`` flow end to end under Prefect's test harness.

Real parts only: the reference article from ../shared, a tiny real argos package built and
installed by the test, a local folder and a moto S3 server over HTTP.
"""

from __future__ import annotations

import json
import os

import boto3
import jsonschema
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.normalize_file import normalize_files_flow
from ingest.records import record_schema
from ingest.store import LocalStore
from tests.argos_tiny import build_tiny_argos_package, install_packages


@pytest.fixture(scope="module", autouse=True)
def harness():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def ru_en_models(tmp_path_factory):
    """A real argos ru->en package whose tiny model always answers "for the heads"."""
    work = tmp_path_factory.mktemp("argos")
    archive = build_tiny_argos_package(work, "ru", "en", "1.0", reply="for the heads")
    install_packages([archive], work / "packages")
    return str(work / "packages")


def normalize_file(path: str, store_url: str, **options) -> dict:
    """The flow run on one file: that file's entry, with its run's id and counts."""
    out = normalize_files_flow([path], store_url, **options)
    [doc] = out["documents"]
    return {**doc, "run_id": out["run_id"], "translation": out["translation"]}


def _records(store) -> list[dict]:
    """The latest record of every document, found the way readers find them."""
    return [json.loads(store.get(json.loads(store.get(k))["keys"]["record"])) for k in store.list("latest/")]


@pytest.mark.corpus
def test_seed_article_to_local_store(tmp_path, seed_path, seed_text, ru_en_models):
    store_dir = tmp_path / "store"
    out = normalize_file(str(seed_path), str(store_dir), models_dir=ru_en_models)
    assert out["status"] == "written"
    store = LocalStore(store_dir)
    doc_id = out["doc_id"]
    version = out["version"]
    base = f"docs/{doc_id}/{version}"
    assert sorted(k for k in store.list() if not k.startswith("cache/")) == sorted(
        [
            f"{base}/raw/article-mixed-ru-zh.txt",
            f"{base}/cleaned.txt",
            f"{base}/record.json",
            f"latest/{doc_id}.json",
            f"runs/{out['run_id']}/manifest.jsonl",
        ]
    )
    # The model's two answers went to the translation cache, one entry per source text.
    cached = [json.loads(store.get(k)) for k in store.list("cache/translations/")]
    assert sorted((c["model"], c["model_version"], c["source"], c["output"]) for c in cached) == [
        ("translate-ru_en", "1.0", "За “головы”", "for the heads"),
        ("translate-ru_en", "1.0", "не только", "for the heads"),
    ]
    assert out["translation"]["engine_calls"] == 1 and out["translation"]["cache_misses"] == 2
    assert store.get(f"{base}/raw/article-mixed-ru-zh.txt") == seed_path.read_bytes()

    [record] = _records(store)
    jsonschema.validate(record, record_schema())
    assert record["version"] == version and record["run_id"] == out["run_id"]
    cleaned = store.get(f"{base}/cleaned.txt").decode("utf-8")
    assert cleaned == record["cleaned_text"]
    assert "of a military" in cleaned and "\u00a0" not in cleaned
    assert "For the heads The rewards" in cleaned  # heading translated, capitalised in place
    assert "since for the heads the largest" in cleaned

    foreign = [c for c in record["changes"] if c["kind"] == "foreign"]
    assert [(c["original"], c["status"]) for c in foreign] == [
        ("已發表 26 05, 2020 作者", "untranslated"),
        ("За «головы»", "translated"),
        ("не только", "translated"),
    ]
    assert foreign[0]["reason"] == "no installed model zh-Hant->en"
    assert {(c["engine"], c["model"], c["model_version"]) for c in foreign[1:]} == {
        ("argostranslate", "translate-ru_en", "1.0")
    }
    for c in record["changes"]:
        s, e = c["original_span"]
        assert seed_text[s:e] == c["original"]
        s, e = c["new_span"]
        assert cleaned[s:e] == c["replacement"]
    assert record["summary"]["translated"] == 2 and record["summary"]["untranslated"] == 1


@pytest.mark.corpus
def test_rerun_writes_nothing_new(tmp_path, seed_path):
    store_dir = tmp_path / "store"
    first = normalize_file(str(seed_path), str(store_dir))
    mtimes = {p: p.stat().st_mtime_ns for p in store_dir.rglob("*") if p.is_file()}
    second = normalize_file(str(seed_path), str(store_dir))
    assert (first["status"], second["status"]) == ("written", "unchanged")
    assert first["doc_id"] == second["doc_id"]
    after = {p: p.stat().st_mtime_ns for p in store_dir.rglob("*") if p.is_file()}
    # Nothing rewritten; the only new object is the second run's manifest, which says so.
    assert {p: t for p, t in after.items() if p not in mtimes}.keys() == {
        store_dir / "runs" / second["run_id"] / "manifest.jsonl"
    }
    assert {p: t for p, t in after.items() if p in mtimes} == mtimes
    entry = json.loads((store_dir / "runs" / second["run_id"] / "manifest.jsonl").read_text())
    assert (entry["action"], entry["doc_id"], entry["version"]) == ("unchanged", first["doc_id"], first["version"])


@pytest.mark.corpus
def test_seed_article_to_s3_over_http(moto_server, s3_bucket, seed_path):
    url = f"s3://{s3_bucket}/transnorm"
    first = normalize_file(str(seed_path), url, s3_endpoint=moto_server)
    s3 = boto3.client("s3", endpoint_url=moto_server)
    listed = s3.list_objects_v2(Bucket=s3_bucket)["Contents"]
    keys = sorted(o["Key"] for o in listed)
    doc_id = first["doc_id"]
    base = f"transnorm/docs/{doc_id}/{first['version']}"
    assert keys == sorted(
        [
            f"{base}/raw/article-mixed-ru-zh.txt",
            f"{base}/record.json",
            f"{base}/cleaned.txt",
            f"transnorm/latest/{doc_id}.json",
            f"transnorm/runs/{first['run_id']}/manifest.jsonl",
        ]
    )
    head = s3.head_object(Bucket=s3_bucket, Key=f"{base}/cleaned.txt")
    assert head["ContentType"] == "text/plain; charset=utf-8"
    assert head["Metadata"]["fragment-langs"] == "ru,zh-Hant"
    record = json.loads(s3.get_object(Bucket=s3_bucket, Key=f"{base}/record.json")["Body"].read())
    jsonschema.validate(record, record_schema())

    etags = {o["Key"]: (o["ETag"], o["LastModified"]) for o in listed}
    second = normalize_file(str(seed_path), url, s3_endpoint=moto_server)
    assert second["status"] == "unchanged"
    after = {o["Key"]: (o["ETag"], o["LastModified"]) for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]}
    # Only the second run's manifest is new; no document object was rewritten.
    assert {k: v for k, v in after.items() if "/runs/" not in k} == {
        k: v for k, v in etags.items() if "/runs/" not in k
    }
    assert len([k for k in after if "/runs/" in k]) == 2


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "no such file"),
        (lambda p: os.mkfifo(p), "is not a regular file"),
        (lambda p: p.write_bytes(b""), "is empty"),
        (
            lambda p: p.write_bytes(
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
            ),
            "binary",
        ),
        (
            lambda p: p.write_bytes("Привет, это текст по-русски. ".encode() * 3 + b"\xff" + "конец".encode()),
            "not valid UTF-8",
        ),
    ],
    ids=["missing", "fifo", "empty", "png", "invalid-utf8"],
)
def test_bad_input_fails_clearly_and_stores_nothing(tmp_path, make, message):
    path = tmp_path / "input.txt"
    make(path)
    store_dir = tmp_path / "store"
    out = normalize_file(str(path), str(store_dir))
    assert out["status"] == "failed" and out["reason"].startswith("unreadable: ") and message in out["reason"]
    # Nothing of the document; the run's manifest says what happened to it.
    assert [p.relative_to(store_dir).as_posix() for p in store_dir.rglob("*") if p.is_file()] == [
        f"runs/{out['run_id']}/manifest.jsonl"
    ]
    entry = json.loads((store_dir / "runs" / out["run_id"] / "manifest.jsonl").read_text())
    assert (entry["action"], entry["source"], entry["reason"]) == ("failed", str(path), out["reason"])


def _hostile(size: int) -> str:
    # Every other word with look-alike letters: the densest work per byte detection does.
    words = "the people about which their there other".split()
    out, n = [], 0
    while n < size:
        w = words[n % len(words)].replace("e", "\u0435") if n % 2 else words[n % len(words)]
        out.append(w)
        n += len(w) + 1
    return " ".join(out)


def test_document_over_its_time_budget_fails_alone(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-small.txt").write_text("A small page that says не только once.\n")
    (folder / "b-hostile.txt").write_text(_hostile(1_000_000))
    (folder / "c-small.txt").write_text("Another small page, with mon ami in it.\n")
    store_dir = tmp_path / "store"
    out = normalize_files_flow([str(folder)], str(store_dir), timeout_s=1.0)
    status = {d["path"].rsplit("/", 1)[-1]: (d["status"], (d["reason"] or "").split(":")[0]) for d in out["documents"]}
    assert status == {
        "a-small.txt": ("written", ""),
        "b-hostile.txt": ("failed", "document_timeout"),
        "c-small.txt": ("written", ""),
    }
    assert out["counts"] == {"failed": 1, "written": 2}
    hostile = next(d for d in out["documents"] if d["status"] == "failed")
    # Nothing partial: no object of the stopped document.
    assert not any(hostile["doc_id"] in p.as_posix() for p in store_dir.rglob("*") if p.is_file())
    entries = [
        json.loads(line) for line in (store_dir / "runs" / out["run_id"] / "manifest.jsonl").read_text().splitlines()
    ]
    assert sorted(e["action"] for e in entries) == ["failed", "written", "written"]
    assert [e["reason"] for e in entries if e["action"] == "failed"] == [hostile["reason"]]


def test_cache_serves_a_second_document_from_the_store(tmp_path, ru_en_models):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("The first page says не только once, in passing, and moves on.\n")
    b.write_text("A second page, different, also says не только in the middle.\n")
    store_dir = str(tmp_path / "store")
    first = normalize_file(str(a), store_dir, models_dir=ru_en_models)
    second = normalize_file(str(b), store_dir, models_dir=ru_en_models)
    assert (first["translation"]["engine_calls"], second["translation"]["engine_calls"]) == (1, 0)
    assert second["translation"]["cache_hits"] == 1
    record = json.loads(LocalStore(store_dir).get(second["keys"]["record"]))
    [change] = [c for c in record["changes"] if c["kind"] == "foreign"]
    assert (change["replacement"], change["cache"], change["route"]) == ("for the heads", "hit", ["ru", "en"])
    assert record["summary"]["from_cache"] == 1
    jsonschema.validate(record, record_schema())
    # Without the cache the model runs again.
    third = normalize_file(str(b), str(tmp_path / "other"), models_dir=ru_en_models, cache=False)
    assert third["translation"]["engine_calls"] == 1


@pytest.mark.corpus
def test_glossary_and_annotate_mode(tmp_path, seed_path, seed_text, ru_en_models):
    from pathlib import Path

    glossary = Path(__file__).resolve().parents[1] / "deploy" / "glossary.tsv"
    store_dir = tmp_path / "store"
    out = normalize_file(
        str(seed_path), str(store_dir), models_dir=ru_en_models, glossary=str(glossary), mode="annotate"
    )
    record = json.loads(LocalStore(store_dir).get(out["keys"]["record"]))
    jsonschema.validate(record, record_schema())
    assert record["pipeline"]["mode"] == "annotate"
    assert record["pipeline"]["glossary"] is not None and len(record["pipeline"]["glossary"]) == 64
    foreign = [c for c in record["changes"] if c["kind"] == "foreign"]
    assert [(c["replacement"], c["engine"]) for c in foreign] == [
        ("Posted 26 05, 2020 by [zh-Hant: 已發表 26 05, 2020 作者]", "glossary"),
        ("For the heads [ru: За «головы»]", "argostranslate"),
        ("for the heads [ru: не только]", "argostranslate"),
    ]
    assert "\n    Posted 26 05, 2020 by [zh-Hant: 已發表 26 05, 2020 作者] CEO\n" in record["cleaned_text"]
    for c in record["changes"]:
        s, e = c["original_span"]
        assert seed_text[s:e] == c["original"]
        s, e = c["new_span"]
        assert record["cleaned_text"][s:e] == c["replacement"]
    # A changed mode is a changed output: the same file is written again, not skipped.
    again = normalize_file(str(seed_path), str(store_dir), models_dir=ru_en_models, glossary=str(glossary))
    assert again["status"] == "written"


@pytest.mark.corpus
def test_store_from_a_prefect_aws_block_never_shows_its_secret(moto_server, s3_bucket, seed_path, caplog):
    from prefect_aws import AwsCredentials, S3Bucket

    secret = "s3cr3t-Do-Not-Print-9f8e7d"
    credentials = AwsCredentials(
        aws_access_key_id="AKIATESTBLOCK",
        aws_secret_access_key=secret,
        region_name="us-east-1",
        aws_client_parameters={"endpoint_url": moto_server},
    )
    S3Bucket(bucket_name=s3_bucket, bucket_folder="via-block", credentials=credentials).save(
        "transnorm-test-bucket", overwrite=True
    )
    out = normalize_file(str(seed_path), "prefect-block://transnorm-test-bucket")
    s3 = boto3.client("s3", endpoint_url=moto_server)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]}
    assert f"via-block/latest/{out['doc_id']}.json" in keys
    assert all(secret not in url for url in out["urls"].values())
    assert secret not in caplog.text and secret not in json.dumps(out)
    record = json.loads(s3.get_object(Bucket=s3_bucket, Key=f"via-block/{out['keys']['record']}")["Body"].read())
    assert secret not in json.dumps(record)
    with pytest.raises(ValueError, match="no S3Bucket block named 'missing-block'"):
        normalize_file(str(seed_path), "prefect-block://missing-block")
