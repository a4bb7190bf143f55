"""The stored form of a normalized document: key layout, JSON record, write-once logic.

Key layout (the same in a local folder and in a bucket, relative to the store's root):

    raw/<doc_id>/<name>        the input bytes exactly as received
    cleaned/<doc_id>.txt       the cleaned text, UTF-8
    cleaned/<doc_id>.json      the JSON record (schema: ingest/schemas/record.v1.schema.json)

The record is written last: a reader that finds ``cleaned/<doc_id>.json`` finds the other
two complete (each object is itself written atomically by the store). Re-normalizing the
same bytes with the same pipeline settings writes nothing: the stored record's
``pipeline.fingerprint`` already matches.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.resources import files

from normalize.types import Result

from .reading import Document
from .store import Store

SCHEMA_VERSION = "1.1"


def record_schema() -> dict:
    """The JSON Schema (draft 2020-12) every record validates against."""
    return json.loads(files("ingest").joinpath("schemas/record.v1.schema.json").read_text(encoding="utf-8"))


def keys_for(doc: Document) -> dict[str, str]:
    """Store keys of ``doc``'s three objects."""
    return {
        "raw": f"raw/{doc.doc_id}/{doc.name}",
        "cleaned": f"cleaned/{doc.doc_id}.txt",
        "record": f"cleaned/{doc.doc_id}.json",
    }


def fingerprint(doc: Document, pipeline_version: str, target_lang: str, engine: str, mode: str = "replace", glossary: str | None = None) -> str:
    """What decides the output: input bytes, pipeline version, target language, engine
    and its models, translation mode, glossary digest."""
    basis = [doc.sha256, pipeline_version, target_lang, engine]
    if mode != "replace" or glossary is not None:
        # Appended only when set, so records written before modes and glossaries existed
        # keep their fingerprints.
        basis += [mode, glossary]
    return hashlib.sha256(json.dumps(basis, ensure_ascii=True).encode()).hexdigest()


def build_record(doc: Document, result: Result, pipeline_version: str, engine: str, glossary: str | None = None) -> dict:
    """The JSON record of ``doc`` normalized into ``result`` (a plain ``dict``).

    ``engine`` names the translation engine and its installed models, ``glossary`` is
    the SHA-256 digest of the glossary used (``None``: none). Offsets in ``findings``
    index ``original_text``; ``changes`` carry ``original_span`` (into
    ``original_text``) and ``new_span`` (into ``cleaned_text``), all in code points.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "doc_id": doc.doc_id,
        "source": {
            "name": doc.name,
            "path": doc.source,
            "content_type": doc.content_type,
            "charset": doc.charset,
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
            "fingerprint": fingerprint(doc, pipeline_version, result.target_lang, engine, result.mode, glossary),
        },
        "processed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "main_lang": result.main_lang,
        "summary": result.summary(),
        "keys": keys_for(doc),
        "original_text": result.original_text,
        "cleaned_text": result.cleaned_text,
        "findings": [f.to_json() for f in result.findings],
        "changes": [c.to_json() for c in result.changes],
    }


@dataclass(frozen=True)
class WriteReport:
    """What :func:`write_document` did: ``status`` is ``written`` or ``unchanged``."""

    doc_id: str
    status: str
    keys: dict[str, str]
    urls: dict[str, str]


def write_document(store: Store, doc: Document, record: dict) -> WriteReport:
    """Store raw bytes, cleaned text and record of ``doc``, record last.

    Writes nothing when the stored record has the same pipeline fingerprint. Errors of
    the store (``OSError``, botocore errors) propagate; a failed run leaves no record, so
    a reader never sees the document half-written.
    """
    keys = keys_for(doc)
    urls = {name: store.url_for(key) for name, key in keys.items()}
    if store.exists(keys["record"]):
        try:
            stored = json.loads(store.get(keys["record"]))
        except (KeyError, ValueError):
            stored = {}
        if stored.get("pipeline", {}).get("fingerprint") == record["pipeline"]["fingerprint"]:
            return WriteReport(doc.doc_id, "unchanged", keys, urls)
    langs = sorted({f["lang"] for f in record["findings"] if f["kind"] == "foreign"})
    meta = {
        "doc-id": doc.doc_id,
        "main-lang": record["main_lang"],
        "fragment-langs": ",".join(langs),
        "pipeline-version": record["pipeline"]["version"],
        "source-name": doc.name,
    }
    store.put(keys["raw"], doc.raw, f"{doc.content_type}; charset={doc.charset}", meta)
    store.put(keys["cleaned"], record["cleaned_text"].encode("utf-8"), "text/plain; charset=utf-8", meta)
    body = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
    store.put(keys["record"], body, "application/json", meta)
    return WriteReport(doc.doc_id, "written", keys, urls)
