"""Deciding the language (BCP-47 tag) of a span of text, script rules first.

Statistical detectors are unreliable on short spans (langdetect calls ``не только``
Ukrainian and ``作者`` Korean), so a span's language is decided by the first rule that
applies:

1. scripts used by one language (Hangul -> ``ko``, Hiragana/Katakana -> ``ja``, Thai ->
   ``th``, Greek -> ``el``...);
2. Han-only text: Traditional vs Simplified characters (``zh-Hant``/``zh-Hans``) by
   hanzidentifier, whose character sets come from CC-CEDICT;
3. Cyrillic: the span's letters must all belong to a language's alphabet (letters unique
   to some alphabets, such as ``і ї є ґ`` or ``ў`` or ``ђ ћ џ``, rule the others out);
4. Arabic script: letters only Persian or Urdu use;
5. what is still ambiguous goes to langdetect (seeded, restricted to the candidates) when
   the span is long enough, then to the document's other fragments, then to a configurable
   prior.
Each decision carries its ``evidence`` and a ``confidence`` in ``[0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import hanzidentifier
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from .scripts import script_counts
from .stopwords import stopword_ratio

# Deterministic langdetect: it samples n-grams at random unless seeded.
DetectorFactory.seed = 0

# Scripts that in practice write one language (CLDR likely subtags for the script).
SINGLE_LANGUAGE_SCRIPTS: dict[str, str] = {
    "Hangul": "ko",
    "Hiragana": "ja",
    "Katakana": "ja",
    "Greek": "el",
    "Hebrew": "he",
    "Thai": "th",
    "Lao": "lo",
    "Bengali": "bn",
    "Gurmukhi": "pa",
    "Gujarati": "gu",
    "Oriya": "or",
    "Tamil": "ta",
    "Telugu": "te",
    "Kannada": "kn",
    "Malayalam": "ml",
    "Sinhala": "si",
    "Tibetan": "bo",
    "Myanmar": "my",
    "Khmer": "km",
    "Georgian": "ka",
    "Armenian": "hy",
    "Ethiopic": "am",
    "Thaana": "dv",
    "Syriac": "syr",
    "Mongolian": "mn",
    "Devanagari": "hi",
}

_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
# Current official alphabets (lowercase), from each language's orthography as summarised
# in Wikipedia's "Cyrillic alphabets" comparison; the apostrophe of uk/be is not a letter.
CYRILLIC_ALPHABETS: dict[str, frozenset[str]] = {
    "ru": frozenset(_RU),
    "uk": frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),
    "be": frozenset("абвгґдеёжзійклмнопрстуўфхцчшыьэюя"),
    "bg": frozenset("абвгдежзийклмнопрстуфхцчшщъьюяѝ"),
    "sr": frozenset("абвгдђежзијклљмнњопрстћуфхцчџш"),
    "mk": frozenset("абвгдѓежзѕијклљмнњопрстќуфхцчџш"),
    "kk": frozenset(_RU + "әғқңөұүһі"),
    "mn": frozenset(_RU + "өү"),
}

# Letters of the Perso-Arabic alphabets that Arabic does not use (Unicode Arabic block).
URDU_LETTERS = frozenset("ٹڈڑںےۓھ")
PERSIAN_LETTERS = frozenset("پچژگکی")

# Languages langdetect 1.0.9 has profiles for, among those the rules may leave ambiguous.
LANGDETECT_LANGS = frozenset(
    "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja kn ko lt lv mk "
    "ml mr ne nl no pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi zh-cn zh-tw".split()
)
_FROM_LANGDETECT = {"zh-cn": "zh-Hans", "zh-tw": "zh-Hant", "no": "nb"}


@dataclass(frozen=True)
class LanguagePriors:
    """What to assume when the letters do not decide. Configurable per deployment.

    ``cyrillic`` and ``han`` are preference orders; the first candidate that fits wins.
    ``min_statistical_letters`` is the span length (letters) from which langdetect is
    asked to choose among candidates.
    """

    cyrillic: tuple[str, ...] = ("ru", "uk", "bg", "sr", "be", "kk", "mk", "mn")
    han: tuple[str, ...] = ("zh-Hans", "zh-Hant")
    arabic: tuple[str, ...] = ("ar", "fa", "ur")
    latin: str = "en"
    min_statistical_letters: int = 20


@dataclass(frozen=True)
class Decision:
    lang: str
    confidence: float
    evidence: str
    candidates: tuple[str, ...] = field(default=())

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def langdetect_probs(text: str) -> list[tuple[str, float]]:
    """langdetect's (BCP-47 tag, probability) list, best first; ``[]`` when it cannot tell."""
    try:
        found = detect_langs(text)
    except LangDetectException:
        return []
    return [(_FROM_LANGDETECT.get(x.lang, x.lang), x.prob) for x in found]


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha())


def _stopword_choice(candidates: list[str], text: str) -> str | None:
    """The candidate whose stop words (spaCy's lists) clearly dominate ``text``, if any."""
    tokens = [t for t in text.lower().split() if any(c.isalpha() for c in t)]
    tokens = [t.strip(".,;:!?«»“”\"'()[]") for t in tokens]
    if len(tokens) < 2:
        return None
    ratios = sorted(((stopword_ratio(tokens, lang), lang) for lang in candidates), reverse=True)
    (best, lang), (second, _) = ratios[0], ratios[1]
    if best >= 0.2 and best >= 1.5 * second:
        return lang
    return None


def _stopword_decision(candidates: list[str], text: str, what: str) -> Decision | None:
    lang = _stopword_choice(candidates, text)
    if lang is None:
        return None
    return Decision(lang, 0.85, f"{what}: stop words (spaCy lists) among {'/'.join(candidates)}", tuple(candidates))


def _letter_evidence(candidates: list[str], letters: set[str]) -> list[str]:
    """Keep the candidates that use the largest share of their own non-Russian letters.

    ``ө`` alone is 1 of Mongolian's 2 extra letters but 1 of Kazakh's 9: Mongolian.
    """
    extra = {lang: CYRILLIC_ALPHABETS[lang] - CYRILLIC_ALPHABETS["ru"] for lang in candidates}
    if not any(letters & e for e in extra.values()):
        return candidates
    share = {lang: (len(letters & e) / len(e) if e else 0.0) for lang, e in extra.items()}
    best = max(share.values())
    return [lang for lang in candidates if share[lang] == best]


def _choose(candidates: list[str], prior: tuple[str, ...], text: str, priors: LanguagePriors, what: str) -> Decision:
    if len(candidates) == 1:
        return Decision(candidates[0], 0.95, f"{what}: only alphabet that fits", tuple(candidates))
    by_stopwords = _stopword_decision(candidates, text, what)
    if by_stopwords:
        return by_stopwords
    if len(_letters(text)) >= priors.min_statistical_letters:
        for lang, prob in langdetect_probs(text):
            if lang in candidates:
                return Decision(lang, min(0.9, prob), f"{what}: langdetect among {'/'.join(candidates)}", tuple(candidates))
    ordered = sorted(candidates, key=lambda c: prior.index(c) if c in prior else len(prior))
    return Decision(ordered[0], 0.6, f"{what}: prior among {'/'.join(ordered)}", tuple(ordered))


def cyrillic_language(text: str, priors: LanguagePriors) -> Decision:
    letters = {c for c in _letters(text) if "\u0400" <= c <= "\u04ff"}
    fitting = [lang for lang, abc in CYRILLIC_ALPHABETS.items() if letters <= abc]
    if not fitting:
        # Noise (a stray letter of another alphabet): take the alphabets missing fewest.
        misses = {lang: len(letters - abc) for lang, abc in CYRILLIC_ALPHABETS.items()}
        best = min(misses.values())
        fitting = [lang for lang, m in misses.items() if m == best]
    if len(fitting) > 1:
        # Stop words first, over every alphabet that fits; letter shares only prune when
        # they say nothing (so ``ј`` does not rule out Macedonian before its stop words).
        by_stopwords = _stopword_decision(fitting, text, "cyrillic letters")
        if by_stopwords:
            return by_stopwords
        fitting = _letter_evidence(fitting, letters)
    return _choose(fitting, priors.cyrillic, text, priors, "cyrillic letters")


def han_language(text: str, priors: LanguagePriors) -> Decision:
    kind = hanzidentifier.identify(text)
    if kind == hanzidentifier.TRADITIONAL:
        return Decision("zh-Hant", 0.95, "han: traditional-only characters (hanzidentifier)", ("zh-Hant",))
    if kind == hanzidentifier.SIMPLIFIED:
        return Decision("zh-Hans", 0.95, "han: simplified-only characters (hanzidentifier)", ("zh-Hans",))
    # BOTH (no character differs between the two scripts), MIXED or UNKNOWN.
    return Decision(priors.han[0], 0.6, "han: characters shared by both scripts, prior", priors.han)


def arabic_language(text: str, priors: LanguagePriors) -> Decision:
    letters = set(text)
    if letters & URDU_LETTERS:
        return Decision("ur", 0.9, "arabic script: Urdu-only letters", ("ur",))
    if letters & PERSIAN_LETTERS:
        return Decision("fa", 0.9, "arabic script: Persian letters", ("fa",))
    return _choose(list(priors.arabic), priors.arabic, text, priors, "arabic script")


LATIN_STOPWORD_LANGS = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "vi")


def latin_language(text: str, priors: LanguagePriors = LanguagePriors()) -> Decision:
    if len(_letters(text)) < priors.min_statistical_letters:
        # langdetect guesses wildly on a brand name or two words (``Kindle`` -> da/fi).
        lang = _stopword_choice(list(LATIN_STOPWORD_LANGS), text)
        if lang:
            return Decision(lang, 0.7, "latin: stop words (spaCy lists), too short for statistics", LATIN_STOPWORD_LANGS)
        return Decision(priors.latin, 0.5, "latin: too short for statistics, prior", (priors.latin,))
    probs = langdetect_probs(text)
    if not probs:
        return Decision("und", 0.0, "latin: langdetect found no language")
    lang, prob = probs[0]
    return Decision(lang, prob, "latin: langdetect", tuple(p[0] for p in probs))


def decide_language(text: str, priors: LanguagePriors = LanguagePriors()) -> Decision:
    """The language of ``text`` by its dominant script's rule (see module docstring).

    ``text`` is a fragment or a sample of a document. Never raises; ``und`` when no letter.
    """
    counts = script_counts(text)
    if not counts:
        return Decision("und", 0.0, "no letters")
    if "Hangul" in counts:
        return Decision("ko", 0.99, "script: Hangul", ("ko",))
    if "Hiragana" in counts or "Katakana" in counts:
        return Decision("ja", 0.99, "script: kana", ("ja",))
    script = max(counts, key=counts.__getitem__)
    if script == "Han":
        return han_language(text, priors)
    if script == "Cyrillic":
        return cyrillic_language(text, priors)
    if script == "Arabic":
        return arabic_language(text, priors)
    if script == "Latin":
        return latin_language(text, priors)
    if script in SINGLE_LANGUAGE_SCRIPTS:
        lang = SINGLE_LANGUAGE_SCRIPTS[script]
        return Decision(lang, 0.9, f"script: {script}", (lang,))
    return Decision("und", 0.3, f"script: {script}, no rule")
