"""Word frequencies per language: the first and strongest part of a token's emission score.

wordfreq's "small" lists (words with a frequency of at least 10^-6 in at least three of its
sources) for the languages that have one; for the others a word list of ours built by
``bench/detect/build_lexicons.py`` from a well-kept source, with a flat frequency (see
:data:`LISTED_ZIPF`). Frequencies are on the Zipf scale (log10 of occurrences per billion
words; 0 where unlisted).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from .registry import Language

if TYPE_CHECKING:
    import numpy

# A word list without counts says only that a word is in use; every listed form counts as
# a word of middling frequency, and the few function words the list marks as such (its
# first block) as frequent ones, as in every language's Zipf distribution.
LISTED_ZIPF = 3.0
FUNCTION_ZIPF = 6.0


def _buckets(code: str, size: str):
    """wordfreq's list as (Zipf frequency, words of that frequency) pairs."""
    import wordfreq

    for i, bucket in enumerate(wordfreq.read_cBpack(wordfreq.available_languages(size)[code])):
        yield wordfreq.freq_to_zipf(wordfreq.cB_to_freq(-i)), bucket


def _wordfreq(code: str, size: str = "small") -> dict[str, float]:
    return {word: zipf for zipf, bucket in _buckets(code, size) for word in bucket}


def _ours_words(name: str) -> tuple[dict[str, float], list[str]]:
    """``normalize/data/lexicon-<name>.txt.gz``: function words, a blank line, then other
    forms (each at :data:`LISTED_ZIPF`)."""
    with resources.files("normalize").joinpath(f"data/lexicon-{name}.txt.gz").open("rb") as raw:
        body = gzip.decompress(raw.read()).decode("utf-8")
    function, _, forms = body.partition("\n\n")
    return dict.fromkeys(function.split(), FUNCTION_ZIPF), forms.split()


@dataclass(frozen=True)
class _Hashed:
    """A word list as sorted string hashes and each word's Zipf frequency, with a few
    words (our lists' function words) at their own frequency. Python's hash is salted per
    process, so the arrays are built in the process that uses them; a 64-bit hash
    practically never makes an unlisted word look listed. A list takes 16 bytes a word
    this way, against about 130 as a dictionary of strings: the detector's whole lexicon
    stays under 20 MB."""

    hashes: numpy.ndarray
    zipfs: numpy.ndarray
    special: dict[str, float]

    def zipf(self, word: str) -> float:
        found = self.special.get(word)
        if found is not None:
            return found
        h = hash(word)
        j = int(self.hashes.searchsorted(h))
        return float(self.zipfs[j]) if j < len(self.hashes) and self.hashes[j] == h else 0.0


def _hashed(words: list[str], zipfs: list[float], special: dict[str, float]) -> _Hashed:
    import numpy

    hashes = numpy.fromiter(map(hash, words), dtype=numpy.int64, count=len(words))
    order = hashes.argsort()
    return _Hashed(hashes[order], numpy.asarray(zipfs, dtype=numpy.float64)[order], special)


@lru_cache(maxsize=None)
def _listed(name: str) -> _Hashed:
    function, forms = _ours_words(name)
    return _hashed(forms, [LISTED_ZIPF] * len(forms), function)


@lru_cache(maxsize=None)
def _counted(code: str, size: str) -> _Hashed:
    words: list[str] = []
    zipfs: list[float] = []
    for zipf, bucket in _buckets(code, size):
        words += bucket
        zipfs += [zipf] * len(bucket)
    return _hashed(words, zipfs, {})


@dataclass(frozen=True)
class Lexicon:
    """Zipf frequencies of a word in each of ``langs``, in order; ``langs[0]`` is read
    from its large list where wordfreq has one (words down to 10^-8): the loanwords a
    language uses (``façade``, ``déjà``) are in it at their frequency there, which is what
    tells a loan from a quotation."""

    langs: tuple[Language, ...]
    lists: tuple[_Hashed, ...]

    def zipfs(self, word: str) -> list[float]:
        return [lst.zipf(word) for lst in self.lists]


def _list(lang: Language, first: bool) -> _Hashed:
    import wordfreq

    if lang.wordfreq is None:
        return _listed(lang.lexicon or lang.tag)
    size = "large" if first and lang.wordfreq in wordfreq.available_languages("large") else "small"
    return _counted(lang.wordfreq, size)


@lru_cache(maxsize=None)
def lexicon(langs: tuple[Language, ...]) -> Lexicon:
    # Never evicted (one per main language at most, each sharing the cached lists): the
    # segmenter's per-lexicon tables are keyed by its id, which must not be reused.
    return Lexicon(langs, tuple(_list(lang, i == 0) for i, lang in enumerate(langs)))
