"""Crawl runs that survive being killed: which run a source is in, and what it already did.

``crawl/<source>/run.json`` names the source's current run from its start to its end
(``{"run_id", "finished", "started_at"}``). A crawl that starts while it names an
unfinished run *resumes* that run: same ``run_id``, so its documents, parts and latest
pointers all name one run.

What a run has done is in the store, never in a worker's memory:

* a batch writes its URLs (``runs/<run_id>/batches/<part_id>.json``) before it starts and
  its manifest part (``runs/<run_id>/parts/<part_id>.jsonl``) when it ends;
* a page's crawl state is saved right after its document is stored, naming the run and
  the manifest entry (``run_id``, ``action``, ``version``, ``keys``).

So a resumption re-runs every batch that has no part, under the same part id, and that
batch takes a page the run already stored from its state instead of fetching it. The one
gap, a kill between a document's latest pointer and its state, is closed by the pointer,
which names the run that wrote it. Every document the run stored ends up in exactly one
part, and nothing it stored is fetched twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .runs import Manifest, batch_key, finish, manifest_key, new_run_id, part_ids, read_parts
from .store import Store


def run_pointer_key(source: str) -> str:
    return f"crawl/{source}/run.json"


@dataclass
class RunStart:
    """The run a crawl works in: ``pending`` maps each part id of a batch that was cut
    short to its URLs; ``done`` holds every URL a part of the run already lists."""

    run_id: str
    resumed: bool = False
    pending: dict[str, list[str]] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)


def begin(store: Store, source: str, resume: bool = True) -> RunStart:
    """Start a run of ``source``, or resume its unfinished one (unless ``resume`` is false)."""
    try:
        current = json.loads(store.get(run_pointer_key(source)))
    except (KeyError, ValueError):
        current = None
    if resume and current and not current.get("finished") and not store.exists(manifest_key(current["run_id"])):
        run_id = current["run_id"]
        written = set(part_ids(store, run_id))
        prefix = f"runs/{run_id}/batches/"
        pending = {}
        for key in store.list(prefix):
            part_id = key[len(prefix) : -len(".json")]
            if key.endswith(".json") and part_id not in written:
                pending[part_id] = json.loads(store.get(key))["urls"]
        done = {e["source"] for e in read_parts(store, run_id) if e.get("source")}
        return RunStart(run_id, True, pending, done)
    run_id = new_run_id()
    _point(store, source, run_id, finished=False)
    return RunStart(run_id)


def end(store: Store, source: str, run_id: str, last: Manifest | None = None) -> str:
    """Finish the run: its manifest (:func:`ingest.runs.finish`), then the source's
    pointer says so. Returns the manifest's key."""
    key = finish(store, run_id, last)
    _point(store, source, run_id, finished=True)
    return key


def _point(store: Store, source: str, run_id: str, finished: bool) -> None:
    body = {"run_id": run_id, "finished": finished, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    store.put(run_pointer_key(source), json.dumps(body).encode(), "application/json")


def start_batch(store: Store, run_id: str, part_id: str, urls: list[str]) -> None:
    store.put(batch_key(run_id, part_id), json.dumps({"urls": urls}).encode(), "application/json")
