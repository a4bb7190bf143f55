"""The languages the detector knows: one row per language.

Adding a language is one row here plus its data (a wordfreq list, or a word list built by
``bench/detect/build_lexicons.py``). ``tag`` is BCP-47; ``scripts`` are UAX #24 script
names; the other columns are the codes other tools know the language by (``None`` where a
tool lacks it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Language:
    tag: str
    name: str
    scripts: frozenset[str]
    wordfreq: str | None  # wordfreq's code for its "small" list
    langdetect: str | None
    argos: str | None
    lexicon: str | None = None  # a word list of ours (normalize/data/lexicon-<tag>.txt.gz)
    alphabet: frozenset[str] = frozenset()  # Cyrillic: its official lowercase alphabet
    lingua: str | None = None  # lingua's name, where lingua decides among a script's languages
    sole_in: frozenset[str] = frozenset()  # scripts that in practice write only this language


def _row(
    tag: str,
    name: str,
    scripts: str,
    wordfreq: str | None,
    langdetect: str | None,
    argos: str | None,
    lexicon: str | None = None,
) -> Language:
    return Language(tag, name, frozenset(scripts.split()), wordfreq, langdetect, argos, lexicon)


def _cyrillic(tag: str, name: str, alphabet: str, wordfreq: str | None, argos: str | None) -> Language:
    return Language(
        tag, name, frozenset({"Cyrillic"}), wordfreq, None, argos, alphabet=frozenset(alphabet), lingua=name.upper()
    )


def _sole(tag: str, name: str, scripts: str, wordfreq: str | None = None, argos: str | None = None) -> Language:
    """A language its scripts write alone in practice (CLDR likely subtags)."""
    return Language(tag, name, frozenset(scripts.split()), wordfreq, None, argos, sole_in=frozenset(scripts.split()))


_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


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
    # Cyrillic: current official alphabets, from each language's orthography as summarised
    # in Wikipedia's "Cyrillic alphabets" comparison (the apostrophe of uk/be is no letter).
    # wordfreq keeps Serbian with Croatian and Bosnian as Serbo-Croatian ``sh`` and has no
    # list for be, kk or mn.
    _cyrillic("ru", "Russian", _RU, "ru", "ru"),
    _cyrillic("uk", "Ukrainian", "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя", "uk", "uk"),
    _cyrillic("be", "Belarusian", "абвгґдеёжзійклмнопрстуўфхцчшыьэюя", None, None),
    _cyrillic("bg", "Bulgarian", "абвгдежзийклмнопрстуфхцчшщъьюяѝ", "bg", "bg"),
    _cyrillic("sr", "Serbian", "абвгдђежзијклљмнњопрстћуфхцчџш", "sh", "sr"),
    _cyrillic("mk", "Macedonian", "абвгдѓежзѕијклљмнњопрстќуфхцчџш", "mk", None),
    _cyrillic("kk", "Kazakh", _RU + "әғқңөұүһі", None, None),
    replace(
        _cyrillic("mn", "Mongolian", _RU + "өү", None, None),
        scripts=frozenset({"Cyrillic", "Mongolian"}),
        sole_in=frozenset({"Mongolian"}),
    ),
    # Arabic script: told apart by letters and frequencies (normalize/languages.py).
    _row("ar", "Arabic", "Arabic", "ar", "ar", "ar"),
    _row("fa", "Persian", "Arabic", "fa", "fa", "fa"),
    _row("ur", "Urdu", "Arabic", None, "ur", "ur"),
    # Han: Simplified or Traditional by hanzidentifier.
    _row("zh-Hans", "Chinese (Simplified)", "Han", "zh", None, "zh"),
    _row("zh-Hant", "Chinese (Traditional)", "Han", "zh", None, "zt"),
    _sole("ja", "Japanese", "Hiragana Katakana", "ja", "ja"),
    _sole("ko", "Korean", "Hangul", "ko", "ko"),
    _sole("el", "Greek", "Greek", "el", "el"),
    _sole("he", "Hebrew", "Hebrew", "he", "he"),
    _sole("th", "Thai", "Thai", None, "th"),
    _sole("hi", "Hindi", "Devanagari", "hi", "hi"),
    _sole("lo", "Lao", "Lao"),
    _sole("bn", "Bengali", "Bengali", "bn", "bn"),
    _sole("pa", "Punjabi", "Gurmukhi"),
    _sole("gu", "Gujarati", "Gujarati"),
    _sole("or", "Odia", "Oriya"),
    _sole("ta", "Tamil", "Tamil", "ta", "ta"),
    _sole("te", "Telugu", "Telugu"),
    _sole("kn", "Kannada", "Kannada"),
    _sole("ml", "Malayalam", "Malayalam"),
    _sole("si", "Sinhala", "Sinhala"),
    _sole("bo", "Tibetan", "Tibetan"),
    _sole("my", "Burmese", "Myanmar"),
    _sole("km", "Khmer", "Khmer"),
    _sole("ka", "Georgian", "Georgian"),
    _sole("hy", "Armenian", "Armenian"),
    _sole("am", "Amharic", "Ethiopic"),
    _sole("dv", "Dhivehi", "Thaana"),
    _sole("syr", "Syriac", "Syriac"),
)

BY_TAG: dict[str, Language] = {lang.tag: lang for lang in LANGUAGES}


# The languages each script writes alone (``Hangul`` -> ``ko``).
SOLE_LANGUAGE: dict[str, str] = {script: lang.tag for lang in LANGUAGES for script in lang.sole_in}


def in_script(script: str) -> tuple[Language, ...]:
    """The languages written in ``script``, in registry order."""
    return tuple(lang for lang in LANGUAGES if script in lang.scripts)
