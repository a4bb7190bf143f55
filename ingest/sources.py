"""The sources file: what to crawl, how much, and when.

A YAML file with a top-level ``sources:`` list; each source::

    - name: example-blog               # [a-z0-9][a-z0-9_-]*, unique
      start:                           # at least one
        - https://blog.example.org/    # a page, or a site when kind is "site"
        - {url: https://blog.example.org/sitemap.xml, kind: sitemap}
        - {url: https://blog.example.org/feed.xml, kind: feed}
      limits:
        max_pages: 200                 # pages fetched per run (default 100)
        allowed_hosts: [blog.example.org]   # default: the hosts of the start points
        include: ['/20\\d\\d/']        # Python regexes on the URL; empty: everything
        exclude: ['/tag/', '\\?replytocom=']
      schedule: {cron: "0 6 * * *", timezone: Europe/Berlin}   # optional
      settings:                        # optional
        target_lang: en
        glossary: glossary.tsv         # relative to this file's folder
        user_agent: "transnorm/0.1 (+https://example.org/bot)"
        delay: 1.0                     # seconds between requests to one host
        timeout: 10                    # seconds per request
        max_bytes: 5000000             # bytes per response
        retries: 2                     # for timeouts, connection errors and 5xx only
        backoff: 0.5                   # seconds; doubles on each retry
        allow_private: []              # host[:port] allowed despite a private address
        resolve: {}                    # host -> IP used instead of DNS (curl --resolve)

A start point's ``kind`` is ``page`` (default for a URL with a path), ``site`` (default
for a bare host: discover sitemaps from robots.txt and /sitemap.xml, and feeds from the
home page), ``sitemap`` or ``feed``.

:func:`load_sources` validates everything up front and raises :class:`SourcesError` whose
message lists every mistake with its place (``sources[1].schedule.cron: ...``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

StartKind = Literal["page", "site", "sitemap", "feed"]
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names every mistake."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StartPoint(_Strict):
    url: str
    kind: StartKind = "page"

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        return url


class Limits(_Strict):
    max_pages: int = Field(100, ge=1, le=1_000_000)
    allowed_hosts: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @field_validator("include", "exclude")
    @classmethod
    def _regexes(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {p!r} ({exc})") from None
        return patterns


class Schedule(_Strict):
    cron: str
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _valid(self) -> Schedule:
        from prefect.client.schemas.schedules import CronSchedule

        try:
            CronSchedule(cron=self.cron, timezone=self.timezone)
        except ValidationError as exc:
            raise ValueError("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None
        return self


class Settings(_Strict):
    target_lang: str = "en"
    glossary: str | None = None
    user_agent: str = "transnorm/0.1 (text normalization crawler)"
    delay: float = Field(1.0, ge=0, le=3600)
    host_concurrency: int = Field(1, ge=1, le=64)
    timeout: float = Field(10.0, gt=0, le=600)
    max_bytes: int = Field(5_000_000, ge=1024, le=1_000_000_000)
    max_redirects: int = Field(5, ge=0, le=30)
    retries: int = Field(2, ge=0, le=10)
    backoff: float = Field(0.5, ge=0, le=60)
    allow_private: tuple[str, ...] = ()
    resolve: dict[str, str] = {}

    @field_validator("resolve")
    @classmethod
    def _addresses(cls, value: dict[str, str]) -> dict[str, str]:
        import ipaddress

        for host, address in value.items():
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise ValueError(f"{host}: {address!r} is not an IP address") from None
        return value


class Source(_Strict):
    name: str
    start: tuple[StartPoint, ...] = Field(min_length=1)
    limits: Limits = Limits()
    schedule: Schedule | None = None
    settings: Settings = Settings()

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"{name!r}: use lowercase letters, digits, '-' and '_' (it becomes a store key)")
        return name

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value):
        if isinstance(value, (str, dict)):
            value = [value]
        out = []
        for item in value or []:
            if isinstance(item, str):
                bare = urlsplit(item).path in ("", "/")
                item = {"url": item, "kind": "site" if bare else "page"}
            out.append(item)
        return out

    @property
    def hosts(self) -> frozenset[str]:
        """Hosts pages may come from: ``limits.allowed_hosts``, else the start points'."""
        if self.limits.allowed_hosts:
            return frozenset(h.lower() for h in self.limits.allowed_hosts)
        return frozenset((urlsplit(s.url).hostname or "").lower() for s in self.start)


class SourcesFile(_Strict):
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> SourcesFile:
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"source name {s.name!r} is used twice")
            seen.add(s.name)
        return self


def parse_sources(text: str, name: str = "sources.yaml") -> list[Source]:
    """Validate the YAML ``text``; raises :class:`SourcesError` listing every mistake."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesError(f"{name}: not valid YAML: {exc}") from None
    try:
        return list(SourcesFile.model_validate(data).sources)
    except ValidationError as exc:
        lines = [f"{name}: {exc.error_count()} mistake(s)"]
        for e in exc.errors():
            where = _place(e["loc"])
            lines.append(f"  {where}: {e['msg'].removeprefix('Value error, ')}")
        raise SourcesError("\n".join(lines)) from None


def load_sources(path: str | Path) -> list[Source]:
    """Read and validate the sources file at ``path`` (see the module docstring).

    A relative ``settings.glossary`` is taken relative to the file's folder. Raises
    :class:`SourcesError` (a ``ValueError``) for invalid content or a file that is not
    UTF-8, ``FileNotFoundError`` when it does not exist.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    sources = parse_sources(text, str(path))
    # A glossary path in the file means a path next to the file, wherever the crawl runs.
    out = []
    for s in sources:
        g = s.settings.glossary
        if g is not None and not Path(g).is_absolute():
            s = s.model_copy(update={"settings": s.settings.model_copy(update={"glossary": str(path.parent / g)})})
        out.append(s)
    return out


def _place(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after[_valid(), Schedule]",) or part.startswith(("function-", "tagged-union")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"
