"""A character trigram model per language, for words no word list holds.

An unlisted word still shows its language in its letters (``-eux``, ``sch``, ``ção``). Each
language's model is trained on the types of its word list by
``bench/detect/build_charmodel.py``; probabilities interpolate trigram, bigram and unigram
estimates (Jelinek-Mercer, the textbook weights below; the unigram add-one smoothed over the
language's alphabet), so a letter a language never uses costs dearly but not infinitely.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources

ORDER = 3
WEIGHTS = (0.6, 0.3, 0.1)  # trigram, bigram, unigram
START, END = "\x02", "\x03"


def grams(word: str) -> Iterator[str]:
    """Every 1-, 2- and 3-gram of ``word`` padded with start and end marks."""
    w = START * (ORDER - 1) + word.lower() + END
    for i in range(ORDER - 1, len(w)):
        yield w[i]
        yield w[i - 1 : i + 1]
        yield w[i - 2 : i + 1]


@lru_cache(maxsize=1)
def _counts() -> dict[str, dict[str, int]]:
    with resources.files("normalize").joinpath("data/charngrams.json.gz").open("rb") as raw:
        counts: dict[str, dict[str, int]] = json.loads(gzip.decompress(raw.read()))
    return counts


@cache
def _model(tag: str) -> tuple[dict[str, int], int, int]:
    counts = _counts().get(tag, {})
    letters = [g for g in counts if len(g) == 1]
    total = sum(counts[g] for g in letters)
    return counts, total, len(letters) + 1


@lru_cache(maxsize=65536)
def logprob(word: str, tag: str) -> float:
    """log10 P(``word``'s letters | ``tag``) under the language's trigram model."""
    return logprobs(word, (tag,))[0]


def logprobs(word: str, tags: tuple[str, ...]) -> list[float]:
    """:func:`logprob` of ``word`` for each of ``tags``. A letter's probability depends only
    on the three-letter window that ends with it, so each window is computed once per
    language set and then looked up: an unlisted word costs one lookup per letter for all
    languages together, not the interpolation per letter and language."""
    table = _windows(tags)
    w = START * (ORDER - 1) + word.lower() + END
    totals = [0.0] * len(tags)
    for i in range(ORDER - 1, len(w)):
        window = w[i - 2 : i + 1]
        row = table.get(window)
        if row is None:
            if len(table) > 400_000:
                table.clear()  # a bound on memory: hostile text invents windows without end
            row = table[window] = tuple(_step(tag, window) for tag in tags)
        totals = [a + b for a, b in zip(totals, row)]
    return totals


@lru_cache(maxsize=16)
def _windows(tags: tuple[str, ...]) -> dict[str, tuple[float, ...]]:
    return {}


def _step(tag: str, window: str) -> float:
    """log10 P(window[2] | window[:2]) in ``tag``'s model; 0.0 for a language without one."""
    counts, total, alphabet = _model(tag)
    if not total:
        return 0.0
    tri, bi, uni = WEIGHTS
    c, ctx2, ctx1 = window[2], window[:2], window[1]
    p = uni * (counts.get(c, 0) + 1) / (total + alphabet)
    n1 = counts.get(ctx1, 0) if ctx1 != START else 0
    if n1:
        p += bi * counts.get(window[1:], 0) / n1
    n2 = counts.get(ctx2, 0)
    if n2:
        p += tri * counts.get(window, 0) / n2
    return math.log10(p)
