"""The API's job table, kept in the store so that jobs outlive the process that took them.

A large upload becomes a job. Before the API answers 202, the upload's bytes and the
options it came with are stored, then its status::

    jobs/<job_id>/input          the uploaded bytes, exactly as received
    jobs/<job_id>/request.json   {"name", "content_type", "encoding", "target_lang", "mode",
                                  "glossary", "source_lang", "created_at"}
    jobs/<job_id>/status.json    {"job_id", "status", "doc_id", "error", "flow_run_id", "updated_at"}

``status`` is ``queued``, ``running``, ``succeeded`` or ``failed``. With a Prefect server
configured, a job is a run of the ``normalize-job`` deployment (``flow_run_id``), which
writes the job's final status; Prefect's own state of that run says the rest. Without
one, a service that starts takes up every job still ``queued`` or ``running`` that no
flow run owns (:func:`unfinished`): it was accepted and never finished, because the
process that held it stopped. Running a job twice is harmless: the same input and
settings are the same version, stored once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from .store import Store


@dataclass(frozen=True)
class JobRequest:
    name: str
    content_type: str | None
    encoding: str | None
    target_lang: str
    mode: str
    glossary: str | None
    source_lang: str | None
    created_at: str = ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _key(job_id: str, name: str) -> str:
    return f"jobs/{job_id}/{name}"


def accept(store: Store, job_id: str, data: bytes, request: JobRequest) -> None:
    """Store a new job: its input and request first, its ``queued`` status last (a job
    whose status exists always has its input)."""
    store.put(_key(job_id, "input"), data, "application/octet-stream")
    body = asdict(request) | {"created_at": request.created_at or _now()}
    store.put(_key(job_id, "request.json"), json.dumps(body).encode(), "application/json")
    set_status(store, job_id, "queued")


def set_status(
    store: Store,
    job_id: str,
    status: str,
    doc_id: str | None = None,
    error: dict | None = None,
    flow_run_id: str | None = None,
) -> None:
    body = {
        "job_id": job_id,
        "status": status,
        "doc_id": doc_id,
        "error": error,
        "flow_run_id": flow_run_id,
        "updated_at": _now(),
    }
    store.put(_key(job_id, "status.json"), json.dumps(body).encode(), "application/json")


def status(store: Store, job_id: str) -> dict | None:
    try:
        return json.loads(store.get(_key(job_id, "status.json")))
    except KeyError:
        return None


def load(store: Store, job_id: str) -> tuple[bytes, JobRequest]:
    """A job's input bytes and request; ``KeyError`` if either is missing."""
    request = JobRequest(**json.loads(store.get(_key(job_id, "request.json"))))
    return store.get(_key(job_id, "input")), request


def unfinished(store: Store) -> list[str]:
    """Ids of jobs accepted and never finished that no flow run owns, oldest status first."""
    found = []
    for key in store.list("jobs/"):
        if key.endswith("/status.json"):
            s = json.loads(store.get(key))
            if s["status"] in ("queued", "running") and not s.get("flow_run_id"):
                found.append((s["updated_at"], s["job_id"]))
    return [job_id for _, job_id in sorted(found)]
