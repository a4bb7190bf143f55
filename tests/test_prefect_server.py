"""A Postgres-backed Prefect server under a burst of flow runs: PostgreSQL from Debian's
packages (the machine's 15/main cluster, a database of the test's own), `prefect server
start` on a free port of 127.0.0.1, a process work pool and a worker, as
deploy/server.sh sets them up. Prefect's default SQLite server crashed 16 of 33 runs of
such a burst ("database is locked")."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    not (shutil.which("pg_ctlcluster") and shutil.which("runuser") and hasattr(os, "geteuid") and os.geteuid() == 0),
    reason="needs Debian's PostgreSQL (pg_ctlcluster) and root to start it",
)


def _psql(sql: str) -> str:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """``(env, api_url)``: a Prefect server on a database of its own in the machine's
    PostgreSQL; the cluster is started if it was down (and stopped again after)."""
    status = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "status"], capture_output=True)
    started = status.returncode != 0
    if started:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"], check=True, timeout=60)
    name = f"transnorm_test_{uuid.uuid4().hex[:8]}"
    _psql(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'")
    _psql(f"CREATE DATABASE {name} OWNER {name}")
    port = _free_port()
    home = tmp_path_factory.mktemp("prefect-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_HOME=str(home),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_API_DATABASE_CONNECTION_URL=f"postgresql+asyncpg://{name}:{name}@127.0.0.1:5432/{name}",
    )
    log = open(home / "server.log", "wb")
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (home / "server.log").read_text()[-2000:]
                time.sleep(0.5)
        yield env, f"http://127.0.0.1:{port}/api"
    finally:
        _end_group(server, 20)
        log.close()
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _psql(f"DROP ROLE IF EXISTS {name}")
        if started:
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "stop"], timeout=60)


def _python(env: dict, code: str, timeout: float = 300) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=TESTS, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _final_states(env: dict, ids: list[str], within: float) -> list[str]:
    """The state names of flow runs ``ids`` once all are final (or ``within`` s passed)."""
    return json.loads(
        _python(
            env,
            f"""
import asyncio, json, time
from uuid import UUID
from prefect.client.orchestration import get_client
async def main():
    async with get_client() as client:
        deadline = time.monotonic() + {within}
        while True:
            runs = [await client.read_flow_run(UUID(i)) for i in {ids!r}]
            if all(r.state.is_final() for r in runs) or time.monotonic() > deadline:
                return [r.state.name for r in runs]
            await asyncio.sleep(2)
print(json.dumps(asyncio.run(main())))
""",
            timeout=within + 60,
        )
    )


def _work_pool(env: dict, prefix: str) -> str:
    """A new process work pool on the server, named ``<prefix>-<random>``."""
    pool = f"{prefix}-{uuid.uuid4().hex[:6]}"
    subprocess.run(
        [str(BIN / "prefect"), "work-pool", "create", pool, "--type", "process"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pool


@contextmanager
def _worker(env: dict, pool: str, limit: int, cwd: Path, log: Path):
    """A process worker on ``pool`` for the block; its whole process group ends after."""
    worker = subprocess.Popen(
        [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--limit", str(limit)],
        env=env,
        cwd=cwd,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield worker
    finally:
        _end_group(worker, 30)


def _end_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM to ``proc``'s process group, SIGKILL after ``grace`` seconds."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_fifty_flow_runs_in_a_burst_none_crashed(prefect_server, tmp_path):
    env, _ = prefect_server
    pool = _work_pool(env, "burst")
    _python(
        env,
        f"from burst_flow import burst\nburst.from_source(source={str(TESTS)!r}, entrypoint='burst_flow.py:burst').deploy(name='burst', work_pool_name={pool!r})",
    )
    # 50 runs created at once by 16 threads, then run by one worker, 8 at a time.
    ids = json.loads(
        _python(
            env,
            """
import json
from concurrent.futures import ThreadPoolExecutor
from prefect.deployments import run_deployment
with ThreadPoolExecutor(16) as pool:
    runs = list(pool.map(lambda i: run_deployment("burst/burst", parameters={"i": i}, timeout=0), range(50)))
print(json.dumps([str(r.id) for r in runs]))
""",
        )
    )
    assert len(set(ids)) == 50
    with _worker(env, pool, 8, TESTS, tmp_path / "worker.log"):
        states = _final_states(env, ids, 420)
    counts = {s: states.count(s) for s in set(states)}
    assert counts == {"Completed": 50}, (counts, (tmp_path / "worker.log").read_text()[-3000:])


@pytest.mark.corpus
def test_two_runs_of_one_source_at_once_one_runs(prefect_server, tmp_path):
    """The crawl deployment allows one active run per source (CANCEL_NEW), as in
    deploy/prefect.yaml: of two runs started together one crawls, the other is cancelled,
    and every stored document names the run that wrote it."""
    from tests.conftest import CORPUS, REPO
    from tests.http_site import Route, Site

    env, _ = prefect_server
    pages = sorted(p for p in (CORPUS / "html").glob("en-*.html") if not p.name.endswith(".expected.html"))[:6]
    if len(pages) < 2:
        pytest.skip("needs ../shared/corpus/html")
    site = Site().start()
    try:
        base = f"http://crawl-once.example:{site.port}"
        site.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", "text/plain")
        for k, page in enumerate(pages):
            site.routes[f"/p{k}"] = Route(page.read_bytes(), delay=0.5)  # the run lasts a few seconds
        sources = tmp_path / "sources.yaml"
        start = ", ".join(f'"{base}/p{k}"' for k in range(len(pages)))
        sources.write_text(
            f"""sources:
  - name: one
    start: [{start}]
    settings:
        delay: 0
        resolve: {{crawl-once.example: 127.0.0.1}}
        allow_private: ["crawl-once.example:{site.port}"]
""",
            encoding="utf-8",
        )
        store = tmp_path / "store"
        pool = _work_pool(env, "crawl")
        params = {"sources_path": str(sources), "source_name": "one", "store_url": str(store), "processes": 1}
        _python(
            env,
            f"""
from prefect import flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig
flow.from_source(source={str(REPO)!r}, entrypoint="flows/crawl.py:crawl_source").deploy(
    name="one", work_pool_name={pool!r}, parameters={params!r},
    concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy="CANCEL_NEW"))
""",
        )
        ids = json.loads(
            _python(
                env,
                """
import json
from concurrent.futures import ThreadPoolExecutor
from prefect.deployments import run_deployment
with ThreadPoolExecutor(2) as pool:
    runs = list(pool.map(lambda _: run_deployment("crawl-source/one", timeout=0), range(2)))
print(json.dumps([str(r.id) for r in runs]))
""",
            )
        )
        with _worker(env, pool, 2, REPO, tmp_path / "worker.log"):
            states = _final_states(env, ids, 240)
    finally:
        site.stop()
    assert sorted(states) == ["Cancelled", "Completed"], (states, (tmp_path / "worker.log").read_text()[-3000:])
    [manifest] = list(store.glob("runs/*/manifest.jsonl"))
    run_id = manifest.parent.name
    entries = [json.loads(line) for line in manifest.read_text().splitlines()]
    written = [e["doc_id"] for e in entries if e["action"] == "written"]
    assert len(written) == len(pages) == len(set(written)), entries
    pointers = [json.loads(p.read_text()) for p in (store / "latest").glob("*.json")]
    assert sorted(p["doc_id"] for p in pointers) == sorted(written)
    assert {p["run_id"] for p in pointers} == {run_id}


def test_api_job_is_a_run_of_the_job_deployment(prefect_server, tmp_path):
    """With PREFECT_API_URL set, a large upload to `transnorm api` becomes a run of the
    `normalize-job` deployment on a work pool; the job's status reads the run's state
    back, and the run stores the document."""
    import httpx

    from tests.conftest import REPO
    from tests.test_api_faults import _english, _free_port

    env, _ = prefect_server
    pool = _work_pool(env, "jobs")
    _python(
        env,
        f"""
from prefect import flow
flow.from_source(source={str(REPO)!r}, entrypoint="flows/normalize_file.py:normalize_job_flow").deploy(name="api-job", work_pool_name={pool!r})
""",
    )
    store = tmp_path / "store"
    (tmp_path / "models").mkdir()
    config = tmp_path / "api.yaml"
    config.write_text(
        f"store_url: {store}\nmodels_dir: {tmp_path / 'models'}\nsync_max_bytes: 100000\nworkers: 1\n"
        "tokens:\n  - {name: tester, scope: write, token: job-test-token}\n",
        encoding="utf-8",
    )
    port = _free_port()
    auth = {"Authorization": "Bearer job-test-token"}
    api = subprocess.Popen(
        [str(BIN / "transnorm"), "api", "--config", str(config), "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "api.log", "wb"),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert api.poll() is None and time.monotonic() < deadline, (tmp_path / "api.log").read_text()[-2000:]
            time.sleep(0.3)
        body = _english(300_000) + " The memo quotes не только once.\n".encode()
        r = httpx.post(
            f"http://127.0.0.1:{port}/v1/documents",
            content=body,
            timeout=60,
            headers={**auth, "Content-Type": "text/plain"},
        )
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        first = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}", headers=auth, timeout=30).json()
        assert first["flow_run_id"] and first["status"] == "queued", first  # no worker yet: the run waits in the pool
        with _worker(env, pool, 1, REPO, tmp_path / "worker.log"):
            [state] = _final_states(env, [first["flow_run_id"]], 240)
        job = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}", headers=auth, timeout=30).json()
    finally:
        _end_group(api, 20)
    assert state == "Completed", (tmp_path / "worker.log").read_text()[-3000:]
    assert job["status"] == "succeeded" and job["flow_run_id"] == first["flow_run_id"], job
    pointer = json.loads((store / "latest" / f"{job['doc_id']}.json").read_text())
    assert pointer["fragment_langs"] == ["ru"]
