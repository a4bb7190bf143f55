"""Emission scores: how well each token fits each state (log10 probabilities).

States are the document's main language (index 0), the other Latin-script languages of the
registry, and one state per other script group present (Cyrillic, Greek, Arabic, CJK...),
whose language is decided per span afterwards (:mod:`normalize.languages`).

- A Latin-script word scores its frequency in each Latin-script language (wordfreq), or an
  unseen word's probability moved by how its letters fit the language (character model);
  no language falls more than ``clip`` below the best one. In another script's state it
  scores ``latin_in_other`` below the best: names and terms do stand in foreign
  sentences, plain words rarely.
- A word of another script can only be in its script's state (or the main one, when that
  is its script): a script is the strongest evidence there is.
- Neutral tokens (scientific Greek letters, letters inside emoticons, modifier letters)
  score the same everywhere: they neither start nor break a fragment.
- A capitalised word inside a sentence is most often a name: its differences count
  ``capital_weight``; a capital initial counts nothing.
- Every word of a foreign state pays ``foreign_prior``: a document is in its main language
  word after word unless the words say otherwise.
"""

from __future__ import annotations

import unicodedata

import regex

from .charmodel import logprobs
from .lexicon import Lexicon
from .params import Params
from .tokens import Token

# A token of a script the state cannot emit: far below any real difference.
IMPOSSIBLE = -50.0
NEUTRAL = "neutral"
LATIN = "Latin"

_PIECES = regex.compile(r"['-]")
_LOOSE_MARKS = regex.compile(r"\p{Mn}+")


def word_scores(word: str, lex: Lexicon, params: Params) -> list[float]:
    """log10 P(word | language) for each of ``lex.langs``."""
    zipfs = lex.zipfs(word)
    if all(zipfs):
        return [z - 9.0 for z in zipfs]
    chars = logprobs(word, tuple(lang.tag for lang in lex.langs))
    mean = sum(chars) / len(chars)
    return [z - 9.0 if z > 0 else params.unseen + params.char_weight * (c - mean) for z, c in zip(zipfs, chars)]


_CACHE: dict[tuple[int, Params], dict[str, list[float]]] = {}
# Words scored and kept, per cache: a list of a dozen floats is some 400 bytes, so this is
# about 8 MB. Zipf's law makes the 20,000 most recent words most words of a text; at
# 50,000 a 20 MB document peaked 11 MB higher and ran no faster
# (bench/detect/one_document.py).
CACHE_WORDS = 20_000


def latin_scores(word: str, lex: Lexicon, params: Params) -> list[float]:
    """Scores of a Latin-script word in each Latin-script language, the best one 0, none
    below ``-clip``. A word with an apostrophe or hyphen inside is one word where a
    language lists it whole (``don't`` in English) and its pieces elsewhere (``l`` +
    ``heure``, as wordfreq counts French). Words repeat (Zipf's law), so each is scored
    once per lexicon and parameters."""
    if not word.isascii():
        # Marks NFC could not compose onto a letter (hygiene has composed the rest) are
        # in no registry language's spelling: decoration (zalgo) or a typing accident.
        # The word is scored by its letters, so it is cached as the plain word and its
        # cost does not grow with the marks stacked on it.
        if _LOOSE_MARKS.search(word):
            word = _LOOSE_MARKS.sub("", unicodedata.normalize("NFD", word)) or word
    cache = _CACHE.setdefault((id(lex), params), {})
    found = cache.get(word)
    if found is None:
        if len(cache) > CACHE_WORDS:
            cache.clear()  # a bound on memory for long streams and services
        found = cache[word] = _latin_scores(word, lex, params)
    return found


def _latin_scores(word: str, lex: Lexicon, params: Params) -> list[float]:
    lowered = word.lower().replace("’", "'").replace("‐", "-")
    scores = word_scores(lowered, lex, params)
    if "'" in lowered or "-" in lowered:
        zipfs = lex.zipfs(lowered)
        pieces = [word_scores(p, lex, params) for p in _PIECES.split(lowered) if p]
        split = [sum(col) for col in zip(*pieces)]
        scores = [whole if z > 0 else part for whole, part, z in zip(scores, split, zipfs)]
    top = max(scores)
    return [max(s - top, -params.clip) for s in scores]


def weight(text: str, token: Token, params: Params) -> float:
    """How much a Latin-script word's language scores count: nothing for an initial (``J.
    R.``), ``capital_weight`` for a capitalised word inside a sentence (most often a name),
    fully otherwise."""
    word = token.text
    if (
        len(word) == 1
        and word.isupper()
        and (token.initial is False or token.end < len(text) and text[token.end] == ".")
    ):
        return 0.0
    if word[0].isupper() and not token.initial and not word.isupper():
        return params.capital_weight
    return 1.0


def emission(
    word: str,
    group: str,
    w: float,
    latin_at: tuple[int, ...],
    groups: dict[str, int],
    main: int | None,
    lex: Lexicon | None,
    params: Params,
    size: int,
) -> list[float]:
    """Scores of ``word`` (of script ``group``, its scores counting ``w``) in each of
    ``size`` states.

    ``latin_at``: the states of the Latin-script languages, in ``lex.langs`` order;
    ``groups``: the state of each other script group; ``main``: the state whose script
    group is the main one when the main language is not written in Latin script (its
    Latin-script words are then scored like any foreign script's).
    """
    if group == NEUTRAL:
        return [0.0] * size
    if group != LATIN:
        out = [IMPOSSIBLE] * size
        out[groups[group]] = -params.foreign_prior
        if main is not None and groups[group] == main:
            out[main] = 0.0
        return out
    out = [w * -params.latin_in_other - params.foreign_prior] * size
    if lex is not None:
        for state, s in zip(latin_at, latin_scores(word, lex, params)):
            out[state] = w * s - params.foreign_prior
    else:
        for state in latin_at:
            out[state] = -params.foreign_prior
    out[0] += params.foreign_prior  # the main language pays no prior
    return out
