"""Crawl scale-out: pages/s on 1 Dask worker and on 2, same site, same run.

A real HTTP server on 127.0.0.1 (tests/http_site.py) serves ``--pages`` pages (the
../shared/corpus/html pages in turn, each copy made distinct, listed in a sitemap), each
answered after ``--latency`` seconds, as a remote site would be. It counts the requests
in flight per host. The ``crawl-source`` flow crawls the site into SeaweedFS (a real S3
server on 127.0.0.1, a fresh bucket per crawl) on a Prefect server started for the bench
(``prefect_test_harness``), with prefect-dask's ``DaskTaskRunner`` on a ``LocalCluster``
of 1, then 2 workers. Each worker runs ``--threads`` batches at a time, fetches with
``--fetch-threads`` threads per batch and normalizes in ``--processes`` processes. The
source allows ``--host-limit`` requests at once to the host; the limit is a
``distributed.Semaphore`` shared by the cluster (flows/limits.py).

Pages/s counts the whole flow run: cluster start, every worker loading its models,
discovery, crawl and manifest. Prints both rates, their ratio (target: >= 1.7) and the
peak of requests in flight to the host (must not exceed the limit).

    python -m bench.crawl.scale [--pages 2000] [--latency 0.25] [--host-limit 4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


import boto3
from prefect.testing.utilities import prefect_test_harness

from flows.crawl import crawl_source
from flows.limits import dask_task_runner
from tests.conftest import CORPUS
from tests.http_site import Site, corpus_copies, sitemap_source
from tests.seaweed import SeaweedFS

ROOT = Path(__file__).resolve().parents[2]


def serve(n: int, latency: float) -> tuple[Site, str]:
    site = Site().start()
    html = sorted(p for p in (CORPUS / "html").glob("*.html") if not p.name.endswith(".expected.html"))
    corpus_copies(site, html, n, "scale.example", latency)
    return site, f"scale.example:{site.port}"


def sources_file(folder: Path, site: Site, pages: int, host_limit: int) -> str:
    return sitemap_source(folder / "sources.yaml", "scale", site, "scale.example", pages, host_concurrency=host_limit)


def crawl(args, sources: str, endpoint: str, n_workers: int) -> tuple[float, dict]:
    bucket = f"scale-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    runner = dask_task_runner(n_workers=n_workers, threads_per_worker=args.threads)
    flow = crawl_source.with_options(task_runner=runner)
    start = time.perf_counter()
    report = flow(
        sources,
        "scale",
        f"s3://{bucket}",
        s3_endpoint=endpoint,
        batch_size=args.batch,
        workers=args.fetch_threads,
        processes=args.processes,
        resume=False,
    )
    return time.perf_counter() - start, report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--latency", type=float, default=0.25, help="seconds before the server answers each page")
    ap.add_argument(
        "--host-limit", type=int, default=4, help="requests at once to the host (the source's host_concurrency)"
    )
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1, help="batches at once per Dask worker")
    ap.add_argument("--fetch-threads", type=int, default=2, help="fetching threads per batch")
    ap.add_argument("--processes", type=int, default=1, help="normalizing processes per Dask worker")
    args = ap.parse_args()

    site, host = serve(args.pages, args.latency)
    with tempfile.TemporaryDirectory() as tmp:
        weed = SeaweedFS(Path(tmp) / "weed")
        endpoint = weed.start()
        try:
            sources = sources_file(Path(tmp), site, args.pages, args.host_limit)
            with prefect_test_harness(server_startup_timeout=120):
                results = {}
                for n in (1, 2):
                    site.peak.clear()
                    seconds, report = crawl(args, sources, endpoint, n)
                    written = report["pages"].get("written", 0)
                    results[n] = written / seconds
                    print(
                        f"{n} Dask worker{'s' if n > 1 else ' '}: {written} pages written in {seconds:6.1f} s = {results[n]:5.1f} pages/s, "
                        f"peak requests in flight to the host {site.peak[host]} (limit {args.host_limit}); pages {report['pages']}"
                    )
                    if site.peak[host] > args.host_limit:
                        print(f"  PER-HOST LIMIT EXCEEDED: {site.peak[host]} > {args.host_limit}")
        finally:
            weed.stop()
            site.stop()
    ratio = results[2] / results[1]
    print(
        f"2 workers / 1 worker: {ratio:.2f}x (target >= 1.7); machine: {os.cpu_count()} CPUs; "
        f"{args.pages} pages, latency {args.latency} s, batch {args.batch}, {args.threads} batch(es) per worker, "
        f"{args.fetch_threads} fetch threads per batch, {args.processes} normalizing process(es) per worker"
    )


if __name__ == "__main__":
    main()
