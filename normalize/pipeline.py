"""The normalization pipeline: text in, :class:`~normalize.types.Result` out.

    unicode hygiene -> detect fragments and homoglyphs -> translate fragments -> assemble

:func:`normalize_batch` runs the steps over a batch of documents, translating all their
fragments together; :func:`normalize_text` is the one-document case.

Each step is a plain function. Hygiene edits the input; detection runs on the hygienic
text and its spans are mapped back to the input; assembly turns every repair and every
translation into one edit on the *input* text, applies them once, and records each as a
:class:`~normalize.types.Change` with its span in the input and in the output. No I/O.
"""

from __future__ import annotations

import bisect
import operator
from dataclasses import replace
from typing import Any, Literal

import regex

from .detect import DetectConfig, Detection, detect
from .hygiene import hygiene_edits
from .languages import decide_language
from .offsets import apply_edits
from .scripts import dominant_script
from .stopwords import stop_words
from .translate import FragmentTranslator, Request
from .types import Change, Edit, Finding, Result, Translation

_WORDISH = regex.compile(r"[\p{L}\p{N}]")
_SENTENCE_START = regex.compile(r"(?:^|[.!?…]\s*|\n)\s*[\"'“‘«(\[]*$")


def detect_findings(text: str, config: DetectConfig = DetectConfig()) -> tuple[Detection, list[Finding]]:
    """Detection on the hygienic form of ``text``, with findings mapped onto ``text``.

    Returns the detection (offsets into the hygienic text) and the findings with
    ``start``/``end``/``text`` indexing ``text`` itself: the form ``transnorm detect``
    prints.
    """
    _, detection, pairs, _ = _detect_on_hygienic(text, config)
    return detection, [mapped for _, mapped in pairs]


def _detect_on_hygienic(
    text: str, config: DetectConfig
) -> tuple[list[Edit], Detection, list[tuple[Finding, Finding]], list[tuple[str, str]]]:
    """Hygiene edits, detection on the hygienic text, each finding twice: indexing the
    hygienic text and mapped onto ``text``, and for each foreign finding the hygienic
    text around it (:func:`_around`), which is all assembly needs of that text: a large
    document's hygienic copy is not kept until the translations come back.

    A hygiene edit maps back only as a whole, so findings inside one edit's output (two
    letters of different scripts that ftfy recovered from one run of mojibake) map onto
    the same original span; they become one finding there.
    """
    hyg_edits = hygiene_edits(text)
    hyg = apply_edits(text, hyg_edits)
    detection = detect(hyg.text, config)
    pairs: list[tuple[Finding, Finding]]
    if not hyg_edits:  # the hygienic text is the text: every finding maps onto itself
        pairs = [(f, f) for f in detection.findings]
        return hyg_edits, detection, pairs, _around(hyg.text, pairs)
    pairs = []
    for f in detection.findings:
        start, end = hyg.to_source_span(f.start, f.end)
        if pairs and start < pairs[-1][1].end:
            f = _merge_findings(hyg.text, pairs.pop()[0], f, config)
            start, end = hyg.to_source_span(f.start, f.end)
        # The constructor, not dataclasses.replace: one call per finding, and a hostile text has many.
        pairs.append(
            (f, Finding(start, end, text[start:end], f.kind, f.lang, f.script, f.confidence, f.evidence, f.replacement))
        )
    return hyg_edits, detection, pairs, _around(hyg.text, pairs)


# How much text before a fragment tells whether it starts a sentence (_SENTENCE_START).
_CONTEXT_CHARS = 40


def _around(context: str, pairs: list[tuple[Finding, Finding]]) -> list[tuple[str, str]]:
    """For each foreign finding, in order: up to ``_CONTEXT_CHARS`` characters of
    ``context`` before it and the one character after it (what :func:`_fit` reads)."""
    return [
        (context[max(0, f.start - _CONTEXT_CHARS) : f.start], context[f.end : f.end + 1])
        for f, _ in pairs
        if f.kind == "foreign"
    ]


def _merge_findings(context: str, a: Finding, b: Finding, config: DetectConfig) -> Finding:
    """One finding over ``a`` and ``b`` (offsets into ``context``), language decided anew."""
    span = context[a.start : b.end]
    repaired = None
    if a.replacement is not None or b.replacement is not None:
        repaired = (a.replacement or a.text) + context[a.end : b.start] + (b.replacement or b.text)
    if a.kind == b.kind == "homoglyph":
        return replace(a, end=b.end, text=span, replacement=repaired)
    decision = decide_language(repaired or span, config.priors)
    script = dominant_script(repaired or span, a.script)
    return Finding(
        a.start,
        b.end,
        span,
        "foreign",
        decision.lang,
        script,
        config.params.calibrated(decision.confidence),
        decision.evidence,
        repaired,
    )


_SPAN = operator.itemgetter(0, 1)
_HOMOGLYPH_REASON = "look-alike letters mapped to the main script (UTS #39 confusables)"

Mode = Literal["replace", "annotate", "keep"]
MODES: tuple[str, ...] = ("replace", "annotate", "keep")


def normalize_text(
    text: str,
    translator: FragmentTranslator | None = None,
    target_lang: str = "en",
    config: DetectConfig = DetectConfig(),
    mode: Mode = "replace",
) -> Result:
    """Clean one text; the same as ``normalize_batch([text], ...)[0]``."""
    return normalize_batch([text], translator, target_lang, config, mode)[0]


def normalize_batch(
    texts: list[str],
    translator: FragmentTranslator | None = None,
    target_lang: str = "en",
    config: DetectConfig = DetectConfig(),
    mode: Mode = "replace",
) -> list[Result]:
    """Clean ``texts``: repair Unicode and homoglyphs, translate foreign fragments.

    All fragments of the batch are translated in one
    :meth:`~normalize.translate.FragmentTranslator.translate_all` call, so fragments of
    different documents that share a language pair go to the engine together and
    identical fragments once. ``translator`` defaults to one without an engine (every
    fragment is kept and recorded ``untranslated`` with the reason). ``target_lang`` is
    a BCP-47 tag. ``mode``:

    * ``replace``: a translated fragment replaces the original;
    * ``annotate``: the translation is followed by the original,
      ``not only [ru: не только]``;
    * ``keep``: fragments are detected and recorded but not translated (``untranslated``,
      reason ``"mode keep"``); homoglyph and Unicode repairs still apply.

    Returns one :class:`Result` per text, in order. Never raises for ``str`` inputs;
    raises ``ValueError`` for an unknown mode. Engine failures do not raise: the
    fragments concerned stay ``untranslated`` with the reason.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    translator = translator or FragmentTranslator()
    detected = [_detect_on_hygienic(text, config) for text in texts]

    requests: list[Request] = []
    for _, _, pairs, _ in detected:
        for f, _ in pairs:
            if f.kind == "foreign":
                source = f.replacement if f.replacement is not None else f.text
                requests.append(Request(source, f.lang, f.script, target_lang))
    if mode == "keep":
        outcomes = [Translation("untranslated", None, translator.name, reason="mode keep") for _ in requests]
    else:
        outcomes = translator.translate_all(requests)

    results = []
    it = iter(outcomes)
    for text, (hyg_edits, detection, pairs, contexts) in zip(texts, detected):
        foreign = [next(it) for f, _ in pairs if f.kind == "foreign"]
        results.append(_assemble(text, hyg_edits, contexts, detection, pairs, foreign, target_lang, mode))
    return results


def _assemble(
    text: str,
    hyg_edits: list[Edit],
    contexts: list[tuple[str, str]],
    detection: Detection,
    pairs: list[tuple[Finding, Finding]],
    outcomes: list[Translation],
    target_lang: str,
    mode: Mode,
) -> Result:
    """Turn every repair and translation into one edit on ``text``, apply them once."""
    # (start, end, edit on the original text, the Change's other fields): tuples, as a
    # hostile text plans an edit per word.
    planned: list[tuple[int, int, Edit, dict[str, Any]]] = []
    covered: list[tuple[int, int]] = []
    outcome_of = iter(outcomes)
    context_of = iter(contexts)
    # ``f`` indexes the hygienic text (the context translations are fitted into),
    # ``mapped`` the original text (where the edits apply).
    for f, mapped in pairs:
        o_start, o_end = mapped.start, mapped.end
        covered.append((o_start, o_end))
        meta = {"lang": f.lang, "script": f.script, "confidence": f.confidence, "evidence": f.evidence}
        if f.kind == "homoglyph":
            planned.append(
                (
                    o_start,
                    o_end,
                    Edit(o_start, o_end, f.replacement or f.text, "homoglyph"),
                    {**meta, "kind": "homoglyph", "status": "repaired", "reason": _HOMOGLYPH_REASON},
                )
            )
            continue
        source = f.replacement if f.replacement is not None else f.text
        outcome = next(outcome_of)
        before, after = next(context_of)
        if outcome.status == "translated" and outcome.text:
            replacement = _fit(before, after, outcome.text, source)
            if mode == "annotate":
                replacement = _annotate(replacement, f.lang, source)
        else:
            replacement = source
        planned.append(
            (
                o_start,
                o_end,
                Edit(o_start, o_end, replacement, "foreign"),
                {
                    **meta,
                    "kind": "foreign",
                    "status": outcome.status,
                    "reason": outcome.reason,
                    "engine": outcome.engine,
                    "model": outcome.model,
                    "model_version": outcome.model_version,
                    "route": outcome.route,
                    "cache": outcome.cache,
                },
            )
        )

    starts = [a for a, _ in covered]  # findings are sorted and disjoint
    for e in hyg_edits:
        k = bisect.bisect_right(starts, e.start) - 1
        if k < 0 or e.end > covered[k][1]:
            planned.append((e.start, e.end, e, {"kind": "hygiene", "status": "repaired", "reason": e.reason}))
    planned.sort(key=_SPAN)

    out = apply_edits(text, [edit for _, _, edit, _ in planned])
    changes = [
        Change(
            orig_start=a,
            orig_end=b,
            new_start=new_start,
            new_end=new_end,
            original=text[a:b],
            replacement=edit.replacement,
            **fields,
        )
        for (a, b, edit, fields), new_start, new_end in zip(planned, out.new_starts, out.new_ends)
    ]
    return Result(
        original_text=text,
        cleaned_text=out.text,
        main_lang=detection.main_lang,
        target_lang=target_lang,
        findings=[mapped for _, mapped in pairs],
        changes=changes,
        mode=mode,
    )


def _annotate(translation: str, lang: str, source: str) -> str:
    """``not only [ru: не только]``, keeping the spaces ``_fit`` put around the words."""
    core = translation.strip()
    lead = translation[: len(translation) - len(translation.lstrip())]
    trail = translation[len(translation.rstrip()) :]
    return f"{lead}{core} [{lang}: {source.strip()}]{trail}"


def _fit(before: str, after: str, translation: str, source: str = "") -> str:
    """Place ``translation`` where a fragment stood, between the text ``before`` it and
    the character ``after`` it (empty at either end of the text).

    A CJK fragment between Latin words has no spaces around it; its English translation
    needs them. A translation at the start of a sentence starts with a capital letter;
    inside a sentence it starts lowercase when its first word is an ordinary word: the
    source began in lowercase (scripts with case), or, for scripts without case, the
    word is a stop word of the target language (spaCy's list), so names keep their
    capital.
    """
    out = translation.strip()
    if not out:
        return out
    if before and _WORDISH.match(before[-1]) and _WORDISH.match(out[0]):
        out = " " + out
    if after and _WORDISH.match(after) and _WORDISH.match(out[-1]):
        out = out + " "
    first = out.lstrip()
    offset = len(out) - len(first)
    if _SENTENCE_START.search(before):
        if first[:1].islower():
            out = out[:offset] + first[0].upper() + first[1:]
    elif _ordinary_first_word(first, source):
        out = out[:offset] + first[0].lower() + first[1:]
    return out


_FIRST_WORD = regex.compile(r"[\p{L}\p{M}'’-]+")
_FIRST_LETTER = regex.compile(r"\p{L}")


def _ordinary_first_word(translation: str, source: str) -> bool:
    """True when the translation's first word is capitalised only because the engine
    started a sentence: Title case, and the source gives no reason for a capital."""
    m = _FIRST_WORD.match(translation)
    if m is None:
        return False
    word = m.group()
    if not (word[0].isupper() and word[1:] == word[1:].lower()):
        return False  # already lowercase, or an acronym ("NATO")
    letter = _FIRST_LETTER.search(source)
    if letter is not None and letter.group().lower() != letter.group().upper():
        return bool(letter.group().islower())
    return word.lower() in stop_words("en")
