"""`transnorm serve` for real: a source on a one-minute cron, a local HTTP site, no Prefect
server configured. A scheduled run must complete and store documents, and SIGTERM must
leave no process behind (the local Prefect server included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import CORPUS, REPO
from .http_site import Route, Site
from .test_api_faults import _alive, _descendants

pytestmark = pytest.mark.skipif(not (CORPUS / "html").is_dir(), reason="needs ../shared/corpus/html")


@pytest.mark.corpus
def test_serve_runs_the_schedule_and_stops_cleanly(tmp_path):
    site = Site().start()
    try:
        page = (CORPUS / "html" / "en-bbc.com.html").read_bytes()
        site.routes["/a"] = Route(page)
        site.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", "text/plain")
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f"""sources:
  - name: every-minute
    start: ["http://site.example:{site.port}/a"]
    schedule: {{cron: "* * * * *"}}
    settings:
        delay: 0
        resolve: {{site.example: 127.0.0.1}}
        allow_private: ["site.example:{site.port}"]
""",
            encoding="utf-8",
        )
        store = tmp_path / "store"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env.update(DO_NOT_TRACK="1", PREFECT_HOME=str(tmp_path / "prefect-home"))
        cli = Path(sys.executable).with_name("transnorm")
        proc = subprocess.Popen(
            [str(cli), "serve", str(sources), "--store", str(store)],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and not list(store.glob("runs/*/manifest.jsonl")):
                assert proc.poll() is None, proc.stderr.read()[-2000:]
                time.sleep(2)
            assert list(store.glob("runs/*/manifest.jsonl")), "no scheduled run completed in 4 minutes"
            assert list(store.glob("latest/*.json"))
            children = _descendants(proc.pid)
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
            deadline = time.monotonic() + 15
            while [p for p in children if _alive(p)] and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not [p for p in children if _alive(p)], "a process started by transnorm serve outlived it"
        finally:
            if proc.poll() is None:
                proc.kill()
    finally:
        site.stop()
