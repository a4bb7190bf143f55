"""The normalization pipeline: text in, :class:`~normalize.types.Result` out.

    unicode hygiene -> detect fragments and homoglyphs -> translate fragments -> assemble

Each step is a plain function. Hygiene edits the input; detection runs on the hygienic
text and its spans are mapped back to the input; assembly turns every repair and every
translation into one edit on the *input* text, applies them once, and records each as a
:class:`~normalize.types.Change` with its span in the input and in the output. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import regex

from .detect import DetectConfig, Detection, detect
from .languages import decide_language
from .scripts import script_counts
from .hygiene import hygiene_edits
from .offsets import EditedText, apply_edits
from .translate import NullTranslator, Translator
from .types import Change, Edit, Finding, Result, Translation

PIPELINE_VERSION = "0.1.0"

_WORDISH = regex.compile(r"[\p{L}\p{N}]")
_SENTENCE_START = regex.compile(r"(?:^|[.!?…]\s*|\n)\s*[\"'“‘«(\[]*$")


@dataclass(frozen=True)
class _Planned:
    edit: Edit  # on the original text
    change: dict  # fields of the Change other than spans and strings


def detect_findings(text: str, config: DetectConfig = DetectConfig()) -> tuple[Detection, list[Finding]]:
    """Detection on the hygienic form of ``text``, with findings mapped onto ``text``.

    Returns the detection (offsets into the hygienic text) and the findings with
    ``start``/``end``/``text`` indexing ``text`` itself: the form ``transnorm detect``
    prints.
    """
    _, _, detection, pairs = _detect_on_hygienic(text, config)
    return detection, [mapped for _, mapped in pairs]


def _detect_on_hygienic(
    text: str, config: DetectConfig
) -> tuple[list[Edit], EditedText, Detection, list[tuple[Finding, Finding]]]:
    """Hygiene edits, the hygienic text, detection on it, and each finding twice:
    indexing the hygienic text and mapped onto ``text``.

    A hygiene edit maps back only as a whole, so findings inside one edit's output (two
    letters of different scripts that ftfy recovered from one run of mojibake) map onto
    the same original span; they become one finding there.
    """
    hyg_edits = hygiene_edits(text)
    hyg = apply_edits(text, hyg_edits)
    detection = detect(hyg.text, config)
    pairs: list[tuple[Finding, Finding]] = []
    for f in detection.findings:
        start, end = hyg.to_source_span(f.start, f.end)
        if pairs and start < pairs[-1][1].end:
            f = _merge_findings(hyg.text, pairs.pop()[0], f, config)
            start, end = hyg.to_source_span(f.start, f.end)
        pairs.append((f, replace(f, start=start, end=end, text=text[start:end])))
    return hyg_edits, hyg, detection, pairs


def _merge_findings(context: str, a: Finding, b: Finding, config: DetectConfig) -> Finding:
    """One finding over ``a`` and ``b`` (offsets into ``context``), language decided anew."""
    span = context[a.start : b.end]
    repaired = None
    if a.replacement is not None or b.replacement is not None:
        repaired = (a.replacement or a.text) + context[a.end : b.start] + (b.replacement or b.text)
    if a.kind == b.kind == "homoglyph":
        return replace(a, end=b.end, text=span, replacement=repaired)
    decision = decide_language(repaired or span, config.priors)
    counts = script_counts(repaired or span)
    script = max(counts, key=counts.__getitem__) if counts else a.script
    return Finding(a.start, b.end, span, "foreign", decision.lang, script, decision.confidence, decision.evidence, repaired)


def normalize_text(
    text: str,
    translator: Translator | None = None,
    target_lang: str = "en",
    config: DetectConfig = DetectConfig(),
) -> Result:
    """Clean ``text``: repair Unicode and homoglyphs, translate foreign fragments.

    ``translator`` defaults to one that translates nothing (every fragment is then kept
    and recorded ``untranslated`` with the reason). ``target_lang`` is a BCP-47 tag.
    Never raises for any ``str`` input; a translator's exception propagates.
    """
    translator = translator or NullTranslator()
    hyg_edits, hyg, detection, pairs = _detect_on_hygienic(text, config)

    planned: list[_Planned] = []
    covered: list[tuple[int, int]] = []
    # ``f`` indexes the hygienic text (the context translations are fitted into),
    # ``mapped`` the original text (where the edits apply).
    findings = [mapped for _, mapped in pairs]
    for f, mapped in pairs:
        o_start, o_end = mapped.start, mapped.end
        covered.append((o_start, o_end))
        meta = {"lang": f.lang, "script": f.script, "confidence": f.confidence, "evidence": f.evidence}
        if f.kind == "homoglyph":
            planned.append(_Planned(Edit(o_start, o_end, f.replacement or f.text, "homoglyph"), {**meta, "kind": "homoglyph", "status": "repaired", "reason": "look-alike letters mapped to the main script (UTS #39 confusables)"}))
            continue
        source = f.replacement if f.replacement is not None else f.text
        outcome = _translate(translator, source, f.lang, target_lang)
        if outcome.status == "translated" and outcome.text:
            replacement = _fit(hyg.text, f.start, f.end, outcome.text)
        else:
            replacement = source
        planned.append(
            _Planned(
                Edit(o_start, o_end, replacement, "foreign"),
                {**meta, "kind": "foreign", "status": outcome.status, "reason": outcome.reason, "engine": outcome.engine, "model": outcome.model, "model_version": outcome.model_version},
            )
        )

    for e in hyg_edits:
        if not any(a <= e.start and e.end <= b for a, b in covered):
            planned.append(_Planned(e, {"kind": "hygiene", "status": "repaired", "reason": e.reason}))
    planned.sort(key=lambda p: (p.edit.start, p.edit.end))

    out = apply_edits(text, [p.edit for p in planned])
    changes = [
        Change(
            orig_start=a.edit.start,
            orig_end=a.edit.end,
            new_start=a.new_start,
            new_end=a.new_end,
            original=text[a.edit.start : a.edit.end],
            replacement=a.edit.replacement,
            **p.change,
        )
        for p, a in zip(planned, out.applied)
    ]
    return Result(
        original_text=text,
        cleaned_text=out.text,
        main_lang=detection.main_lang,
        target_lang=target_lang,
        findings=findings,
        changes=changes,
    )


def _translate(translator: Translator, text: str, source: str, target: str) -> Translation:
    if source == "und":
        return Translation("untranslated", None, translator.name, reason="language undetermined")
    if source.split("-")[0] == target.split("-")[0]:
        return Translation("untranslated", None, translator.name, reason=f"already in target language {target}")
    return translator.translate(text, source, target)


def _fit(context: str, start: int, end: int, translation: str) -> str:
    """Place ``translation`` where ``context[start:end]`` stood.

    A CJK fragment between Latin words has no spaces around it; its English translation
    needs them. A translation at the start of a sentence starts with a capital letter.
    """
    out = translation.strip()
    if not out:
        return out
    if start > 0 and _WORDISH.match(context[start - 1]) and _WORDISH.match(out[0]):
        out = " " + out
    if end < len(context) and _WORDISH.match(context[end]) and _WORDISH.match(out[-1]):
        out = out + " "
    if _SENTENCE_START.search(context[max(0, start - 40) : start]) and out[:1].islower():
        out = out[0].upper() + out[1:]
    return out
