"""A real HTTP server on 127.0.0.1 for crawl tests and benches: corpus pages from
../shared/corpus/html plus whatever a test adds (sitemaps, feeds, robots.txt, misbehaving
endpoints). It counts requests per path, and the most requests ever in flight at once per
``Host`` (``peak``, to check a crawler's per-host limit), and answers conditional GETs
(ETag, 304)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    statuses: list[int] = field(default_factory=list)  # answered first, one per request
    etag: bool = True


class Site:
    """Routes by path; ``hits`` counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[], Route]] = {}
        self.hits: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self._lock = threading.Lock()
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Site:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                host = self.headers.get("Host", "")
                with site._lock:
                    site.in_flight[host] += 1
                    site.peak[host] = max(site.peak[host], site.in_flight[host])
                try:
                    self._get()
                finally:
                    with site._lock:
                        site.in_flight[host] -= 1

            def _get(self) -> None:
                path = self.path
                with site._lock:
                    site.hits[path] += 1
                    route = site.routes.get(path)
                    if callable(route):
                        route = route()
                    status = route.statuses.pop(0) if route and route.statuses else None
                if route is None:
                    return self._send(404, b"not found", "text/plain")
                if route.delay:
                    time.sleep(route.delay)
                if status is not None:
                    return self._send(status, b"try again", "text/plain")
                etag = f'"{hashlib.sha256(route.body).hexdigest()[:16]}"' if route.etag else None
                if etag and self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"", None, {"ETag": etag})
                headers = dict(route.headers)
                if etag:
                    headers["ETag"] = etag
                self._send(route.status, route.body, route.content_type, headers)

            def _send(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None) -> None:
                try:
                    self.send_response(status)
                    if content_type:
                        self.send_header("Content-Type", content_type)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


def corpus_copies(site: Site, html_pages: list, n: int, host: str, latency: float = 0.0) -> None:
    """Serve ``n`` pages at ``/p/<i>`` (the ``html_pages`` files in turn, each copy made
    distinct, answered after ``latency`` seconds), a sitemap listing them at
    ``http://<host>:<port>/...`` and a robots.txt that allows everything."""
    for i in range(n):
        site.routes[f"/p/{i}"] = Route(
            html_pages[i % len(html_pages)].read_bytes() + f"<!-- copy {i} -->".encode(), delay=latency
        )
    items = "".join(f"<url><loc>http://{host}:{site.port}/p/{i}</loc></url>" for i in range(n))
    site.routes["/sitemap.xml"] = Route(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'.encode(),
        "application/xml",
    )
    site.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", "text/plain")


def sitemap_source(path, name: str, site: Site, host: str, max_pages: int, **settings) -> str:
    """Write a sources file at ``path`` with one source crawling ``site``'s sitemap, the
    host name mapped to 127.0.0.1 and allowed; ``settings`` are added to the source's."""
    extra = "".join(f"      {k}: {v}\n" for k, v in settings.items())
    path.write_text(
        f"""sources:
  - name: {name}
    start: [{{url: "http://{host}:{site.port}/sitemap.xml", kind: sitemap}}]
    limits: {{max_pages: {max_pages}}}
    settings:
      delay: 0
      resolve: {{{host}: 127.0.0.1}}
      allow_private: ["{host}:{site.port}"]
{extra}""",
        encoding="utf-8",
    )
    return str(path)
