"""Per-host politeness shared by every worker of a Dask cluster.

A crawl spread over Dask workers must still treat each host as one crawler would: at
most ``host_concurrency`` requests at a time and request starts ``delay`` apart on
average. Each worker process has its own :class:`~ingest.fetch.HostThrottle`, so on Dask
the slots are leases of a ``distributed.Semaphore`` named after the host, held by the
scheduler for the whole cluster (a worker that dies loses its leases when they time out).

Why not Prefect's global concurrency limits: each acquisition is a round trip to the
Prefect API and a refused one polls with back-off, which is right for flow- and
task-level limits and far too coarse for one limit per HTTP request.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


def in_dask_worker() -> bool:
    try:
        from distributed import get_worker
    except ImportError:
        return False
    try:
        get_worker()
    except ValueError:
        return False
    return True


class DaskHostThrottle:
    """``slot(host, delay)`` like :class:`~ingest.fetch.HostThrottle`, across the cluster.

    Start spacing cannot be booked in one process, so a lease is held for at least
    ``concurrency * delay`` seconds from its request's start: with ``concurrency``
    leases, starts average at least ``delay`` apart, and with one lease they are exactly
    that far apart."""

    def __init__(self, concurrency: int = 1, prefix: str = "transnorm-host") -> None:
        from distributed import get_worker

        # Made on a task's thread, used from the fetcher's own threads, which Dask does
        # not know: the semaphores are bound to this worker's scheduler connection now.
        worker = get_worker()
        self._scheduler, self._loop = worker.scheduler, worker.loop
        self.concurrency = max(1, concurrency)
        self.prefix = prefix
        self._lock = threading.Lock()
        self._semaphores: dict[str, object] = {}

    def _semaphore(self, host: str):
        from distributed import Semaphore

        with self._lock:
            sem = self._semaphores.get(host)
            if sem is None:
                sem = self._semaphores[host] = Semaphore(
                    max_leases=self.concurrency,
                    name=f"{self.prefix}:{host}",
                    scheduler_rpc=self._scheduler,
                    loop=self._loop,
                )
            return sem

    def slot(self, host: str, delay: float):
        return _Lease(self._semaphore(host), delay * self.concurrency)


@dataclass
class _Lease:
    semaphore: object
    hold: float
    started: float = 0.0

    def __enter__(self) -> None:
        self.semaphore.acquire()  # type: ignore[attr-defined]
        self.started = time.monotonic()

    def __exit__(self, *exc) -> None:
        rest = self.started + self.hold - time.monotonic()
        if rest > 0:
            time.sleep(rest)
        self.semaphore.release()  # type: ignore[attr-defined]


def dask_task_runner(address: str | None = None, n_workers: int = 2, threads_per_worker: int = 2):
    """prefect-dask's ``DaskTaskRunner``: on the scheduler at ``address``, or on a
    ``LocalCluster`` of ``n_workers`` processes started for the flow run.

    Worker processes must be allowed children (each normalizes in a pool of processes
    with a time budget per page, enforced by killing the process), so the local cluster's
    workers are not daemons; workers of a cluster given by address need
    ``DASK_DISTRIBUTED__WORKER__DAEMON=False`` in their environment."""
    import dask
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    dask.config.set({"distributed.worker.daemon": False})
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": n_workers,
            "threads_per_worker": threads_per_worker,
            "processes": True,
            "dashboard_address": None,
        }
    )
