"""The detector's built word lists, kept on disk between processes.

Building the lists (1.5 million words hashed and sorted) takes about a second of every
process that detects; a process that finds them here memory-maps them instead, in
milliseconds, and processes on one machine share their pages through the page cache.
The folder is ``$TRANSNORM_CACHE_DIR``, else the user's cache folder (``platformdirs``).
Entries are keyed by what they were built from (the wordfreq version, a digest of our
list), so a new list never meets an old entry; a folder that cannot be written only costs
the build.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy

from normalize.detection import lexicon

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(os.environ.get("TRANSNORM_CACHE_DIR") or user_cache_dir("transnorm")) / "lexicons"


class DiskArrayCache:
    """:class:`normalize.detection.lexicon.ArrayCache` on a folder: a pair of ``.npy``
    files per list (``.npy`` files can be memory-mapped; an ``.npz`` archive cannot)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, key: str) -> tuple[numpy.ndarray, numpy.ndarray] | None:
        try:
            hashes = numpy.load(self.folder / f"{key}.hashes.npy", mmap_mode="r")
            zipfs = numpy.load(self.folder / f"{key}.zipfs.npy", mmap_mode="r")
        except (OSError, ValueError):  # absent, or cut short by a crash: build it again
            return None
        if hashes.dtype != numpy.int64 or zipfs.dtype != numpy.float64 or hashes.shape != zipfs.shape:
            return None
        return hashes, zipfs

    def save(self, key: str, hashes: numpy.ndarray, zipfs: numpy.ndarray) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # zipfs last: load() needs both, and a reader never sees a half-written file
            # because each is renamed into place whole.
            for suffix, array in (("hashes", hashes), ("zipfs", zipfs)):
                fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
                try:
                    with os.fdopen(fd, "wb") as out:
                        numpy.save(out, array)
                    os.replace(tmp, self.folder / f"{key}.{suffix}.npy")
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
        except OSError as exc:
            log.debug("word list cache not written (%s): %s", self.folder, exc)


def install() -> None:
    """Make detection keep its word lists in :func:`cache_dir`."""
    lexicon.use_cache(DiskArrayCache(cache_dir()))
