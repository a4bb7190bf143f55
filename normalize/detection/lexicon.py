"""Word frequencies per language: the first and strongest part of a token's emission score.

wordfreq's "small" lists (words with a frequency of at least 10^-6 in at least three of its
sources) for the languages that have one; for the others a word list of ours built by
``bench/detect/build_lexicons.py`` from a well-kept source, with a flat frequency (see
:data:`LISTED_ZIPF`). Frequencies are on the Zipf scale (log10 of occurrences per billion
words; 0 where unlisted).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from hashlib import blake2b, sha256
from importlib import resources
from importlib.metadata import version
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Protocol

from .registry import Language

if TYPE_CHECKING:
    import numpy

# A word list without counts says only that a word is in use; every listed form counts as
# a word of middling frequency, and the few function words the list marks as such (its
# first block) as frequent ones, as in every language's Zipf distribution.
LISTED_ZIPF = 3.0
FUNCTION_ZIPF = 6.0


def _buckets(code: str, size: str) -> Iterator[tuple[float, list[str]]]:
    """wordfreq's list as (Zipf frequency, words of that frequency) pairs."""
    import wordfreq

    for i, bucket in enumerate(wordfreq.read_cBpack(wordfreq.available_languages(size)[code])):
        yield wordfreq.freq_to_zipf(wordfreq.cB_to_freq(-i)), bucket


def _wordfreq(code: str, size: str = "small") -> dict[str, float]:
    return {word: zipf for zipf, bucket in _buckets(code, size) for word in bucket}


def _ours_file(name: str) -> Traversable:
    return resources.files("normalize").joinpath(f"data/lexicon-{name}.txt.gz")


def _ours_words(name: str) -> tuple[dict[str, float], list[str]]:
    """``normalize/data/lexicon-<name>.txt.gz``: function words, a blank line, then other
    forms (each at :data:`LISTED_ZIPF`)."""
    with _ours_file(name).open("rb") as raw:
        body = gzip.decompress(raw.read()).decode("utf-8")
    function, _, forms = body.partition("\n\n")
    return dict.fromkeys(function.split(), FUNCTION_ZIPF), forms.split()


def _ours_function_words(name: str) -> dict[str, float]:
    """The first block of our list alone: the file need not be read further."""
    words: list[str] = []
    with gzip.open(_ours_file(name).open("rb"), "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                break
            words += line.split()
    return dict.fromkeys(words, FUNCTION_ZIPF)


def word_hash(word: str) -> int:
    """A 64-bit hash of ``word`` that is the same in every process (Python's ``hash`` of
    a string is salted per process), so built lists can be kept on disk and shared."""
    return int.from_bytes(blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little", signed=True)


class ArrayCache(Protocol):
    """Where built word lists are kept between processes. ``load`` gives the arrays saved
    under ``key`` or ``None``; ``save`` may fail silently (a read-only disk): the list is
    then built again by the next process."""

    def load(self, key: str) -> tuple[numpy.ndarray, numpy.ndarray] | None: ...

    def save(self, key: str, hashes: numpy.ndarray, zipfs: numpy.ndarray) -> None: ...


# Set by the entry point that owns the disk (``ingest.lexicon_cache``); detection itself
# stays free of I/O beyond its own package data, and works without one.
_cache: ArrayCache | None = None


def use_cache(cache: ArrayCache | None) -> None:
    """Keep built word lists in ``cache`` (``None``: build them in memory each time).
    Building all of them takes about a second; loading them from a cache, milliseconds."""
    global _cache
    _cache = cache


# Part of every cache key: a change to the hash or the arrays' meaning changes it.
_FORMAT = "blake2b64-zipf64-1"


@dataclass(frozen=True)
class _Hashed:
    """A word list as sorted 64-bit word hashes (:func:`word_hash`) and each word's Zipf
    frequency, with a few words (our lists' function words) at their own frequency; a
    64-bit hash practically never makes an unlisted word look listed. A list takes 16
    bytes a word this way, against about 130 as a dictionary of strings: the detector's
    whole lexicon stays under 25 MB, and a cached one is memory-mapped, so processes
    share its pages."""

    hashes: numpy.ndarray
    zipfs: numpy.ndarray
    special: dict[str, float]

    def zipf(self, word: str, h: int | None = None) -> float:
        found = self.special.get(word)
        if found is not None:
            return found
        if h is None:
            h = word_hash(word)
        j = int(self.hashes.searchsorted(h))
        return float(self.zipfs[j]) if j < len(self.hashes) and self.hashes[j] == h else 0.0


def _built(key: str, build: Callable[[], tuple[list[str], list[float]]], special: dict[str, float]) -> _Hashed:
    import numpy

    key = f"{_FORMAT}-{key}"
    cached = _cache.load(key) if _cache is not None else None
    if cached is not None:
        return _Hashed(cached[0], cached[1], special)
    words, zipfs = build()
    hashes = numpy.fromiter(map(word_hash, words), dtype=numpy.int64, count=len(words))
    order = hashes.argsort(kind="stable")
    lst = _Hashed(hashes[order], numpy.asarray(zipfs, dtype=numpy.float64)[order], special)
    if _cache is not None:
        _cache.save(key, lst.hashes, lst.zipfs)
    return lst


@cache
def _listed(name: str) -> _Hashed:
    digest = sha256(_ours_file(name).read_bytes()).hexdigest()[:16]

    def build() -> tuple[list[str], list[float]]:
        forms = _ours_words(name)[1]
        return forms, [LISTED_ZIPF] * len(forms)

    return _built(f"ours-{name}-{digest}", build, _ours_function_words(name))


@cache
def counted(code: str, size: str) -> _Hashed:
    """wordfreq's ``size`` list of ``code`` (a wordfreq language code)."""

    def build() -> tuple[list[str], list[float]]:
        words: list[str] = []
        zipfs: list[float] = []
        for zipf, bucket in _buckets(code, size):
            words += bucket
            zipfs += [zipf] * len(bucket)
        return words, zipfs

    return _built(f"wordfreq-{version('wordfreq')}-{code}-{size}", build, {})


@dataclass(frozen=True)
class Lexicon:
    """Zipf frequencies of a word in each of ``langs``, in order; ``langs[0]`` is read
    from its large list where wordfreq has one (words down to 10^-8): the loanwords a
    language uses (``façade``, ``déjà``) are in it at their frequency there, which is what
    tells a loan from a quotation."""

    langs: tuple[Language, ...]
    lists: tuple[_Hashed, ...]

    def zipfs(self, word: str) -> list[float]:
        h = word_hash(word)
        return [lst.zipf(word, h) for lst in self.lists]


def _list(lang: Language, first: bool) -> _Hashed:
    import wordfreq

    if lang.wordfreq is None:
        return _listed(lang.lexicon or lang.tag)
    size = "large" if first and lang.wordfreq in wordfreq.available_languages("large") else "small"
    return counted(lang.wordfreq, size)


@cache
def lexicon(langs: tuple[Language, ...]) -> Lexicon:
    # Never evicted (one per main language at most, each sharing the cached lists): the
    # segmenter's per-lexicon tables are keyed by its id, which must not be reused.
    return Lexicon(langs, tuple(_list(lang, i == 0) for i, lang in enumerate(langs)))
