"""ingest.store: the same behaviours against LocalStore and S3Store (moto server over HTTP)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import pytest

from ingest.store import TMP_PREFIX, LocalStore, S3Store, open_store, safe_key

UNSAFE_KEYS = [
    "",
    "/abs/key",
    "a//b",
    "a/",
    "./a",
    "a/./b",
    "a/../b",
    "..",
    "a\\b",
    "a\x00b",
    "a\nb",
    f"a/{TMP_PREFIX}x",
    "x" * 1025,
]


def test_put_get_roundtrip(store):
    data = "Привет, 世界\n".encode() + bytes(range(256))
    store.put("docs/abc/text.bin", data, "application/octet-stream")
    assert store.get("docs/abc/text.bin") == data
    store.put("docs/abc/text.bin", b"second", "text/plain")
    assert store.get("docs/abc/text.bin") == b"second"
    store.put("empty.txt", b"", "text/plain")
    assert store.get("empty.txt") == b""


def test_exists(store):
    assert not store.exists("a/b.json")
    store.put("a/b.json", b"{}", "application/json")
    assert store.exists("a/b.json")
    assert not store.exists("a")  # a "folder" is not a key
    assert not store.exists("a/b.jso")


def test_missing_key_raises_key_error(store):
    with pytest.raises(KeyError) as err:
        store.get("no/such/key.json")
    assert err.value.args == ("no/such/key.json",)


def test_list_is_relative_sorted_and_prefix_filtered(store):
    keys = ["a/c.txt", "a-b.txt", "a/b/d.txt", "ab/x.txt", "b.txt", "é/1.txt"]
    for key in keys:
        store.put(key, key.encode(), "text/plain")
    # Order is the server's (SeaweedFS walks its directories); the local store sorts.
    listed = list if isinstance(store, LocalStore) else sorted
    assert listed(store.list()) == sorted(keys)
    assert listed(store.list("a/")) == ["a/b/d.txt", "a/c.txt"]
    assert listed(store.list("a")) == ["a-b.txt", "a/b/d.txt", "a/c.txt", "ab/x.txt"]
    assert listed(store.list("a/b")) == ["a/b/d.txt"]
    assert list(store.list("zzz/")) == []


def test_list_paginates_past_1000_keys(store):
    keys = [f"many/{i:05d}.txt" for i in range(1100)]
    # S3 puts are HTTP round trips: run them concurrently to keep the test fast.
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda key: store.put(key, b"x", "text/plain"), keys))
    store.put("other.txt", b"x", "text/plain")
    if isinstance(store, S3Store):
        # Guard the test itself: one ListObjectsV2 call must not be enough.
        first = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + "many/")
        assert first["IsTruncated"] and first["KeyCount"] == 1000
    listed = store.list("many/")
    assert iter(listed) is listed  # a stream, not a materialised list
    assert list(listed) == keys


def test_non_ascii_metadata_is_stored(store):
    metadata = {"title": "Статья: 中文 100% «ok»", "source-name": "résumé.txt", "plain": "ascii-only"}
    store.put("meta.txt", b"x", "text/plain; charset=utf-8", metadata)
    assert store.get("meta.txt") == b"x"
    if isinstance(store, S3Store):
        head = store.client.head_object(Bucket=store.bucket, Key=store.prefix + "meta.txt")
        stored = head["Metadata"]
        assert all(value.isascii() for value in stored.values())
        assert {name: unquote(value) for name, value in stored.items()} == metadata
        assert stored["plain"] == "ascii-only"
        assert head["ContentType"] == "text/plain; charset=utf-8"
    else:
        # No sidecar files: only the key itself is listed.
        assert list(store.list()) == ["meta.txt"]


@pytest.mark.parametrize("key", UNSAFE_KEYS, ids=repr)
def test_unsafe_keys_are_rejected(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x", "text/plain")
    with pytest.raises(ValueError):
        store.get(key)
    with pytest.raises(ValueError):
        store.exists(key)


def test_keys_are_nfc(store):
    store.put("cafe\u0301/x.txt", b"x", "text/plain")  # NFD
    assert store.get("café/x.txt") == b"x"
    assert list(store.list()) == ["café/x.txt"]
    assert safe_key("cafe\u0301") == "café"


def test_url_for_and_describe(store, tmp_path):
    if isinstance(store, S3Store):
        assert store.url_for("a/b.json") == f"s3://{store.bucket}/runs/test/a/b.json"
        assert store.bucket in store.describe()
    else:
        url = store.url_for("a/b c.json")
        assert url == (tmp_path / "store" / "a" / "b c.json").as_uri()
        assert url.startswith("file:///")
        assert str(store.root) in store.describe()


def test_local_put_leaves_no_temp_files(tmp_path):
    store = LocalStore(tmp_path / "out")
    for i in range(5):
        store.put(f"d/{i}.txt", b"data" * 1000, "text/plain")
    with pytest.raises(TypeError):
        store.put("d/bad.txt", "not bytes", "text/plain")  # type: ignore[arg-type]
    files = sorted(p.relative_to(store.root).as_posix() for p in store.root.rglob("*") if p.is_file())
    assert files == [f"d/{i}.txt" for i in range(5)]
    assert all(oct(p.stat().st_mode & 0o777) == oct(0o644) for p in store.root.rglob("*.txt"))


def test_local_list_ignores_leftover_temp_files(tmp_path):
    store = LocalStore(tmp_path / "out")
    store.put("d/a.txt", b"a", "text/plain")
    (store.root / "d" / f"{TMP_PREFIX}crashed").write_bytes(b"partial")
    assert list(store.list()) == ["d/a.txt"]


# --- open_store ---------------------------------------------------------------------------


def test_open_store_local_paths(tmp_path):
    plain = open_store(str(tmp_path / "plain" / "dir"))
    assert isinstance(plain, LocalStore)
    assert plain.root == (tmp_path / "plain" / "dir").resolve()
    assert plain.root.is_dir()

    from_url = open_store((tmp_path / "from url").as_uri())
    assert isinstance(from_url, LocalStore)
    assert from_url.root == (tmp_path / "from url").resolve()


def test_open_store_s3(moto_server, s3_bucket):
    store = open_store(f"s3://{s3_bucket}/team/run-1/", s3_endpoint=moto_server)
    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix) == (s3_bucket, "team/run-1/")
    store.put("k.txt", b"v", "text/plain")
    assert store.get("k.txt") == b"v"
    assert store.url_for("k.txt") == f"s3://{s3_bucket}/team/run-1/k.txt"

    bare = open_store(f"s3://{s3_bucket}", s3_endpoint=moto_server)
    assert bare.prefix == ""
    assert list(bare.list()) == ["team/run-1/k.txt"]


def test_open_store_s3_endpoint_from_env(moto_server, s3_bucket, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    store = open_store(f"s3://{s3_bucket}/p")
    store.put("k.txt", b"v", "text/plain")
    assert store.get("k.txt") == b"v"


@pytest.mark.parametrize(
    "url",
    ["", "http://example.com/x", "ftp://host/x", "s3://", "s3:bucket/x", "file://otherhost/x", "gs://bucket/x"],
)
def test_open_store_rejects_bad_urls(url):
    with pytest.raises(ValueError):
        open_store(url)


def test_s3_store_rejects_unsafe_prefix():
    with pytest.raises(ValueError):
        S3Store("bucket", prefix="a/../b", client=object())


def test_create_writes_only_if_absent_and_one_racer_wins(store):
    from concurrent.futures import ThreadPoolExecutor

    assert store.create("v/record.json", b"first", "application/json") is True
    assert store.create("v/record.json", b"second", "application/json") is False
    assert store.get("v/record.json") == b"first"
    with ThreadPoolExecutor(8) as pool:
        won = list(
            pool.map(lambda k: store.create("race/record.json", f"writer {k}".encode(), "application/json"), range(8))
        )
    assert won.count(True) == 1
    assert store.get("race/record.json") == f"writer {won.index(True)}".encode()
    assert list(store.list("race/")) == ["race/record.json"]  # no temp file left behind
