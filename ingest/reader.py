"""Reading what transnorm stored, for downstream systems (the layout is docs/bucket.md).

    reader = open_reader("s3://bucket/prefix")          # or a local folder
    for doc in reader.documents(lang="ru", since="2026-11-01"):
        text = reader.cleaned_text(doc.doc_id)

Listing goes through ``latest/`` one page at a time (``ListObjectsV2``, 1,000 keys a
page) and reads each small pointer, so memory stays constant over a bucket of any size.
Everything reached through a pointer is complete: pointers are written after the objects
they point to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from .runs import read_manifest, read_parts
from .store import Store, open_store


@dataclass(frozen=True)
class DocRef:
    """A document as its ``latest/`` pointer describes it (see the pointer schema)."""

    doc_id: str
    version: str
    keys: dict
    source: dict
    main_lang: str
    fragment_langs: tuple[str, ...]
    processed_at: str
    run_id: str | None
    pipeline_version: str

    @classmethod
    def from_pointer(cls, p: dict) -> DocRef:
        return cls(
            p["doc_id"],
            p["version"],
            p["keys"],
            p["source"],
            p["main_lang"],
            tuple(p["fragment_langs"]),
            p["processed_at"],
            p.get("run_id"),
            p["pipeline"]["version"],
        )

    @property
    def origin(self) -> str:
        """``upload`` or the crawl source's name."""
        o = self.source.get("origin", {})
        return o.get("source") or o.get("kind", "upload")


@dataclass(frozen=True)
class RunInfo:
    """A run and its action counts; an unfinished run (still running, or killed and not
    yet resumed) counts what its manifest parts say so far."""

    run_id: str
    counts: dict[str, int]
    finished: bool = True


class Reader:
    """Read documents, records and runs from a :class:`~ingest.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def documents(
        self,
        source: str | None = None,
        lang: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        run: str | None = None,
    ) -> Iterator[DocRef]:
        """Documents, latest version each, filtered by all the arguments given:
        ``source`` (``upload`` or a crawl source's name), ``lang`` (main language or a
        fragment language, BCP-47, ``zh`` matching ``zh-Hant``), ``since``/``until``
        (processed at or after / before; ISO 8601, naive means UTC), ``run`` (written or
        relinked by that run; read from its manifest). Streams; order is by ``doc_id``
        (by manifest order with ``run``). Raises ``KeyError`` for a run without a
        manifest (unknown, or still running)."""
        lo = _instant(since) if since is not None else None
        hi = _instant(until) if until is not None else None
        for ref in self._candidates(run):
            if source is not None and ref.origin != source:
                continue
            if lang is not None and not any(_lang_match(lang, t) for t in (ref.main_lang, *ref.fragment_langs)):
                continue
            t = _instant(ref.processed_at)
            if (lo is not None and t < lo) or (hi is not None and t >= hi):
                continue
            yield ref

    def _candidates(self, run: str | None) -> Iterator[DocRef]:
        if run is None:
            for key in self.store.list("latest/"):
                if key.endswith(".json"):
                    try:
                        yield DocRef.from_pointer(json.loads(self.store.get(key)))
                    except KeyError:
                        continue  # removed between listing and reading
            return
        for entry in self.manifest(run):
            if entry["action"] in ("written", "relinked") and entry["doc_id"]:
                yield self.get(entry["doc_id"])

    def get(self, doc_id: str) -> DocRef:
        """The latest version of ``doc_id``; raises ``KeyError`` if there is none."""
        return DocRef.from_pointer(json.loads(self.store.get(f"latest/{doc_id}.json")))

    def record(self, doc_id: str, version: str | None = None) -> dict:
        """The JSON record (latest version unless ``version``); ``KeyError`` if missing."""
        return json.loads(self.store.get(self._key(doc_id, version, "record")))

    def cleaned_text(self, doc_id: str, version: str | None = None) -> str:
        return self.store.get(self._key(doc_id, version, "cleaned")).decode("utf-8")

    def original(self, doc_id: str, version: str | None = None) -> bytes:
        """The input bytes exactly as received."""
        return self.store.get(self._key(doc_id, version, "raw"))

    def _key(self, doc_id: str, version: str | None, name: str) -> str:
        if version is None:
            return self.get(doc_id).keys[name]
        base = f"docs/{doc_id}/{version}/"
        if name == "raw":
            # Only a complete version (its record written last) counts; its raw object's
            # name is found by listing, not by downloading the record with the full text.
            if not self.store.exists(base + "record.json"):
                raise KeyError(base + "record.json")
            raw = next(iter(self.store.list(base + "raw/")), None)
            if raw is None:
                raise KeyError(base + "raw/")
            return raw
        return base + ("record.json" if name == "record" else "cleaned.txt")

    def versions(self, doc_id: str) -> list[str]:
        """Every stored version of ``doc_id`` (complete ones: their record exists)."""
        return sorted({k.split("/")[2] for k in self.store.list(f"docs/{doc_id}/") if k.endswith("/record.json")})

    def manifest(self, run_id: str) -> Iterator[dict]:
        """The entries of run ``run_id``; ``KeyError`` until the run has finished."""
        return read_manifest(self.store, run_id)

    def runs(self, limit: int = 20) -> list[RunInfo]:
        """The ``limit`` most recent runs, newest first, with action counts: finished
        runs from their manifests, unfinished ones from their parts so far."""
        finished: set[str] = set()
        started: set[str] = set()
        for k in self.store.list("runs/"):
            parts = k.split("/")
            if len(parts) == 3 and parts[2] == "manifest.jsonl":
                finished.add(parts[1])
            elif len(parts) == 4 and parts[2] == "parts":
                started.add(parts[1])
        out = []
        for run_id in sorted(finished | started, reverse=True)[:limit]:
            done = run_id in finished
            counts: dict[str, int] = {}
            for e in self.manifest(run_id) if done else read_parts(self.store, run_id):
                counts[e["action"]] = counts.get(e["action"], 0) + 1
            out.append(RunInfo(run_id, dict(sorted(counts.items())), done))
        return out


def open_reader(url: str, s3_endpoint: str | None = None) -> Reader:
    """A :class:`Reader` on the store at ``url`` (see :func:`ingest.store.open_store`)."""
    return Reader(open_store(url, s3_endpoint=s3_endpoint))


def _lang_match(wanted: str, tag: str) -> bool:
    w, t = wanted.lower(), tag.lower()
    return t == w or t.startswith(w + "-")


def _instant(value: str | datetime) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
