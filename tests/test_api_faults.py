"""The API as its own process (``transnorm api``) on a real S3 server behind a fault injector:
no client waits behind another, an S3 outage is a clear 503 that leaves nothing partial
behind, and the process stops promptly on SIGTERM."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
import pytest

from .conftest import REPO
from .faults import FaultProxy

TOKEN = "token-for-fault-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiProcess:
    """``transnorm api`` on a free port of 127.0.0.1, with the store ``s3://bucket`` at
    ``endpoint``."""

    def __init__(self, tmp_path: Path, bucket: str, endpoint: str, **settings) -> None:
        (tmp_path / "models").mkdir(exist_ok=True)
        lines = [
            f"store_url: s3://{bucket}/docs",
            f"s3_endpoint: {endpoint}",
            f"models_dir: {tmp_path / 'models'}",
            "tokens:",
            f"  - {{name: tester, scope: write, token: {TOKEN}}}",
            *(f"{k}: {v}" for k, v in settings.items()),
        ]
        self.config = tmp_path / "api.yaml"
        self.config.write_text("\n".join(lines) + "\n")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ApiProcess:
        cli = Path(sys.executable).with_name("transnorm")
        self.proc = subprocess.Popen(
            [str(cli), "api", "--config", str(self.config), "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=dict(os.environ),
            cwd=REPO,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"transnorm api exited: {self.proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        raise RuntimeError("transnorm api did not start")

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def post(self, body: bytes, timeout: float = 120) -> httpx.Response:
        return httpx.post(
            f"{self.url}/v1/documents",
            content=body,
            timeout=timeout,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"},
        )


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


def _english(n_bytes: int) -> bytes:
    line = "The committee met on Tuesday and agreed on the budget for the coming year, with a note on travel costs.\n"
    return (line * (n_bytes // len(line) + 1)).encode()[:n_bytes]


def _objects(endpoint: str, bucket: str) -> list[str]:
    client = boto3.client("s3", endpoint_url=endpoint)
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _wait_until_ready(api: ApiProcess) -> None:
    """Until a small upload is served: both workers have started and loaded their data."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if api.post(b"Warm-up note in English.", timeout=60).status_code in (200, 201):
            return
        time.sleep(0.5)
    raise RuntimeError("the API never served an upload")


def test_small_upload_is_not_blocked_by_a_large_one_or_a_stalled_store(tmp_path, moto_server, s3_bucket):
    with (
        FaultProxy(moto_server) as proxy,
        ApiProcess(
            tmp_path, s3_bucket, proxy.url, workers=2, max_upload_bytes=6_000_000, sync_max_bytes=6_000_000
        ) as api,
    ):
        _wait_until_ready(api)
        # The large document's writes hang in the store: S3 holds every body over 1 MB.
        proxy.rule = lambda method, path, length: "stall" if method == "PUT" and length > 1_000_000 else None
        with ThreadPoolExecutor(1) as pool:
            large = pool.submit(api.post, _english(5_000_000))
            times = []
            for k in range(6):  # over ~10 s: while the large one normalizes, then while its write hangs
                time.sleep(1.5)
                t0 = time.monotonic()
                r = api.post(f"Short note {k} in English, with не только one fragment.".encode(), timeout=30)
                times.append(time.monotonic() - t0)
                assert r.status_code == 201, r.text
            assert max(times) < 3.0, times
            assert any(action == "stall" for *_, action in proxy.seen), "the large upload never reached the store"
            assert large.running()  # still hanging on the store
            children = _descendants(api.proc.pid)
            assert children, "the worker processes should be running"
            t0 = time.monotonic()
            api.proc.send_signal(signal.SIGTERM)
            api.proc.wait(15)
            assert time.monotonic() - t0 < 10.0
            proxy.released.set()
            # No process the service started outlives it.
            deadline = time.monotonic() + 5
            while [p for p in children if _alive(p)] and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not [p for p in children if _alive(p)]
        assert api.proc.returncode is not None


@pytest.mark.parametrize("fault, failing", [("500", "/"), ("drop", "/"), ("500", "record.json")])
def test_store_outage_is_503_and_leaves_nothing_partial(tmp_path, moto_server, s3_bucket, fault, failing):
    """Every write fails, or only the record's (after the raw bytes and the cleaned text
    were written): either way the answer is 503 and readers see nothing new, since no
    latest pointer or manifest names the unfinished version (docs/bucket.md)."""
    with FaultProxy(moto_server) as proxy, ApiProcess(tmp_path, s3_bucket, proxy.url, workers=1) as api:
        _wait_until_ready(api)
        before = set(_objects(moto_server, s3_bucket))
        # Reads still work (the store checks what it already holds).
        proxy.rule = lambda method, path, length: fault if method == "PUT" and failing in path else None
        r = api.post(
            b"An English report that quotes \xd0\xbd\xd0\xb5 \xd1\x82\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xba\xd0\xbe once.",
            timeout=120,
        )
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "store_unavailable" and int(r.headers["retry-after"]) >= 1
        new = set(_objects(moto_server, s3_bucket)) - before
        assert not [k for k in new if k.startswith(("docs/latest/", "docs/runs/"))], new
        if failing == "/":
            assert not new
        # The outage ends: the same upload is stored.
        proxy.rule = lambda method, path, length: None
        assert (
            api.post(
                b"An English report that quotes \xd0\xbd\xd0\xb5 \xd1\x82\xd0\xbe\xd0\xbb\xd1\x8c\xd0\xba\xd0\xbe once."
            ).status_code
            == 201
        )


def test_a_job_outlives_the_process_that_accepted_it(tmp_path, seaweedfs, seaweed_bucket):
    """A large upload is accepted as a job (202), then the service is killed (SIGKILL)
    before the job ends. The job table and the job's input are in the store (SeaweedFS),
    so the next service on that store takes the job up and finishes it."""
    body = _english(1_500_000) + " The memo quotes не только once.\n".encode()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with ApiProcess(tmp_path, seaweed_bucket, seaweedfs, workers=1, sync_max_bytes=100_000) as api:
        _wait_until_ready(api)
        r = api.post(body)
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        api.proc.kill()
        api.proc.wait(10)
    s3 = boto3.client("s3", endpoint_url=seaweedfs)
    left = json.loads(s3.get_object(Bucket=seaweed_bucket, Key=f"docs/jobs/{job_id}/status.json")["Body"].read())
    assert left["status"] in ("queued", "running")  # killed before it finished
    with ApiProcess(tmp_path, seaweed_bucket, seaweedfs, workers=1, sync_max_bytes=100_000) as api:
        deadline = time.monotonic() + 180
        while True:
            job = httpx.get(f"{api.url}/v1/jobs/{job_id}", headers=auth, timeout=10).json()
            if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert job["status"] == "succeeded", job
        record = httpx.get(f"{api.url}{job['document_url']}", headers=auth, timeout=10).json()
        assert record["source"]["sha256"] == hashlib.sha256(body).hexdigest()
        assert record["summary"]["fragments_per_lang"] == {"ru": 1}
