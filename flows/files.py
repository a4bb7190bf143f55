"""The file job: files and folders to the bucket, without Prefect (the CLI runs it
in-process; the ``normalize-files`` flow in :mod:`flows.normalize_file` runs it as a
tracked flow run).

The job reads the files (folders expanded), normalizes them in a pool of worker
processes, each document under a time budget (a runaway one is stopped by killing its
worker), stores each and writes the run's manifest (:func:`flows.batch.run_files`).
"""

from __future__ import annotations

from flows.batch import Options, Outcome, RunReport, expand, job_error_code, process_one, run_files
from flows.pool import NormalizePool, PoolSettings
from flows.stores import open_store
from ingest.glossaries import read_glossary
from ingest.reading import MAX_DOCUMENT_BYTES
from normalize.argos import ArgosEngine

DEFAULT_TIMEOUT_S = 60.0
_GLOSSARY = "file"  # the pool's name for the run's one glossary


def normalize_files(
    paths: list[str],
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
    workers: int = 2,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> dict:
    """Normalize the files and folders of ``paths`` into the store at ``store_url``.

    ``glossary`` is a TSV or YAML glossary file, ``mode`` one of ``replace``,
    ``annotate``, ``keep``; ``cache`` turns the store's translation cache on or off;
    ``source_lang`` (BCP-47) gives the documents' main language instead of detecting
    it; ``workers`` processes normalize at once, each document for at most
    ``timeout_s`` seconds. A file that fails (unreadable, over its budget, a store
    error) is a ``failed`` entry with its reason; the others are stored.

    Returns ``{"run_id", "manifest", "counts", "translation", "documents"}``, one
    document per file: ``{"path", "status", "reason"}`` plus, when normalized,
    ``doc_id``, ``version``, ``keys``, ``urls``, ``charset``, ``charset_confidence``,
    ``summary``, ``findings`` and ``fragments``. Raises
    :class:`~normalize.glossary.GlossaryError` for a bad glossary, ``ValueError`` for
    an unknown mode or store URL, and the store's errors on the manifest.
    """
    if mode not in ("replace", "annotate", "keep"):
        raise ValueError(f"unknown mode {mode!r}; expected replace, annotate or keep")
    if glossary:
        read_glossary(glossary)  # a bad glossary is the caller's error, before any work
    # No more worker processes than files: on a small machine an idle worker's start-up
    # competes with the one that has work.
    files = expand(paths)
    workers = max(1, min(workers, len(files)))
    settings = PoolSettings.for_store(
        store_url,
        s3_endpoint,
        models_dir=models_dir,
        glossaries={_GLOSSARY: glossary} if glossary else {},
        cache=cache,
        workers=workers,
        queue=workers,
        timeout_s=timeout_s,
    )
    # The fork server loads the models while this process reads the files; the workers
    # start with the first document.
    pool = NormalizePool(settings)
    try:
        store = open_store(store_url, s3_endpoint=s3_endpoint)
        # The engine here only names the models for the records; the workers translate.
        engine_id = ArgosEngine(models_dir).identity()
        options = Options(target_lang, mode, _GLOSSARY if glossary else None, source_lang)
        report = run_files(files, pool, store, engine_id, options, encoding, max_bytes)
    finally:
        pool.close()
    return _json(report)


def _json(report: RunReport) -> dict:
    return {
        "run_id": report.run_id,
        "manifest": report.manifest_key,
        "counts": report.counts(),
        "translation": report.translation(),
        "documents": [_document(o) for o in report.outcomes],
    }


def _document(o: Outcome) -> dict:
    out: dict = {"path": o.source, "status": o.status, "reason": o.reason}
    if o.doc is not None:
        out.update(doc_id=o.doc.doc_id, charset=o.doc.charset, charset_confidence=o.doc.charset_confidence)
    if o.report is not None:
        out.update(version=o.report.version, keys=o.report.keys, urls=o.report.urls)
    if o.result is not None:
        out.update(
            summary=o.result.summary(),
            findings=[f.to_json() for f in o.result.findings],
            fragments=[
                {"lang": c.lang, "original": c.original, "status": c.status, "reason": c.reason}
                for c in o.result.changes
                if c.kind == "foreign"
            ],
            translation=o.translation,
        )
    return out


def run_job(
    job_id: str,
    store_url: str,
    s3_endpoint: str | None = None,
    models_dir: str | None = None,
    glossaries: dict[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    flow_run_id: str | None = None,
) -> dict:
    """Run the API job ``job_id`` (:mod:`ingest.jobs`) from its stored input: decode it,
    normalize it in a worker process under ``timeout_s``, store it with a one-line
    manifest, and write the job's final status, which is returned. ``glossaries`` maps
    the names an upload may choose to glossary files (the API's configuration).
    ``KeyError`` if the job's input is missing."""
    from ingest import jobs
    from ingest.reading import InputError, read_bytes

    store = open_store(store_url, s3_endpoint=s3_endpoint)
    data, req = jobs.load(store, job_id)
    jobs.set_status(store, job_id, "running", flow_run_id=flow_run_id)
    try:
        doc = read_bytes(data, req.name, encoding=req.encoding, content_type=req.content_type)
    except InputError as exc:
        jobs.set_status(
            store, job_id, "failed", error={"code": "unreadable", "message": str(exc)}, flow_run_id=flow_run_id
        )
        return jobs.status(store, job_id) or {}
    settings = PoolSettings.for_store(
        store_url,
        s3_endpoint,
        models_dir=models_dir,
        glossaries=dict(glossaries or {}),
        workers=1,
        queue=1,
        timeout_s=timeout_s,
    )
    pool = NormalizePool(settings)
    try:
        engine_id = ArgosEngine(models_dir).identity()
        options = Options(req.target_lang, req.mode, req.glossary, req.source_lang)
        o = process_one(doc, pool, store, engine_id, options, source=f"upload:{doc.name}")
    finally:
        pool.close()
    if o.status == "failed":
        error = {"code": job_error_code(o), "message": o.reason}
        jobs.set_status(store, job_id, "failed", error=error, flow_run_id=flow_run_id)
    else:
        jobs.set_status(store, job_id, "succeeded", doc_id=doc.doc_id, flow_run_id=flow_run_id)
    return jobs.status(store, job_id) or {}
