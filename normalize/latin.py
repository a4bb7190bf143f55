"""Foreign passages in another Latin-script language inside Latin-script text.

A foreign sentence may stand alone or sit inside a main-language sentence (``He said
Die Regierung hat heute nichts beschlossen and left``). For each sentence:

1. a cheap filter: at least two pieces of evidence, stop words (spaCy's lists) of another
   Latin-script language that are not stop words of the main language and, when the main
   language is written in ASCII (English), accented words; the candidate language is the
   one with most stop words, else the best n-gram fit of the accented words. English
   sentences almost never pass, so nothing costly runs on them;
2. each word scores by stop words (foreign only +2, main only -2) or else by how much
   likelier its character n-grams are in the foreign language than in the main one
   (langdetect's profiles); the best-scoring run of words (maximum subarray) within the
   quotes and brackets of the sentence is the passage;
3. (see 2)
4. the passage is kept when it has enough words and letters, main-language stop words
   are rare in it, and langdetect names a foreign language with enough confidence:
   ``min_prob``, or :data:`AGREEING_MIN_PROB` when that language is also the one whose
   stop words picked the sentence.

Loanwords and names (``coup d’état``, ``Nicolás``) never have the words or the evidence.
All offsets are code points into the text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import regex

from .languages import LATIN_STOPWORD_LANGS, langdetect_factory, langdetect_probs
from .scripts import WORD_RE
from .stopwords import stop_index, stop_words, stopword_counts

# Punctuation that may stick to a word, as spaces (the apostrophe stays: ``l'``, ``d'``).
_PUNCT = re.compile("[" + re.escape(".,;:!?()[]{}«»“”„\"‹›—–…/|「」『』（）‘") + "]")
AGREEING_MIN_PROB = 0.7
NEUTRAL = 0.15  # n-gram score differences below this say nothing about a word
MAIN_LIKE = 0.5  # ... and above this mark a word as the main language's
SENTENCE_RE = regex.compile(r"[^\n.!?…]+(?:[.!?…]+|$)", regex.MULTILINE)


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    lang: str
    prob: float


@lru_cache(maxsize=16)
def _foreign_stops(main_lang: str) -> dict[str, frozenset[str]]:
    main = stop_words(main_lang)
    return {lang: stop_words(lang) - main for lang in LATIN_STOPWORD_LANGS if lang != main_lang}


@lru_cache(maxsize=16)
def _foreign_langs(main_lang: str) -> tuple[str, ...]:
    return tuple(_foreign_stops(main_lang))


@lru_cache(maxsize=16)
def _foreign_stop_words(main_lang: str) -> frozenset[str]:
    return frozenset(stop_index(_foreign_langs(main_lang), main_lang))


@lru_cache(maxsize=1)
def _profiles() -> tuple[dict[str, list[float]], list[str]]:
    factory = langdetect_factory()
    return factory.word_lang_prob_map, factory.langlist


@lru_cache(maxsize=65536)
def _ngram_logprob(word: str, lang: str) -> float:
    """Mean log probability of the word's character 1-3-grams in langdetect's profile."""
    table, langs = _profiles()
    if lang not in langs:
        return 0.0
    i = langs.index(lang)
    padded = f" {word.lower()} "
    total = n = 0
    for size in (1, 2, 3):
        for k in range(len(padded) - size + 1):
            probs = table.get(padded[k : k + size])
            if probs is not None:
                total += math.log(probs[i] + 1e-7)
                n += 1
    return total / n if n else 0.0


def foreign_passages(text: str, main_lang: str, *, min_words: int, min_letters: int, min_prob: float, max_main_stopwords: float) -> list[Passage]:
    """Passages of ``text`` in a Latin-script language other than ``main_lang``.

    Returns passages sorted by start, with ``[start, end)`` code point offsets from the
    first letter of the first word to the last letter of the last word.
    """
    main_stop = stop_words(main_lang)
    foreign = _foreign_stops(main_lang)
    if not main_stop or not foreign:
        return []
    out: list[Passage] = []
    foreign_langs = _foreign_langs(main_lang)
    index_words = _foreign_stop_words(main_lang)
    ascii_main = main_lang in ASCII_LANGUAGES
    spaced = _PUNCT.sub(" ", text)  # same length: offsets hold
    for m in SENTENCE_RE.finditer(text):
        # Most sentences hold no foreign stop word and no accented word: a split, a set
        # intersection and an ASCII test, all in C, settle them before tokenising.
        rough = spaced[m.start() : m.end()].lower().split()
        if len(rough) < min_words:
            continue
        evidence = len(index_words.intersection(rough))
        if evidence < 2 and ascii_main and not m.group().isascii():
            evidence += sum(1 for t in rough if not t.isascii() and _ACCENTED.search(t))
        if evidence < 2:
            continue
        tokens = WORD_RE.findall(m.group())
        found = lang = None
        for lang in _candidates(tokens, main_lang, foreign_langs, ascii_main):
            found = _check(text, m.start(), m.end(), main_lang, lang, len(tokens), min_words, min_letters, max_main_stopwords, ascii_main)
            if found is not None:
                break
        if found is None:
            continue
        a, b = found
        probs = langdetect_probs(text[a:b])
        if not probs:
            continue
        top, prob = probs[0]
        if top != lang and top in foreign:
            # langdetect knows better which language: bound the passage by its words.
            again = _check(text, m.start(), m.end(), main_lang, top, len(tokens), min_words, min_letters, max_main_stopwords, ascii_main)
            if again is not None and again != (a, b):
                a, b = again
                probs = langdetect_probs(text[a:b]) or probs
                top, prob = probs[0]
            lang = top if again is not None else lang
        main_prob = sum(p for code, p in probs if code == main_lang)
        # Two independent signals agreeing (stop words or letters, and n-grams) need less
        # confidence.
        needed = min_prob if top != lang else min(min_prob, AGREEING_MIN_PROB)
        if top != main_lang and prob >= needed and main_prob < 0.02:
            out.append(Passage(a, b, top, prob))
    return out


# Main languages written in ASCII letters but for loanwords: there, a word with an
# accented letter is evidence of another language.
ASCII_LANGUAGES = frozenset({"en"})
_ACCENTED = regex.compile(r"[\p{Latin}--[a-zA-Z]]", regex.V1)


def _accented(word: str) -> bool:
    return not word.isascii() and _ACCENTED.search(word) is not None


def _candidates(tokens: list[str], main_lang: str, langs: tuple[str, ...], ascii_main: bool) -> list[str]:
    """The foreign languages a sentence's evidence points to, best first (at most two):
    most stop words, ties and stop-word-poor sentences broken by the n-gram fit of the
    accented words, else of all words."""
    votes = stopword_counts(tokens, langs, exclude=main_lang)
    accented = [t for t in tokens if _accented(t)] if ascii_main else []
    fit_words = accented or [t for t in tokens if len(t) > 2]

    def fit(lang: str) -> float:
        return sum(_ngram_logprob(t, lang) for t in fit_words)

    if max(votes.values()) >= 2:
        ranked = sorted(langs, key=lambda lang: (-votes[lang], -fit(lang)))
    else:
        ranked = sorted(langs, key=fit, reverse=True)
    return ranked[:2]


def _check(text: str, start: int, end: int, main_lang: str, lang: str, n_tokens: int, min_words: int, min_letters: int, max_main_stopwords: float, ascii_main: bool) -> tuple[int, int] | None:
    """The passage of ``text[start:end]`` in ``lang`` if it holds enough evidence."""
    main_stop = stop_words(main_lang)
    stops = _foreign_stops(main_lang)[lang]
    passage = _passage(text, start, end, main_lang, lang, main_stop, stops, ascii_main)
    if passage is None:
        return None
    a, b, words = passage
    if len(words) < min_words or sum(map(len, words)) < min_letters:
        return None
    both = stop_words(lang)
    if sum(1 for w in words if w.lower() in main_stop and w.lower() not in both) >= max_main_stopwords * len(words):
        return None
    if sum(1 for w in words if w.lower() in stops or (ascii_main and _accented(w))) < 2:
        return None  # the sentence's evidence lies outside the passage
    if len(words) < n_tokens and not _reads_foreign(words, lang, main_lang, main_stop, stops, ascii_main):
        return None
    return a, b


def _reads_foreign(words: list[str], lang: str, main_lang: str, main_stop: frozenset[str], stops: frozenset[str], ascii_main: bool) -> bool:
    """Whether a passage embedded in a main-language sentence reads as ``lang``.

    Names with foreign articles (``Cartel de los Soles``, ``Universidad de los Andes``)
    have foreign stop words but every other word capitalised; loanwords (``a crème
    brûlée``) have accents but stand among plain main-language words (``served``). A
    passage needs more plain lowercase words that read as ``lang`` than words that clearly
    read as the main language or, in an ASCII main language, two accented words and no
    plain word that clearly reads as the main language.
    """
    plain = [w for w in words if w.islower() and w.isascii() and len(w) > 2 and w not in stops and w not in main_stop]
    diffs = [_ngram_logprob(w, lang) - _ngram_logprob(w, main_lang) for w in plain]
    foreign_like = sum(1 for d in diffs if d > 0)
    main_like = sum(1 for d in diffs if d < -MAIN_LIKE)
    if foreign_like > main_like:
        return True
    return ascii_main and main_like == 0 and sum(1 for w in words if _accented(w)) >= 2


def _passage(text: str, start: int, end: int, main_lang: str, lang: str, main_stop: frozenset[str], stops: frozenset[str], ascii_main: bool = False) -> tuple[int, int, list[str]] | None:
    """The best-scoring run of words in ``text[start:end]``, or None.

    A word scores +2 as a stop word of ``lang`` only, -2 as one of the main language only,
    else the difference of its n-gram log probabilities clamped to [-1, 1] (words of two
    letters or fewer score 0; an accented word in an ASCII main language at least +1). Quotes and brackets cut the sentence into segments; the best
    run is sought within each and neighbouring qualifying runs join.
    """
    spans = [(w.start(), w.end(), w.group()) for w in WORD_RE.finditer(text, start, end)]
    scores = []
    for _, _, word in spans:
        low = word.lower()
        if low in stops:
            scores.append(2.0)
        elif low in main_stop and low not in stop_words(lang):
            scores.append(-2.0)
        elif len(low) <= 2 or low in main_stop:
            scores.append(0.0)
        else:
            diff = _ngram_logprob(word, lang) - _ngram_logprob(word, main_lang)
            floor = 1.0 if ascii_main and _accented(word) else -1.0
            scores.append(max(floor, min(1.0, diff)))
    best_total, best_range = 0.0, None
    seg_start = 0
    for k in range(len(spans) + 1):
        if k < len(spans) and (k == seg_start or not _breaks(text, spans[k - 1][1], spans[k][0])):
            continue
        total, rng = _max_run(scores, seg_start, k)
        if rng is not None:
            if best_range is not None and best_range[1] == seg_start - 1 and rng[0] == seg_start:
                best_total, best_range = best_total + total, (best_range[0], rng[1])
            elif total > best_total:
                best_total, best_range = total, rng
        seg_start = k
    if best_range is None:
        return None
    i, j = best_range
    # Words the n-grams cannot place (a long compound, a name) join the run they touch.
    while i > 0 and scores[i - 1] > -NEUTRAL and not _breaks(text, spans[i - 1][1], spans[i][0]):
        i -= 1
    # Capitalised words opening the sentence before the run (``Acar Park Otel öncü
    # olmakla...``) are names that belong to it.
    if 0 < i <= 3 and all(w[0].isupper() and w.lower() not in main_stop for _, _, w in spans[:i]):
        if not any(_breaks(text, spans[k][1], spans[k + 1][0]) for k in range(i)):
            i = 0
    while j + 1 < len(spans) and scores[j + 1] > -NEUTRAL and not _breaks(text, spans[j][1], spans[j + 1][0]):
        j += 1
    return spans[i][0], spans[j][1], [w for _, _, w in spans[i : j + 1]]


def _max_run(scores: list[float], lo: int, hi: int) -> tuple[float, tuple[int, int] | None]:
    """Maximum subarray of ``scores[lo:hi]``: (sum, (first, last)) or (0, None)."""
    best, best_range = 0.0, None
    cur, cur_start = 0.0, lo
    for k in range(lo, hi):
        if cur <= 0:
            cur, cur_start = scores[k], k
        else:
            cur += scores[k]
        if cur > best:
            best, best_range = cur, (cur_start, k)
    return best, best_range


_BREAK = regex.compile(r"[«»“”„\"()\[\]「」『』（）]")


def _breaks(text: str, a: int, b: int) -> bool:
    """Quotes and brackets between two words end a passage."""
    return _BREAK.search(text, a, b) is not None
