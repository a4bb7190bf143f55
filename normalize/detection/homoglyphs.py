"""Homoglyphs (UTS #39 confusables) as detection reads them.

A mixed-script word is repaired into the script of its letters' majority (the main script
wins ties); one whose letters mostly belong to the script of the words around it in its
sentence is a piece of their fragment (``сè``, ``Tο``). A lone look-alike letter between
main-script words is repaired (a Cyrillic ``а`` for the article ``a``) unless it is the
thing being discussed. The segmenter then reads each such word as what it stands for.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

import regex

from ..homoglyphs import REPAIRABLE_SCRIPTS, SCIENTIFIC_GREEK, lookalike, repair_letters
from ..scripts import Word, script_group
from ..types import Finding

_TERMINATOR = regex.compile(r"[.!?。！？]")
_EMOTICON_MARKS = frozenset("_¯\\/^~°")
_LETTER = regex.compile(r"\p{L}")


def homoglyphs(
    text: str, ws: list[Word], main_script: str, main_scripts: frozenset[str], main_lang: str
) -> tuple[list[Finding], dict[int, tuple[str, str | None]]]:
    """Homoglyph findings, and how the segmenter reads the words they touch: word start ->
    (script group to read it in, or ``neutral``; its repaired text or ``None``)."""
    findings: list[Finding] = []
    readings: dict[int, tuple[str, str | None]] = {}
    is_main = [w.scripts <= main_scripts for w in ws]
    by_start = {w.start: i for i, w in enumerate(ws)}
    by_end = {w.end: i for i, w in enumerate(ws)}
    # Mixed-script words first: a repaired word may turn out to be a main-script word,
    # which the lone-letter rule below relies on.
    for i, w in enumerate(ws):
        scripts = w.scripts
        if len(scripts) <= 1 or not scripts <= REPAIRABLE_SCRIPTS:
            continue
        around = _script_around(text, ws, i)
        if around in scripts and around not in main_scripts and 2 * w.counts[around] >= len(w.text):
            readings[w.start] = (around, repair_letters(w.text, w.runs, w.start, around))
            continue
        target = _homoglyph_target(w, main_script)
        fixed = repair_letters(w.text, w.runs, w.start, target)
        if fixed is None:
            if main_script in scripts:
                readings[w.start] = ("neutral", None)  # e.g. ``μm``: a scientific symbol
                is_main[i] = True
            continue
        readings[w.start] = (script_group(target), fixed)
        if target == main_script:
            is_main[i] = True
            findings.append(
                Finding(
                    w.start, w.end, w.text, "homoglyph", main_lang, target, 0.95, "mixed-script word (UTS #39)", fixed
                )
            )
    for i, w in enumerate(ws):
        if is_main[i] or w.start in readings:
            continue
        if _is_greek_symbol(w, main_script) or _in_emoticon(text, w):
            readings[w.start] = ("neutral", None)
            continue
        if (
            _is_lone_lookalike(text, w, main_script)
            and not _discussed(text, w)
            and _main_word_at(text, w.start, -1, by_end, is_main, main_scripts)
            and _main_word_at(text, w.end, 1, by_start, is_main, main_scripts)
        ):
            fixed = lookalike(w.text, main_script)
            findings.append(
                Finding(
                    w.start,
                    w.end,
                    w.text,
                    "homoglyph",
                    main_lang,
                    main_script,
                    0.9,
                    "lone look-alike letter between main-script words (UTS #39)",
                    fixed,
                )
            )
            readings[w.start] = (script_group(main_script), fixed)
            is_main[i] = True
    return findings, readings


_LETTER_NOUNS = frozenset({"letter", "letters", "character", "sound", "vowel", "consonant", "symbol", "glyph", "sign"})
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "each", "every", "its", "your", "my"})


def _discussed(text: str, w: Word) -> bool:
    """A letter mentioned as a letter (``the а is stressed``, ``the letter ы``, quoted) is
    the thing discussed, not a look-alike typed for a word: repairing it would change
    the meaning. A word for a letter never follows a determiner or a noun naming letters."""
    before = text[max(0, w.start - 20) : w.start]
    after = text[w.end : w.end + 1]
    if before[-1:] in "\"'«“‘„`" or after in ('"', "'", "»", "”", "’", "`"):
        return True
    previous = regex.findall(r"\p{L}+", before)
    return bool(previous) and (previous[-1].lower() in _DETERMINERS or previous[-1].lower() in _LETTER_NOUNS)


def _script_around(text: str, ws: list[Word], i: int) -> str | None:
    """The one script of the words next to ``ws[i]`` in its sentence (only spaces and
    punctuation between), on both sides or the only side that has one: ``сè`` (a Latin
    ``è`` typed for the Macedonian ``ѐ``) between Macedonian words belongs to their
    sentence, and so does ``Tο`` (a Latin ``T``) opening a Greek run after Latin
    names (``Windows RT Tο πρώτο της``); neither is a look-alike inside an English word."""
    found: set[str] = set()
    for j, a, b in ((i - 1, None, ws[i].start), (i + 1, ws[i].end, None)):
        if not 0 <= j < len(ws):
            continue
        gap = text[ws[j].end : b] if a is None else text[a : ws[j].start]
        if "\n" in gap or any(c.isalpha() for c in gap) or _TERMINATOR.search(gap):
            continue  # another line or sentence (``Мr. «Тұз``), or a word between
        if len(ws[j].scripts) != 1:
            return None
        found |= ws[j].scripts
    return next(iter(found)) if len(found) == 1 else None


def _homoglyph_target(w: Word, main_script: str) -> str:
    counts = w.counts
    best = max(counts.values())
    top = [s for s, n in counts.items() if n == best]
    return main_script if main_script in top else top[0]


def _is_greek_symbol(w: Word, main_script: str) -> bool:
    # ``β-blocker``, ``α-helix``, ``Δ``: one or two Greek letters used as symbols in Latin
    # text are part of the text, not a Greek fragment.
    return (
        main_script == "Latin"
        and w.scripts == {"Greek"}
        and len(w.text) <= 2
        and all(c in SCIENTIFIC_GREEK for c in w.text)
    )


def _is_lone_lookalike(text: str, w: Word, main_script: str) -> bool:
    if len(w.text) != 1 or w.scripts - {"Cyrillic", "Greek"}:
        return False
    if main_script == "Latin" and w.text in SCIENTIFIC_GREEK:
        return False
    return lookalike(w.text, main_script) is not None


def _main_word_at(
    text: str, pos: int, step: int, index: dict[int, int], is_main: list[bool], main_scripts: frozenset[str]
) -> bool:
    """Whether a main-script word follows (``step`` 1) or precedes (-1) ``pos`` after
    spaces or tabs only (at least one)."""
    j = pos
    while 0 <= j + min(step, 0) < len(text) and text[j + min(step, 0)] in " \t":
        j += step
    if j == pos or not 0 <= j + min(step, 0) < len(text):
        return False
    if j in index:
        return is_main[index[j]]
    # Not a word with a non-ASCII letter: an all-ASCII word, if a letter stands there.
    ch = text[j + min(step, 0)]
    return ch.isascii() and ch.isalpha() and "Latin" in main_scripts


def _in_emoticon(text: str, w: Word) -> bool:
    """``ツ`` in ``¯\\_(ツ)_/¯``, ``ಠ`` in ``ಠ_ಠ``: a letter drawn as a face, alone or
    twice, inside a space-free run of symbols (two different letters around a blank are a
    word with a letter left out)."""
    if len(w.text) != 1:
        return False
    a, b = w.start, w.end
    while a > 0 and not text[a - 1].isspace():
        a -= 1
    while b < len(text) and not text[b].isspace():
        b += 1
    token = text[a:b]
    return len(set(_LETTER.findall(token))) == 1 and not _EMOTICON_MARKS.isdisjoint(token)


def fold(findings: list[Finding]) -> list[Finding]:
    """Findings without overlaps: a look-alike word inside a foreign fragment (``pаyment``
    in a Russian sentence) becomes part of that fragment's ``replacement``, so the
    fragment is translated with the word repaired, and the word is no finding of its own."""
    foreign = [f for f in findings if f.kind == "foreign"]
    if not foreign:
        return findings
    foreign.sort(key=lambda g: g.start)  # disjoint: a finding overlaps at most two, found by bisection
    starts = [g.start for g in foreign]
    out: list[Finding] = []
    folded: dict[int, Finding] = {}
    for f in findings:
        host = _host(foreign, starts, f) if f.kind == "homoglyph" else None
        if host is None:
            out.append(f)
            continue
        current = folded.get(id(host), host)
        base = current.replacement if current.replacement is not None else current.text
        if (
            f.replacement is not None
            and len(f.replacement) == f.end - f.start
            and len(base) == host.end - host.start
            and host.start <= f.start
            and f.end <= host.end
        ):
            a, b = f.start - host.start, f.end - host.start
            folded[id(host)] = replace(current, replacement=base[:a] + f.replacement + base[b:])
    return [folded.get(id(f), f) for f in out]


def _host(foreign: list[Finding], starts: list[int], f: Finding) -> Finding | None:
    """The first foreign finding ``f`` overlaps (``foreign`` sorted and disjoint)."""
    k = max(0, bisect.bisect_right(starts, f.start) - 1)
    for g in foreign[k : k + 2]:
        if g.start < f.end and f.start < g.end:
            return g
    return None
