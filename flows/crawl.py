"""Prefect flow ``crawl-source``: discover -> fetch in batches -> normalize and store.

The flow orchestrates plain functions from ``ingest`` and ``flows.batch``; it holds no
crawling logic. Pages are handled ``batch_size`` at a time per task: fetched by
``workers`` threads (one request at a time per host, ``delay`` apart; see
:mod:`ingest.fetch`), normalized by ``processes`` worker processes, each page under a
time budget of ``timeout_s`` (a runaway page is stopped by killing its worker), then
stored (:func:`flows.batch.process`) and its crawl state saved. A page that fails at any
step is listed in the run's manifest and report with the reason; it never fails the run.

Each run publishes a Markdown artifact (key ``crawl-<source>``): pages fetched, skipped,
failed (with reasons), fragments per language, translated and untranslated counts.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from ingest.glossaries import read_glossary
from ingest.crawl import Discovery, Page, discover, fetch_batch, policy_for, save_state
from ingest.fetch import Fetcher
from ingest.runs import Manifest, new_run_id
from ingest.sources import Source, load_sources
from ingest.store import Store
from normalize.argos import ArgosEngine

from flows.batch import Options, process, summed
from flows.pool import NormalizePool, PoolSettings
from flows.stores import open_store

_TASK = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="discover", **_TASK)
def discover_task(source: Source, fetcher: Fetcher) -> Discovery:
    return discover(source, fetcher)


@task(name="crawl-batch", **_TASK)
def crawl_batch_task(source: Source, urls: list[str], fetcher: Fetcher, store_url: str, s3_endpoint: str | None, pool: NormalizePool, engine_id: str, workers: int, run_id: str) -> list[dict]:
    store = open_store(store_url, s3_endpoint=s3_endpoint)
    return crawl_batch(source, urls, fetcher, store, pool, engine_id, workers, run_id)


def crawl_batch(source: Source, urls: list[str], fetcher: Fetcher, store: Store, pool: NormalizePool, engine_id: str, workers: int, run_id: str) -> list[dict]:
    """Fetch ``urls``, normalize and store the fetched pages, then save each stored
    page's crawl state. One outcome per URL, in order: ``{"url", "status", "reason"}``
    with status ``written``, ``relinked``, ``unchanged``, ``skipped`` or ``failed``,
    plus ``doc_id``, ``version``, ``keys``, ``sha256`` and ``summary`` for stored
    pages. Never raises for a page; a page whose state could not be saved is failed
    (the next run fetches it again)."""
    pages = fetch_batch(source, urls, fetcher, store, workers)
    fetched = [p for p in pages if p.status == "fetched"]
    options = Options(source.settings.target_lang, glossary=_GLOSSARY if source.settings.glossary else None)
    origins = [{"kind": "crawl", "source": source.name, "url": p.state["canonical_url"]} for p in fetched]
    done = process([p.document for p in fetched], pool, store, engine_id, run_id, options, origins)
    outcomes = {p.url: _skipped_or_failed(p) for p in pages}
    for page, o in zip(fetched, done):
        out = outcomes[page.url]
        if o.status == "failed":  # decoded but not stored: its document is known
            out.update(status="failed", reason=o.reason, doc_id=o.doc.doc_id, sha256=o.doc.sha256)
            continue
        try:
            save_state(store, source.name, page.state)
        except Exception as exc:  # the document is stored; without its state the next run fetches it again
            out.update(status="failed", reason=f"store: {type(exc).__name__}: {exc}")
            continue
        out.update(status=o.status, doc_id=o.doc.doc_id, version=o.report.version, keys=o.report.keys, sha256=o.doc.sha256,
                   summary=o.result.summary(), translation=o.translation)
    return [outcomes[u] for u in urls]


def _skipped_or_failed(page: Page) -> dict:
    # A skipped page keeps naming its document (from the crawl state), so the manifest does.
    out = {"url": page.url, "status": page.status, "reason": page.reason}
    if page.status == "skipped" and page.state:
        out["doc_id"] = page.state["doc_id"]
    return out


_GLOSSARY = "source"  # the pool's name for the source's glossary


@task(name="write-manifest", retries=3, retry_delay_seconds=[1, 4, 10], **_TASK)
def manifest_task(store_url: str, s3_endpoint: str | None, run_id: str, outcomes: list[dict], found: Discovery) -> str:
    manifest = Manifest(run_id)
    for o in outcomes:
        action = o["status"]
        manifest.add(action, doc_id=o.get("doc_id"), version=o.get("version"), keys=o.get("keys"), sha256=o.get("sha256"), source=o["url"], reason=o.get("reason"))
    for url, reason in found.failures:
        manifest.add("failed", source=url, reason=reason)
    return manifest.write(open_store(store_url, s3_endpoint=s3_endpoint))


@flow(name="crawl-source", log_prints=False)
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
) -> dict:
    """Crawl the source ``source_name`` of the sources file ``sources_path`` once.

    The run's manifest (``runs/<run_id>/manifest.jsonl``) is written last. Returns the
    run report: ``{"run_id", "source", "pages": {status: count}, "failed": [{url,
    reason}], "refused": [...], "fragments_per_lang", "translated", "untranslated",
    "translation"}``. Raises :class:`~ingest.sources.SourcesError` for an invalid
    sources file and ``KeyError`` for an unknown source name; page failures never raise.
    """
    logger = get_run_logger()
    source = _source(sources_path, source_name)
    if source.settings.glossary:
        read_glossary(source.settings.glossary)  # a bad glossary fails the run before any fetch
    fetcher = Fetcher(policy_for(source))
    glossaries = {_GLOSSARY: source.settings.glossary} if source.settings.glossary else {}
    pool = NormalizePool(PoolSettings.for_store(store_url, s3_endpoint, models_dir=models_dir, glossaries=glossaries,
                                                workers=max(1, processes), queue=max(1, processes), timeout_s=timeout_s))
    pool.start()  # the workers load their models during discovery
    try:
        engine_id = ArgosEngine(models_dir).identity()
        run_id = new_run_id()
        found = discover_task(source, fetcher)
        outcomes: list[dict] = []
        for i in range(0, len(found.urls), batch_size):
            outcomes += crawl_batch_task(source, found.urls[i : i + batch_size], fetcher, store_url, s3_endpoint, pool, engine_id, workers, run_id)
    finally:
        pool.close()
    manifest_task(store_url, s3_endpoint, run_id, outcomes, found)
    report = {"run_id": run_id, **_report(source, found, outcomes, summed(o.get("translation", {}) for o in outcomes))}
    create_markdown_artifact(markdown=_markdown(report), key=f"crawl-{source.name}", description=f"crawl of {source.name}")
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
    lines += [f"- fragments: {langs}", f"- translated / untranslated: {report['translated']} / {report['untranslated']}", ""]
    if report["failed"]:
        lines += ["| failed URL | reason |", "| --- | --- |"]
        lines += [f"| {f['url']} | {f['reason'].replace('|', '/')} |" for f in report["failed"]]
    return "\n".join(lines) + "\n"


def deployments(sources_path: str, store_url: str, s3_endpoint: str | None = None, models_dir: str | None = None) -> list:
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
                parameters={"sources_path": sources_path, "source_name": s.name, "store_url": store_url, "s3_endpoint": s3_endpoint, "models_dir": models_dir},
                description=f"Scheduled crawl of {s.name}",
            )
        )
    return out
