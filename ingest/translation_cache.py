"""The persistent translation cache: engine outputs kept in the store, shared by runs and
workers.

Key layout, relative to the store's root (a local folder or a bucket prefix)::

    cache/translations/<model>/<model_version>/<h[:2]>/<h>.json

where ``h`` is the SHA-256 (hex) of the UTF-8 source text and ``<model_version>`` is
``_`` when the model has none. Each object is JSON:
``{"model", "model_version", "source", "output"}``; ``output`` is the engine's raw output
(guards run again on every use, so tightening a guard needs no cache purge). Entries are
written once and never change: a new model version is a new folder.

A site's template byline on every page is thus translated once, whichever worker meets
it first.
"""

from __future__ import annotations

import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from normalize.translate import CacheKey

from .store import Store

PREFIX = "cache/translations/"
log = logging.getLogger(__name__)


def cache_key(key: CacheKey) -> str:
    """Store key of a cache entry for ``(model, model_version, source text)``."""
    model, version, text = key
    h = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{PREFIX}{_segment(model)}/{_segment(version) if version else '_'}/{h[:2]}/{h}.json"


def _segment(name: str) -> str:
    # Model names and versions are argos package names and versions ("translate-ru_en",
    # "1.9"); anything else is made safe rather than trusted as a key segment.
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-+") else "_" for ch in name) or "_"


class StoreTranslationCache:
    """A :class:`normalize.translate.TranslationCache` on a :class:`~ingest.store.Store`.

    Lookups and writes of one call run ``workers`` at a time (threads: each entry is one
    GET or PUT). Entries are
    also kept in memory for the object's life. An entry that cannot be read or does not
    match its key counts as a miss and is logged, never an error: the cache only saves
    work. A write that fails is logged and dropped the same way: a cache hiccup (an S3
    error, a timeout) never fails the document whose translations it was keeping.
    """

    def __init__(self, store: Store, workers: int = 8) -> None:
        self.store = store
        self.workers = workers
        self._memory: dict[CacheKey, str] = {}

    def get_many(self, keys: list[CacheKey]) -> dict[CacheKey, str]:
        found = {k: self._memory[k] for k in keys if k in self._memory}
        todo = [k for k in keys if k not in found]
        if not todo:
            return found
        fetched = self._each(self._get, todo)
        for k, value in zip(todo, fetched):
            if value is not None:
                found[k] = self._memory[k] = value
        return found

    def _each(self, fn, items: list) -> list:
        """``fn`` over ``items``, ``workers`` at a time (one store request each)."""
        if len(items) <= 1 or self.workers <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(min(self.workers, len(items))) as pool:
            return list(pool.map(fn, items))

    def _get(self, key: CacheKey) -> str | None:
        try:
            data = json.loads(self.store.get(cache_key(key)))
        except KeyError:
            return None
        except Exception as exc:  # botocore's errors included: a miss, never a failure
            log.warning("translation cache entry for %s unreadable: %s: %s", key[0], type(exc).__name__, exc)
            return None
        if [data.get("model"), data.get("model_version") or "", data.get("source")] != list(key) or not isinstance(
            data.get("output"), str
        ):
            log.warning("translation cache entry %s does not match its key; ignored", cache_key(key))
            return None
        return data["output"]

    def put_many(self, items: dict[CacheKey, str]) -> None:
        # Each entry is its own object (a PUT, or a file written and fsynced).
        self._each(self._put, list(items.items()))

    def _put(self, entry: tuple[CacheKey, str]) -> None:
        (model, version, text), output = entry
        body = {"model": model, "model_version": version or None, "source": text, "output": output}
        self._memory[(model, version, text)] = output
        try:
            self.store.put(
                cache_key((model, version, text)),
                json.dumps(body, ensure_ascii=False).encode("utf-8"),
                "application/json",
            )
        except Exception as exc:  # the translation stands; only its reuse by later runs is lost
            log.warning("translation cache entry for %s not written: %s: %s", model, type(exc).__name__, exc)
