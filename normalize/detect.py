"""Finding foreign fragments and homoglyphs in a document.

Steps, in order:

1. URLs and e-mail addresses are addresses, not language: blanked (same length);
2. the document's main script is the script with the most letters (counted outside
   quotation marks when two scripts are close: a quotation is cited, not the page's own
   text); its main language is given or decided on a sample of main-script words;
3. homoglyphs (:mod:`normalize.homoglyphs`, UTS #39): a mixed-script word is repaired into
   the script of its letters' majority (the main script wins ties); a lone look-alike
   letter between main-script words is repaired unless it is the thing being discussed
   (quoted, or named as a letter); a repaired word is then read as what it stands for;
4. every paragraph is decoded at once by the statistical segmenter
   (:mod:`normalize.detection`): tokens of every script scored in every state (the main
   language, each other Latin-script language, each other script group), Viterbi with
   switch costs by boundary type;
5. each foreign stretch becomes a finding: a Latin-script one in the language of its
   state, another script's by that script's rule (:mod:`normalize.languages`; for short
   ones, the document's other fragments help).

All offsets are code points into the text given to :func:`detect`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace

import regex

from .detection.params import PARAMS, Params
from .detection.segment import Stretch, segment
from .homoglyphs import REPAIRABLE_SCRIPTS, SCIENTIFIC_GREEK, lookalike, repair_letters
from .languages import Decision, LanguagePriors, decide_language, main_latin_language
from .quotes import CLOSERS, pairs
from .scripts import CJK, Word, ascii_letter_count, marked_words, script_counts, total_counts, words
from .types import Finding

# The main language is decided on the document's first characters: enough for stop
# words and langdetect, and bounded so a long document costs no more than a short one.
MAIN_SAMPLE_CHARS = 3_000
_TERMINATOR = regex.compile(r"[.!?。！？]")


@dataclass(frozen=True)
class DetectConfig:
    """Settings of detection.

    ``main_lang`` forces the document's main language (BCP-47) instead of detecting it:
    every stretch in another language is then a fragment. ``params`` are the segmenter's
    fitted parameters (:mod:`normalize.detection.params`).
    """

    main_lang: str | None = None
    priors: LanguagePriors = field(default_factory=LanguagePriors)
    params: Params = PARAMS


@dataclass(frozen=True)
class Detection:
    """What :func:`detect` found: the main language and script, and sorted findings."""

    main_lang: str
    main_script: str
    main_confidence: float
    findings: list[Finding]


def _group(script: str) -> str:
    return "CJK" if script in CJK else script


def _main_script(counts: dict[str, int]) -> tuple[str, frozenset[str]]:
    """The script with the most letters, and the set of scripts that count as main.

    Chinese, Japanese and Korean text mixes Han with kana or Hangul in every sentence, so
    the CJK scripts compete together and all count as main when they win.
    """
    if not counts:
        return "Latin", frozenset({"Latin"})
    grouped: dict[str, int] = {}
    for script, n in counts.items():
        grouped[_group(script)] = grouped.get(_group(script), 0) + n
    winner = max(grouped, key=grouped.__getitem__)
    if winner == "CJK":
        cjk = {s: n for s, n in counts.items() if s in CJK}
        return max(cjk, key=cjk.__getitem__), CJK
    return winner, frozenset({winner})


def _main_language(text: str, ws: list[Word], main_scripts: frozenset[str], config: DetectConfig) -> Decision:
    if config.main_lang:
        return Decision(config.main_lang, 1.0, "given")
    if main_scripts == {"Latin"}:
        return main_latin_language(text[:MAIN_SAMPLE_CHARS], config.priors)
    sample_words = [w.text for w in ws if w.scripts <= main_scripts][:3000]
    if main_scripts == CJK:
        sample = "".join(sample_words)
    else:
        sample = " ".join(sample_words)
    return decide_language(sample, config.priors)


def _script_around(text: str, ws: list[Word], i: int) -> str | None:
    """The one script of the words next to ``ws[i]`` in its sentence (only spaces and
    punctuation between), on both sides or the only side that has one: ``сè`` (a Latin
    ``è`` typed for the Macedonian ``ѐ``) between Macedonian words belongs to their
    sentence, and so does ``Tο`` (a Latin ``T``) opening a Greek run after Latin
    names (``Windows RT Tο πρώτο της``); neither is a look-alike inside an English word."""
    found = set()
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


def detect(text: str, config: DetectConfig = DetectConfig()) -> Detection:
    """Find foreign fragments and homoglyphs in ``text``.

    Returns findings sorted by ``start``, non-overlapping, with code point offsets into
    ``text``. Never raises on any ``str``.
    """
    masked = _masked_spans(text)
    plain = _blank(text, masked)
    ws, main_script, main_scripts = _scan(text, masked, config.main_lang)
    main = _main_language(plain, ws, main_scripts, config)
    findings, readings = _homoglyphs(text, ws, main_script, main_scripts, main.lang)
    stretches = segment(plain, main.lang, main_script, readings, config.params)
    foreign = [replace(s, end=_balanced(text, s.start, s.end)) for s in stretches if s.group != "Latin"]
    repaired = {start: fixed for start, (_, fixed) in readings.items() if fixed is not None}
    fixes = [_with_repairs(text, s.start, s.end, repaired) for s in foreign]
    decided = [_decide(fixed or text[s.start : s.end], s, config.priors) for s, fixed in zip(foreign, fixes)]
    decided = _use_document_context(decided, [s.letters for s in foreign], config.priors)
    for s in stretches:
        if s.group == "Latin":
            s = replace(s, end=_balanced(text, s.start, s.end))
            findings.append(Finding(s.start, s.end, text[s.start : s.end], "foreign", s.lang, "Latin", s.confidence, "segmenter: word frequencies (wordfreq), Viterbi"))
    for s, fixed, (decision, _group_name) in zip(foreign, fixes, decided):
        span = text[s.start : s.end]
        counts = script_counts(fixed or span)
        script = max(counts, key=counts.__getitem__) if counts else s.group
        findings.append(Finding(s.start, s.end, span, "foreign", decision.lang, script, decision.confidence, decision.evidence, fixed))
    findings.sort(key=lambda f: f.start)
    return Detection(main.lang, main_script, main.confidence, _fold_homoglyphs(findings))


def _homoglyphs(
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
        readings[w.start] = (_group(target), fixed)
        if target == main_script:
            is_main[i] = True
            findings.append(Finding(w.start, w.end, w.text, "homoglyph", main_lang, target, 0.95, "mixed-script word (UTS #39)", fixed))
    for i, w in enumerate(ws):
        if is_main[i] or w.start in readings:
            continue
        if _is_greek_symbol(w, main_script) or _in_emoticon(text, w):
            readings[w.start] = ("neutral", None)
            continue
        if _is_lone_lookalike(text, w, main_script) and not _discussed(text, w) and _main_word_at(text, w.start, -1, by_end, is_main, main_scripts) and _main_word_at(text, w.end, 1, by_start, is_main, main_scripts):
            fixed = lookalike(w.text, main_script)
            findings.append(Finding(w.start, w.end, w.text, "homoglyph", main_lang, main_script, 0.9, "lone look-alike letter between main-script words (UTS #39)", fixed))
            readings[w.start] = (_group(main_script), fixed)
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
    if before[-1:] in "\"'«“‘„`" or after in ("\"", "'", "»", "”", "’", "`"):
        return True
    previous = regex.findall(r"\p{L}+", before)
    return bool(previous) and (previous[-1].lower() in _DETERMINERS or previous[-1].lower() in _LETTER_NOUNS)


def _balanced(text: str, start: int, end: int) -> int:
    """``end`` moved past the closing quotes or brackets that pair with openers inside the
    span (``За «головы»``): a fragment holds whole quotations, never half of one."""
    while end < len(text):
        c = text[end]
        opener = CLOSERS.get(c)
        if opener is None or opener == c or text.count(opener, start, end) <= text.count(c, start, end):
            return end
        end += 1
    return end


def _with_repairs(text: str, start: int, end: int, repaired: dict[int, str]) -> str | None:
    """``text[start:end]`` with the repaired words inside it, or ``None`` when it has none."""
    inside = [(a, fixed) for a, fixed in repaired.items() if start <= a < end]
    if not inside:
        return None
    out, last = [], start
    for a, fixed in sorted(inside):
        out += [text[last:a], fixed]
        last = a + len(fixed)
    out.append(text[last:end])
    return "".join(out)


def _decide(span: str, s: Stretch, priors: LanguagePriors) -> tuple[Decision, str]:
    """The language of a stretch of another script, on its own script's words: names
    inside it (``學名：Pinus armandii``) do not vote."""
    own = [w.text for w in words(span) if _group(w.script) == s.group]
    return decide_language(("" if s.group == "CJK" else " ").join(own) if own else span, priors), s.group


def _fold_homoglyphs(findings: list[Finding]) -> list[Finding]:
    """Findings without overlaps: a look-alike word inside a foreign fragment (``pаyment``
    in a Russian sentence) becomes part of that fragment's ``replacement``, so the
    fragment is translated with the word repaired, and the word is no finding of its own."""
    foreign = [f for f in findings if f.kind == "foreign"]
    if not foreign:
        return findings
    out: list[Finding] = []
    folded: dict[int, Finding] = {}
    for f in findings:
        host = next((g for g in foreign if f.kind == "homoglyph" and g.start < f.end and f.start < g.end), None)
        if host is None:
            out.append(f)
            continue
        current = folded.get(id(host), host)
        base = current.replacement if current.replacement is not None else current.text
        if f.replacement is not None and len(f.replacement) == f.end - f.start and len(base) == host.end - host.start and host.start <= f.start and f.end <= host.end:
            a, b = f.start - host.start, f.end - host.start
            folded[id(host)] = replace(current, replacement=base[:a] + f.replacement + base[b:])
    return [folded.get(id(f), f) for f in out]


def _scan(text: str, masked: list[tuple[int, int]], given: str | None = None) -> tuple[list[Word], str, frozenset[str]]:
    """The words detection looks at, the main script and the scripts that count as main.

    Only words with a non-ASCII letter can be foreign or hold a look-alike when the main
    script is Latin, so English-dominant text never builds its all-ASCII words: their
    letters are counted in C. Words inside ``masked`` spans (URLs) are left out.
    """
    marked = [w for w in marked_words(text) if not (masked and _inside(masked, w.start, w.end))]
    counts = total_counts(marked)
    ascii_letters = ascii_letter_count(text) - sum(ascii_letter_count(w.text) for w in marked)
    ascii_letters -= sum(ascii_letter_count(text[a:b]) for a, b in masked)
    if ascii_letters > 0:
        counts["Latin"] = counts.get("Latin", 0) + ascii_letters
    main_script, main_scripts = _main_script(counts)
    script = _script_of_language(given)
    if script is not None:
        main_script, main_scripts = script, (CJK if script in CJK else frozenset({script}))
    elif _contested(counts):
        unquoted = _unquoted_counts(text, masked)
        if 3 * sum(unquoted.values()) >= sum(counts.values()):
            main_script, main_scripts = _main_script(unquoted)
    if main_scripts == {"Latin"}:
        return marked, main_script, main_scripts
    ws = [w for w in words(text) if not (masked and _inside(masked, w.start, w.end))]
    return ws, main_script, main_scripts


def _script_of_language(tag: str | None) -> str | None:
    """The script a given main language is written in, when the registry knows it."""
    from .detection.registry import BY_TAG

    lang = BY_TAG.get(tag or "")
    return next(iter(lang.scripts)) if lang is not None and len(lang.scripts) == 1 else None


def _contested(counts: dict[str, int]) -> bool:
    """Whether a second script group has at least half the letters of the first."""
    grouped: dict[str, int] = {}
    for script, n in counts.items():
        grouped[_group(script)] = grouped.get(_group(script), 0) + n
    top = sorted(grouped.values(), reverse=True)
    return len(top) > 1 and 2 * top[1] >= top[0]


_QUOTE_OPENERS = frozenset("«“„‘\"'「『《")


def _unquoted_counts(text: str, masked: list[tuple[int, int]]) -> dict[str, int]:
    """Letters per script outside quotation marks (and addresses): a quotation is cited,
    not written by the document, so a long quoted Mongolian sentence in a short English
    page (heldout seed 409) does not make Cyrillic its main script."""
    quoted = list(masked)
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        quoted += [(o, c + 1) for o, c in pairs(text, start, end) if text[o] in _QUOTE_OPENERS]
        start = end + 1
    return script_counts(_blank(text, _merged(quoted)))


# URLs and e-mail addresses are addresses, not language: a Cyrillic path
# (``https://ru.wikipedia.org/wiki/Байкал``) must reach the reader unchanged.
_ADDRESS_MARK = regex.compile(r"://|www\.|@")
_SCHEME_BEFORE = regex.compile(r"(?r)[a-z][a-z0-9+.-]*", regex.IGNORECASE)
_URL_REST = regex.compile(r"[^\s<>\"«»“”]+")
_LOCAL_PART_BEFORE = regex.compile(r"(?r)[\w.+-]+")
_DOMAIN = regex.compile(r"[\w-]+(?:\.[\w-]+)+")
_EMOTICON_MARKS = frozenset("_¯\\/^~°")
_LETTER = regex.compile(r"\p{L}")


def _masked_spans(text: str) -> list[tuple[int, int]]:
    """Spans of URLs (``scheme://...``, ``www....``) and e-mail addresses, sorted, merged.

    Found from their marks (``://``, ``www.``, ``@``) outwards, so that text without any
    costs one scan.
    """
    spans: list[tuple[int, int]] = []
    for m in _ADDRESS_MARK.finditer(text):
        if m.group() == "@":
            local = _LOCAL_PART_BEFORE.match(text, 0, m.start())
            domain = _DOMAIN.match(text, m.end())
            if local and domain:
                spans.append((local.start(), domain.end()))
            continue
        start = m.start()
        if m.group() == "://":
            scheme = _SCHEME_BEFORE.match(text, 0, m.start())
            if not scheme:
                continue
            start = scheme.start()
        rest = _URL_REST.match(text, m.end())
        spans.append((start, _url_end(text, start, rest.end() if rest else m.end())))
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _url_end(text: str, start: int, end: int) -> int:
    """``end`` without the sentence punctuation and unpaired closing brackets that end
    the address's sentence (``(www.hawarkurd.de).``), as linkifiers trim them."""
    while end > start:
        c = text[end - 1]
        if c in ".,;:!?'’":
            end -= 1
        elif c in ")]" and text.count(CLOSERS[c], start, end) < text.count(c, start, end):
            end -= 1
        else:
            break
    return end



def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (same length)."""
    if not spans:
        return text
    parts, last = [], 0
    for a, b in spans:
        parts += [text[last:a], " " * (b - a)]
        last = b
    parts.append(text[last:])
    return "".join(parts)


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect_left(spans, (start + 1,)) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def _in_emoticon(text: str, w: Word) -> bool:
    """``ツ`` in ``¯\\_(ツ)_/¯``: one letter inside a space-free run of symbols."""
    if len(w.text) != 1:
        return False
    a, b = w.start, w.end
    while a > 0 and not text[a - 1].isspace():
        a -= 1
    while b < len(text) and not text[b].isspace():
        b += 1
    token = text[a:b]
    return len(_LETTER.findall(token)) <= 2 and not _EMOTICON_MARKS.isdisjoint(token)


def _is_greek_symbol(w: Word, main_script: str) -> bool:
    # ``β-blocker``, ``α-helix``, ``Δ``: one or two Greek letters used as symbols in Latin
    # text are part of the text, not a Greek fragment.
    return main_script == "Latin" and w.scripts == {"Greek"} and len(w.text) <= 2 and all(c in SCIENTIFIC_GREEK for c in w.text)


def _is_lone_lookalike(text: str, w: Word, main_script: str) -> bool:
    if len(w.text) != 1 or w.scripts - {"Cyrillic", "Greek"}:
        return False
    if main_script == "Latin" and w.text in SCIENTIFIC_GREEK:
        return False
    return lookalike(w.text, main_script) is not None


def _main_word_at(text: str, pos: int, step: int, index: dict[int, int], is_main: list[bool], main_scripts: frozenset[str]) -> bool:
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


def _use_document_context(
    decided: list[tuple[Decision, str]], letters: list[int], priors: LanguagePriors
) -> list[tuple[Decision, str]]:
    """Settle guessed decisions (:attr:`Decision.weak`) of short fragments (fewer than
    ``priors.max_context_letters`` letters) by the document's confidently decided
    fragments of the same script group."""
    strong: dict[str, dict[str, int]] = {}
    for d, group in decided:
        if not d.weak and d.lang != "und":
            strong.setdefault(group, {})
            strong[group][d.lang] = strong[group].get(d.lang, 0) + 1
    out = []
    for (d, group), n in zip(decided, letters):
        votes = strong.get(group, {})
        if d.weak and votes and n < priors.max_context_letters:
            fits = {lang: n for lang, n in votes.items() if lang in d.candidates}
            if fits:
                lang = max(fits, key=fits.__getitem__)
                d = Decision(lang, 0.75, "document's other fragments", d.candidates)
        out.append((d, group))
    return out
