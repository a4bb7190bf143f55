"""The one path from decoded documents to the bucket, for every entry point.

    documents -> normalize each in the worker pool (its time budget) -> record -> store

:func:`process` takes documents already decoded (by :mod:`ingest.reading` or the
crawler), normalizes them in a :class:`~flows.pool.NormalizePool` (a runaway document is
stopped by killing its worker), builds each record and writes it. Every document gets an
:class:`Outcome`; a failed one carries its reason and never fails the others. Nothing
partial is stored: a document is written only once it is fully normalized.

:func:`run_files` is the file job on top of it: read paths and folders, process them in
chunks, write the run's manifest. No Prefect here: the ``normalize-files`` flow and the
CLI both call it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ingest.reading import MAX_DOCUMENT_BYTES, Document, InputError, read_file
from ingest.records import WriteReport, build_record, write_document
from ingest.runs import Manifest, finish, new_part_id, new_run_id
from ingest.store import Store
from normalize.types import Result
from normalize.version import PIPELINE_VERSION

from .pool import DocumentTimeout, NormalizePool, Overloaded, WorkerFailed

# Documents read and held at once by run_files: bounds memory on a folder of thousands.
CHUNK = 64


@dataclass(frozen=True)
class Options:
    """How documents are normalized. ``glossary`` names one of the pool's glossaries."""

    target_lang: str = "en"
    mode: str = "replace"
    glossary: str | None = None
    source_lang: str | None = None


@dataclass
class Outcome:
    """What happened to one input. ``status``: ``written``, ``relinked``, ``unchanged``
    (see :func:`ingest.records.write_document`) or ``failed``; ``reason`` says why it
    failed, starting with a stable code (``unreadable``, ``document_timeout``,
    ``overloaded``, ``worker_failed``, ``store``)."""

    source: str
    status: str
    reason: str | None = None
    doc: Document | None = None
    result: Result | None = None
    report: WriteReport | None = None
    translation: dict = field(default_factory=dict)
    record: dict | None = field(default=None, repr=False)
    # The store's exception behind a ``store`` failure: the API tells an outage (503)
    # from a fault by it.
    error: BaseException | None = field(default=None, repr=False)

    def manifest_entry(self) -> dict:
        r = self.report
        return {
            "doc_id": self.doc.doc_id if self.doc else None,
            "version": r.version if r else None,
            "keys": r.keys if r else None,
            "sha256": self.doc.sha256 if self.doc else None,
            "source": self.source,
            "reason": self.reason,
        }


def failed(source: str, reason: str, doc: Document | None = None) -> Outcome:
    return Outcome(source, "failed", reason, doc)


def process(
    docs: Sequence[Document],
    pool: NormalizePool,
    store: Store,
    engine_id: str,
    run_id: str,
    options: Options = Options(),
    origins: Sequence[dict | None] | None = None,
    after_store: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Normalize and store ``docs``, as many at once as the pool has workers; one
    :class:`Outcome` per document, in order. Never raises for one document's failure.

    ``origins[k]`` is the record's ``source.origin`` of ``docs[k]`` (``None``: an upload).
    ``after_store(k, outcome)`` runs as soon as ``docs[k]`` is stored (the crawl saves
    the page's state there, so a run killed a moment later knows it); if it raises, the
    document's outcome is failed with the reason.
    """

    def one(k: int, doc: Document, origin: dict | None) -> Outcome:
        try:
            done = pool.normalize(doc.text, options.target_lang, options.mode, options.glossary, options.source_lang)
        except DocumentTimeout as exc:
            return failed(doc.source, f"document_timeout: {exc}", doc)
        except Overloaded as exc:
            return failed(doc.source, f"overloaded: {exc}", doc)
        except WorkerFailed as exc:
            return failed(doc.source, f"worker_failed: {exc}", doc)
        record = build_record(
            doc, done.result, PIPELINE_VERSION, engine_id, done.glossary_digest, origin, run_id, options.source_lang
        )

        def store_failed(exc: Exception, report: WriteReport | None) -> Outcome:
            reason = f"store: {type(exc).__name__}: {exc}"
            return Outcome(doc.source, "failed", reason, doc, done.result, report, done.translation, record, exc)

        try:
            report = write_document(store, doc, record)
        except Exception as exc:  # a store failure is this document's; the others go on
            return store_failed(exc, None)
        outcome = Outcome(doc.source, report.status, None, doc, done.result, report, done.translation, record)
        if after_store is not None:
            try:
                after_store(k, outcome)
            except Exception as exc:
                return store_failed(exc, report)
        return outcome

    if not docs:
        return []
    # Threads only wait on the pool and the store; the work is in the pool's processes.
    with ThreadPoolExecutor(max(1, min(pool.settings.workers, len(docs)))) as threads:
        return list(threads.map(one, range(len(docs)), docs, origins if origins is not None else [None] * len(docs)))


def process_one(
    doc: Document,
    pool: NormalizePool,
    store: Store,
    engine_id: str,
    options: Options = Options(),
    source: str | None = None,
) -> Outcome:
    """One document as a run of its own (an upload, an API job): :func:`process`, then
    the run's one-line manifest (``source`` names the input there; default
    ``doc.source``), unless the document failed. Store errors on the manifest propagate:
    without it the run is not finished."""
    run_id = new_run_id()
    [outcome] = process([doc], pool, store, engine_id, run_id, options)
    if outcome.status != "failed":
        manifest = Manifest(run_id)
        manifest.add(outcome.status, **(outcome.manifest_entry() | {"source": source or doc.source}))
        manifest.write(store)
    return outcome


# A failed outcome's reason code -> the API's error code (docs: README "HTTP service").
_API_CODES = {"document_timeout": "document_timeout", "overloaded": "overloaded", "store": "store_unavailable"}


def job_error_code(outcome: Outcome) -> str:
    """The API error code of a failed outcome: ``internal`` for a worker that died."""
    return _API_CODES.get((outcome.reason or "").split(":", 1)[0], "internal")


def expand(paths: Sequence[str]) -> list[str]:
    """Files named, and the regular files inside named folders (recursively, sorted,
    hidden names skipped); a path that is neither stays, so reading it fails clearly."""
    out: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            out.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            out += [os.path.join(root, f) for f in sorted(files) if not f.startswith(".")]
    return out


@dataclass
class RunReport:
    run_id: str
    outcomes: list[Outcome]
    manifest_key: str | None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return dict(sorted(out.items()))

    def translation(self) -> dict[str, int]:
        return summed(o.translation for o in self.outcomes)


def summed(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    """Counts added up key by key (translation counts of many documents)."""
    total: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    return total


def run_files(
    paths: Sequence[str],
    pool: NormalizePool,
    store: Store,
    engine_id: str,
    options: Options = Options(),
    encoding: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    run_id: str | None = None,
) -> RunReport:
    """Read, normalize and store every file of ``paths`` (folders expanded), then write
    the run's manifest (``runs/<run_id>/manifest.jsonl``) with one entry per file,
    failures included; each chunk of files writes its manifest part as it ends. Store
    errors on the manifest propagate: without it the run is not finished."""
    run_id = run_id or new_run_id()
    outcomes: list[Outcome] = []
    chunks = list(_chunks(expand(paths), CHUNK))
    for index, chunk in enumerate(chunks):
        docs: list[Document] = []
        slots: list[Outcome | None] = []
        for path in chunk:
            try:
                docs.append(read_file(path, encoding=encoding, max_bytes=max_bytes))
                slots.append(None)
            except InputError as exc:
                slots.append(failed(path, f"unreadable: {exc}"))
        done = iter(process(docs, pool, store, engine_id, run_id, options))
        ended = [o if o is not None else next(done) for o in slots]
        outcomes += ended
        if len(chunks) > 1:
            _manifest(run_id, ended).write_part(store, new_part_id(index))
    if not outcomes:
        return RunReport(run_id, outcomes, None)
    if len(chunks) > 1:
        return RunReport(run_id, outcomes, finish(store, run_id))
    return RunReport(run_id, outcomes, _manifest(run_id, outcomes).write(store))


def _manifest(run_id: str, outcomes: Iterable[Outcome]) -> Manifest:
    manifest = Manifest(run_id)
    for o in outcomes:
        manifest.add(o.status, **o.manifest_entry())
    return manifest


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
