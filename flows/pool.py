"""Normalization in a bounded pool of worker processes (pebble), with a per-document time budget.

A worker loads the translation models once and then normalizes one document at a time.
A document that runs over its budget is stopped for real: pebble terminates the
worker process and starts a fresh one, and the caller gets :class:`DocumentTimeout`.
A flag checked between steps could not stop one long step. When every worker is busy
and the waiting room is full, :meth:`NormalizePool.normalize` raises :class:`Overloaded`
at once, so a caller answers "try again later" instead of queueing without end.

Workers are forked from a fork server (``forkserver``), not from the service: the
service runs threads (uvicorn, boto3), and a forked child of a threaded process can
inherit a lock held by a thread that does not exist in the child. The fork server is a
single-threaded process that imports :mod:`flows._preload` once, which loads detection's
models, so the workers share those pages instead of loading a copy each (about 300 MB).
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from pebble import ProcessExpired, ProcessPool

if TYPE_CHECKING:
    from normalize.glossary import Glossary
    from normalize.types import Result

# Detection is imported by the workers (the fork server preloads it), not here: the CLI
# starts the fork server before it imports anything heavy, so both load at once.


class DocumentTimeout(Exception):
    """A document took longer than the budget; its worker was stopped."""


class Overloaded(Exception):
    """Every worker is busy and the waiting room is full."""


class WorkerFailed(Exception):
    """A worker process died while normalizing (out of memory, a crash in a library)."""


@dataclass(frozen=True)
class PoolSettings:
    """``workers`` processes; up to ``queue`` more documents wait; each document gets
    ``timeout_s`` seconds of a worker's time. Worker translators use the store's
    translation cache at ``store_url`` (unless ``cache`` is false) and the models in
    ``models_dir``; ``glossaries`` maps names to glossary files; ``env`` is set in each
    worker before it opens the store (credentials: see :func:`flows.stores.for_workers`)."""

    @classmethod
    def for_store(cls, store_url: str, s3_endpoint: str | None = None, **kwargs) -> PoolSettings:
        """Settings whose workers open the store at ``store_url``, a Prefect block too."""
        from .stores import for_workers

        url, endpoint, env = for_workers(store_url, s3_endpoint)
        return cls(url, endpoint, env=env, **kwargs)

    store_url: str
    s3_endpoint: str | None = None
    models_dir: str | None = None
    glossaries: dict[str, str] = field(default_factory=dict)
    cache: bool = True
    env: dict[str, str] = field(default_factory=dict, repr=False)
    workers: int = 2
    queue: int = 8
    timeout_s: float = 60.0


# Per worker process: built once by _start_worker.
_translator = None
_glossaries: dict[str, Glossary] = {}


def _start_worker(
    store_url: str,
    s3_endpoint: str | None,
    models_dir: str | None,
    glossaries: dict[str, str],
    cache: bool = True,
    env: dict[str, str] | None = None,
) -> None:
    global _translator, _glossaries
    import os

    from ingest import lexicon_cache
    from ingest.glossaries import read_glossary
    from normalize.pipeline import normalize_text

    os.environ.update(env or {})
    lexicon_cache.install()
    from .translators import make_translator

    _translator, _ = make_translator(store_url, s3_endpoint, models_dir, None, cache)
    _glossaries = {name: read_glossary(path) for name, path in glossaries.items()}
    # Detection loads its word lists and models on first use: a worker forked from the
    # preloaded fork server has them already (this then takes milliseconds); one the
    # preload could not serve loads them here, so a document's budget is spent on the
    # document.
    normalize_text(WARM_UP, None, mode="keep")


# A line that reaches every lazily loaded model: Cyrillic, Latin, Han and a look-alike.
WARM_UP = "An English line with не только, mon ami, 已發表 and a pаyment."


@dataclass(frozen=True)
class Normalized:
    """A worker's answer: the result, the digest of the glossary used (``None``: none)
    and the translator's counts for this document (:class:`normalize.translate.Stats`)."""

    result: Result
    glossary_digest: str | None
    translation: dict


def _normalize(text: str, target: str, mode: str, glossary: str | None, source: str | None) -> Normalized:
    from normalize.detect import DetectConfig
    from normalize.glossary import Glossary
    from normalize.pipeline import Mode, normalize_text
    from normalize.translate import Stats

    assert _translator is not None, "worker not started"
    _translator.glossary = _glossaries.get(glossary, Glossary()) if glossary else Glossary()
    _translator.stats = Stats()
    # normalize_text refuses an unknown mode itself.
    result = normalize_text(text, _translator, target, DetectConfig(main_lang=source), mode=cast(Mode, mode))
    return Normalized(
        result, _translator.glossary.digest if len(_translator.glossary) else None, _translator.stats.as_dict()
    )


def _detect(text: str, source: str | None) -> tuple[str, list[dict]]:
    """The main language and the findings (JSON form) of ``text``."""
    from normalize.detect import DetectConfig
    from normalize.pipeline import detect_findings

    detection, findings = detect_findings(text, DetectConfig(main_lang=source))
    return detection.main_lang, [f.to_json() for f in findings]


def _ready() -> bool:
    return _translator is not None


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["flows._preload"])
    return ctx


def start_forkserver() -> None:
    """Start the fork server now; it loads the models (about 2 s) while this process
    goes on. Returns at once; the first worker waits for the server to be ready."""
    _context()
    from multiprocessing import forkserver

    forkserver.ensure_running()


class NormalizePool:
    def __init__(self, settings: PoolSettings) -> None:
        self.settings = settings
        self._pool = ProcessPool(
            max_workers=settings.workers,
            initializer=_start_worker,
            initargs=(
                settings.store_url,
                settings.s3_endpoint,
                settings.models_dir,
                dict(settings.glossaries),
                settings.cache,
                dict(settings.env),
            ),
            context=_context(),
        )
        start_forkserver()
        self._slots = threading.BoundedSemaphore(settings.workers + settings.queue)

    def normalize(
        self,
        text: str,
        target: str = "en",
        mode: str = "replace",
        glossary: str | None = None,
        source: str | None = None,
    ) -> Normalized:
        """Normalize ``text`` in a worker; blocks the calling thread until it is done.

        Raises :class:`Overloaded` (no free slot), :class:`DocumentTimeout` (over budget)
        or :class:`WorkerFailed` (the worker died).
        """
        return self._run(_normalize, (text, target, mode, glossary, source))

    def detect(self, text: str, source: str | None = None) -> tuple[str, list[dict]]:
        """Detection only, in a worker, under the same limits as :meth:`normalize`."""
        return self._run(_detect, (text, source))

    def _run(self, fn, args: tuple):
        if not self._slots.acquire(blocking=False):
            raise Overloaded(f"{self.settings.workers} workers busy and {self.settings.queue} documents waiting")
        try:
            try:
                future = self._pool.schedule(fn, args=args, timeout=self.settings.timeout_s)
            except RuntimeError as exc:  # pebble: the pool is closed or could not start a worker
                raise WorkerFailed(f"the workers are not running: {exc}") from None
            try:
                return future.result()
            except FutureTimeout:
                raise DocumentTimeout(
                    f"normalizing took over {self.settings.timeout_s:g} s; the document was stopped"
                ) from None
            except ProcessExpired as exc:
                raise WorkerFailed(f"the worker stopped while normalizing (exit code {exc.exitcode})") from None
            except CancelledError:
                raise WorkerFailed("the service is shutting down") from None
            except BrokenProcessPool as exc:
                raise WorkerFailed(f"the workers could not start: {exc}") from None
        finally:
            self._slots.release()

    def start(self) -> None:
        """Start every worker now (each loads its models), not on the first document:
        the first uploads should not wait for a process to start. Blocks until the fork
        server has loaded the models."""
        self._pool.schedule(_ready)

    def close(self) -> None:
        """Stop every worker now (running documents are abandoned)."""
        self._pool.stop()
        self._pool.join(timeout=5)
