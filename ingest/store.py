"""Where outputs go: a key-value store of bytes with a local and an S3 backend.

Both backends share one layout and one set of semantics, so a run can move from a
directory to a bucket without changing a key:

* keys are ``/``-separated relative paths (``runs/<id>/doc.json``), validated and
  NFC-normalised by :func:`safe_key`; a LocalStore key is the file path under its root,
  an S3Store key is the object key after its prefix;
* ``put`` is atomic from a reader's view: a reader sees the old content or the new one,
  never a partial object (LocalStore: temp file + fsync + ``os.replace``; S3: one
  ``PutObject``); a later ``put`` of the same key replaces it;
* ``create`` writes a key only if it does not exist yet, atomically (LocalStore: a hard
  link, which fails if the name exists; S3: ``PutObject`` with ``If-None-Match: *``) and
  says whether this call wrote it: of two writers racing, exactly one wins;
* ``get`` of a missing key raises ``KeyError(key)``;
* ``list(prefix)`` yields keys that start with ``prefix`` as a string prefix (not only
  as a folder: ``"ab"`` matches ``"abc/x"``), relative to the store, lazily. The local
  store lists in code point order (= S3's UTF-8 byte order); a bucket lists in its
  server's order: AWS S3 and MinIO sort by UTF-8 bytes, SeaweedFS walks its directories
  (``a/b/d`` before ``a-b``). Nothing here relies on the order: readers sort what they
  show.

One difference cannot be hidden: a LocalStore key cannot also be a folder of another key
(``a`` and ``a/b`` both as keys), since ``a`` cannot be a file and a directory at once.
Its ``put`` then raises ``OSError``. S3 allows both; avoid such layouts.

Use :func:`open_store` to get a store from a URL (``s3://bucket/prefix``,
``file:///path`` or a plain path).
"""

from __future__ import annotations

import os
import re
import string
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname

# LocalStore's temp files start with this; safe_key rejects segments that do, so a temp
# file (in flight, or left by a crash) can never be mistaken for a key, and list skips them.
TMP_PREFIX = ".transnorm-tmp-"

_MAX_KEY_BYTES = 1024  # S3's limit on a whole object key, in UTF-8 bytes

# Every printable ASCII character except "%" stays as it is in S3 metadata values, so
# urllib.parse.unquote() reverses the encoding exactly; space is encoded too because
# HTTP trims leading and trailing spaces from header values.
_METADATA_SAFE = "".join(ch for ch in string.punctuation if ch != "%")

_URL_SCHEME = re.compile(r"\A([A-Za-z][A-Za-z0-9+.-]+):")


class Store(Protocol):
    """What every store offers; see the module docstring for the shared semantics."""

    def put(self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None) -> None: ...

    def create(self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None) -> bool: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    def url_for(self, key: str) -> str: ...

    def describe(self) -> str: ...


def safe_key(key: str) -> str:
    """Validate a store key and return it NFC-normalised.

    A key is one or more ``/``-separated segments. Raises ``ValueError`` for a non-string
    or empty key, a leading ``/`` (or any empty segment, e.g. ``a//b`` or ``a/``), a
    ``.`` or ``..`` segment, a backslash, a control character (Unicode category Cc), a
    segment starting with the reserved :data:`TMP_PREFIX`, or more than 1024 UTF-8 bytes.
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"store key must be a non-empty string, not {key!r}")
    key = unicodedata.normalize("NFC", key)
    _check_chars(key)
    if key.startswith("/"):
        raise ValueError(f"store key must be relative, not start with '/': {key!r}")
    for segment in key.split("/"):
        _check_segment(segment, key)
    if len(key.encode("utf-8")) > _MAX_KEY_BYTES:
        raise ValueError(f"store key longer than {_MAX_KEY_BYTES} UTF-8 bytes: {key[:60]!r}...")
    return key


def _safe_prefix(prefix: str) -> str:
    """Validate a listing prefix: like a key, but may be empty, end with ``/``, or end
    with part of a segment (``runs/ab`` lists ``runs/abc/...``)."""
    if not isinstance(prefix, str):
        raise ValueError(f"store prefix must be a string, not {prefix!r}")
    prefix = unicodedata.normalize("NFC", prefix)
    if not prefix:
        return prefix
    _check_chars(prefix)
    if prefix.startswith("/"):
        raise ValueError(f"store prefix must be relative, not start with '/': {prefix!r}")
    for segment in prefix.split("/")[:-1]:
        _check_segment(segment, prefix)
    return prefix


def _check_chars(key: str) -> None:
    if "\\" in key:
        raise ValueError(f"store key must not contain a backslash: {key!r}")
    if any(unicodedata.category(ch) == "Cc" for ch in key):
        raise ValueError(f"store key must not contain control characters: {key!r}")


def _check_segment(segment: str, key: str) -> None:
    if segment in ("", ".", ".."):
        raise ValueError(f"store key must not have an empty, '.' or '..' segment: {key!r}")
    if segment.startswith(TMP_PREFIX):
        raise ValueError(f"store key segment must not start with the reserved {TMP_PREFIX!r}: {key!r}")


def encode_metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """S3 user metadata with ASCII-only names and values.

    Non-ASCII and unsafe characters are percent-encoded as UTF-8
    (``urllib.parse.unquote`` reverses it); ASCII values without ``%`` or spaces are
    unchanged. Non-string values are turned into strings first. Never raises for
    non-ASCII input.
    """
    return {
        quote(str(name), safe="-_.").lower(): quote(str(value), safe=_METADATA_SAFE)
        for name, value in (metadata or {}).items()
    }


class LocalStore:
    """A store in a local directory: key ``a/b.json`` is the file ``<root>/a/b.json``.

    ``put`` writes a temp file (named with :data:`TMP_PREFIX`) in the key's directory,
    fsyncs it, renames it over the final name with ``os.replace`` (atomic on POSIX),
    then fsyncs the directory; readers never see a half-written file under a key name.
    Files are created with mode 0644. ``content_type`` and ``metadata`` are accepted
    for interface parity and not stored (no sidecar files, so ``list`` shows only keys).
    The root directory is created if missing.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(f"store root {self.root} exists and is not a directory")
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*safe_key(key).split("/"))

    def put(self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None) -> None:
        """Write ``data`` (bytes) under ``key`` atomically; raises ValueError for an unsafe key."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write(path, data, os.replace)

    def create(self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None) -> bool:
        """Write ``data`` under ``key`` unless it exists; True when this call wrote it."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._write(path, data, os.link)  # link fails if the name exists: no overwrite
        except FileExistsError:
            return False
        return True

    def _write(self, path: Path, data: bytes, publish) -> None:
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), 0o644)  # mkstemp's 0600 would hide outputs from other users
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            publish(tmp, path)
        finally:
            try:
                os.unlink(tmp)  # after os.link the temp name remains; after os.replace it is gone
            except FileNotFoundError:
                pass
        _fsync_dir(path.parent)

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises ``KeyError(key)`` when missing."""
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, sorted, streamed one directory at a time."""
        prefix = _safe_prefix(prefix)
        folder, _, _ = prefix.rpartition("/")
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        base = f"{folder}/" if folder else ""
        for key in _walk_sorted(start, base):
            if key.startswith(prefix):
                yield key

    def url_for(self, key: str) -> str:
        """``file:///abs/path/key`` (percent-encoded)."""
        return self._path(key).as_uri()

    def describe(self) -> str:
        return f"local directory {self.root}"


def _walk_sorted(folder: Path, base: str) -> Iterator[str]:
    """Regular files under ``folder`` as keys ``base + relative path``, in code point order.

    Sorting each directory by ``name + "/"`` for subdirectories and ``name`` for files
    makes the depth-first order equal to the order of the full keys ("a-b" < "a/c"),
    without holding the whole tree in memory.
    """
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    items = []
    for entry in entries:
        if entry.name.startswith(TMP_PREFIX):
            continue
        if entry.is_dir(follow_symlinks=False):
            items.append((entry.name + "/", entry))
        elif entry.is_file(follow_symlinks=False):
            items.append((entry.name, entry))
    for sort_name, entry in sorted(items, key=lambda item: item[0]):
        name = unicodedata.normalize("NFC", entry.name)
        if sort_name.endswith("/"):
            yield from _walk_sorted(Path(entry.path), f"{base}{name}/")
        else:
            yield base + name


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform/filesystem.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class S3Store:
    """A store in an S3 bucket: key ``a/b.json`` is the object ``<prefix>/a/b.json``.

    ``put`` is one ``PutObject`` (atomic: readers see the whole old or new object) with
    ``ContentType`` and user ``Metadata`` (names lowercased by S3; values percent-encoded
    to ASCII, see :func:`encode_metadata`; S3 limits all metadata to 2 KB). ``list``
    pages through ``ListObjectsV2`` lazily, ``page_size`` keys a page (S3's most, 1000,
    unless set smaller).

    The client is ``client`` if given, else ``boto3.client("s3", endpoint_url=...)``:
    the endpoint is ``endpoint_url``, else boto3's own configuration (the
    ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_S3`` variables, ~/.aws/config); credentials
    and region come from boto3's usual chain. With a custom endpoint, path-style
    addressing is used, as S3-compatible servers (MinIO, moto, Ceph) expect.
    """

    page_size = 1000

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, client=None) -> None:
        if not bucket or "/" in bucket:
            raise ValueError(f"invalid S3 bucket name: {bucket!r}")
        self.bucket = bucket
        prefix = prefix.strip("/")
        self.prefix = f"{safe_key(prefix)}/" if prefix else ""
        if client is None:
            client = _make_client(endpoint_url)
        self.client = client

    def _key(self, key: str) -> str:
        return self.prefix + safe_key(key)

    def put(self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None) -> None:
        """Store ``data`` under ``key`` in one PutObject; raises ValueError for an unsafe key,
        ``botocore.exceptions.ClientError`` for S3 errors."""
        self._put_object(key, data, content_type, metadata)

    def create(self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None = None) -> bool:
        """Store ``data`` under ``key`` unless it exists (``If-None-Match: *``); True when
        this call wrote it."""
        from botocore.exceptions import ClientError

        try:
            self._put_object(key, data, content_type, metadata, IfNoneMatch="*")
        except ClientError as err:
            # 412: it exists; 409: another conditional write of it is in flight.
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (409, 412):
                return False
            raise
        return True

    def _put_object(
        self, key: str, data: bytes, content_type: str, metadata: dict[str, str] | None, **conditions: str
    ) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(key),
            Body=bytes(data),
            ContentType=content_type,
            Metadata=encode_metadata(metadata),
            **conditions,
        )

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises ``KeyError(key)`` when missing."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise KeyError(key) from None
        with response["Body"] as body:
            return body.read()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as err:
            # HEAD has no body, so a missing key shows only as the status code.
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix``, relative to the store's prefix, in S3's order."""
        full = self.prefix + _safe_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full, PaginationConfig={"PageSize": self.page_size}):
            for obj in page.get("Contents", ()):
                yield obj["Key"][len(self.prefix) :]

    def url_for(self, key: str) -> str:
        """``s3://bucket/prefix/key``."""
        return f"s3://{self.bucket}/{self._key(key)}"

    def describe(self) -> str:
        endpoint = getattr(getattr(self.client, "meta", None), "endpoint_url", None)
        where = f" at {endpoint}" if endpoint else ""
        return f"S3 bucket {self.bucket!r}, prefix {self.prefix!r}{where}"


def _make_client(endpoint_url: str | None):
    import boto3
    from botocore.config import Config

    custom = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = Config(
        connect_timeout=S3_CONNECT_TIMEOUT_S,
        read_timeout=S3_READ_TIMEOUT_S,
        retries={"mode": "standard", "max_attempts": S3_MAX_ATTEMPTS},
        s3={"addressing_style": "path"} if custom else {},
    )
    return boto3.client("s3", endpoint_url=endpoint_url, config=config)


# Every S3 call is bounded: a hung bucket costs a request at most
# S3_MAX_ATTEMPTS * (connect + read) seconds, then the caller gets the error (the API
# answers 503). Standard retry mode backs off with jitter and retries throttling too.
S3_CONNECT_TIMEOUT_S = 5.0
S3_READ_TIMEOUT_S = 15.0
S3_MAX_ATTEMPTS = 3


def open_store(url: str, s3_endpoint: str | None = None) -> Store:
    """A store for ``url``.

    ``s3://bucket/prefix`` -> :class:`S3Store` (``s3_endpoint`` overrides the endpoint);
    ``file:///abs/path`` or a plain path (``./out``, ``~/out``) -> :class:`LocalStore`,
    whose directory is created if missing. Raises ``ValueError`` for an empty URL, an
    S3 URL without a bucket, a ``file:`` URL with a remote host, or any other scheme
    (anything that starts with ``name:``; write ``./name:x`` for such a local path).
    """
    if not url or not url.strip():
        raise ValueError("store URL is empty: use s3://bucket/prefix, file:///path or a directory path")
    match = _URL_SCHEME.match(url)
    if match is None:
        return LocalStore(Path(url))
    scheme = match.group(1).lower()
    parts = urlsplit(url)
    if scheme == "s3":
        if not url[len("s3:") :].startswith("//") or not parts.netloc:
            raise ValueError(f"S3 store URL needs a bucket: s3://bucket/prefix, not {url!r}")
        return S3Store(parts.netloc, parts.path.strip("/"), endpoint_url=s3_endpoint)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"file store URL must be local (file:///path), not {url!r}")
        if not parts.path:
            raise ValueError(f"file store URL has no path: {url!r}")
        return LocalStore(Path(url2pathname(parts.path)))
    raise ValueError(
        f"unsupported store URL scheme {scheme!r} in {url!r}: use s3://bucket/prefix, file:///path or a directory path"
    )
