"""The HTTP upload service: a real uvicorn server on 127.0.0.1 started by the tests, httpx
as the client; documents are normalized by the service's own worker processes."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import jsonschema
import pytest
import uvicorn

from flows.api import ApiSettings, Token, create_app, load_settings
from ingest.records import record_schema
from ingest.store import LocalStore

from .conftest import CORPUS, REPO, examples

WRITE, READ = "write-token-for-tests", "read-token-for-tests"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


class Server:
    """uvicorn serving ``app`` on a free port of 127.0.0.1, in a thread."""

    def __init__(self, app) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def settings(tmp_path, **overrides) -> ApiSettings:
    base = dict(
        store_url=str(tmp_path / "store"),
        models_dir=str(tmp_path / "no-models"),
        tokens={WRITE: Token("uploader", "write"), READ: Token("reader", "read")},
        max_upload_bytes=1_000_000,
        sync_max_bytes=300_000,
        rate_per_minute=10_000,
        glossaries={"byline": str(REPO / "deploy" / "glossary.tsv")},
    )
    return ApiSettings(**{**base, **overrides})


@pytest.fixture
def api(tmp_path):
    (tmp_path / "no-models").mkdir()
    with Server(create_app(settings(tmp_path))) as server:
        yield server


def client(server, token=WRITE) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url, headers=headers, timeout=60)


@pytest.mark.corpus
def test_upload_the_reference_article_and_read_it_back(api, seed_path, seed_text):
    with client(api) as c:
        r = c.post(
            "/v1/documents",
            files={"file": ("article.txt", seed_path.read_bytes(), "text/plain")},
            data={"glossary": "byline"},
        )
        assert r.status_code == 201, r.text
        record = r.json()
        jsonschema.validate(record, record_schema())
        assert r.headers["location"] == f"/v1/documents/{record['doc_id']}"
        assert record["source"]["name"] == "article.txt" and record["original_text"] == seed_text
        assert "Posted 26 05, 2020 by CEO" in record["cleaned_text"]
        assert c.get(r.headers["location"]).json() == record
        cleaned = c.get(f"/v1/documents/{record['doc_id']}/cleaned")
        assert cleaned.headers["content-type"] == "text/plain; charset=utf-8"
        assert cleaned.text == record["cleaned_text"]


@pytest.mark.corpus
def test_same_file_twice_is_one_document(api, tmp_path, seed_path):
    with client(api) as c:
        first = c.post(
            "/v1/documents",
            content=seed_path.read_bytes(),
            headers={"Content-Type": "text/plain", "X-Filename": "a.txt"},
        )
        second = c.post(
            "/v1/documents",
            content=seed_path.read_bytes(),
            headers={"Content-Type": "text/plain", "X-Filename": "a.txt"},
        )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["doc_id"] == second.json()["doc_id"]
    store = LocalStore(tmp_path / "store")
    assert len([k for k in store.list("docs/") if k.endswith("/record.json")]) == 1


@pytest.mark.corpus
def test_a_relinked_upload_answers_with_the_stored_record(api, seed_path):
    with client(api) as c:
        first = c.post("/v1/documents", files={"file": ("a.txt", seed_path.read_bytes(), "text/plain")})
        glossed = c.post(
            "/v1/documents",
            files={"file": ("a.txt", seed_path.read_bytes(), "text/plain")},
            data={"glossary": "byline"},
        )
        back = c.post("/v1/documents", files={"file": ("a.txt", seed_path.read_bytes(), "text/plain")})
        latest = c.get(first.headers["location"]).json()
    assert (first.status_code, glossed.status_code, back.status_code) == (201, 201, 200)
    assert glossed.json()["version"] != first.json()["version"]
    assert back.json() == first.json() == latest  # the first version, with its own run


def test_source_language_hint(api):
    text = "Guten Morgen, wie geht es dir heute? Mir geht es gut, danke. Und dann sagte er: the report is late."
    with client(api) as c:
        guessed = c.post("/v1/detect", content=text.encode(), headers={"Content-Type": "text/plain"}).json()
        given = c.post(
            "/v1/detect?source_lang=en", content=text.encode(), headers={"Content-Type": "text/plain"}
        ).json()
        stored = c.post(
            "/v1/documents?source_lang=en", content=text.encode(), headers={"Content-Type": "text/plain"}
        ).json()
    assert guessed["main_lang"] == "de"
    assert given["main_lang"] == "en" and stored["main_lang"] == "en"
    assert any(f["lang"] == "de" for f in given["findings"])
    assert stored["pipeline"]["source_lang"] == "en"
    with client(api) as c:  # the hint is part of the output's identity: without it, a new version
        plain = c.post("/v1/documents", content=text.encode(), headers={"Content-Type": "text/plain"})
    assert plain.status_code == 201 and plain.json()["version"] != stored["version"]
    assert plain.json()["main_lang"] == "de" and plain.json()["pipeline"]["source_lang"] is None


@pytest.mark.corpus
def test_detect_stores_nothing(api, tmp_path, seed_path):
    with client(api, READ) as c:
        r = c.post("/v1/detect", content=seed_path.read_bytes(), headers={"Content-Type": "text/plain"})
    assert r.status_code == 200
    body = r.json()
    assert body["main_lang"] == "en"
    assert [(f["kind"], f["lang"], f["text"]) for f in body["findings"]] == [
        ("foreign", "zh-Hant", "已發表 26 05, 2020 作者"),
        ("homoglyph", "en", "\u0430"),
        ("foreign", "ru", "За «головы»"),
        ("foreign", "ru", "не только"),
    ]
    assert not any(LocalStore(tmp_path / "store").list("docs/"))


@pytest.mark.parametrize(
    ("token", "path", "status", "code"),
    [
        (None, "/v1/documents", 401, "unauthorized"),
        ("wrong-token", "/v1/documents", 401, "unauthorized"),
        (READ, "/v1/documents", 403, "forbidden"),
        (None, "/v1/detect", 401, "unauthorized"),
    ],
)
def test_auth(api, tmp_path, token, path, status, code):
    with client(api, token) as c:
        r = c.post(
            path, content=b"Some English text with \xd0\xbd\xd0\xb5 a word.", headers={"Content-Type": "text/plain"}
        )
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert not any(LocalStore(tmp_path / "store").list("docs/"))


@pytest.mark.parametrize(
    ("body", "name", "ctype", "status", "code"),
    [
        (b"", "empty.txt", "text/plain", 422, "unreadable"),
        (PNG, "picture.txt", "text/plain", 415, "unsupported_type"),
        (b"%PDF-1.7\n" + b"x" * 100, "doc.txt", "text/plain", 415, "unsupported_type"),
        (
            "Привет, это текст по-русски. ".encode() * 3 + b"\xff" + "конец".encode(),
            "bad.txt",
            "text/plain",
            422,
            "unreadable",
        ),
    ],
)
def test_rejected_uploads_store_nothing(api, tmp_path, body, name, ctype, status, code):
    with client(api) as c:
        r = c.post("/v1/documents", files={"file": (name, body, ctype)})
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
    assert list(LocalStore(tmp_path / "store").list("docs/")) == []


def test_bad_parameters(api):
    with client(api) as c:
        r = c.post(
            "/v1/documents?mode=translate", content=b"Some English text.", headers={"Content-Type": "text/plain"}
        )
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")
        r = c.post("/v1/documents", files={"wrong": ("a.txt", b"text", "text/plain")})
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")
        r = c.post("/v1/documents?glossary=nope", content=b"Some English text.", headers={"Content-Type": "text/plain"})
        assert "unknown glossary 'nope'" in r.json()["error"]["message"]
        r = c.post(
            "/v1/documents?source_lang=english!", content=b"Some English text.", headers={"Content-Type": "text/plain"}
        )
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")
        assert c.get("/v1/documents/" + "0" * 32).json()["error"]["code"] == "not_found"
        assert c.get("/v1/jobs/nope").status_code == 400  # malformed: invalid_id
        assert c.get("/v1/jobs/" + "0" * 32).status_code == 404
        assert c.get("/nowhere").json()["error"]["code"] == "not_found"


def test_body_over_the_limit_is_refused_before_it_is_read(api, tmp_path):
    sent = 0

    def body():
        nonlocal sent
        chunk = b"a" * 65536
        for _ in range(50 * 1024 * 1024 // len(chunk)):  # 50 MB, chunked, no Content-Length
            sent += len(chunk)
            yield chunk

    with client(api) as c:
        # Declared length: refused from the header alone.
        r = c.post("/v1/documents", content=b"x" * 1_000_001, headers={"Content-Type": "text/plain"})
        assert (r.status_code, r.json()["error"]["code"]) == (413, "too_large")
        try:
            r = c.post("/v1/documents", content=body(), headers={"Content-Type": "text/plain"})
            status = r.status_code
        except httpx.TransportError:
            status = 413  # the server answered and closed while we were still sending
    assert status == 413
    assert sent < 10 * 1024 * 1024  # the server stopped reading long before 50 MB
    assert list(LocalStore(tmp_path / "store").list("docs/")) == []


@pytest.mark.corpus
def test_large_upload_becomes_a_job_run_by_the_worker_pool(api, tmp_path):
    html = (CORPUS / "html" / "en-german.stackexchange.com.html").read_bytes()  # 280 KB
    big = html + b"<!--" + b"p" * (320_000 - len(html)) + b"-->"
    with client(api) as c:
        r = c.post("/v1/documents", files={"file": ("page.html", big, "text/html")})
        assert r.status_code == 202, r.text
        job = r.json()
        deadline = time.monotonic() + 120
        while True:
            status = c.get(job["status_url"]).json()
            if status["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status["status"] == "succeeded", status
        record = c.get(status["document_url"]).json()
    assert record["source"]["content_type"] == "text/html" and record["source"]["name"] == "page.html"
    assert record["doc_id"] == status["doc_id"]


def test_rate_limit_per_token(tmp_path):
    (tmp_path / "no-models").mkdir()
    with Server(create_app(settings(tmp_path, rate_per_minute=3))) as server, client(server, READ) as c:
        codes = [c.get("/v1/documents/" + "0" * 32).status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        r = c.get("/v1/documents/" + "0" * 32)
        assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
        with client(server, WRITE) as other:  # another token has its own budget
            assert other.get("/v1/documents/" + "0" * 32).status_code == 404


def test_twenty_concurrent_uploads(tmp_path):
    (tmp_path / "no-models").mkdir()
    texts = [
        f"Upload {i}: an English report that quotes не только and {i * 7} other words.\n".encode() for i in range(20)
    ]

    def upload(body: bytes) -> httpx.Response:
        with client(api) as c:
            return c.post("/v1/documents", content=body, headers={"Content-Type": "text/plain", "X-Filename": "r.txt"})

    # Two workers and room for the other 18 to wait: every upload is served.
    with Server(create_app(settings(tmp_path, workers=2, queue=18))) as api, ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(upload, texts))
    assert [r.status_code for r in responses] == [201] * 20
    store = LocalStore(tmp_path / "store")
    for body, r in zip(texts, responses):
        record = r.json()
        assert record["original_text"] == body.decode()
        assert json.loads(store.get(record["keys"]["record"]))["cleaned_text"] == record["cleaned_text"]
    assert len(list(store.list("latest/"))) == 20


def test_health_and_readiness(api):
    with httpx.Client(base_url=api.url) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz").json()
        assert ready["status"] == "ready" and ready["models"] == []


def test_openapi_documents_every_status(api):
    spec = httpx.get(f"{api.url}/openapi.json").json()
    upload = spec["paths"]["/v1/documents"]["post"]["responses"]
    assert {"200", "201", "202", "401", "403", "413", "415", "422", "429"} <= set(upload)
    assert {"401", "404", "429"} <= set(spec["paths"]["/v1/documents/{doc_id}"]["get"]["responses"])
    assert "503" in spec["paths"]["/readyz"]["get"]["responses"]


def test_schemathesis_finds_no_server_error(api):
    import schemathesis
    from hypothesis import HealthCheck, given
    from hypothesis import settings as h_settings

    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    failures = []
    seen: set[tuple[str, str]] = set()

    @h_settings(max_examples=examples(150), suppress_health_check=list(HealthCheck))
    @given(case=schema.as_strategy())
    def check(case):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {WRITE}"}
        response = case.call(base_url=api.url)
        seen.add((case.method, case.operation.path))
        if response.status_code >= 500:
            failures.append((case.method, case.formatted_path, response.status_code, response.text[:200]))

    check()
    assert failures == []
    assert {
        ("POST", "/v1/documents"),
        ("POST", "/v1/detect"),
        ("GET", "/v1/documents/{doc_id}"),
        ("GET", "/v1/jobs/{job_id}"),
    } <= seen


def test_settings_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSNORM_API_WRITE_TOKEN", "w-123")
    monkeypatch.setenv("TRANSNORM_API_READ_TOKEN", "r-456")
    s = load_settings(REPO / "deploy" / "api.yaml")
    assert s.tokens == {"w-123": Token("uploader", "write"), "r-456": Token("reader", "read")}
    bad = tmp_path / "api.yaml"
    bad.write_text("tokens: [{name: x, scope: admin, token: t}]\n")
    with pytest.raises(ValueError, match=r"tokens\[0\] needs"):
        load_settings(bad)


def _slow_text(seconds_hint: int = 1) -> bytes:
    """A text that keeps a worker busy for a while: every word alternates scripts."""
    words = ("слово word дело thing " * 20_000 * seconds_hint).encode()
    return words


def test_above_capacity_answers_503_with_retry_after(tmp_path):
    (tmp_path / "no-models").mkdir()
    with Server(
        create_app(settings(tmp_path, workers=1, queue=0, max_upload_bytes=5_000_000, sync_max_bytes=5_000_000))
    ) as api:
        with ThreadPoolExecutor(1) as pool:
            with client(api) as c:
                busy = pool.submit(
                    c.post, "/v1/documents", content=_slow_text(), headers={"Content-Type": "text/plain"}
                )
                time.sleep(1.0)
                with client(api) as other:
                    r = other.post(
                        "/v1/documents", content=b"A short English note.", headers={"Content-Type": "text/plain"}
                    )
                assert r.status_code == 503, r.text
                assert r.json()["error"]["code"] == "overloaded" and int(r.headers["retry-after"]) >= 1
                assert busy.result().status_code == 201


def test_document_over_budget_is_stopped_and_nothing_stored(tmp_path):
    (tmp_path / "no-models").mkdir()
    store = tmp_path / "store"
    with (
        Server(
            create_app(
                settings(
                    tmp_path, workers=1, document_timeout_s=0.5, max_upload_bytes=5_000_000, sync_max_bytes=5_000_000
                )
            )
        ) as api,
        client(api) as c,
    ):
        r = c.post("/v1/documents", content=_slow_text(2), headers={"Content-Type": "text/plain"})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "document_timeout"
        assert not list(LocalStore(store).list(""))
        # The stopped worker was replaced: the next document is served.
        r = c.post("/v1/documents", content=b"A short English note.", headers={"Content-Type": "text/plain"})
        assert r.status_code == 201, r.text


def test_ids_and_file_names_are_validated(api):
    with client(api) as c:
        for path in (
            "/v1/documents/" + "a" * 300,
            "/v1/documents/NOT-HEX",
            "/v1/documents/" + "A" * 32 + "/cleaned",
            "/v1/jobs/xyz",
        ):
            r = c.get(path)
            assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_id", (path, r.text)
        for name in (".transnorm-tmp-x", "n" * 300 + ".txt"):
            r = c.post(
                "/v1/documents", content=b"Plain English.", headers={"Content-Type": "text/plain", "X-Filename": name}
            )
            assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_name", (name, r.text)


def test_non_ascii_file_names_arrive_intact(api):
    with client(api) as c:
        # RFC 5987/6266: filename* in Content-Disposition, percent-encoded UTF-8.
        r = c.post(
            "/v1/documents",
            content=b"A first English note.",
            headers={
                "Content-Type": "text/plain",
                "Content-Disposition": "attachment; filename*=UTF-8''na%C3%AFve%20caf%C3%A9.txt",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["source"]["name"] == "naïve café.txt"
        # A raw UTF-8 X-Filename (bytes on the wire) is read as UTF-8, not Latin-1.
        r = c.post(
            "/v1/documents",
            content=b"A second English note.",
            headers=[("Content-Type", "text/plain"), ("X-Filename", "résumé.txt".encode())],
        )
        assert r.status_code == 201, r.text
        assert r.json()["source"]["name"] == "résumé.txt"


def test_identical_concurrent_uploads_write_once(tmp_path):
    (tmp_path / "no-models").mkdir()
    body = "Identical uploads at the same moment, with не только inside.\n".encode()

    def upload(_: int) -> httpx.Response:
        with client(api) as c:
            return c.post(
                "/v1/documents", content=body, headers={"Content-Type": "text/plain", "X-Filename": "same.txt"}
            )

    with Server(create_app(settings(tmp_path, workers=2, queue=8))) as api, ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(upload, range(6)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201], [r.text for r in responses]
    assert len({r.json()["version"] for r in responses}) == 1


def test_a_legacy_encoding_is_given_by_parameter_or_charset_and_an_implausible_one_refused(api):
    text = "Meeting notes in English. Она сказала: мы обязательно встретимся завтра.\n"
    with client(api) as c:
        r = c.post(
            "/v1/documents?encoding=koi8-r", content=text.encode("koi8-r"), headers={"Content-Type": "text/plain"}
        )
        assert r.status_code == 201, r.text
        assert r.json()["original_text"] == text and r.json()["source"]["charset"] == "koi8-r"
        r = c.post(
            "/v1/documents", content=text.encode("cp1251"), headers={"Content-Type": "text/plain; charset=windows-1251"}
        )
        assert r.status_code == 201 and r.json()["original_text"] == text
        # Bytes no legacy charset turns into known words: refused, naming the parameter.
        r = c.post(
            "/v1/documents",
            content=bytes(range(0x80, 0x100)) * 4 + b" English.",
            headers={"Content-Type": "text/plain"},
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "unreadable", r.text
        assert "encoding parameter" in r.json()["error"]["message"]
