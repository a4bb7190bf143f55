"""HTTP service throughput and latency on loopback, with concurrent clients.

uvicorn serves the app on 127.0.0.1 (one worker process, as `transnorm api` runs it);
``--clients`` threads with httpx send requests for ``--seconds`` each:

* ``POST /v1/detect`` with the reference article (findings only);
* ``POST /v1/documents`` with the reference article, each upload made distinct (a counter
  line appended) so every request normalizes and stores a new document in a local store.

Prints requests per second and p50/p99 latency in milliseconds, and, as the baseline
measured in the same run, the same work as plain function calls on one thread (no HTTP).

    python -m bench.api.run [--clients 8] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


import httpx

from flows.api import ApiSettings, Token, create_app
from normalize.pipeline import detect_findings, normalize_text
from tests.conftest import SEED
from tests.test_api import Server

ROOT = Path(__file__).resolve().parents[2]

TOKEN = "bench-token"


def load(url: str, path: str, body, clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10**9))

    def worker() -> None:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"}, timeout=60
        ) as c:
            while time.monotonic() < stop:
                data = body(next(counter))
                t = time.perf_counter()
                r = c.post(path, content=data)
                elapsed = time.perf_counter() - t
                if r.status_code >= 300:
                    raise RuntimeError(f"{path}: HTTP {r.status_code} {r.text[:200]}")
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def report(name: str, latencies: list[float], seconds: float, baseline: float) -> None:
    q = statistics.quantiles(latencies, n=100)
    rps = len(latencies) / seconds
    print(
        f"{name:28} {rps:8.1f} req/s  p50 {q[49] * 1000:7.1f} ms  p99 {q[98] * 1000:7.1f} ms  "
        f"({rps / baseline:.2f}x the plain calls' {baseline:.1f}/s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()

    article = SEED.read_bytes()
    text = article.decode()

    def timed_calls(fn) -> float:
        n, stop = 0, time.monotonic() + min(args.seconds, 5)
        t = time.perf_counter()
        while time.monotonic() < stop:
            fn(n)
            n += 1
        return n / (time.perf_counter() - t)

    base_detect = timed_calls(lambda i: detect_findings(text))
    base_normalize = timed_calls(lambda i: normalize_text(text + f"\ncopy {i}\n"))

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "no-models").mkdir()
        settings = ApiSettings(
            store_url=str(Path(tmp) / "store"),
            models_dir=str(Path(tmp) / "no-models"),
            tokens={TOKEN: Token("bench", "write")},
            rate_per_minute=10**9,
        )
        with Server(create_app(settings)) as server:
            load(server.url, "/v1/detect", lambda i: article, 2, 1)  # warm up
            detect = load(server.url, "/v1/detect", lambda i: article, args.clients, args.seconds)
            uploads = load(
                server.url, "/v1/documents", lambda i: article + f"\ncopy {i}\n".encode(), args.clients, args.seconds
            )

    print(
        f"reference article ({len(article):,} bytes), {args.clients} concurrent clients on loopback, {args.seconds:g} s each, no translation model"
    )
    report("POST /v1/detect", detect, args.seconds, base_detect)
    report("POST /v1/documents (stored)", uploads, args.seconds, base_normalize)


if __name__ == "__main__":
    main()
