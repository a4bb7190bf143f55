"""Core value types shared by the normalization steps.

All offsets are code point offsets (Python ``str`` indices), half-open ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FindingKind = Literal["foreign", "homoglyph"]
ChangeKind = Literal["hygiene", "homoglyph", "foreign"]
ChangeStatus = Literal["repaired", "translated", "untranslated", "rejected"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A span of the input that is not main-language text.

    ``start``/``end`` are code point offsets into the text given to detection.
    ``kind`` is ``"foreign"`` (a fragment in another language) or ``"homoglyph"``
    (a word whose look-alike letters belong to another script, per UTS #39).
    ``lang`` is a BCP-47 tag (``ru``, ``zh-Hant``...); for a homoglyph, the language the
    word is repaired into. ``script`` is the UAX #24 script name of the fragment's
    letters (``Cyrillic``, ``Han``...). ``confidence`` is in ``[0, 1]``. ``evidence``
    names the rule that decided the language. ``replacement`` is set for homoglyphs.
    """

    start: int
    end: int
    text: str
    kind: FindingKind
    lang: str
    script: str
    confidence: float
    evidence: str
    replacement: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "lang": self.lang,
            "confidence": round(self.confidence, 3),
            "script": self.script,
            "evidence": self.evidence,
        }
        if self.replacement is not None:
            out["replacement"] = self.replacement
        return out


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``[start, end)`` of some text with ``replacement`` (code point offsets)."""

    start: int
    end: int
    replacement: str
    reason: str


@dataclass(frozen=True, slots=True)
class Translation:
    """What a translator said about one fragment.

    ``status`` is ``"translated"`` (``text`` holds the translation), ``"untranslated"``
    (no model for the pair, the engine failed, or translation is off; ``reason`` says
    so) or ``"rejected"`` (the engine answered but the answer failed a guard; ``reason``
    says which).

    ``engine`` is the engine's name, ``"glossary"``, or ``"glossary+<engine>"`` when a
    fragment's pieces came from both. ``model``/``model_version`` join the models of a
    pivot route with ``+`` (``translate-ru_en+translate-en_de``). ``route`` lists the
    languages passed through (``("ru", "en", "de")``) when a model was used; ``cache``
    is ``"hit"`` when every model output came from the translation cache, ``"miss"``
    otherwise, ``None`` when no model output was used.
    """

    status: Literal["translated", "untranslated", "rejected"]
    text: str | None
    engine: str
    model: str | None = None
    model_version: str | None = None
    reason: str | None = None
    route: tuple[str, ...] | None = None
    cache: Literal["hit", "miss"] | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One change from the original text to the cleaned text.

    ``orig_start``/``orig_end`` index the original (decoded) text, ``new_start``/
    ``new_end`` the cleaned text; both in code points. ``original`` and ``replacement``
    are the exact strings at those spans, so
    ``original_text[orig_start:orig_end] == original`` and
    ``cleaned_text[new_start:new_end] == replacement`` always hold.
    For an ``untranslated`` or ``rejected`` fragment the text is kept, so ``replacement``
    equals the hygiene-cleaned fragment.
    """

    kind: ChangeKind
    orig_start: int
    orig_end: int
    new_start: int
    new_end: int
    original: str
    replacement: str
    status: ChangeStatus
    lang: str | None = None
    script: str | None = None
    confidence: float | None = None
    evidence: str | None = None
    reason: str | None = None
    engine: str | None = None
    model: str | None = None
    model_version: str | None = None
    route: tuple[str, ...] | None = None
    cache: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "original_span": [self.orig_start, self.orig_end],
            "new_span": [self.new_start, self.new_end],
            "original": self.original,
            "replacement": self.replacement,
            "status": self.status,
        }
        for key in ("lang", "script", "evidence", "reason", "engine", "model", "model_version", "cache"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.route is not None:
            out["route"] = list(self.route)
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 3)
        return out


@dataclass(slots=True)
class Result:
    """Everything normalization produced for one document.

    ``original_text`` is the decoded input, ``cleaned_text`` the output; ``findings``
    index ``original_text``; ``changes`` map original spans to cleaned spans and are
    sorted by ``orig_start`` and non-overlapping.
    """

    original_text: str
    cleaned_text: str
    main_lang: str
    target_lang: str
    findings: list[Finding]
    changes: list[Change] = field(default_factory=list)
    mode: str = "replace"

    def summary(self) -> dict[str, Any]:
        """Counts for humans and run reports: fragments per language, repairs, statuses."""
        per_lang: dict[str, int] = {}
        for f in self.findings:
            if f.kind == "foreign":
                per_lang[f.lang] = per_lang.get(f.lang, 0) + 1
        statuses: dict[str, int] = {}
        for c in self.changes:
            if c.kind == "foreign":
                statuses[c.status] = statuses.get(c.status, 0) + 1
        return {
            "main_lang": self.main_lang,
            "fragments": sum(per_lang.values()),
            "fragments_per_lang": dict(sorted(per_lang.items())),
            "homoglyphs_repaired": sum(1 for c in self.changes if c.kind == "homoglyph"),
            "hygiene_changes": sum(1 for c in self.changes if c.kind == "hygiene"),
            "translated": statuses.get("translated", 0),
            "untranslated": statuses.get("untranslated", 0),
            "rejected": statuses.get("rejected", 0),
            "from_cache": sum(1 for c in self.changes if c.cache == "hit"),
            "from_glossary": sum(1 for c in self.changes if c.engine is not None and c.engine.startswith("glossary")),
        }
