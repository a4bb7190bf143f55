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

import bisect
from dataclasses import dataclass, field, replace

from .detection.addresses import blank, inside, masked_spans, merged
from .detection.homoglyphs import fold, homoglyphs
from .detection.params import PARAMS, Params
from .detection.registry import BY_TAG
from .detection.segment import Stretch, segment
from .languages import Decision, LanguagePriors, decide_language, main_latin_language
from .quotes import CLOSERS, pairs
from .scripts import (
    CJK,
    Word,
    ascii_letter_count,
    dominant_script,
    marked_words,
    script_counts,
    script_group,
    total_counts,
    words,
)
from .types import Finding

# The main language is decided on the document's first characters: enough for stop
# words and langdetect, and bounded so a long document costs no more than a short one.
MAIN_SAMPLE_CHARS = 3_000


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


def _main_script(counts: dict[str, int]) -> tuple[str, frozenset[str]]:
    """The script with the most letters, and the set of scripts that count as main.

    Chinese, Japanese and Korean text mixes Han with kana or Hangul in every sentence, so
    the CJK scripts compete together and all count as main when they win.
    """
    if not counts:
        return "Latin", frozenset({"Latin"})
    grouped: dict[str, int] = {}
    for script, n in counts.items():
        grouped[script_group(script)] = grouped.get(script_group(script), 0) + n
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


def detect(text: str, config: DetectConfig = DetectConfig()) -> Detection:
    """Find foreign fragments and homoglyphs in ``text``.

    Returns findings sorted by ``start``, non-overlapping, with code point offsets into
    ``text``. Never raises on any ``str``.
    """
    masked = masked_spans(text)
    # Only the sample of the main language's decision is blanked here; segment blanks
    # each paragraph that needs it, so a large text is not copied whole.
    plain = blank(
        text[:MAIN_SAMPLE_CHARS], [(a, min(b, MAIN_SAMPLE_CHARS)) for a, b in masked if a < MAIN_SAMPLE_CHARS]
    )
    ws, main_script, main_scripts = _scan(text, masked, config.main_lang)
    main = _main_language(plain, ws, main_scripts, config)
    findings, readings = homoglyphs(text, ws, main_script, main_scripts, main.lang)
    stretches = [
        _with_end(s, _balanced(text, s.start, s.end))
        for s in segment(text, main.lang, main_script, readings, config.params, masked)
    ]
    foreign = [s for s in stretches if s.group != "Latin"]
    repaired = sorted((start, fixed) for start, (_, fixed) in readings.items() if fixed is not None)
    fixes = [_with_repairs(text, s.start, s.end, repaired) for s in foreign]
    decided = [_decide(fixed or text[s.start : s.end], s, config.priors) for s, fixed in zip(foreign, fixes)]
    decided = _use_document_context(decided, [s.letters for s in foreign], config.priors)
    for s in stretches:
        if s.group == "Latin":
            assert s.lang is not None, "a foreign Latin-script stretch names its language"
            findings.append(
                Finding(
                    s.start,
                    s.end,
                    text[s.start : s.end],
                    "foreign",
                    s.lang,
                    "Latin",
                    config.params.calibrated(s.confidence),
                    "segmenter: word frequencies (wordfreq), Viterbi",
                )
            )
    for s, fixed, (decision, _group_name) in zip(foreign, fixes, decided):
        span = text[s.start : s.end]
        script = dominant_script(fixed or span, s.group)
        findings.append(
            Finding(
                s.start,
                s.end,
                span,
                "foreign",
                decision.lang,
                script,
                config.params.calibrated(decision.confidence),
                decision.evidence,
                fixed,
            )
        )
    findings.sort(key=lambda f: f.start)
    return Detection(main.lang, main_script, main.confidence, fold(findings))


def _with_end(s: Stretch, end: int) -> Stretch:
    return s if end == s.end else replace(s, end=end)


def _balanced(text: str, start: int, end: int) -> int:
    """``end`` moved past the closing quotes or brackets that pair with openers inside the
    span (``За «головы»``): a fragment holds whole quotations, never half of one."""
    for _ in range(3):  # nested quotations close together (``»)``); never more
        c = text[end] if end < len(text) else ""
        opener = CLOSERS.get(c)
        if opener is None or opener == c or text.count(opener, start, end) <= text.count(c, start, end):
            return end
        end += 1
    return end


def _with_repairs(text: str, start: int, end: int, repaired: list[tuple[int, str]]) -> str | None:
    """``text[start:end]`` with the repaired words inside it (``repaired``: sorted by
    start), or ``None`` when it has none."""
    inside = repaired[bisect.bisect_left(repaired, (start,)) : bisect.bisect_left(repaired, (end,))]
    if not inside:
        return None
    out, last = [], start
    for a, fixed in inside:
        out += [text[last:a], fixed]
        last = a + len(fixed)
    out.append(text[last:end])
    return "".join(out)


def _decide(span: str, s: Stretch, priors: LanguagePriors) -> tuple[Decision, str]:
    """The language of a stretch of another script, on its own script's words: names
    inside it (``學名：Pinus armandii``) do not vote."""
    own = [w.text for w in words(span) if script_group(w.script) == s.group]
    return decide_language(("" if s.group == "CJK" else " ").join(own) if own else span, priors), s.group


def _scan(text: str, masked: list[tuple[int, int]], given: str | None = None) -> tuple[list[Word], str, frozenset[str]]:
    """The words detection looks at, the main script and the scripts that count as main.

    Only words with a non-ASCII letter can be foreign or hold a look-alike when the main
    script is Latin, so English-dominant text never builds its all-ASCII words: their
    letters are counted in C. Words inside ``masked`` spans (URLs) are left out.
    """
    marked = [w for w in marked_words(text) if not (masked and inside(masked, w.start, w.end))]
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
    ws = [w for w in words(text) if not (masked and inside(masked, w.start, w.end))]
    return ws, main_script, main_scripts


def _script_of_language(tag: str | None) -> str | None:
    """The script a given main language is written in, when the registry knows it."""
    lang = BY_TAG.get(tag or "")
    return next(iter(lang.scripts)) if lang is not None and len(lang.scripts) == 1 else None


def _contested(counts: dict[str, int]) -> bool:
    """Whether a second script group has at least half the letters of the first."""
    grouped: dict[str, int] = {}
    for script, n in counts.items():
        grouped[script_group(script)] = grouped.get(script_group(script), 0) + n
    top = sorted(grouped.values(), reverse=True)
    return len(top) > 1 and 2 * top[1] >= top[0]


_QUOTE_OPENERS = frozenset("«“„‘\"'「『《")


def _unquoted_counts(text: str, masked: list[tuple[int, int]]) -> dict[str, int]:
    """Letters per script outside quotation marks (and addresses): a quotation is cited,
    not written by the document, so a long quoted Mongolian sentence in a short English
    page does not make Cyrillic its main script."""
    quoted = list(masked)
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        quoted += [(o, c + 1) for o, c in pairs(text, start, end) if text[o] in _QUOTE_OPENERS]
        start = end + 1
    return script_counts(blank(text, merged(quoted)))


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
