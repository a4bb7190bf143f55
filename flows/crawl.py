"""Prefect flow ``crawl-source``: discover -> fetch in batches -> normalize and store.

The flow orchestrates plain functions from ``ingest`` and ``flows.batch``; it holds no
crawling logic. The frontier is cut into batches of ``batch_size`` URLs, mapped as
``crawl-batch`` tasks: in this process (two at a time) by default, or over the workers of
a Dask cluster (:func:`flows.limits.dask_task_runner`). A task's arguments are a
picklable :class:`CrawlSpec` and its URLs; each process builds its clients from the spec
once (:func:`context`): a fetcher, the store and a pool of ``processes`` worker
processes. Pages are fetched by ``workers`` threads, at most ``host_concurrency`` at a
time per host and ``delay`` apart, across the whole cluster (:mod:`flows.limits`);
normalized, each under a time budget of ``timeout_s`` (a runaway page is stopped by
killing its worker); stored, with the page's crawl state saved right after.

Each batch writes its manifest part and the run ends with the manifest, the union of
its parts. A run that is killed is resumed by the source's next run under the same run
id (:mod:`ingest.resume`). A page that fails at any step is listed in the run's
manifest and report with the reason; it never fails the run.

Each run publishes a Markdown artifact (key ``crawl-<source>``): pages fetched, skipped,
failed (with reasons), fragments per language, translated and untranslated counts.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
from dataclasses import dataclass
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

from flows.batch import Options, Outcome, process, summed
from flows.limits import DaskHostThrottle, in_dask_worker
from flows.pool import NormalizePool, PoolSettings
from flows.stores import open_store
from ingest.crawl import Discovery, Page, discover, fetch_batch, policy_for, save_state
from ingest.fetch import Fetcher
from ingest.glossaries import read_glossary
from ingest.reading import Document
from ingest.resume import begin, end, start_batch
from ingest.runs import Manifest, new_part_id
from ingest.sources import Source, load_sources
from ingest.store import Store
from normalize.argos import ArgosEngine

_TASK: dict[str, Any] = dict(cache_policy=NO_CACHE, persist_result=False)


@dataclass(frozen=True)
class CrawlSpec:
    """Everything a batch needs, picklable: a Dask worker builds its own clients from it
    (:func:`context`). ``source_json`` is the source's settings as JSON (a pydantic model
    is not hashable, and the spec keys the per-process cache)."""

    source_json: str
    store_url: str
    s3_endpoint: str | None
    models_dir: str | None
    engine_id: str
    fetch_workers: int = 4
    processes: int = 2
    timeout_s: float = 60.0

    @property
    def source(self) -> Source:
        return Source.model_validate_json(self.source_json)


@dataclass
class Context:
    """One process's clients for a spec: a fetcher (its throttle shared by the cluster on
    Dask), the store, and a worker pool whose processes have loaded their models."""

    source: Source
    fetcher: Fetcher
    store: Store
    pool: NormalizePool


_CONTEXTS: dict[CrawlSpec, Context] = {}
_CONTEXTS_LOCK = threading.Lock()


def context(spec: CrawlSpec) -> Context:
    """This process's :class:`Context` for ``spec``, made once and kept: the batches a
    process runs share its connections and its warm worker pool."""
    with _CONTEXTS_LOCK:
        ctx = _CONTEXTS.get(spec)
        if ctx is None:
            ctx = _CONTEXTS[spec] = _open(spec)
        return ctx


def release(spec: CrawlSpec) -> None:
    """Stop the worker pool of ``spec``'s context in this process, if there is one."""
    with _CONTEXTS_LOCK:
        ctx = _CONTEXTS.pop(spec, None)
    if ctx is not None:
        ctx.pool.close()


@atexit.register
def _release_all() -> None:
    for spec in list(_CONTEXTS):
        release(spec)


def _open(spec: CrawlSpec) -> Context:
    if multiprocessing.current_process().daemon:
        raise RuntimeError(
            "this worker process is a daemon and cannot start the normalizing processes; "
            "run Dask workers with DASK_DISTRIBUTED__WORKER__DAEMON=False"
        )
    source = spec.source
    fetcher = Fetcher(policy_for(source))
    if in_dask_worker():
        fetcher.throttle = DaskHostThrottle(source.settings.host_concurrency)
    glossaries = {_GLOSSARY: source.settings.glossary} if source.settings.glossary else {}
    pool = NormalizePool(
        PoolSettings.for_store(
            spec.store_url,
            spec.s3_endpoint,
            models_dir=spec.models_dir,
            glossaries=glossaries,
            workers=max(1, spec.processes),
            queue=2 * max(1, spec.processes),
            timeout_s=spec.timeout_s,
        )
    )
    pool.start()
    return Context(source, fetcher, open_store(spec.store_url, s3_endpoint=spec.s3_endpoint), pool)


@task(name="discover", **_TASK)
def discover_task(source: Source, fetcher: Fetcher) -> Discovery:
    return discover(source, fetcher)


@task(name="crawl-batch", retries=1, retry_delay_seconds=5, **_TASK)
def crawl_batch_task(spec: CrawlSpec, run_id: str, part_id: str, urls: list[str], rerun: bool) -> list[dict]:
    from prefect.runtime import task_run

    ctx = context(spec)
    # A retried batch may have stored pages before it failed: they are taken from the store.
    rerun = rerun or (task_run.run_count or 1) > 1
    return crawl_batch(
        ctx.source, urls, ctx.fetcher, ctx.store, ctx.pool, spec.engine_id, spec.fetch_workers, run_id, part_id, rerun
    )


def crawl_batch(
    source: Source,
    urls: list[str],
    fetcher: Fetcher,
    store: Store,
    pool: NormalizePool,
    engine_id: str,
    workers: int,
    run_id: str,
    part_id: str | None = None,
    rerun: bool = False,
) -> list[dict]:
    """Fetch ``urls``, normalize and store the fetched pages, saving each stored page's
    crawl state as soon as it is stored. One outcome per URL, in order: ``{"url",
    "status", "reason"}`` with status ``written``, ``relinked``, ``unchanged``,
    ``skipped`` or ``failed``, plus ``doc_id``, ``version``, ``keys``, ``sha256`` and
    ``summary`` for stored pages. Never raises for a page; a page whose state could not
    be saved is failed (the next run fetches it again).

    With ``part_id`` the batch is one part of run ``run_id``: its URLs are written first
    and its manifest part last (:mod:`ingest.resume`), and pages the run already stored
    are recorded from the store instead of fetched (``rerun``: also pages whose state
    was not saved, found by their latest pointer)."""
    if part_id is not None:
        start_batch(store, run_id, part_id, urls)
    pages = fetch_batch(source, urls, fetcher, store, workers, run_id if part_id is not None else None, rerun)
    fetched = [p for p in pages if p.status == "fetched"]
    options = Options(source.settings.target_lang, glossary=_GLOSSARY if source.settings.glossary else None)
    docs: list[Document] = []
    origins: list[dict[str, Any] | None] = []
    for p in fetched:
        assert p.document is not None and p.state is not None, "a fetched page has its document and state"
        docs.append(p.document)
        origins.append({"kind": "crawl", "source": source.name, "url": p.state["canonical_url"]})

    def saved(k: int, o: Outcome) -> None:  # the page's state names its run and entry, so a killed run can be resumed
        state, report = fetched[k].state, o.report
        assert state is not None and report is not None, "a fetched page has its state; a stored one its report"
        save_state(
            store,
            source.name,
            {
                **state,
                "run_id": run_id,
                "action": o.status,
                "version": report.version,
                "keys": report.keys,
            },
        )

    done = process(docs, pool, store, engine_id, run_id, options, origins, saved)
    outcomes = {p.url: _not_fetched(p) for p in pages}
    for page, o in zip(fetched, done):
        out = outcomes[page.url]
        assert o.doc is not None, "a fetched page was decoded"
        if o.status == "failed":  # decoded but not stored (or its state not saved): its document is known
            out.update(status="failed", reason=o.reason, doc_id=o.doc.doc_id, sha256=o.doc.sha256)
            continue
        assert o.report is not None and o.result is not None, "a stored document has its report and result"
        out.update(
            status=o.status,
            doc_id=o.doc.doc_id,
            version=o.report.version,
            keys=o.report.keys,
            sha256=o.doc.sha256,
            summary=o.result.summary(),
            translation=o.translation,
        )
    result = [outcomes[u] for u in urls]
    if part_id is not None:
        part = Manifest(run_id)
        for entry in result:
            part.add(
                entry["status"],
                doc_id=entry.get("doc_id"),
                version=entry.get("version"),
                keys=entry.get("keys"),
                sha256=entry.get("sha256"),
                source=entry["url"],
                reason=entry.get("reason"),
            )
        part.write_part(store, part_id)
    return result


def _not_fetched(page: Page) -> dict:
    if page.status == "recorded":
        e = page.entry or {}
        return {
            "url": page.url,
            "status": e["action"],
            "reason": None,
            "doc_id": e["doc_id"],
            "version": e["version"],
            "keys": e["keys"],
            "sha256": e["sha256"],
        }
    # A skipped page keeps naming its document (from the crawl state), so the manifest does.
    out = {"url": page.url, "status": page.status, "reason": page.reason}
    if page.status == "skipped" and page.state:
        out["doc_id"] = page.state["doc_id"]
    return out


_GLOSSARY = "source"  # the pool's name for the source's glossary


@task(name="end-run", retries=3, retry_delay_seconds=[1, 4, 10], **_TASK)
def end_task(store_url: str, s3_endpoint: str | None, source: str, run_id: str, found: Discovery) -> str:
    last = Manifest(run_id)
    for url, reason in found.failures:
        last.add("failed", source=url, reason=reason)
    return end(open_store(store_url, s3_endpoint=s3_endpoint), source, run_id, last)


@flow(name="crawl-source", task_runner=ThreadPoolTaskRunner(max_workers=2), log_prints=False)  # type: ignore[arg-type]  # Prefect's generic default
def crawl_source(
    sources_path: str,
    source_name: str,
    store_url: str,
    s3_endpoint: str | None = None,
    models_dir: str | None = None,
    batch_size: int = 20,
    workers: int = 4,
    processes: int = 2,
    timeout_s: float = 60.0,
    resume: bool = True,
) -> dict:
    """Crawl the source ``source_name`` of the sources file ``sources_path`` once.

    Batches of ``batch_size`` URLs are mapped as ``crawl-batch`` tasks: two at a time in
    this process by default, or on every worker of a Dask cluster
    (``crawl_source.with_options(task_runner=flows.limits.dask_task_runner(...))``).
    Each batch writes its manifest part; the run's manifest (``runs/<run_id>/manifest.jsonl``),
    the union of its parts, is written last. If the source's previous run never finished
    (killed), this run resumes it under its run id (``resume=False`` starts afresh).

    Returns the run report: ``{"run_id", "resumed", "source", "pages": {status: count},
    "failed": [{url, reason}], "refused": [...], "fragments_per_lang", "translated",
    "untranslated", "translation"}`` (pages handled by this attempt). Raises
    :class:`~ingest.sources.SourcesError` for an invalid sources file and ``KeyError``
    for an unknown source name; page failures never raise.
    """
    logger = get_run_logger()
    source = _source(sources_path, source_name)
    if source.settings.glossary:
        read_glossary(source.settings.glossary)  # a bad glossary fails the run before any fetch
    spec = CrawlSpec(
        source.model_dump_json(),
        store_url,
        s3_endpoint,
        models_dir,
        ArgosEngine(models_dir).identity(),
        max(1, workers),
        max(1, processes),
        timeout_s,
    )
    run_context = FlowRunContext.get()
    assert run_context is not None, "called inside the flow"
    here = isinstance(run_context.task_runner, ThreadPoolTaskRunner)
    try:
        if here:
            ctx = context(spec)  # its workers load their models during discovery
            store, fetcher = ctx.store, ctx.fetcher
        else:
            store, fetcher = open_store(store_url, s3_endpoint=s3_endpoint), Fetcher(policy_for(source))
        run = begin(store, source.name, resume)
        if run.resumed:
            logger.info("%s: resuming run %s (%d unfinished batches)", source.name, run.run_id, len(run.pending))
        found = discover_task(source, fetcher)
        seen = run.done | {u for urls in run.pending.values() for u in urls}
        todo = [u for u in found.urls if u not in seen]
        jobs = [(pid, urls, True) for pid, urls in sorted(run.pending.items())]
        jobs += [(new_part_id(i), todo[i : i + batch_size], False) for i in range(0, len(todo), max(1, batch_size))]
        futures = crawl_batch_task.map(
            unmapped(spec), unmapped(run.run_id), [j[0] for j in jobs], [j[1] for j in jobs], [j[2] for j in jobs]
        )
        wait(futures)
        outcomes = [o for f in futures for o in f.result()]  # a failed batch fails the run, which the next run resumes
    finally:
        if here:
            release(spec)
    end_task(store_url, s3_endpoint, source.name, run.run_id, found)
    report = {
        "run_id": run.run_id,
        "resumed": run.resumed,
        **_report(source, found, outcomes, summed(o.get("translation", {}) for o in outcomes)),
    }
    create_markdown_artifact(
        markdown=_markdown(report), key=f"crawl-{source.name}", description=f"crawl of {source.name}"
    )
    logger.info("%s: %s", source.name, report["pages"])
    return report


def _source(sources_path: str, name: str) -> Source:
    for s in load_sources(sources_path):
        if s.name == name:
            return s
    raise KeyError(f"no source named {name!r} in {sources_path}")


def _report(source: Source, found: Discovery, outcomes: list[dict], translation: dict) -> dict:
    pages: dict[str, int] = {}
    per_lang: dict[str, int] = {}
    translated = untranslated = 0
    for o in outcomes:
        pages[o["status"]] = pages.get(o["status"], 0) + 1
        s = o.get("summary")
        if s:
            for lang, n in s["fragments_per_lang"].items():
                per_lang[lang] = per_lang.get(lang, 0) + n
            translated += s["translated"]
            untranslated += s["untranslated"] + s["rejected"]
    return {
        "source": source.name,
        "pages": dict(sorted(pages.items())),
        "failed": [{"url": o["url"], "reason": o["reason"]} for o in outcomes if o["status"] == "failed"]
        + [{"url": u, "reason": r} for u, r in found.failures],
        "skipped": [{"url": o["url"], "reason": o["reason"]} for o in outcomes if o["status"] == "skipped"],
        "refused": [{"url": u, "reason": r} for u, r in found.refused],
        "fragments_per_lang": dict(sorted(per_lang.items())),
        "translated": translated,
        "untranslated": untranslated,
        "translation": translation,
    }


def _markdown(report: dict) -> str:
    lines = [f"# Crawl of {report['source']}", ""]
    lines += [f"- {status}: {n}" for status, n in report["pages"].items()]
    langs = ", ".join(f"{k}: {v}" for k, v in report["fragments_per_lang"].items()) or "none"
    lines += [
        f"- fragments: {langs}",
        f"- translated / untranslated: {report['translated']} / {report['untranslated']}",
        "",
    ]
    if report["failed"]:
        lines += ["| failed URL | reason |", "| --- | --- |"]
        lines += [f"| {f['url']} | {f['reason'].replace('|', '/')} |" for f in report["failed"]]
    return "\n".join(lines) + "\n"


def deployments(
    sources_path: str, store_url: str, s3_endpoint: str | None = None, models_dir: str | None = None
) -> list:
    """One Prefect deployment of ``crawl-source`` per source, on its cron schedule (a
    source without ``schedule`` gets a deployment that runs only when triggered)."""
    from prefect.client.schemas.schedules import CronSchedule

    out = []
    for s in load_sources(sources_path):
        schedules = [CronSchedule(cron=s.schedule.cron, timezone=s.schedule.timezone)] if s.schedule else None
        out.append(
            crawl_source.to_deployment(
                name=s.name,
                schedules=schedules,
                parameters={
                    "sources_path": sources_path,
                    "source_name": s.name,
                    "store_url": store_url,
                    "s3_endpoint": s3_endpoint,
                    "models_dir": models_dir,
                },
                description=f"Scheduled crawl of {s.name}",
            )
        )
    return out
