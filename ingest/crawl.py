"""Crawling a source: discovery, fetching pages, and the crawl state kept in the store.

Plain functions; the Prefect flow in ``flows/crawl.py`` batches and orchestrates them.

* :func:`discover` turns a source's start points into candidate page URLs: pages as
  given, sitemaps (trafilatura's sitemap parser, nested sitemaps followed), RSS/Atom
  feeds (trafilatura's feed parser), and for a site: sitemaps named in robots.txt or at
  ``/sitemap.xml``, then the feeds its home page links to, then the home page's own
  links. URLs are normalised and de-duplicated with courlan and filtered by the source's
  hosts and include/exclude patterns, up to ``max_pages``.
* :func:`download_page` fetches one page (robots.txt first, conditional GET against
  the state) and :func:`decode_page` decodes it: a :class:`Page` holds a decoded
  :class:`~ingest.reading.Document`, a skip, or a failure with its reason. Neither raises
  for a bad page.
* :func:`fetch_batch` fetches and decodes a batch of pages; one page's failure is its
  own. The flow normalizes and stores them (``flows/batch.py``), then saves each
  stored page's crawl state (:func:`save_state`).
* Crawl state lives in the store, so any worker resumes where another stopped::

      crawl/<source>/pages/<sha256(url)[:32]>.json
          {"url", "final_url", "canonical_url", "etag", "last_modified", "sha256",
           "doc_id", "fetched_at"}

  written after the page's document is stored. A page's ``doc_id`` derives from its
  canonical URL, so a changed page is a new version of the same document; a page whose state is missing is simply
  fetched again, and an unchanged document is not written twice (its fingerprint
  matches), so a crashed run re-run finishes without duplicates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import courlan

from .fetch import Fetcher, FetchError, Policy, Response
from .reading import TEXT_HTML, Document, InputError, read_bytes
from .records import url_doc_id
from .sources import Source
from .store import Store

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MAX_SITEMAPS = 50


def policy_for(source: Source) -> Policy:
    s = source.settings
    return Policy(
        user_agent=s.user_agent,
        timeout=s.timeout,
        max_bytes=s.max_bytes,
        max_redirects=s.max_redirects,
        retries=s.retries,
        backoff=s.backoff,
        delay=s.delay,
        host_concurrency=s.host_concurrency,
        allow_private=frozenset(h.lower() for h in s.allow_private),
        resolve=tuple(sorted(s.resolve.items())),
    )


# --- discovery ---------------------------------------------------------------------------


@dataclass
class Discovery:
    """Candidate page URLs in order, and what went wrong on the way (``(url, reason)``)."""

    urls: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def discover(source: Source, fetcher: Fetcher) -> Discovery:
    """Candidate page URLs of ``source`` (see the module docstring); never raises for a
    bad start point: it is listed in ``failures``."""
    found = Discovery()
    keep = _url_filter(source)
    seen: set[str] = set()

    def add(urls: Iterable[str]) -> None:
        for url in urls:
            norm = _normalise(url)
            if norm is None:  # say so: a start URL dropped in silence looks like an empty site
                if url not in seen:
                    seen.add(url)
                    found.refused.append((url, "invalid-url (courlan)"))
                continue
            if norm in seen:
                continue
            seen.add(norm)
            reason = keep(norm)
            if reason is None:
                found.urls.append(norm)
            else:
                found.refused.append((norm, reason))

    for start in source.start:
        try:
            if start.kind == "page":
                add([start.url])
            elif start.kind == "sitemap":
                add(_sitemap_urls(start.url, fetcher))
            elif start.kind == "feed":
                add(_feed_urls(start.url, _fetch_text(start.url, fetcher)))
            else:
                add(_site_urls(start.url, fetcher))
        except FetchError as exc:
            found.failures.append((start.url, f"{exc.reason}: {exc}"))
    found.urls = found.urls[: source.limits.max_pages]
    return found


def _normalise(url: str) -> str | None:
    checked = courlan.check_url(url, strict=False, with_redirects=False)
    if checked is None:
        return None
    # check_url drops the port of a URL it cleans; keep the one the link named.
    parts = urlsplit(url)
    norm = courlan.normalize_url(url)
    return norm if urlsplit(norm).hostname == parts.hostname else None


def _url_filter(source: Source):
    hosts = source.hosts
    include = [re.compile(p) for p in source.limits.include]
    exclude = [re.compile(p) for p in source.limits.exclude]

    def reason(url: str) -> str | None:
        host = (urlsplit(url).hostname or "").lower()
        if host not in hosts:
            return f"host {host} not allowed"
        if include and not any(p.search(url) for p in include):
            return "not included"
        if any(p.search(url) for p in exclude):
            return "excluded"
        return None

    return reason


def _fetch_text(url: str, fetcher: Fetcher) -> str:
    response = fetcher.get(url)
    return response.body.decode(response.charset or "utf-8", "replace")


def _sitemap_urls(url: str, fetcher: Fetcher) -> list[str]:
    from trafilatura.sitemaps import SitemapObject

    host = urlsplit(url).hostname or ""
    base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    sitemap = SitemapObject(base, host, [url])
    done: set[str] = set()
    while sitemap.sitemap_urls and len(done) < MAX_SITEMAPS:
        current = sitemap.sitemap_urls.pop()
        if current in done:
            continue
        done.add(current)
        sitemap.current_url = current
        # trafilatura's parser, our fetcher: its own fetch_url would skip our safety checks.
        sitemap.content = _fetch_text(current, fetcher)
        sitemap.process()
    return sitemap.urls


def _feed_urls(url: str, text: str) -> list[str]:
    from trafilatura.feeds import FeedParameters, extract_links

    parts = urlsplit(url)
    params = FeedParameters(f"{parts.scheme}://{parts.netloc}", parts.hostname or "", url)
    return extract_links(text, params)


def _site_urls(url: str, fetcher: Fetcher) -> list[str]:
    from trafilatura.feeds import FeedParameters, determine_feed
    from trafilatura.sitemaps import extract_robots_sitemaps

    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    sitemaps = extract_robots_sitemaps(fetcher.robots_txt(url), base) or [f"{base}/sitemap.xml"]
    urls: list[str] = []
    for sm in sitemaps:
        try:
            urls += _sitemap_urls(sm, fetcher)
        except FetchError:
            continue
    if urls:
        return urls
    home = _fetch_text(url, fetcher)
    for feed in determine_feed(home, FeedParameters(base, parts.hostname or "", url)):
        try:
            urls += _feed_urls(feed, _fetch_text(feed, fetcher))
        except FetchError:
            continue
    if urls:
        return urls
    return [url] + sorted(courlan.extract_links(home, url=url, external_bool=False, no_filter=True))


# --- pages -------------------------------------------------------------------------------


@dataclass
class Page:
    """What happened to one URL: ``status`` is ``fetched`` (``document`` set),
    ``skipped`` or ``failed`` (``reason`` says why), or ``recorded`` (this run stored it
    already; ``entry`` is its manifest entry); ``state`` is the crawl state to save once
    the document is stored (for a skipped page: the stored state it was compared with)."""

    url: str
    status: str
    reason: str | None = None
    document: Document | None = None
    state: dict | None = None
    response: Response | None = None
    entry: dict | None = None


def state_key(source: str, url: str) -> str:
    return f"crawl/{source}/pages/{hashlib.sha256(url.encode()).hexdigest()[:32]}.json"


def load_state(store: Store, source: str, url: str) -> dict | None:
    try:
        return json.loads(store.get(state_key(source, url)))
    except (KeyError, ValueError):
        return None


def save_state(store: Store, source: str, state: dict) -> None:
    store.put(state_key(source, state["url"]), json.dumps(state, ensure_ascii=False).encode(), "application/json")


def entry_of(state: dict) -> dict:
    """The manifest entry a saved crawl state records."""
    return {
        "action": state["action"],
        "doc_id": state["doc_id"],
        "version": state.get("version"),
        "keys": state.get("keys"),
        "sha256": state.get("sha256"),
        "source": state["url"],
    }


def stored_by_run(
    store: Store, source: str, url: str, run_id: str, state: dict | None, look_further: bool
) -> dict | None:
    """The manifest entry of ``url`` if run ``run_id`` already stored its document, else
    ``None``. ``state`` is the page's saved crawl state. With ``look_further`` (a batch
    that ran before), a page without such a state is looked up by its latest pointer; a
    pointer found that way gets its state back, so later runs compare against it."""
    if state and state.get("run_id") == run_id and state.get("action"):
        return entry_of(state)
    if not look_further:
        return None
    doc_id = url_doc_id(url)  # a page whose canonical URL differs is fetched again: harmless, its version is unchanged
    try:
        ptr = json.loads(store.get(f"latest/{doc_id}.json"))
    except (KeyError, ValueError):
        return None
    if ptr.get("run_id") != run_id:
        return None
    try:
        record_run = json.loads(store.get(ptr["keys"]["record"])).get("run_id")
    except (KeyError, ValueError):
        record_run = None
    action = "written" if record_run == run_id else "relinked"
    state = {
        "url": url,
        "final_url": url,
        "canonical_url": (ptr["source"].get("origin") or {}).get("url") or url,
        "etag": None,
        "last_modified": None,
        "sha256": ptr["source"].get("sha256"),
        "doc_id": doc_id,
        "fetched_at": ptr.get("processed_at"),
        "run_id": run_id,
        "action": action,
        "version": ptr["version"],
        "keys": ptr["keys"],
    }
    save_state(store, source, state)
    return entry_of(state)


def download_page(
    url: str, source: Source, fetcher: Fetcher, store: Store, run_id: str | None = None, rerun: bool = False
) -> Page:
    """Fetch one page of ``source`` (robots.txt first, conditional GET against the crawl
    state): a ``fetched`` page holds the response, not yet a document (see
    :func:`decode_page`). A page run ``run_id`` already stored is not fetched again: it
    is ``recorded``, with its manifest entry (see :func:`stored_by_run`; ``rerun``: this
    batch ran before). Safe to run in threads; never raises."""
    previous = load_state(store, source.name, url)
    if run_id is not None:
        try:
            entry = stored_by_run(store, source.name, url, run_id, previous, rerun)
        except Exception as exc:  # the store is failing: so would the page's own writes
            return Page(url, "failed", f"store: {type(exc).__name__}: {exc}")
        if entry is not None:
            return Page(url, "recorded", state=previous, entry=entry)
    try:
        fetcher.check(url)  # a refused address is a failure, not a robots.txt question
    except FetchError as exc:
        return Page(url, "failed", f"{exc.reason}: {exc}")
    if not fetcher.allowed(url):
        if fetcher.robots_unreachable(url):
            # RFC 9309: an unreachable robots.txt forbids the site; the site is down, which
            # is a failure to report, not a choice of its owner.
            return Page(
                url, "failed", "robots-unreachable: robots.txt could not be fetched, so the site may not be crawled"
            )
        return Page(url, "skipped", "disallowed by robots.txt")
    headers = {}
    if previous:
        if previous.get("etag"):
            headers["If-None-Match"] = previous["etag"]
        if previous.get("last_modified"):
            headers["If-Modified-Since"] = previous["last_modified"]
    try:
        response = fetcher.get(url, headers)
    except FetchError as exc:
        return Page(url, "failed", f"{exc.reason}: {exc}")
    if response.status == 304:
        return Page(url, "skipped", "not modified (HTTP 304)", state=previous)
    if response.content_type and response.content_type not in HTML_TYPES:
        return Page(url, "failed", f"not-html: {response.content_type}")
    if previous and previous.get("sha256") == hashlib.sha256(response.body).hexdigest():
        return Page(url, "skipped", "unchanged since the last run", state=previous)
    return Page(url, "fetched", response=response)


def decode_page(page: Page) -> Page:
    """Decode and extract a page :func:`download_page` fetched; never raises.

    Parsing is CPU work, so threads gain nothing here; and trafilatura's lxml parser is
    shared, so :mod:`ingest.reading` lets one extraction run at a time anyway (two at
    once failed here with MemoryError).
    """
    if page.status != "fetched" or page.response is None:
        return page
    response = page.response
    try:
        doc = _document(page.url, response)
    except InputError as exc:
        return Page(page.url, "failed", f"unreadable: {exc}")
    canonical = _canonical(doc.metadata.get("url"), response.url)
    doc = replace(doc, doc_id=url_doc_id(canonical))
    state = {
        "url": page.url,
        "final_url": response.url,
        "canonical_url": canonical,
        "etag": response.headers.get("etag"),
        "last_modified": response.headers.get("last-modified"),
        "sha256": hashlib.sha256(response.body).hexdigest(),
        "doc_id": doc.doc_id,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return Page(page.url, "fetched", document=doc, state=state)


def _document(url: str, response: Response) -> Document:
    """Decode a page: the HTTP charset first when the bytes decode under it (HTML spec:
    the transport layer's declaration wins), else the page's own declaration and guesses
    (:func:`ingest.reading.read_bytes`). As there, bytes that are valid UTF-8 with
    multi-byte sequences are UTF-8 whatever the server says: mislabelled UTF-8 is common,
    legacy text that happens to be valid UTF-8 is not.
    """
    charset = response.charset
    if charset and not _multibyte_utf8(response.body):
        try:
            doc = read_bytes(response.body, url, encoding=charset, content_type=TEXT_HTML)
        except InputError:
            doc = None
        if doc is not None:
            return _with_url(doc, response)
    return _with_url(read_bytes(response.body, url, content_type=TEXT_HTML), response)


def _with_url(doc: Document, response: Response) -> Document:
    meta = dict(doc.metadata)
    meta.setdefault("url", response.url)
    meta["fetched_url"] = response.url
    return replace(doc, metadata=meta)


def _multibyte_utf8(raw: bytes) -> bool:
    if raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def fetch_batch(
    source: Source,
    urls: list[str],
    fetcher: Fetcher,
    store: Store,
    workers: int = 4,
    run_id: str | None = None,
    rerun: bool = False,
) -> list[Page]:
    """Fetch ``urls`` (``workers`` threads; the fetcher's per-host throttle keeps it
    polite) and decode them: one :class:`Page` per URL, in order. Never raises for a
    page. With ``run_id``, pages that run already stored are ``recorded``, not fetched."""
    if not urls:
        return []
    # Threads for the network only; parsing stays on this thread (see decode_page).
    with ThreadPoolExecutor(max(1, min(workers, len(urls)))) as pool:
        downloaded = list(pool.map(lambda u: download_page(u, source, fetcher, store, run_id, rerun), urls))
    return [decode_page(p) for p in downloaded]


def _canonical(declared: str | None, fetched: str) -> str:
    """The page's canonical URL: what it declares (``<link rel=canonical>``, via
    trafilatura's metadata) when that is an http(s) URL on the same host, else the URL it
    was fetched from after redirects."""
    if (
        declared
        and urlsplit(declared).scheme in ("http", "https")
        and urlsplit(declared).hostname == urlsplit(fetched).hostname
    ):
        return declared
    return fetched
