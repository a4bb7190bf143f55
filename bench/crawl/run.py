"""Crawl throughput end to end on a local HTTP server, and Prefect's share of it.

A real HTTP server on 127.0.0.1 (tests/http_site.py) serves ``--pages`` pages: the
../shared/corpus/html pages in turn, each copy made distinct, listed in a sitemap. The
same crawl runs twice in one process, into fresh local stores, with no translation model:

* ``plain``: the plain functions the flow calls (discover, then ``flows.crawl.crawl_batch``
  per batch, normalizing in the same worker pool), no Prefect;
* ``flow``: the ``crawl-source`` flow on Prefect's ephemeral API (started and warmed up
  before the clock).

Flow overhead = (flow time - plain time) / flow time: Prefect, and the worker processes
each run starts (the plain crawl's are started before the clock).

    python -m bench.crawl.run [--pages 400] [--batch 20] [--workers 4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")


from flows.crawl import crawl_batch
from flows.pool import NormalizePool, PoolSettings
from ingest.crawl import discover, policy_for
from ingest.fetch import Fetcher
from ingest.sources import load_sources
from ingest.store import LocalStore
from normalize.argos import ArgosEngine
from tests.conftest import CORPUS
from tests.http_site import Site, corpus_copies, sitemap_source

ROOT = Path(__file__).resolve().parents[2]


def serve(n: int) -> Site:
    site = Site().start()
    html = sorted(p for p in (CORPUS / "html").glob("*.html") if not p.name.endswith(".expected.html"))
    corpus_copies(site, html, n, "corpus.example")
    return site


def sources(folder: Path, site: Site, pages: int) -> str:
    return sitemap_source(folder / "sources.yaml", "bench", site, "corpus.example", pages)


def plain(path: str, store_dir: Path, batch: int, workers: int, pool: NormalizePool) -> dict:
    [source] = load_sources(path)
    fetcher = Fetcher(policy_for(source))
    store = LocalStore(store_dir)
    found = discover(source, fetcher)
    outcomes = []
    for i in range(0, len(found.urls), batch):
        outcomes += crawl_batch(
            source,
            found.urls[i : i + batch],
            fetcher,
            store,
            pool,
            ArgosEngine(pool.settings.models_dir).identity(),
            workers,
            "bench",
        )
    return {o["status"]: sum(1 for x in outcomes if x["status"] == o["status"]) for o in outcomes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    from flows.crawl import crawl_source

    site = serve(args.pages)
    try:
        with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=120):
            tmp = Path(tmp)
            path = sources(tmp, site, args.pages)
            models = str(tmp / "no-models")
            # The plain crawl's worker pool starts before the clock; the flow starts its own
            # in every run, so its time includes the workers loading their models.
            pool = NormalizePool(PoolSettings(str(tmp / "cache-store"), models_dir=models))
            pool.start()
            # Warm up: imports, detectors, the Prefect API's first requests.
            plain(path, tmp / "warm", args.batch, args.workers, pool)
            (tmp / "warm-flow").mkdir()
            crawl_source(
                sources(tmp / "warm-flow", site, 5),
                "bench",
                str(tmp / "warm-flow" / "store"),
                models_dir=models,
                batch_size=args.batch,
            )

            t = time.perf_counter()
            counts = plain(path, tmp / "plain", args.batch, args.workers, pool)
            pool.close()
            t_plain = time.perf_counter() - t
            t = time.perf_counter()
            report = crawl_source(
                path, "bench", str(tmp / "flow"), models_dir=models, batch_size=args.batch, workers=args.workers
            )
            t_flow = time.perf_counter() - t
    finally:
        site.stop()

    stored = counts.get("written", 0)
    print(
        f"{args.pages} pages from ../shared/corpus/html on 127.0.0.1, batches of {args.batch}, {args.workers} fetch threads, no translation model"
    )
    print(f"plain functions: {t_plain:6.2f} s  {stored / t_plain:6.1f} pages/s  {counts}")
    print(
        f"Prefect flow:    {t_flow:6.2f} s  {report['pages'].get('written', 0) / t_flow:6.1f} pages/s  {report['pages']}"
    )
    print(
        f"flow overhead (Prefect, and the run's workers loading their models): {(t_flow - t_plain) / t_flow:.1%} of the flow's wall time"
    )


if __name__ == "__main__":
    main()
