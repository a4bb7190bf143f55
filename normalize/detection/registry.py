"""The languages the detector knows: one row per language.

Adding a language is one row here plus its data (a wordfreq list, or a word list built by
``bench/detect/build_lexicons.py``). ``tag`` is BCP-47; ``scripts`` are UAX #24 script
names; the other columns are the codes other tools know the language by (``None`` where a
tool lacks it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    tag: str
    name: str
    scripts: frozenset[str]
    wordfreq: str | None  # wordfreq's code for its "small" list
    langdetect: str | None
    argos: str | None
    lexicon: str | None = None  # a word list of ours (normalize/data/lexicon-<tag>.txt.gz)


def _row(tag: str, name: str, scripts: str, wordfreq: str | None, langdetect: str | None, argos: str | None, lexicon: str | None = None) -> Language:
    return Language(tag, name, frozenset(scripts.split()), wordfreq, langdetect, argos, lexicon)


LANGUAGES: tuple[Language, ...] = (
    _row("en", "English", "Latin", "en", "en", "en"),
    _row("de", "German", "Latin", "de", "de", "de"),
    _row("fr", "French", "Latin", "fr", "fr", "fr"),
    _row("es", "Spanish", "Latin", "es", "es", "es"),
    _row("it", "Italian", "Latin", "it", "it", "it"),
    _row("pt", "Portuguese", "Latin", "pt", "pt", "pt"),
    _row("nl", "Dutch", "Latin", "nl", "nl", "nl"),
    _row("pl", "Polish", "Latin", "pl", "pl", "pl"),
    _row("tr", "Turkish", "Latin", "tr", "tr", "tr"),
    _row("vi", "Vietnamese", "Latin", "vi", "vi", "vi"),
    _row("la", "Latin", "Latin", None, None, None, "la"),
    # Romanized Chinese: tagged, not translated (no model reads it).
    _row("zh-Latn", "Chinese in Pinyin", "Latin", None, None, None, "zh-Latn"),
)

BY_TAG: dict[str, Language] = {lang.tag: lang for lang in LANGUAGES}


def in_script(script: str) -> tuple[Language, ...]:
    """The languages written in ``script``, in registry order."""
    return tuple(lang for lang in LANGUAGES if script in lang.scripts)
