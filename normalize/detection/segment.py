"""From text to foreign stretches: tokens, emission scores, Viterbi per paragraph, spans.

The states of a paragraph are the document's main language, the other Latin-script
languages of the registry, and each other script group that occurs in it. A stretch is a
run of tokens decoded in one foreign state, trimmed to the tokens that support that state
and cut where a list separator (``→``, ``>``, ``|``) stands between items. A Latin-script
stretch of one word is not reported: by itself a word cannot be told from a loanword or a
name by its frequencies.
"""

from __future__ import annotations

import bisect
import math
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import gt

import regex

from ..scripts import UNKNOWN, script_group
from ..scripts import _runs as letter_runs
from .addresses import blank
from .decode import viterbi
from .emissions import CACHE_WORDS, LATIN, NEUTRAL, emission, latin_scores, weight
from .lexicon import Lexicon, lexicon
from .params import PARAMS, Params
from .registry import BY_TAG, Language, in_script
from .tokens import Boundary, Token, boundary, paragraphs, tokens

_SEPARATORS = frozenset("→>|⇒")


@dataclass(frozen=True, slots=True)
class Stretch:
    """A foreign stretch: ``[start, end)``, its script group (``Latin``, ``Cyrillic``,
    ``CJK``...), its language where the state names one (Latin script), the confidence
    in it and its letter count."""

    start: int
    end: int
    group: str
    lang: str | None
    confidence: float
    letters: int
    # Latin script: summed scores per language (None: the main language, not Latin)
    totals: tuple[tuple[str | None, float], ...] = ()


def group_of(scripts: frozenset[str]) -> str:
    """The script group a word is read in: CJK scripts together; letters of no script
    (modifier letters such as ``ˈ``) are neutral."""
    groups = {script_group(s) for s in scripts if s != UNKNOWN}
    if len(groups) != 1:
        return NEUTRAL if not groups else LATIN if LATIN in groups else sorted(groups)[0]
    return groups.pop()


@lru_cache(maxsize=8)
def latin_languages(main: str) -> tuple[Language, ...]:
    """The Latin-script languages scored: the main one first when it is one of them,
    else English first (its large list serves any main language)."""
    first = BY_TAG.get(main)
    if first is None or LATIN not in first.scripts:
        first = BY_TAG["en"]
    return (first, *(lang for lang in in_script(LATIN) if lang is not first))


def _read(text: str, toks: list[Token], readings: dict[int, tuple[str, str | None]]) -> list[tuple[Token, str]]:
    """Each token with its group, split where its letters change script group (``Kindleで``):
    a word of mixed scripts is one word only when the homoglyph pass read it so."""
    out: list[tuple[Token, str]] = []
    for t in toks:
        if t.code:
            out.append((t, NEUTRAL))
            continue
        reading = readings.get(t.start)
        if reading is not None:
            group, fixed = reading
            out.append(
                (
                    Token(t.start, t.end, fixed, t.before, t.initial, t.code)
                    if fixed and len(fixed) == len(t.text)
                    else t,
                    group,
                )
            )
            continue
        if t.text.isascii():
            out.append((t, LATIN))
            continue
        pieces = _by_group(t)
        out.extend(pieces)
    return out


def _by_group(t: Token) -> list[tuple[Token, str]]:
    """A word of one script group, or pieces where a CJK run meets another script
    (``Kindleで``): CJK is written without spaces, so its words touch others. Letters of
    alphabets mixed inside one word (an IPA transcription, a formula) make one word, read in
    the group of most of its letters; a modifier letter alone (a sound mark in an emoticon) is a
    symbol."""
    runs = [(group_of(frozenset({s})), a, b) for s, a, b in letter_runs(t.text)]
    if len(t.text) == 1 and unicodedata.category(t.text) == "Lm":
        return [(t, NEUTRAL)]
    cjk = [r for r in runs if r[0] == "CJK"]
    if not cjk or len(cjk) == len(runs):
        counts: dict[str, int] = {}
        for g, a, b in runs:
            if g != NEUTRAL:
                counts[g] = counts.get(g, 0) + b - a
        return [(t, max(counts, key=counts.__getitem__) if counts else NEUTRAL)]
    out: list[tuple[Token, str]] = []
    for g, a, b in runs:
        if out and (g == NEUTRAL or out[-1][1] == g):
            prev = out[-1][0]
            out[-1] = (
                Token(prev.start, t.start + b, t.text[prev.start - t.start : b], prev.before, prev.initial),
                out[-1][1],
            )
        else:
            first = not out
            out.append(
                (
                    Token(
                        t.start + a,
                        t.start + b,
                        t.text[a:b],
                        t.before if first else Boundary.SPACE,
                        t.initial and first,
                    ),
                    g,
                )
            )
    return out


def segment(
    text: str,
    main: str,
    main_script: str,
    readings: dict[int, tuple[str, str | None]],
    params: Params = PARAMS,
    masked: Sequence[tuple[int, int]] = (),
) -> list[Stretch]:
    """The foreign stretches of ``text`` (main language ``main``, written in
    ``main_script``), sorted. ``readings``: word start -> (group, repaired text) from the
    homoglyph pass. ``masked`` (sorted, disjoint spans: addresses) are read as spaces.

    A paragraph with a masked span is blanked on its own copy: blanking the whole text
    would hold another copy of a large document while it is segmented."""
    main_group = group_of(frozenset({main_script}))
    latin_main = main_group == LATIN
    scored = BY_TAG.get(main)
    lex = lexicon(latin_languages(main)) if not latin_main or (scored is not None and LATIN in scored.scripts) else None
    known = _known_words(lex, params) if latin_main and lex is not None else None
    starts = sorted(readings) if masked else []
    out: list[Stretch] = []
    for start, end in paragraphs(text):
        # The span before the first one starting here may reach into the paragraph.
        first = max(0, bisect.bisect_left(masked, (start,)) - 1) if masked else 0
        spans = [(max(a, start) - start, min(b, end) - start) for a, b in _until(masked, first, end) if b > start]
        if not spans:
            out.extend(_segment_paragraph(text, start, end, readings, main_group, known, lex, params))
            continue
        local = blank(text[start:end], spans)
        shifted = {
            k - start: readings[k] for k in starts[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]
        }
        out.extend(
            replace(st, start=st.start + start, end=st.end + start)
            for st in _segment_paragraph(local, 0, len(local), shifted, main_group, known, lex, params)
        )
    return _document_prior(out, main)


def _until(spans: Sequence[tuple[int, int]], first: int, end: int) -> Iterator[tuple[int, int]]:
    """``spans[first:]`` up to the first that starts at or after ``end``."""
    for k in range(first, len(spans)):
        a, b = spans[k]
        if a >= end:
            return
        yield a, b


def _segment_paragraph(
    text: str,
    start: int,
    end: int,
    readings: dict[int, tuple[str, str | None]],
    main_group: str,
    known: _Known | None,
    lex: Lexicon | None,
    params: Params,
) -> list[Stretch]:
    out: list[Stretch] = []
    # The known-word table exists only beside a lexicon.
    windows = _windows(text, start, end, known, lex, params) if known is not None and lex is not None else None
    for a, b, first, last in windows if windows is not None else [(start, end, Boundary.EDGE, Boundary.EDGE)]:
        toks = _read(text, tokens(text, a, b, first), readings)
        if toks:
            out.extend(_paragraph(text, toks, main_group, lex, params, last))
    return out


_EMISSIONS: dict[tuple[object, ...], dict[tuple[str, str, float], list[float]]] = {}
_LAYOUTS = 8
_NON_ASCII = regex.compile(r"[^\x00-\x7f]+")  # a plain class: far faster than a Unicode property
_ASCII_WORD = regex.compile(r"[a-z]+(?:['’\-‐][a-z]+)*")


@dataclass
class _Known:
    """Words met so far (lower case), by whether no other language scores them better
    than the main one by more than the prior: a safe word can never pay its way into a
    foreign stretch. Sets, so that a paragraph is checked by set operations in C."""

    safe: set[str]  # and every one-letter word
    leaning: set[str]


_KNOWN: dict[tuple[int, Params], _Known] = {}


def _known_words(lex: Lexicon, params: Params) -> _Known:
    """One table per lexicon (they live as long as the process) and parameters."""
    return _KNOWN.setdefault((id(lex), params), _Known(set(), set()))


def _windows(
    text: str, start: int, end: int, known: _Known, lex: Lexicon, params: Params
) -> list[tuple[int, int, Boundary, Boundary]] | None:
    """The parts of a paragraph worth decoding, with the boundary before and after each;
    ``None`` for all of it.

    A paragraph of ASCII letters whose every word is safe is plainly in the main
    language: every foreign state scores each word at most as well as the main one and
    pays to switch, so no path through one beats staying. Otherwise only the words
    around an unsafe one (or one with letters beyond ASCII) are decoded. Set operations
    and one regex pass keep this in C for most of a long English text."""
    chunk = text[start:end]
    lower = chunk.lower()
    words = set(_ASCII_WORD.findall(lower))
    unknown = words - known.safe - known.leaning
    if unknown:
        if len(known.safe) > 200_000:
            known.safe.clear()  # a bound on memory for long streams and services; the table refills
        for w in unknown:
            scores = latin_scores(w, lex, params)
            # A one-letter word is no member of a reportable stretch either way.
            if len(w) == 1 or max(scores[1:], default=scores[0]) - scores[0] <= params.foreign_prior:
                known.safe.add(w)
            else:
                known.leaning.add(w)
    unsafe = words & known.leaning
    # Any run with a letter beyond ASCII may be (or start) a fragment itself.
    marks = (
        []
        if chunk.isascii()
        else [(m.start(), m.end()) for m in _NON_ASCII.finditer(chunk) if any(c.isalpha() for c in m.group())]
    )
    if not unsafe and not marks:
        return []
    # A reportable Latin-script stretch holds two words of two letters or more; its
    # evidence is in the words that lean foreign, so a lone one with none near it cannot
    # make one.
    if len(unsafe) <= _FEW:
        leaning = sorted(span for w in unsafe for span in _whole_word(lower, w))
    else:  # one pass over all words instead of one per word: linear whatever the paragraph
        leaning = [m.span() for m in _ASCII_WORD.finditer(lower) if m.group() in unsafe]
    leaning = [
        p
        for k, p in enumerate(leaning)
        if (k and p[0] - leaning[k - 1][1] <= REACH) or (k + 1 < len(leaning) and leaning[k + 1][0] - p[1] <= REACH)
    ]
    spans: list[list[int]] = []
    for a, b in sorted(leaning + marks):
        lo, hi = max(0, a - REACH), min(len(chunk), b + REACH)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    out = []
    for lo, hi in spans:
        a, b = _word_edge(text, start + lo, start, -1), _word_edge(text, start + hi, end, 1)
        before = _LAST_LETTER.search(text, start, a)
        after = _FIRST_LETTER.search(text, b, end)
        first = boundary(text[before.end() : a]) if before else Boundary.EDGE
        last = boundary(text[b : after.start()]) if after else Boundary.EDGE
        out.append((a, b, first, last))
    return out


# Characters either side of a word that leans foreign that are decoded with it: about
# eight words, far more than a stretch can pay to carry across in a paragraph otherwise
# plainly in the main language, where each word scores at least the prior better in it.
REACH = 60
# Up to this many distinct leaning words, each is searched for (in C); beyond, one pass.
_FEW = 16
_LAST_LETTER = regex.compile(r"(?r)[\p{L}\p{M}]")
_FIRST_LETTER = regex.compile(r"[\p{L}\p{M}]")


def _whole_word(text: str, word: str) -> list[tuple[int, int]]:
    """Spans of ``word`` in ``text`` as a whole word (no letter, mark, apostrophe or
    hyphen on either side), left to right, not overlapping. ``str.find``, not a pattern
    per word: a cache of compiled patterns held megabytes."""
    out: list[tuple[int, int]] = []
    i = text.find(word)
    while i >= 0:
        j = i + len(word)
        if (i == 0 or not _in_word(text[i - 1])) and (j == len(text) or not _in_word(text[j])):
            out.append((i, j))
            i = text.find(word, j)
        else:
            i = text.find(word, i + 1)
    return out


def _in_word(c: str) -> bool:
    return c.isalpha() or c in "'’-" or unicodedata.category(c)[0] == "M"


def _word_edge(text: str, pos: int, limit: int, step: int) -> int:
    """``pos`` moved out to the edge of the word it falls in (never past ``limit``)."""
    if step < 0:
        while pos > limit and (text[pos - 1].isalpha() or text[pos - 1] in "'’-"):
            pos -= 1
    else:
        while pos < limit and (text[pos].isalpha() or text[pos] in "'’-"):
            pos += 1
    return pos


def _paragraph(
    text: str,
    toks: list[tuple[Token, str]],
    main_group: str,
    lex: Lexicon | None,
    params: Params,
    last: Boundary = Boundary.EDGE,
) -> list[Stretch]:
    latin_main = main_group == LATIN
    groups = sorted({g for _, g in toks} - {LATIN, NEUTRAL, main_group})
    langs = lex.langs if lex is not None else ()
    if latin_main:
        latin_at = tuple(range(len(langs)))  # the main language is state 0
        names: list[str | None] = [lang.tag for lang in langs] or [None]
    else:
        latin_at = tuple(range(1, len(langs) + 1))
        names = [None, *(lang.tag for lang in langs)]
    group_at = {g: len(names) + k for k, g in enumerate(groups)}
    state_group = [main_group if not latin_main else LATIN] + [LATIN] * (len(names) - 1) + groups
    if not latin_main:
        group_at[main_group] = 0
    size = len(state_group)
    if size == 1:
        return []
    main_state = None if latin_main else 0
    # Words repeat (Zipf's law): each (word, group, weight) is scored once per layout.
    layout = (id(lex), params, size, latin_at, tuple(sorted(group_at.items())), main_state)
    if layout not in _EMISSIONS and len(_EMISSIONS) >= _LAYOUTS:
        _EMISSIONS.clear()  # each layout (the scripts a paragraph mixes) keeps a cache
    cache = _EMISSIONS.setdefault(layout, {})
    if len(cache) > CACHE_WORDS:
        cache.clear()
    ems = []
    for t, g in toks:
        key = (t.text, g, weight(text, t, params) if g == LATIN else 1.0)
        e = cache.get(key)
        if e is None:
            e = cache[key] = emission(key[0], g, key[2], latin_at, group_at, main_state, lex, params, size)
        ems.append(e)
    # A state no token prefers to the main one is dominated: never on the best path.
    columns = list(zip(*ems))
    keep = [0] + [s for s in range(1, size) if any(map(gt, columns[s], columns[0]))]
    if len(keep) == 1:
        return []
    sub = ems if len(keep) == size else [[e[s] for s in keep] for e in ems]
    switch = [params.switch_cost(t.before) for t, _ in toks]
    path = [keep[s] for s in viterbi(sub, switch, params.switch_cost(last))]
    out = []
    for i, j in _runs(text, toks, path):
        state = path[i]
        group = state_group[state]
        # Edges hold only words that are the stretch's own: no neutral token, and no
        # Latin-script name at the edge of another script's stretch.
        while i < j and (toks[i][1] != group or ems[i][state] == ems[i][0]):
            i += 1
        while j > i and (toks[j - 1][1] != group or ems[j - 1][state] == ems[j - 1][0]):
            j -= 1
        if i == j:
            continue
        # One-letter words (``a``, ``y``, ``à``) are shared by too many languages to count.
        members = [t for t, g in toks[i:j] if g == group and len(t.text) > 1]
        if group == LATIN and len(members) < params.min_words:
            continue
        a, b = toks[i][0].start, toks[j - 1][0].end
        letters = sum(len(t.text) for t, _ in toks[i:j])
        totals = (
            tuple((names[s], sum(ems[t][s] for t in range(i, j))) for s, g in enumerate(state_group) if g == LATIN)
            if group == LATIN
            else ()
        )
        lang = names[state] if group == LATIN else None
        out.append(Stretch(a, b, group, lang, _confidence(dict(totals), lang) if lang else 0.0, letters, totals))
    return out


def _runs(text: str, toks: list[tuple[Token, str]], path: list[int]) -> list[tuple[int, int]]:
    """``[i, j)`` of each run of one foreign state, cut at list separators."""
    out = []
    i = 0
    while i < len(path):
        j = i + 1
        while (
            j < len(path) and path[j] == path[i] and _SEPARATORS.isdisjoint(text[toks[j - 1][0].end : toks[j][0].start])
        ):
            j += 1
        if path[i]:
            out.append((i, j))
        i = j
    return out


def _confidence(totals: dict[str | None, float], lang: str | None) -> float:
    """The softmax probability of ``lang`` among the Latin-script languages (the main one
    included) over the stretch's summed log10 scores."""
    top = max(totals.values())
    weights = {k: 10 ** (v - top) for k, v in totals.items()}
    return weights[lang] / sum(weights.values())


def _document_prior(stretches: list[Stretch], main: str) -> list[Stretch]:
    """Latin-script stretches re-decided with the document's other stretches as a prior:
    a document that quotes French several times is likelier to quote French again than
    Italian, which settles words both languages share. The prior of a language
    is log10(1 + the number of the document's other stretches in it), Laplace-smoothed
    counts, so one stretch alone keeps its own reading."""
    counts: dict[str | None, int] = {}
    for s in stretches:
        if s.lang and s.group == LATIN:
            counts[s.lang] = counts.get(s.lang, 0) + 1
    if len(counts) == 0 or sum(counts.values()) < 2:
        return stretches
    out = []
    for s in stretches:
        if not s.totals:
            out.append(s)
            continue
        scored = {k: v + (math.log10(1 + counts.get(k, 0) - (k == s.lang)) if k != main else 0.0) for k, v in s.totals}
        best = max((k for k in scored if k != main), key=scored.__getitem__)
        out.append(replace(s, lang=best, confidence=_confidence(scored, best)) if best != s.lang else s)
    return out
