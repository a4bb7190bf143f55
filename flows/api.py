"""HTTP upload service: normalize one file over the network (FastAPI, served by uvicorn).

    transnorm api --config deploy/api.yaml [--host 127.0.0.1] [--port 8080]

Endpoints (all JSON unless said otherwise; errors are ``{"error": {"code", "message"}}``
with the stable codes listed in :data:`ERRORS`):

* ``POST /v1/documents``: a multipart upload (field ``file``) or a raw body with its
  content type; optional fields/query parameters ``encoding`` (else the Content-Type's
  ``charset``, else detected), ``source_lang`` (the document's main
  language, BCP-47, instead of detecting it), ``target_lang``, ``mode``, ``glossary`` (a
  name from the configuration). Up to ``sync_max_bytes`` the file is normalized within
  the request: 201 with the record and ``Location``. Larger files become a job that the
  same worker pool runs in the background: 202 with a job id. The job table is kept in
  the store (``jobs/``, :mod:`ingest.jobs`) with each job's input, so a job outlives the
  process: a service that starts takes up the jobs that never finished.
* ``GET /v1/documents/{doc_id}``: the record; ``GET /v1/documents/{doc_id}/cleaned``: the
  cleaned text (``text/plain; charset=utf-8``); ``GET /v1/jobs/{job_id}``: a job's status.
* ``POST /v1/detect``: findings only, nothing stored.
* ``GET /healthz`` (process up), ``GET /readyz`` (store reachable, models listed).

Auth: ``Authorization: Bearer <token>`` with tokens from the configuration, scope
``write`` (everything) or ``read`` (no uploads). Limits: ``max_upload_bytes`` (413, decided
from ``Content-Length`` or while the body streams in, never after buffering it), allowed
types decided by sniffing the bytes (415), ``rate_per_minute`` per token (429 with
``Retry-After``). Nothing is stored for a rejected upload.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest import jobs
from ingest.fetch import charset_param
from ingest.glossaries import read_glossary
from ingest.reader import Reader
from ingest.reading import CONTENT_TYPES, InputError, read_bytes
from ingest.store import TMP_PREFIX
from normalize.glossary import Glossary
from normalize.pipeline import MODES
from normalize.tags import is_language_tag
from normalize.version import PIPELINE_VERSION

from .batch import Options, Outcome, job_error_code, process_one
from .pool import DocumentTimeout, NormalizePool, Overloaded, PoolSettings, WorkerFailed
from .stores import open_store

logger = logging.getLogger("transnorm.api")

# code -> (HTTP status, meaning); the codes are part of the API.
ERRORS: dict[str, tuple[int, str]] = {
    "unauthorized": (401, "missing or unknown bearer token"),
    "forbidden": (403, "the token's scope does not allow this"),
    "not_found": (404, "no such document, job or path"),
    "method_not_allowed": (405, "method not allowed"),
    "body_timeout": (408, "the body did not arrive within the deadline"),
    "too_large": (413, "the body is over the upload limit"),
    "unsupported_type": (415, "not text, HTML or Markdown (decided from the bytes)"),
    "invalid_request": (422, "a parameter or the body is not valid"),
    "invalid_id": (400, "a document or job id is not 32 lowercase hex digits"),
    "invalid_name": (
        400,
        "the file name is over 255 UTF-8 bytes, holds control characters or uses the store's reserved prefix",
    ),
    "unreadable": (422, "the text is empty or cannot be decoded"),
    "rate_limited": (429, "too many requests for this token; see Retry-After"),
    "document_timeout": (
        422,
        "normalizing took longer than the per-document budget; the document was stopped and nothing stored",
    ),
    "overloaded": (503, "every worker is busy; see Retry-After"),
    "store_unavailable": (503, "the store did not answer in time or failed; nothing was stored, see Retry-After"),
    "not_ready": (503, "the store, the models or the Prefect server are not available"),
    "internal": (500, "unexpected error"),
}


class ApiError(Exception):
    def __init__(self, code: str, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message or ERRORS[code][1])
        self.code, self.message, self.headers = code, message or ERRORS[code][1], headers or {}


# --- configuration ---------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    name: str
    scope: str  # "read" or "write"


@dataclass(frozen=True)
class ApiSettings:
    """Service settings; see deploy/api.yaml. Sizes in bytes, rates per minute."""

    store_url: str = "./transnorm-store"
    s3_endpoint: str | None = None
    models_dir: str | None = None
    tokens: dict[str, Token] = field(default_factory=dict)
    max_upload_bytes: int = 10_000_000
    sync_max_bytes: int = 1_000_000
    rate_per_minute: int = 120
    glossaries: dict[str, str] = field(default_factory=dict)
    workers: int = 2  # normalizing processes; each loads the models once
    queue: int = 8  # uploads that may wait for a worker; beyond, 503 with Retry-After
    document_timeout_s: float = 60.0  # a worker's time per document; beyond, it is stopped (422 document_timeout)
    # With PREFECT_API_URL set, jobs are runs of this deployment (deploy/prefect.yaml).
    job_deployment: str = "normalize-job/api-job"


def load_settings(path: str | Path) -> ApiSettings:
    """Read the YAML configuration at ``path``. Token values may be given directly or as
    ``env:NAME`` (read from that environment variable). Raises ``ValueError`` with the
    mistake."""
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    tokens = {}
    for i, t in enumerate(data.pop("tokens", []) or []):
        value = str(t.get("token", ""))
        if value.startswith("env:"):
            value = os.environ.get(value[4:], "")
        if not value or t.get("scope") not in ("read", "write") or not t.get("name"):
            raise ValueError(f"{path}: tokens[{i}] needs name, token (or env:VAR set) and scope read|write")
        tokens[value] = Token(t["name"], t["scope"])
    unknown = set(data) - {f for f in ApiSettings.__dataclass_fields__ if f != "tokens"}
    if unknown:
        raise ValueError(f"{path}: unknown settings {sorted(unknown)}")
    return ApiSettings(tokens=tokens, **data)


# --- rate limiting -----------------------------------------------------------------------


class RateLimiter:
    """A token bucket per API token: ``per_minute`` requests a minute, bursts up to that."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 if a request may go now, else the seconds until one may."""
        now = time.monotonic()
        with self._lock:
            level, last = self._buckets.get(key, (self.capacity, now))
            level = min(self.capacity, level + (now - last) * self.rate)
            if level >= 1:
                self._buckets[key] = (level - 1, now)
                return 0.0
            self._buckets[key] = (level, now)
            return (1 - level) / self.rate


# --- body size limit (ASGI) --------------------------------------------------------------


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413 before reading them whole: at once when
    ``Content-Length`` says so, else as soon as the streamed bytes pass the limit."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _send_error(
                send, "too_large", f"body of {int(length)} bytes is over the {self.limit}-byte limit"
            )
        received = 0
        started = False
        deadline = time.monotonic() + BODY_DEADLINE_S

        async def limited_receive():
            nonlocal received
            import asyncio

            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise _TooSlow() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_error(send, "too_large", f"body is over the {self.limit}-byte limit")
        except _TooSlow:
            if not started:
                await _send_error(send, "body_timeout", f"the body did not arrive within {BODY_DEADLINE_S:g} s")


# A client that sends its body a byte at a time would hold a connection for ever.
BODY_DEADLINE_S = 60.0


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


async def _send_error(send, code: str, message: str) -> None:
    status = ERRORS[code][0]
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _outcome_error(o: Outcome) -> BaseException:
    """The error a failed upload answers with: the store's own exception (an outage is a
    503 by the error handler), else the API error of its reason code."""
    if o.error is not None:
        return o.error
    return _pool_error(job_error_code(o), (o.reason or "").split(": ", 1)[-1])


def _pool_error(code: str, message: str) -> ApiError:
    """A worker pool's failure as the API answers it; a busy pool says when to retry."""
    if code == "overloaded":
        return ApiError(code, f"{message}; try again later", headers={"Retry-After": "5"})
    return ApiError(code, message)


def _in_pool(method, *args):
    """``method(*args)`` of the worker pool, its failures as API errors."""
    try:
        return method(*args)
    except Overloaded as exc:
        raise _pool_error("overloaded", str(exc)) from None
    except DocumentTimeout as exc:
        raise _pool_error("document_timeout", str(exc)) from None
    except WorkerFailed as exc:
        raise _pool_error("internal", str(exc)) from None


def _header_file_name(headers) -> str | None:
    """The file name of a raw-body upload: ``Content-Disposition``'s ``filename*``
    (RFC 5987/6266, any charset) or ``filename``, else ``X-Filename``. Header bytes reach
    us decoded as Latin-1; a name that was sent as UTF-8 is decoded as such."""
    disposition = headers.get("content-disposition")
    if disposition:
        from email.message import Message

        msg = Message()
        msg["content-disposition"] = disposition
        name = msg.get_filename()
        if name:
            return _as_utf8(name)
    name = headers.get("x-filename")
    return _as_utf8(name) if name else None


def _as_utf8(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _checked_name(name: str) -> str:
    import unicodedata

    if len(name.encode("utf-8", "surrogatepass")) > 255 or any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise ApiError("invalid_name", "the file name must be at most 255 UTF-8 bytes, without control characters")
    if name.rsplit("/", 1)[-1].startswith(TMP_PREFIX):
        raise ApiError(
            "invalid_name", f"names starting with {TMP_PREFIX!r} are reserved for the store's temporary files"
        )
    return name


_ID = re.compile(r"[0-9a-f]{32}")


def _checked_id(value: str, what: str = "document") -> str:
    if not _ID.fullmatch(value):
        raise ApiError(
            "invalid_id",
            f"{what} id must be 32 lowercase hex digits, not {value[:40]!r}{'...' if len(value) > 40 else ''}",
        )
    return value


def _is_store_outage(exc: BaseException) -> bool:
    """An S3 error that says the service is down or slow (no answer, a timeout, a 5xx or
    throttling), not that the request was wrong."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, BotoCoreError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return status >= 500 or exc.response.get("Error", {}).get("Code") in (
            "SlowDown",
            "Throttling",
            "RequestTimeout",
        )
    return False


# --- response models (for an accurate OpenAPI) ---------------------------------------------


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class JobAccepted(BaseModel):
    job_id: str
    status: str
    status_url: str


class JobStatus(BaseModel):
    job_id: str
    status: str  # queued, running, succeeded, failed
    doc_id: str | None = None
    document_url: str | None = None
    error: ErrorDetail | None = None
    flow_run_id: str | None = None  # the Prefect flow run that runs the job, when a server runs it


def _prefect_state(flow_run_id: str) -> dict:
    """A job's status from its flow run's state in Prefect, for a job whose run has not
    written its final status: ``{"status"}``, plus ``error`` for a run that ended badly."""
    from uuid import UUID

    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
    except Exception as exc:
        raise ApiError(
            "not_ready", f"the Prefect server did not answer about the job's flow run: {type(exc).__name__}"
        ) from None
    kind = state.type.value if state else "SCHEDULED"
    if kind in ("RUNNING", "CANCELLING"):
        return {"status": "running"}
    if kind in ("FAILED", "CRASHED", "CANCELLED"):
        return {
            "status": "failed",
            "error": {
                "code": "internal",
                "message": f"the job's flow run ended {state.name if state else kind}: {(state.message if state else None) or ''}".strip(),
            },
        }
    return {"status": "queued"}  # scheduled, pending, paused; or completed a moment before its status lands


class Detection(BaseModel):
    main_lang: str
    findings: list[dict]


def _errors(*codes: str) -> dict:
    out: dict = {}
    for code in codes:
        status, meaning = ERRORS[code]
        prev = out.get(status, {}).get("description")
        out[status] = {
            "model": ErrorBody,
            "description": f"{prev}; {code}: {meaning}" if prev else f"{code}: {meaning}",
        }
    return out


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "text/plain": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "text/markdown": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


# --- the app ---------------------------------------------------------------------------------


def create_app(settings: ApiSettings) -> FastAPI:
    """The FastAPI application for ``settings`` (see the module docstring)."""
    from .translators import make_translator

    app = FastAPI(
        title="transnorm",
        version=PIPELINE_VERSION,
        description="Find, repair and translate foreign fragments in mostly-English text; store the cleaned text with provenance.",
    )
    store = open_store(settings.store_url, s3_endpoint=settings.s3_endpoint)
    reader = Reader(store)
    # The engine here only names the models (records, readyz); workers translate.
    _, engine = make_translator(settings.store_url, settings.s3_endpoint, settings.models_dir, None, cache=False)
    glossaries: dict[str, Glossary] = {name: read_glossary(path) for name, path in settings.glossaries.items()}
    limiter = RateLimiter(settings.rate_per_minute)
    pool = NormalizePool(
        PoolSettings.for_store(
            settings.store_url,
            settings.s3_endpoint,
            models_dir=settings.models_dir,
            glossaries=dict(settings.glossaries),
            workers=settings.workers,
            queue=settings.queue,
            timeout_s=settings.document_timeout_s,
        )
    )
    app.router.on_startup.append(pool.start)
    app.router.on_shutdown.append(pool.close)

    def auth(scope: str):
        def check(request: Request) -> Token:
            header = request.headers.get("authorization", "")
            kind, _, value = header.partition(" ")
            token = settings.tokens.get(value.strip()) if kind.lower() == "bearer" else None
            if token is None:
                # Unauthenticated callers share a bucket per address: guessing tokens or
                # flooding the 401 path costs them, not the service.
                wait = limiter.take(f"ip:{request.client.host if request.client else '?'}")
                if wait > 0:
                    raise ApiError("rate_limited", headers={"Retry-After": str(max(1, math.ceil(wait)))})
                raise ApiError("unauthorized", headers={"WWW-Authenticate": "Bearer"})
            wait = limiter.take(value.strip())
            if wait > 0:
                raise ApiError("rate_limited", headers={"Retry-After": str(max(1, math.ceil(wait)))})
            if scope == "write" and token.scope != "write":
                raise ApiError("forbidden", f"token {token.name!r} is read-only")
            return token

        return check

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse(
            {"error": {"code": exc.code, "message": exc.message}}, status_code=ERRORS[exc.code][0], headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(
            {"error": {"code": "invalid_request", "message": f"{where}: {first.get('msg', 'invalid')}"}},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid_request")
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        if _is_store_outage(exc):
            return JSONResponse(
                {
                    "error": {
                        "code": "store_unavailable",
                        "message": f"the store failed: {type(exc).__name__}; nothing was stored",
                    }
                },
                status_code=503,
                headers={"Retry-After": "10"},
            )
        return JSONResponse({"error": {"code": "internal", "message": f"{type(exc).__name__}"}}, status_code=500)

    async def _upload(request: Request) -> tuple[bytes, str, str | None, dict]:
        """(bytes, file name, content type hint, form/query fields) of an upload."""
        fields = dict(request.query_params)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "multipart/form-data":
            try:
                form = await request.form(max_part_size=settings.max_upload_bytes)
            except (_TooLarge, _TooSlow):
                raise
            except Exception as exc:
                raise ApiError("invalid_request", f"not a valid multipart body: {exc}") from None
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise ApiError("invalid_request", "multipart body needs a 'file' part")
            data = await upload.read()
            fields.update({k: v for k, v in form.items() if isinstance(v, str)})
            part_type = (upload.content_type or "").split(";")[0].strip().lower()
            fields.setdefault("encoding", charset_param(upload.content_type or "") or "")
            return (
                data,
                _checked_name(upload.filename or "upload"),
                part_type if part_type in CONTENT_TYPES else None,
                fields,
            )
        data = await request.body()
        name = _header_file_name(request.headers) or "upload"
        fields.setdefault("encoding", charset_param(request.headers.get("content-type", "")) or "")
        return data, _checked_name(name), ctype if ctype in CONTENT_TYPES else None, fields

    def _document(data: bytes, name: str, hint: str | None, encoding: str | None = None):
        try:
            return read_bytes(data, name, content_type=hint, encoding=encoding)
        except InputError as exc:
            # The reader speaks to the command line; here the knob is a parameter.
            text = (
                str(exc)
                .replace("pass --encoding", "give the encoding parameter (or a charset in Content-Type)")
                .replace("--encoding", "the encoding parameter")
            )
            raise ApiError("unsupported_type" if "binary" in text else "unreadable", text) from None

    def _options(fields: dict) -> tuple[str, str, str | None, str | None]:
        target = fields.get("target_lang", "en")
        source = fields.get("source_lang") or None
        if source is not None and not is_language_tag(source):
            raise ApiError("invalid_request", f"source_lang {source!r} is not a BCP-47 tag")
        mode = fields.get("mode", "replace")
        glossary = fields.get("glossary")
        if mode not in MODES:
            raise ApiError("invalid_request", f"mode must be one of {', '.join(MODES)}")
        if glossary is not None and glossary not in glossaries:
            raise ApiError(
                "invalid_request",
                f"unknown glossary {glossary!r}; configured: {', '.join(sorted(glossaries)) or 'none'}",
            )
        if not is_language_tag(target):
            raise ApiError("invalid_request", f"target_lang {target!r} is not a BCP-47 tag")
        return target, mode, glossary, source

    @app.post(
        "/v1/documents",
        status_code=201,
        openapi_extra=UPLOAD_BODY,
        responses={
            200: {
                "description": "stored before with the same input and settings: the stored JSON record; nothing new written (the latest pointer may move back to it)"
            },
            201: {"description": "normalized and stored: the JSON record; Location names it"},
            202: {"model": JobAccepted, "description": "large file: accepted as a job"},
            **_errors(
                "unauthorized",
                "forbidden",
                "invalid_name",
                "body_timeout",
                "too_large",
                "unsupported_type",
                "invalid_request",
                "unreadable",
                "document_timeout",
                "rate_limited",
                "overloaded",
                "store_unavailable",
            ),
        },
    )
    async def upload_document(request: Request, token: Token = Depends(auth("write"))):
        """Upload one file (multipart field ``file``, or the raw body) and normalize it."""
        from starlette.concurrency import run_in_threadpool

        data, name, hint, fields = await _upload(request)
        target, mode, glossary, source = _options(fields)
        encoding = fields.get("encoding") or None
        # Decoding and HTML extraction are CPU work (and wait on the extraction lock):
        # off the event loop, so one large page never stalls other requests.
        doc = await run_in_threadpool(_document, data, name, hint, encoding)
        if len(data) > settings.sync_max_bytes:
            return await run_in_threadpool(_start_job, data, name, hint, encoding, doc, target, mode, glossary, source)
        record, created = await run_in_threadpool(_normalize_and_store, doc, target, mode, glossary, source)
        return JSONResponse(
            record, status_code=201 if created else 200, headers={"Location": f"/v1/documents/{doc.doc_id}"}
        )

    def _normalize_and_store(
        doc, target: str, mode: str, glossary: str | None, source: str | None
    ) -> tuple[dict, bool]:
        """The stored record, and whether this request created it (False: this input and
        settings were stored before; at most the latest pointer moved back to them)."""
        o = process_one(
            doc, pool, store, engine.identity(), Options(target, mode, glossary, source), f"upload:{doc.name}"
        )
        if o.status == "failed":
            raise _outcome_error(o)
        assert o.record is not None and o.report is not None
        record, report = o.record, o.report
        if report.status == "written":
            return record, True
        # unchanged, or relinked to a version stored before: nothing new was created, and
        # the stored record of this version (with its own run and path) is the truth. It
        # is read by its key: the latest pointer of a version written this very moment by
        # an identical upload may not be there yet.
        return json.loads(store.get(report.keys["record"])), False

    def _start_job(
        data: bytes,
        name: str,
        hint: str | None,
        encoding: str | None,
        doc,
        target: str,
        mode: str,
        glossary: str | None,
        source: str | None,
    ) -> JSONResponse:
        """A large upload, already decoded, normalized by the worker pool in the background
        under the same budget as a small one. Its input and options are stored first
        (:mod:`ingest.jobs`): if the store cannot take them, the upload is refused."""
        job_id = uuid.uuid4().hex
        try:
            jobs.accept(store, job_id, data, jobs.JobRequest(name, hint, encoding, target, mode, glossary, source))
        except Exception as exc:
            raise ApiError("store_unavailable", f"the job could not be stored: {type(exc).__name__}") from None
        flow_run_id = _submit_to_prefect(job_id)
        if flow_run_id is None:
            threading.Thread(target=_run_job, args=(job_id, doc, target, mode, glossary, source), daemon=True).start()
        return JSONResponse(
            {"job_id": job_id, "status": "queued", "status_url": f"/v1/jobs/{job_id}"},
            status_code=202,
            headers={"Location": f"/v1/jobs/{job_id}"},
        )

    def _run_job(job_id: str, doc, target: str, mode: str, glossary: str | None, source: str | None) -> None:
        try:
            jobs.set_status(store, job_id, "running")
            try:
                record, _ = _normalize_and_store(doc, target, mode, glossary, source)
                jobs.set_status(store, job_id, "succeeded", doc_id=record["doc_id"])
            except ApiError as exc:
                jobs.set_status(store, job_id, "failed", error={"code": exc.code, "message": exc.message})
        except Exception as exc:  # the job fails, the service does not; a job whose status could not be written is taken up again at the next start
            code = "store_unavailable" if _is_store_outage(exc) else "internal"
            try:
                jobs.set_status(
                    store, job_id, "failed", error={"code": code, "message": f"{type(exc).__name__}: {exc}"}
                )
            except Exception:
                pass

    def _submit_to_prefect(job_id: str) -> str | None:
        """With a Prefect server configured, the job becomes a run of the job deployment
        (on whatever work pool serves it); its id, or ``None`` to run the job here."""
        if not os.environ.get("PREFECT_API_URL"):
            return None
        from prefect.deployments import run_deployment

        params = {
            "job_id": job_id,
            "store_url": settings.store_url,
            "s3_endpoint": settings.s3_endpoint,
            "models_dir": settings.models_dir,
            "glossaries": dict(settings.glossaries),
            "timeout_s": settings.document_timeout_s,
        }
        try:
            run = run_deployment(settings.job_deployment, parameters=params, timeout=0)
        except Exception as exc:  # no such deployment, server down: the job still runs, here
            logger.warning(
                "job %s runs in this process: could not start a run of %s: %s: %s",
                job_id,
                settings.job_deployment,
                type(exc).__name__,
                exc,
            )
            return None
        flow_run_id = str(run.id)  # type: ignore[union-attr]  # sync call: a FlowRun, not a coroutine
        try:
            jobs.set_status(store, job_id, "queued", flow_run_id=flow_run_id)
        except Exception:  # the flow run writes the status itself when it starts
            pass
        return flow_run_id

    def _take_up_jobs() -> None:
        """Run, one after another, the jobs a stopped process accepted and never finished."""
        for job_id in jobs.unfinished(store):
            try:
                data, req = jobs.load(store, job_id)
                doc = _document(data, req.name, req.content_type, req.encoding)
            except ApiError as exc:
                jobs.set_status(store, job_id, "failed", error={"code": exc.code, "message": exc.message})
                continue
            except Exception:
                continue  # the store is failing: the next start tries again
            _run_job(job_id, doc, req.target_lang, req.mode, req.glossary, req.source_lang)

    def _start_taking_up_jobs() -> None:
        threading.Thread(target=_take_up_jobs, name="take-up-jobs", daemon=True).start()

    app.router.on_startup.append(_start_taking_up_jobs)

    @app.get(
        "/v1/documents/{doc_id}",
        responses={
            200: {"description": "the JSON record (ingest/schemas/record.v1.schema.json)"},
            **_errors("unauthorized", "invalid_id", "not_found", "rate_limited"),
        },
    )
    def get_document(doc_id: str, token: Token = Depends(auth("read"))):
        """The stored record of a document (latest version)."""
        _checked_id(doc_id)
        try:
            return JSONResponse(reader.record(doc_id))
        except (KeyError, ValueError):
            raise ApiError("not_found", f"no document {doc_id}") from None

    @app.get(
        "/v1/documents/{doc_id}/cleaned",
        response_class=PlainTextResponse,
        responses={
            200: {"content": {"text/plain": {}}, "description": "the cleaned text, UTF-8"},
            **_errors("unauthorized", "invalid_id", "not_found", "rate_limited"),
        },
    )
    def get_cleaned(doc_id: str, token: Token = Depends(auth("read"))):
        """The cleaned text of a document (latest version)."""
        _checked_id(doc_id)
        try:
            return PlainTextResponse(reader.cleaned_text(doc_id), media_type="text/plain; charset=utf-8")
        except (KeyError, ValueError):
            raise ApiError("not_found", f"no document {doc_id}") from None

    @app.get(
        "/v1/jobs/{job_id}",
        response_model=JobStatus,
        responses=_errors("unauthorized", "invalid_id", "not_found", "rate_limited", "not_ready"),
    )
    def get_job(job_id: str, token: Token = Depends(auth("read"))):
        """Status of an upload accepted as a job."""
        job = jobs.status(store, _checked_id(job_id, "job"))
        if job is None:
            raise ApiError("not_found", f"no job {job_id}")
        if job["status"] in ("queued", "running") and job.get("flow_run_id"):
            job = {**job, **_prefect_state(job["flow_run_id"])}
        url = f"/v1/documents/{job['doc_id']}" if job["doc_id"] else None
        return JobStatus(
            job_id=job_id,
            status=job["status"],
            doc_id=job["doc_id"],
            document_url=url,
            error=job["error"],
            flow_run_id=job.get("flow_run_id"),
        )

    @app.post(
        "/v1/detect",
        response_model=Detection,
        openapi_extra=UPLOAD_BODY,
        responses=_errors(
            "unauthorized",
            "invalid_name",
            "body_timeout",
            "too_large",
            "unsupported_type",
            "invalid_request",
            "unreadable",
            "document_timeout",
            "rate_limited",
            "overloaded",
        ),
    )
    async def detect(request: Request, token: Token = Depends(auth("read"))):
        """Findings for an uploaded text; nothing is stored."""
        from starlette.concurrency import run_in_threadpool

        data, name, hint, fields = await _upload(request)
        _, _, _, source = _options(fields)
        # Decoding and HTML extraction are CPU work (and wait on the extraction lock):
        # off the event loop, so one large page never stalls other requests.
        doc = await run_in_threadpool(_document, data, name, hint, fields.get("encoding") or None)
        main_lang, findings = await run_in_threadpool(_in_pool, pool.detect, doc.text, source)
        return Detection(main_lang=main_lang, findings=findings)

    @app.get("/healthz", responses={200: {"description": "the process is up"}})
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz", responses={200: {"description": "store reachable, models listed"}, **_errors("not_ready")})
    def readyz():
        try:
            next(iter(store.list("latest/")), None)
            models = sorted(f"{p.from_code}-{p.to_code}" for p in engine.installed_packages())
        except Exception as exc:
            raise ApiError("not_ready", f"{type(exc).__name__}") from None
        return {"status": "ready", "store": store.describe(), "models": models}

    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    return app


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run ``app`` with uvicorn until SIGTERM or SIGINT.

    Slow or idle clients cannot hold the server: idle keep-alive connections close after
    5 s, headers over 64 KB are refused, at most 64 connections are served at once (503
    beyond), and a body must arrive within ``BODY_DEADLINE_S`` (408). On a signal,
    requests in flight get 5 s to finish, then the workers are stopped.
    """
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=True,
        timeout_keep_alive=5,
        limit_concurrency=64,
        timeout_graceful_shutdown=5,
        h11_max_incomplete_event_size=64 * 1024,
    )


__all__ = ["ApiSettings", "ERRORS", "create_app", "load_settings", "serve"]
