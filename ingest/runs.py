"""Per-run manifests: what a run did to every document it touched.

``runs/<run_id>/manifest.jsonl`` holds one JSON object per line (schema:
ingest/schemas/manifest-entry.v1.schema.json)::

    {"run_id", "doc_id", "action", "version", "keys", "sha256", "source", "reason"}

``action`` is ``written``, ``relinked``, ``unchanged``, ``skipped`` or ``failed``;
``reason`` says why for the last two. The manifest is written once, after every document
of the run, so a reader may treat a run as complete exactly when its manifest exists.

A run of many batches (a crawl, many files) also writes one *part* per batch as the
batch ends, ``runs/<run_id>/parts/<part_id>.jsonl``, each one PUT: a run killed midway
keeps what its finished batches did, and its manifest, written when the run (or its
resumption) ends, is the union of its parts in part order. A part id sorts by the time
its batch started. Before a crawl batch starts, its URLs are written to
``runs/<run_id>/batches/<part_id>.json``, so a resumption can find a batch that never
wrote its part (see :mod:`ingest.resume`).

``run_id`` is ``<UTC time>-<8 hex>`` (``20261129T235316Z-1a2b3c4d``): sorting run ids
sorts runs by start time.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .store import Store

ACTIONS = ("written", "relinked", "unchanged", "skipped", "failed")


def new_run_id(now: datetime | None = None, suffix: str | None = None) -> str:
    """A run id for a run starting ``now`` (default: the current UTC time)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{suffix or secrets.token_hex(4)}"


def manifest_key(run_id: str) -> str:
    return f"runs/{run_id}/manifest.jsonl"


def part_key(run_id: str, part_id: str) -> str:
    return f"runs/{run_id}/parts/{part_id}.jsonl"


def batch_key(run_id: str, part_id: str) -> str:
    return f"runs/{run_id}/batches/{part_id}.json"


def new_part_id(index: int = 0) -> str:
    """A part id that sorts by creation time, then by ``index`` (the batch's place in
    its run), then at random, so batches started at once by many workers never collide."""
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond:06d}Z-{index:06d}-{secrets.token_hex(4)}"


def _parse(body: bytes) -> Iterator[dict]:
    for line in body.decode("utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def part_ids(store: Store, run_id: str) -> list[str]:
    prefix = f"runs/{run_id}/parts/"
    return sorted(k[len(prefix) : -len(".jsonl")] for k in store.list(prefix) if k.endswith(".jsonl"))


def read_parts(store: Store, run_id: str) -> Iterator[dict]:
    """The entries of every part of ``run_id`` written so far, in part order."""
    for part_id in part_ids(store, run_id):
        yield from _parse(store.get(part_key(run_id, part_id)))


def read_manifest(store: Store, run_id: str) -> Iterator[dict]:
    """The entries of a finished run; ``KeyError`` while it runs (or if it is unknown)."""
    return _parse(store.get(manifest_key(run_id)))


def finish(store: Store, run_id: str, last: Manifest | None = None) -> str:
    """End run ``run_id``: write ``last`` as its final part (if it has entries), then the
    manifest, the union of every part; returns the manifest's key. A run is finished
    exactly when this returns."""
    if last is not None and last.entries:
        last.write_part(store, new_part_id(999_999))
    whole = Manifest(run_id, list(read_parts(store, run_id)))
    return whole.write(store)


@dataclass
class Manifest:
    """Entries of one run, written with :meth:`write` when the run ends."""

    run_id: str
    entries: list[dict] = field(default_factory=list)

    def add(
        self,
        action: str,
        *,
        doc_id: str | None = None,
        version: str | None = None,
        keys: dict | None = None,
        sha256: str | None = None,
        source: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Record one document; raises ``ValueError`` for an unknown ``action``."""
        if action not in ACTIONS:
            raise ValueError(f"unknown manifest action {action!r}")
        self.entries.append(
            {
                "run_id": self.run_id,
                "doc_id": doc_id,
                "action": action,
                "version": version,
                "keys": keys,
                "sha256": sha256,
                "source": source,
                "reason": reason,
            }
        )

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e["action"]] = out.get(e["action"], 0) + 1
        return dict(sorted(out.items()))

    def write(self, store: Store) -> str:
        """Write ``runs/<run_id>/manifest.jsonl`` (one PUT: complete or absent); returns the key."""
        return self._put(store, manifest_key(self.run_id))

    def write_part(self, store: Store, part_id: str) -> str:
        """Write these entries as the part ``part_id`` of the run (one PUT); returns the key."""
        return self._put(store, part_key(self.run_id, part_id))

    def _put(self, store: Store, key: str) -> str:
        body = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.entries)
        store.put(
            key,
            body.encode("utf-8"),
            "application/x-ndjson; charset=utf-8",
            {"run-id": self.run_id, "documents": str(len(self.entries))},
        )
        return key
