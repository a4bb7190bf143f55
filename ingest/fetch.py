"""Fetching one URL politely and safely: the HTTP part of crawling.

* Only ``http``/``https``. Before every request, and again after every redirect, the host
  is resolved and refused when any of its addresses is not globally routable (loopback,
  private, link-local including the cloud metadata address 169.254.169.254, shared,
  reserved, multicast), unless the source lists that ``host[:port]`` in
  ``allow_private``. Redirects are followed by hand, at most ``max_redirects``, and a
  loop is an error.
* Timeouts: ``timeout`` seconds to connect and per read, and the same again as a deadline
  for the whole body, so a server that drips bytes cannot hold a worker.
* Size: a ``Content-Length`` over ``max_bytes`` is refused before the body is read; a body
  that grows past it is cut off and refused.
* Retries with exponential backoff for connection errors, timeouts and 5xx answers only
  (urllib3's ``Retry`` for the first two), honouring ``Retry-After`` up to
  ``MAX_RETRY_AFTER_S`` (longer: ``retry-later``); a 4xx answer is final. An error
  answer's body is read to at most ``ERROR_BODY_BYTES``.
* robots.txt per RFC 9309 via ``urllib.robotparser``: a 4xx robots.txt allows
  everything, a 5xx or unreachable one disallows everything; ``Crawl-delay`` raises the
  per-host delay.

Errors are :class:`FetchError` with a short machine-readable ``reason`` (``timeout``,
``too-large``, ``http-404``, ``refused-address``, ``redirect-loop``, ...) and a message.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.robotparser
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.util.retry import Retry

REDIRECTS = (301, 302, 303, 307, 308)
_RETRIED = frozenset({500, 502, 503, 504})
# The most of an error answer's body that is read, and the longest Retry-After obeyed.
ERROR_BODY_BYTES = 64 * 1024
MAX_RETRY_AFTER_S = 60.0


def _retry_after_seconds(value: str) -> float | None:
    """Seconds from a ``Retry-After`` value (delay-seconds or an HTTP date; urllib3's
    parser), or None when it is neither."""
    try:
        return Retry().parse_retry_after(value.strip())
    except urllib3.exceptions.InvalidHeader:
        return None


class FetchError(Exception):
    """A URL that could not be fetched; ``reason`` is a short code, ``str()`` says more."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Policy:
    """How to fetch: seconds, bytes and counts as in the module docstring."""

    user_agent: str = "transnorm/0.1 (text normalization crawler)"
    timeout: float = 10.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 2
    backoff: float = 0.5
    delay: float = 1.0
    host_concurrency: int = 1
    allow_private: frozenset[str] = frozenset()
    resolve: tuple[tuple[str, str], ...] = ()  # (host, address) pairs used before DNS


@dataclass(frozen=True)
class Response:
    """A final (non-redirect) answer: ``url`` after redirects, ``status``, lowercased
    ``headers``, ``body`` bytes, and the ``redirects`` followed."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    redirects: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        return charset_param(self.headers.get("content-type", ""))


def charset_param(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type value, or None."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def check_address(url: str, allow_private: frozenset[str] = frozenset(), resolve: dict[str, str] | None = None) -> str:
    """The IP address to connect to for ``url``, after checking it.

    Raises :class:`FetchError` (``bad-scheme``, ``dns``, ``refused-address``) unless
    ``url`` is http(s) and its host resolves only to globally routable addresses, or is
    in ``allow_private`` as ``host`` or ``host:port``. ``resolve`` maps host names to
    addresses ahead of DNS (like curl's ``--resolve``). The caller connects to the
    address returned, so a second DNS answer cannot swap in another (DNS rebinding).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("bad-scheme", f"only http(s) URLs are fetched: {url}")
    host = parts.hostname.lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if resolve and host in resolve:
        addresses = [resolve[host]]
    else:
        try:
            addresses = [
                str(info[4][0]).split("%")[0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            ]
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError("dns", f"cannot resolve {host}: {exc}") from None
    if host in allow_private or f"{host}:{port}" in allow_private:
        return addresses[0]
    for a in addresses:
        for address in _forms(ipaddress.ip_address(a)):
            if not address.is_global or address.is_multicast:
                raise FetchError(
                    "refused-address", f"{host} resolves to {a}, a non-public address ({address}); refused"
                )
    return addresses[0]


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _forms(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The address and every IPv4 address embedded in it that a router or the host may
    reach instead: IPv4-mapped (``::ffff:127.0.0.1``), 6to4 (``2002:7f00:1::``), Teredo
    (server and client) and NAT64 (``64:ff9b::7f00:1``, RFC 6052/8215). Each must be
    public, or a loopback or private host hides behind a global-looking IPv6 address."""
    out: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            out.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            out.append(address.sixtofour)
        if address.teredo is not None:
            out.extend(address.teredo)
        if any(address in net for net in _NAT64):
            out.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return out


class Throttle(Protocol):
    """What the fetcher needs of a per-host limiter: hold a slot for one request."""

    def slot(self, host: str, delay: float) -> AbstractContextManager[None]: ...


class HostThrottle:
    """Per host: at most ``concurrency`` requests at a time, and request starts at least
    ``delay`` seconds apart. One throttle serves the threads of one process; a crawl
    spread over several processes swaps in a shared one with the same ``slot`` method
    (``flows.limits.DaskHostThrottle``)."""

    def __init__(self, concurrency: int = 1) -> None:
        self.concurrency = max(1, concurrency)
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}

    def slot(self, host: str, delay: float):
        with self._lock:
            state = self._hosts.setdefault(host, _Host(threading.BoundedSemaphore(self.concurrency)))
        return _Slot(state, delay)


@dataclass
class _Host:
    leases: threading.BoundedSemaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0


@dataclass
class _Slot:
    host: _Host
    delay: float

    def __enter__(self) -> None:
        self.host.leases.acquire()
        # Reserve a start time under the lock, sleep outside it: a later slot books the
        # next start without waiting for this one to begin.
        with self.host.lock:
            now = time.monotonic()
            start = max(now, self.host.next_start)
            self.host.next_start = start + self.delay
        if start > now:
            time.sleep(start - now)

    def __exit__(self, *exc) -> None:
        self.host.leases.release()


class Fetcher:
    """Fetches URLs under a :class:`Policy`; one per crawl run, shared by its threads
    (connection pools, the per-host throttle and parsed robots.txt files are shared)."""

    def __init__(self, policy: Policy = Policy()) -> None:
        self.policy = policy
        self.throttle: Throttle = HostThrottle(policy.host_concurrency)
        self._pool = urllib3.PoolManager(maxsize=4)
        self._resolve = {h.lower(): a for h, a in policy.resolve}
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser | None, bool, str | None]] = {}
        self._robots_fetching: dict[str, threading.Lock] = {}
        self._robots_lock = threading.Lock()

    def check(self, url: str) -> None:
        """Raise :class:`FetchError` if ``url`` may not be fetched at all (scheme,
        address); see :func:`check_address`."""
        check_address(url, self.policy.allow_private, self._resolve)

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` following redirects; raises :class:`FetchError`.

        A 304 answer (to conditional ``headers``) is returned, not raised; any other
        status outside 2xx raises (``http-<status>``).
        """
        seen = [url]
        current = url
        for _ in range(self.policy.max_redirects + 1):
            address = check_address(current, self.policy.allow_private, self._resolve)
            response = self._get_once(current, address, headers)
            if response.status in REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchError("bad-redirect", f"{current}: redirect without Location")
                current = urljoin(current, location)
                if current in seen:
                    raise FetchError("redirect-loop", f"{url}: redirect loop via {current}")
                seen.append(current)
                continue
            if response.status == 304 or 200 <= response.status < 300:
                return Response(current, response.status, response.headers, response.body, tuple(seen[1:]))
            raise FetchError(f"http-{response.status}", f"{current}: HTTP {response.status}")
        raise FetchError("too-many-redirects", f"{url}: more than {self.policy.max_redirects} redirects")

    def _get_once(self, url: str, address: str, headers: dict[str, str] | None) -> Response:
        """One URL, no redirect followed. A 5xx answer is retried here, not by urllib3:
        urllib3 reads the whole body of an answer it retries, and an error body may be
        gigabytes. Each one is read to at most ``ERROR_BODY_BYTES``. ``Retry-After`` is
        obeyed up to ``MAX_RETRY_AFTER_S``; a server that asks for longer gets the URL
        back later (``retry-later``), not a worker held for an hour."""
        p = self.policy
        for attempt in range(p.retries + 1):
            response = self._request(url, address, headers)
            if response.status not in _RETRIED or attempt == p.retries:
                return response
            wait = p.backoff * 2**attempt
            after = response.headers.get("retry-after")
            if after is not None:
                seconds = _retry_after_seconds(after)
                if seconds is not None and seconds > MAX_RETRY_AFTER_S:
                    raise FetchError(
                        "retry-later",
                        f"{url}: HTTP {response.status}, Retry-After {after!r} is over {MAX_RETRY_AFTER_S:g} s; try again later",
                    )
                wait = max(wait, seconds or 0.0)
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _request(self, url: str, address: str, headers: dict[str, str] | None) -> Response:
        p = self.policy
        retry = Retry(
            total=p.retries,
            connect=p.retries,
            read=p.retries,
            status=0,
            redirect=False,
            backoff_factor=p.backoff,
            raise_on_status=False,
            allowed_methods=frozenset({"GET"}),
        )
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        # Connect to the address that was checked; the name goes in Host and in TLS.
        tls = {"server_hostname": host, "assert_hostname": host} if parts.scheme == "https" else None
        pool = self._pool.connection_from_host(address, port=port, scheme=parts.scheme, pool_kwargs=tls)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        netloc = parts.netloc.rpartition("@")[2]
        all_headers = {"Host": netloc, "User-Agent": p.user_agent, **(headers or {})}
        with self.throttle.slot(host, max(p.delay, self._crawl_delay(host))):
            try:
                r = pool.urlopen(
                    "GET",
                    path,
                    headers=all_headers,
                    retries=retry,
                    redirect=False,
                    assert_same_host=False,
                    preload_content=False,
                    timeout=urllib3.Timeout(connect=p.timeout, read=p.timeout),
                )
            except urllib3.exceptions.MaxRetryError as exc:
                raise _as_fetch_error(url, exc.reason) from None
            except urllib3.exceptions.HTTPError as exc:
                raise _as_fetch_error(url, exc) from None
            try:
                body = self._read_body(url, r)
            finally:
                r.release_conn()
        return Response(url, r.status, {k.lower(): v for k, v in r.headers.items()}, body)

    def _read_body(self, url: str, r) -> bytes:
        """The body, within the deadline. An error answer's body is only a message: it is
        read to at most ``ERROR_BODY_BYTES`` and the rest left unread (the connection is
        then closed, not reused)."""
        p = self.policy
        error = r.status >= 300
        limit = ERROR_BODY_BYTES if error else p.max_bytes
        length = r.headers.get("content-length")
        if not error and length and length.isdigit() and int(length) > limit:
            raise FetchError("too-large", f"{url}: {int(length)} bytes, over the {limit}-byte limit")
        deadline = time.monotonic() + p.timeout
        chunks, size = [], 0
        try:
            # read1: at most one read from the socket per call, so a server that drips
            # bytes meets the deadline after one read timeout at most.
            while chunk := r.read1(65536):
                size += len(chunk)
                if size > limit:
                    if error:
                        r.close()
                        break
                    raise FetchError("too-large", f"{url}: over the {limit}-byte limit")
                if time.monotonic() > deadline:
                    raise FetchError("timeout", f"{url}: body not received within {p.timeout:g} s")
                chunks.append(chunk)
        except urllib3.exceptions.HTTPError as exc:
            raise _as_fetch_error(url, exc) from None
        return b"".join(chunks)[:limit]

    # -- robots.txt --

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of ``url``'s site lets our user agent fetch it (RFC 9309)."""
        parser, allow_all, _ = self._robots_entry(url)
        if parser is None:
            return allow_all
        return parser.can_fetch(self.policy.user_agent, url)

    def robots_unreachable(self, url: str) -> bool:
        """Whether ``url``'s robots.txt could not be fetched (5xx, timeout, no answer)."""
        parser, allow_all, _ = self._robots_entry(url)
        return parser is None and not allow_all

    def _crawl_delay(self, host: str) -> float:
        entry = self._robots.get(host)
        if entry is None or entry[0] is None:
            return 0.0
        return float(entry[0].crawl_delay(self.policy.user_agent) or 0.0)

    def _robots_entry(self, url: str) -> tuple[urllib.robotparser.RobotFileParser | None, bool, str | None]:
        """(parser, allow-all when there is no parser, text) for ``url``'s host, fetched
        once per host and run: threads asking at the same time wait for the one fetch."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        with self._robots_lock:
            entry = self._robots.get(host)
            if entry is not None:
                return entry
            host_lock = self._robots_fetching.setdefault(host, threading.Lock())
        with host_lock:
            with self._robots_lock:
                if host in self._robots:
                    return self._robots[host]
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            try:
                text = self.get(robots_url).body.decode("utf-8", "replace")
                parser = urllib.robotparser.RobotFileParser(robots_url)
                parser.parse(text.splitlines())
                entry = (parser, True, text)
            except FetchError as exc:
                # RFC 9309 2.3.1.3/4: "unavailable" (4xx) allows all, "unreachable" disallows.
                entry = (None, exc.reason.startswith("http-4"), None)
            with self._robots_lock:
                self._robots[host] = entry
            return entry

    def robots_txt(self, url: str) -> str | None:
        """The robots.txt text of ``url``'s site, when it has one (for sitemap discovery)."""
        return self._robots_entry(url)[2]


def _as_fetch_error(url: str, exc: BaseException | None) -> FetchError:
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, (urllib3.exceptions.TimeoutError, socket.timeout, TimeoutError)):
        return FetchError("timeout", f"{url}: timed out")
    if isinstance(exc, urllib3.exceptions.ResponseError):
        return FetchError("http-5xx", f"{url}: {exc}")
    return FetchError("connection", f"{url}: {exc}")
