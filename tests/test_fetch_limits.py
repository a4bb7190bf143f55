"""Fetching from servers that misbehave on purpose (a raw socket server on 127.0.0.1): a body
dripped byte by byte, a huge error body, a Retry-After of an hour. Each costs a bounded
time and memory and ends in a clear FetchError reason."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from ingest.fetch import ERROR_BODY_BYTES, Fetcher, FetchError, Policy


class RawServer:
    """Answers every connection with ``respond(conn)``; counts connections."""

    def __init__(self, respond) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.respond = respond
        self.connections = 0
        self.sent = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            self.respond(self, conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.sock.close()


def fetcher(server: RawServer, **policy) -> Fetcher:
    return Fetcher(
        Policy(
            delay=0,
            backoff=0,
            resolve=(("slow.example", "127.0.0.1"),),
            allow_private=frozenset({f"slow.example:{server.port}"}),
            **policy,
        )
    )


def test_a_dripped_body_meets_the_deadline():
    def drip(server, conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(1000):
            conn.sendall(b"x")
            time.sleep(0.2)

    server = RawServer(drip)
    try:
        t0 = time.monotonic()
        with pytest.raises(FetchError) as err:
            fetcher(server, timeout=1.0, retries=0).get(f"http://slow.example:{server.port}/")
        assert err.value.reason == "timeout"
        assert time.monotonic() - t0 < 3.0  # the deadline (1 s) plus one read timeout at most
    finally:
        server.close()


def test_an_error_body_is_read_to_64_kb_at_most():
    def huge_error(server, conn):
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 1000000000\r\n\r\n")
        chunk = b"e" * 65536
        for _ in range(16_000):  # up to 1 GB, while the client reads
            conn.sendall(chunk)
            server.sent += len(chunk)

    server = RawServer(huge_error)
    try:
        with pytest.raises(FetchError) as err:
            fetcher(server, timeout=5.0, retries=0).get(f"http://slow.example:{server.port}/")
        assert err.value.reason == "http-404"
        time.sleep(0.3)
        # The client stopped reading: the server could push no more than the socket buffers hold.
        assert server.sent < ERROR_BODY_BYTES + 16 * 2**20, server.sent
    finally:
        server.close()


@pytest.mark.parametrize(("retry_after", "reason", "connections"), [("3600", "retry-later", 1), ("0", "http-503", 3)])
def test_retry_after_is_obeyed_up_to_a_cap(retry_after, reason, connections):
    def unavailable(server, conn):
        body = b"busy"
        conn.sendall(
            b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: "
            + retry_after.encode()
            + b"\r\nConnection: close\r\nContent-Length: 4\r\n\r\n"
            + body
        )

    server = RawServer(unavailable)
    try:
        t0 = time.monotonic()
        with pytest.raises(FetchError) as err:
            fetcher(server, timeout=5.0, retries=2).get(f"http://slow.example:{server.port}/")
        assert err.value.reason == reason
        assert server.connections == connections  # an hour's wait is not waited: the URL comes back later
        assert time.monotonic() - t0 < 5.0
    finally:
        server.close()
