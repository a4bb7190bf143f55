"""Prefect flow ``normalize-file``: one uploaded file, read -> normalize -> store.

The flow only orchestrates; each task calls one plain function from ``ingest`` or
``normalize``. Storage is retried (a flaky bucket should not lose a document); reading and
normalizing are not (bad input does not get better by retrying).
"""

from __future__ import annotations

from dataclasses import asdict

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from ingest.reading import MAX_DOCUMENT_BYTES, Document, read_file
from ingest.records import WriteReport, build_record
from ingest.runs import new_run_id, write_single
from flows.stores import open_store
from flows.translators import make_translator
from normalize.detect import DetectConfig
from normalize.pipeline import PIPELINE_VERSION, normalize_text
from normalize.translate import FragmentTranslator
from normalize.types import Result

# Documents carry their bytes and text; hashing them for a cache key buys nothing here.
_TASK = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="read-file", **_TASK)
def read_task(path: str, encoding: str | None, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    return read_file(path, encoding=encoding, max_bytes=max_bytes)


@task(name="normalize-text", **_TASK)
def normalize_task(doc: Document, target_lang: str, translator: FragmentTranslator, mode: str, source_lang: str | None = None) -> Result:
    return normalize_text(doc.text, translator=translator, target_lang=target_lang, mode=mode, config=DetectConfig(main_lang=source_lang))


@task(name="store-document", retries=3, retry_delay_seconds=[1, 4, 10], **_TASK)
def store_task(store_url: str, s3_endpoint: str | None, doc: Document, result: Result, engine: str, glossary: str | None, run_id: str, source_lang: str | None = None) -> WriteReport:
    store = open_store(store_url, s3_endpoint=s3_endpoint)
    record = build_record(doc, result, PIPELINE_VERSION, engine, glossary, run_id=run_id, source_lang=source_lang)
    return write_single(store, doc, record)


def _markdown(doc: Document, result: Result, report: WriteReport) -> str:
    s = result.summary()
    langs = ", ".join(f"{k}: {v}" for k, v in s["fragments_per_lang"].items()) or "none"
    return (
        f"# {doc.name}\n\n"
        f"- doc_id: `{doc.doc_id}` ({report.status})\n"
        f"- main language: {s['main_lang']}\n"
        f"- fragments: {s['fragments']} ({langs})\n"
        f"- homoglyphs repaired: {s['homoglyphs_repaired']}\n"
        f"- translated / untranslated / rejected: {s['translated']} / {s['untranslated']} / {s['rejected']}\n"
        f"- record: {report.urls['record']}\n"
    )


@flow(name="normalize-file", log_prints=False)
def normalize_file(
    path: str,
    store_url: str,
    target_lang: str = "en",
    s3_endpoint: str | None = None,
    models_dir: str | None = None,
    encoding: str | None = None,
    glossary: str | None = None,
    mode: str = "replace",
    cache: bool = True,
    source_lang: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> dict:
    """Normalize the file at ``path`` and store it under ``store_url``.

    ``glossary`` is a TSV or YAML glossary file, ``mode`` one of ``replace``,
    ``annotate``, ``keep``; ``cache`` turns the store's translation cache on or off;
    ``source_lang`` (BCP-47) gives the document's main language instead of detecting it.
    Returns ``{"doc_id", "status", "version", "keys", "urls", "run_id", "summary",
    "findings", "fragments", "translation"}`` (``fragments``: each foreign fragment's language, text, status and
    reason) (``translation``: engine calls, cache hits and misses, glossary
    hits). Raises ``ingest.reading.InputError`` for bad input (nothing is stored then),
    ``normalize.glossary.GlossaryError`` for a bad glossary, ``ValueError`` for an
    unknown mode, and the store's errors once retries are spent.
    """
    logger = get_run_logger()
    translator, engine = make_translator(store_url, s3_endpoint, models_dir, glossary, cache)
    doc = read_task(path, encoding, max_bytes)
    result = normalize_task(doc, target_lang, translator, mode, source_lang)
    digest = translator.glossary.digest if len(translator.glossary) else None
    run_id = new_run_id()
    report = store_task(store_url, s3_endpoint, doc, result, engine.identity(), digest, run_id, source_lang)
    create_markdown_artifact(markdown=_markdown(doc, result, report), key="normalize-file-summary", description=doc.name)
    logger.info("%s: %s (%s)", doc.name, report.status, report.urls["record"])
    return {
        **asdict(report),
        "run_id": run_id,
        "charset": doc.charset,
        "charset_confidence": doc.charset_confidence,
        "summary": result.summary(),
        "findings": [f.to_json() for f in result.findings],
        "fragments": [
            {"lang": c.lang, "original": c.original, "status": c.status, "reason": c.reason}
            for c in result.changes
            if c.kind == "foreign"
        ],
        "translation": translator.stats.as_dict(),
    }
