"""The stored form of a normalized document: key layout, JSON record, write-once logic.

Key layout (the same in a local folder and in a bucket, relative to the store's root;
docs/bucket.md is the full contract)::

    docs/<doc_id>/<version>/raw/<name>     the input bytes exactly as received
    docs/<doc_id>/<version>/cleaned.txt    the cleaned text, UTF-8
    docs/<doc_id>/<version>/record.json    the JSON record (ingest/schemas/record.v1.schema.json)
    latest/<doc_id>.json                   pointer to the document's newest version

``version`` is the first 16 hex digits of the record's ``pipeline.fingerprint`` (input
bytes, pipeline version, target language, engine and models, mode, glossary): the same
input under the same settings is the same version and is never written twice; anything
that changes the output is a new version, written beside the old ones, and the pointer
moves to it. The pointer is written last: a reader that goes through ``latest/`` never
sees a document half-written (each object is itself written atomically by the store).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files

from normalize.types import Result

from .reading import Document
from .store import Store

SCHEMA_VERSION = "1.3"


def record_schema(name: str = "record") -> dict:
    """A JSON Schema (draft 2020-12) of the bucket contract: ``record`` (every record),
    ``latest`` (the pointers) or ``manifest-entry`` (a line of a run manifest)."""
    return json.loads(files("ingest").joinpath(f"schemas/{name}.v1.schema.json").read_text(encoding="utf-8"))


def version_of(fingerprint: str) -> str:
    """The version key of a record with this pipeline fingerprint."""
    return fingerprint[:16]


def keys_for(doc: Document, version: str) -> dict[str, str]:
    """Store keys of ``doc``'s objects in ``version``, and of its latest pointer."""
    base = f"docs/{doc.doc_id}/{version}"
    return {
        "raw": f"{base}/raw/{doc.name}",
        "cleaned": f"{base}/cleaned.txt",
        "record": f"{base}/record.json",
        "latest": f"latest/{doc.doc_id}.json",
    }


def url_doc_id(url: str) -> str:
    """``doc_id`` of a crawled page: SHA-256 of its canonical URL (courlan-normalised),
    first 32 hex digits, so every version of a page is one document."""
    import courlan

    return hashlib.sha256(courlan.normalize_url(url).encode("utf-8")).hexdigest()[:32]


def fingerprint(
    doc: Document,
    pipeline_version: str,
    target_lang: str,
    engine: str,
    mode: str = "replace",
    glossary: str | None = None,
    source_lang: str | None = None,
) -> str:
    """What decides the output: input bytes, pipeline version, target language, engine
    and its models, translation mode, glossary digest, a given main language."""
    basis: list[str | None] = [doc.sha256, pipeline_version, target_lang, engine]
    if mode != "replace" or glossary is not None or source_lang is not None:
        # Appended only when set, so records written before these settings existed keep
        # their fingerprints.
        basis += [mode, glossary, *([source_lang] if source_lang is not None else [])]
    return hashlib.sha256(json.dumps(basis, ensure_ascii=True).encode()).hexdigest()


def build_record(
    doc: Document,
    result: Result,
    pipeline_version: str,
    engine: str,
    glossary: str | None = None,
    origin: dict | None = None,
    run_id: str | None = None,
    source_lang: str | None = None,
) -> dict:
    """The JSON record of ``doc`` normalized into ``result`` (a plain ``dict``).

    ``engine`` names the translation engine and its installed models, ``glossary`` is
    the SHA-256 digest of the glossary used (``None``: none). ``origin`` says where the
    document came from: ``{"kind": "upload"}`` (default) or ``{"kind": "crawl",
    "source": name, "url": canonical URL}``; ``run_id`` names the run that wrote it.
    Offsets in ``findings``
    index ``original_text``; ``changes`` carry ``original_span`` (into
    ``original_text``) and ``new_span`` (into ``cleaned_text``), all in code points.
    """
    fp = fingerprint(doc, pipeline_version, result.target_lang, engine, result.mode, glossary, source_lang)
    version = version_of(fp)
    return {
        "schema_version": SCHEMA_VERSION,
        "doc_id": doc.doc_id,
        "version": version,
        "run_id": run_id,
        "source": {
            "origin": origin or {"kind": "upload"},
            "name": doc.name,
            "path": doc.source,
            "content_type": doc.content_type,
            "charset": doc.charset,
            "charset_confidence": doc.charset_confidence,
            "sha256": doc.sha256,
            "bytes": len(doc.raw),
            "metadata": doc.metadata,
        },
        "pipeline": {
            "name": "transnorm",
            "version": pipeline_version,
            "target_lang": result.target_lang,
            "engine": engine,
            "mode": result.mode,
            "glossary": glossary,
            "source_lang": source_lang,
            "fingerprint": fp,
        },
        "processed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "main_lang": result.main_lang,
        "summary": result.summary(),
        "keys": keys_for(doc, version),
        "original_text": result.original_text,
        "cleaned_text": result.cleaned_text,
        "findings": [f.to_json() for f in result.findings],
        "changes": [c.to_json() for c in result.changes],
    }


def pointer(record: dict) -> dict:
    """The ``latest/<doc_id>.json`` pointer for ``record``: enough to list and filter
    documents without reading their records (schema: ingest/schemas/latest.v1.schema.json)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "doc_id": record["doc_id"],
        "version": record["version"],
        "keys": record["keys"],
        "source": {k: record["source"][k] for k in ("origin", "name", "path", "content_type", "sha256")},
        "main_lang": record["main_lang"],
        "fragment_langs": sorted(record["summary"]["fragments_per_lang"]),
        "pipeline": {k: record["pipeline"][k] for k in ("version", "fingerprint")},
        "processed_at": record["processed_at"],
        "run_id": record["run_id"],
    }


@dataclass(frozen=True)
class WriteReport:
    """What :func:`write_document` did.

    ``status``: ``written`` (a new version, pointer moved to it), ``unchanged`` (this
    version is stored and is the latest: nothing written) or ``relinked`` (this version
    was stored already; only the pointer moved back to it).
    """

    doc_id: str
    status: str
    version: str
    keys: dict[str, str]
    urls: dict[str, str]


def object_metadata(record: dict) -> dict[str, str]:
    """User metadata put on every object of a version, for readers that filter with a
    HEAD request; non-ASCII values are percent-encoded by the store."""
    origin = record["source"]["origin"]
    return {
        "doc-id": record["doc_id"],
        "version": record["version"],
        "schema-version": record["schema_version"],
        "main-lang": record["main_lang"],
        "fragment-langs": ",".join(sorted(record["summary"]["fragments_per_lang"])),
        "pipeline-version": record["pipeline"]["version"],
        "source-name": record["source"]["name"],
        "origin": origin["kind"] + (f":{origin['source']}" if origin.get("source") else ""),
    }


def write_document(store: Store, doc: Document, record: dict) -> WriteReport:
    """Store ``doc``'s raw bytes, cleaned text and record as a version, then point
    ``latest/<doc_id>.json`` at it (see the module docstring for the policy).

    Errors of the store (``OSError``, botocore errors) propagate; a run that fails midway
    leaves the pointer where it was, so readers keep seeing the previous version whole.
    """
    keys = record["keys"]
    urls = {name: store.url_for(key) for name, key in keys.items()}
    version = record["version"]
    if store.exists(keys["record"]):
        try:
            current = json.loads(store.get(keys["latest"]))
        except (KeyError, ValueError):
            current = None
        if current is not None and current.get("version") == version:
            return WriteReport(doc.doc_id, "unchanged", version, keys, urls)
        stored = json.loads(store.get(keys["record"]))
        _put_pointer(store, stored)
        return WriteReport(doc.doc_id, "relinked", version, keys, urls)
    meta = object_metadata(record)
    store.put(keys["raw"], doc.raw, f"{doc.content_type}; charset={doc.charset}", meta)
    store.put(keys["cleaned"], record["cleaned_text"].encode("utf-8"), "text/plain; charset=utf-8", meta)
    # The record is written only if absent: of two writers of the same version at the same
    # moment (two identical uploads), exactly one reports "written"; the other, whose raw
    # and cleaned objects were byte for byte the same, reports "unchanged".
    if not store.create(
        keys["record"], json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"), "application/json", meta
    ):
        return WriteReport(doc.doc_id, "unchanged", version, keys, urls)
    _put_pointer(store, record)
    return WriteReport(doc.doc_id, "written", version, keys, urls)


def _put_pointer(store: Store, record: dict) -> None:
    store.put(
        record["keys"]["latest"],
        json.dumps(pointer(record), ensure_ascii=False).encode("utf-8"),
        "application/json",
        object_metadata(record),
    )
