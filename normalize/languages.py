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
4. Arabic script: letters only Persian or Urdu use, then, for short spans, how frequent
   the words are in each language (wordfreq's word lists);
5. Cyrillic letters that fit several alphabets go to lingua, restricted to those, and for
   short spans also to the words' frequencies in each language (wordfreq);
6. what is still ambiguous goes to langdetect (seeded, restricted to the candidates) when
   the span is long enough, then to the document's other fragments, then to a configurable
   prior.
Each decision carries its ``evidence`` and a ``confidence`` in ``[0, 1]``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import hanzidentifier
import regex
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

if TYPE_CHECKING:
    from lingua import LanguageDetector

from .detection.registry import LANGUAGES, SOLE_LANGUAGE, in_script
from .scripts import WORD_RE, script_counts
from .stopwords import stopword_counts

# Deterministic langdetect: it samples n-grams at random unless seeded.
DetectorFactory.seed = 0

# Scripts that in practice write one language, and the Cyrillic alphabets: rows of the
# language registry (normalize/detection/registry.py).
SINGLE_LANGUAGE_SCRIPTS: dict[str, str] = SOLE_LANGUAGE
CYRILLIC_ALPHABETS: dict[str, frozenset[str]] = {lang.tag: lang.alphabet for lang in in_script("Cyrillic")}

# Letters of the Perso-Arabic alphabets that Arabic does not use (Unicode Arabic block).
URDU_LETTERS = frozenset("ٹڈڑںےۓھ")
PERSIAN_LETTERS = frozenset("پچژگکی")
# Arabic's own yeh and kaf (U+064A, U+0643): Persian and Urdu write ی and ک instead
# (Unicode Arabic block chart notes; Persian orthography of the Academy of Persian
# Language and Literature). On the corpus's words 342 of 800 Arabic ones hold one,
# 9 of 800 Persian ones.
ARABIC_ONLY_LETTERS = frozenset("يك")

# The langdetect 1.0.9 profiles transnorm asks about: Latin-script languages and the
# Arabic-script ones. Every other script is decided by rules or lingua, and loading only
# these profiles takes about 30 MB instead of 80 MB (the CJK profiles are the largest).
LANGDETECT_LANGS = frozenset(
    "af ca cs cy da de en es et fi fr hr hu id it lt lv nl no pl pt ro sk sl so sq sv sw tl tr vi ar fa ur".split()
)
LANGDETECT_TRIALS = 3
_FROM_LANGDETECT = {"zh-cn": "zh-Hans", "zh-tw": "zh-Hant", "no": "nb"}


@dataclass(frozen=True)
class LanguagePriors:
    """What to assume when the letters do not decide. Configurable per deployment.

    ``cyrillic`` and ``han`` are preference orders; the first candidate that fits wins.
    ``min_statistical_letters`` is the span length (letters) from which langdetect is
    asked to choose among candidates; ``min_lingua_letters`` the same for lingua (Cyrillic
    alphabets): set it high to let the prior, not statistics, decide short spans.
    ``max_context_letters``: a fragment with fewer letters whose own decision is a guess
    takes the language of the document's confidently decided fragments; a longer one
    keeps its own (lingua is right for 0.81 of the corpus's single Cyrillic words but
    0.95 of its pairs and 0.99 of its sentences, more than another fragment tells).
    ``max_frequency_words``: Cyrillic spans of at most this many words are also weighed by
    the words' frequencies (wordfreq), see :func:`cyrillic_language`; 0 turns it off.
    """

    cyrillic: tuple[str, ...] = ("ru", "uk", "bg", "sr", "be", "kk", "mk", "mn")
    han: tuple[str, ...] = ("zh-Hans", "zh-Hant")
    arabic: tuple[str, ...] = ("ar", "fa", "ur")
    latin: str = "en"
    min_statistical_letters: int = 20
    min_lingua_letters: int = 1
    max_context_letters: int = 12
    max_frequency_words: int = 3


@dataclass(frozen=True)
class Decision:
    lang: str
    confidence: float
    evidence: str
    candidates: tuple[str, ...] = field(default=())

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def weak(self) -> bool:
        """Several candidates fit and the choice among them is a guess (prior or a
        statistical confidence below 0.7): the document's other fragments may overrule it."""
        return self.ambiguous and self.confidence < 0.7


# lingua names of the languages it is asked about (lingua.Language members).
LINGUA_NAMES: dict[str, str] = {lang.tag: lang.lingua for lang in LANGUAGES if lang.lingua}


_LINGUA_CODES = {name: code for code, name in LINGUA_NAMES.items()}

# wordfreq's "small" lists (words with a frequency of at least 10^-6 in at least three of
# its sources) for the Cyrillic and Arabic-script languages that have one (the registry's
# codes: Serbian is Serbo-Croatian ``sh`` there, looked up transliterated).
WORDFREQ_CODES: dict[str, str] = {
    lang.tag: lang.wordfreq for lang in LANGUAGES if lang.wordfreq and lang.scripts & {"Cyrillic", "Arabic"}
}
# A language wordfreq has no list for counts each word as a rare one (Zipf 1: once per
# 100 million words), between a listed word (Zipf 3 or more) and an unlisted one (0).
UNLISTED_ZIPF = 1.0


@lru_cache(maxsize=64)
def _lingua_detector(langs: tuple[str, ...]) -> LanguageDetector:
    # A detector over the candidate languages only: lingua scores every language it was
    # built with, and a sentence fits 2.5 alphabets on average, so this halves the time
    # on sentences. lingua keeps each language's models once per process (about 25 MB,
    # loaded on first use), however many detectors share them.
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, LINGUA_NAMES[c]) for c in langs)).build()


def preload_lingua() -> None:
    """Load lingua's models for every language it is asked about, now and on all cores
    (lingua loads them in parallel when preloading; lazily it loads them one by one, about
    twice as slow). The models are kept per process, so every later detector uses them."""
    from lingua import Language, LanguageDetectorBuilder

    LanguageDetectorBuilder.from_languages(
        *(getattr(Language, name) for name in LINGUA_NAMES.values())
    ).with_preloaded_language_models().build()


def lingua_confidences(candidates: list[str], text: str) -> dict[str, float] | None:
    """lingua's confidence in each of ``candidates`` (keys of :data:`LINGUA_NAMES`),
    normalised over them; ``None`` when lingua gives them all zero."""
    detector = _lingua_detector(tuple(sorted(candidates)))
    among = {_LINGUA_CODES[v.language.name]: v.value for v in detector.compute_language_confidence_values(text)}
    total = sum(among.values())
    if total <= 0:
        return None
    return {lang: among.get(lang, 0.0) / total for lang in candidates}


@lru_cache(maxsize=8192)
def word_zipf(word: str, lang: str) -> float:
    """``word``'s frequency in ``lang`` on the Zipf scale (log10 of occurrences per
    billion words) in wordfreq's small list, 0 when it is not listed;
    :data:`UNLISTED_ZIPF` for a language wordfreq has no list for. As
    ``wordfreq.zipf_frequency(word, code, "small")``: wordfreq's tokenizer normalises the
    word (case, Unicode form, Arabic marks, Serbian Cyrillic to Latin) and the
    frequencies of several tokens combine as 1/f = 1/f1 + 1/f2 + ..."""
    code = WORDFREQ_CODES.get(lang)
    if code is None:
        return UNLISTED_ZIPF
    import wordfreq
    from wordfreq.tokens import tokenize

    from normalize.detection.lexicon import counted

    listed = counted(code, "small")  # the detector's own copy of the list
    tokens = tokenize(word, code)
    if not tokens:
        return 0.0
    inverse = 0.0
    for token in tokens:
        zipf = listed.zipf(token)
        if zipf <= 0:
            return 0.0
        inverse += 1 / wordfreq.zipf_to_freq(zipf)
    return round(wordfreq.freq_to_zipf(1 / inverse), 2)


@lru_cache(maxsize=1)
def langdetect_factory() -> DetectorFactory:
    """A langdetect factory with the profiles of :data:`LANGDETECT_LANGS` only (seeded)."""
    factory = DetectorFactory()
    profiles = []
    for code in sorted(LANGDETECT_LANGS):
        with open(os.path.join(PROFILES_DIRECTORY, code), encoding="utf-8") as f:
            profiles.append(f.read())
    factory.load_json_profile(profiles)
    return factory


@lru_cache(maxsize=16384)
def profile_logprob(word: str, lang: str) -> float:
    """Mean log probability of ``word``'s character 1-3-grams in langdetect's profile of
    ``lang`` (0 when it has none): a deterministic per-word score, for words too short
    for langdetect's sampling."""
    factory = langdetect_factory()
    if lang not in factory.langlist:
        return 0.0
    i = factory.langlist.index(lang)
    table = factory.word_lang_prob_map
    padded = f" {word.lower()} "
    total = 0.0
    n = 0
    for size in (1, 2, 3):
        for k in range(len(padded) - size + 1):
            probs = table.get(padded[k : k + size])
            if probs is not None:
                total += math.log(probs[i] + 1e-7)
                n += 1
    return total / n if n else 0.0


def langdetect_probs(text: str) -> list[tuple[str, float]]:
    """langdetect's (BCP-47 tag, probability) list, best first; ``[]`` when it cannot tell."""
    try:
        detector = langdetect_factory().create()
        # 3 sampling trials instead of 7: the same answers on the bench's sentences at
        # less than half the cost (figures in bench/detect).
        detector.n_trial = LANGDETECT_TRIALS
        detector.append(text)
        found = detector.get_probabilities()
    except LangDetectException:
        return []
    return [(_FROM_LANGDETECT.get(x.lang, x.lang), x.prob) for x in found]


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha())


def _stopword_choice(candidates: list[str], text: str) -> str | None:
    """The candidate whose stop words (spaCy's lists) clearly dominate ``text``, if any."""
    tokens = WORD_RE.findall(text)
    if len(tokens) < 2:
        return None
    counts = stopword_counts(tokens, tuple(candidates))
    ratios = sorted(((n / len(tokens), lang) for lang, n in counts.items()), reverse=True)
    (best, lang), (second, _) = ratios[0], ratios[1]
    if best >= 0.2 and best >= 1.5 * second:
        return lang
    return None


def _stopword_decision(candidates: list[str], text: str, what: str) -> Decision | None:
    lang = _stopword_choice(candidates, text)
    if lang is None:
        return None
    return Decision(lang, 0.85, f"{what}: stop words (spaCy lists) among {'/'.join(candidates)}", tuple(candidates))


def _choose(candidates: list[str], prior: tuple[str, ...], text: str, priors: LanguagePriors, what: str) -> Decision:
    if len(candidates) == 1:
        return Decision(candidates[0], 0.95, f"{what}: only alphabet that fits", tuple(candidates))
    by_stopwords = _stopword_decision(candidates, text, what)
    if by_stopwords:
        return by_stopwords
    if len(_letters(text)) >= priors.min_statistical_letters:
        for lang, prob in langdetect_probs(text):
            if lang in candidates:
                return Decision(
                    lang, min(0.9, prob), f"{what}: langdetect among {'/'.join(candidates)}", tuple(candidates)
                )
    ordered = sorted(candidates, key=lambda c: prior.index(c) if c in prior else len(prior))
    return Decision(ordered[0], 0.6, f"{what}: prior among {'/'.join(ordered)}", tuple(ordered))


def cyrillic_language(text: str, priors: LanguagePriors) -> Decision:
    """A Cyrillic span's language: the alphabets its letters fit, then lingua among them,
    with the words' frequencies for short spans.

    Letters such as ``і ї є ґ`` (uk), ``ў`` (be), ``ђ ћ џ`` (sr), ``ѓ ќ ѕ`` (mk),
    ``ә ғ қ`` (kk) or ``ө ү`` (mn, kk) rule alphabets out. When several still fit, lingua's
    character n-gram models (high-accuracy mode, restricted to the fitting languages)
    choose; on the corpus this is right for 0.81 of single words, 0.95 of word pairs and
    0.99 of sentences (langdetect has no model for be, sr, kk or mn; lingua's low-accuracy
    mode: 0.72 and 0.89). A span of at most ``priors.max_frequency_words`` words scores
    each language by the log of lingua's confidence (plus 0.01) plus each word's Zipf
    frequency in wordfreq's small list of that language (0 when unlisted,
    :data:`UNLISTED_ZIPF` for be, kk and mn, which wordfreq has no list for), and the
    confidence is the softmax of the scores: right for 0.84 of the corpus's single words
    and 0.96 of its pairs (its development lines; a word common in one language and
    unknown in another is what lingua's n-grams cannot see: ``предполага`` bg, not ru).
    Spans shorter than ``priors.min_lingua_letters`` letters, or that lingua cannot
    score, take the prior.
    """
    letters = {c for c in _letters(text) if "\u0400" <= c <= "\u04ff"}
    fitting = [lang for lang, abc in CYRILLIC_ALPHABETS.items() if letters <= abc]
    if not fitting:
        # Noise (a stray letter of another alphabet): take the alphabets missing fewest.
        misses = {lang: len(letters - abc) for lang, abc in CYRILLIC_ALPHABETS.items()}
        best = min(misses.values())
        fitting = [lang for lang, m in misses.items() if m == best]
    if len(fitting) > 1 and len(letters) and len(_letters(text)) >= priors.min_lingua_letters:
        among = lingua_confidences(fitting, text)
        if among is not None:
            words = WORD_RE.findall(text.lower())
            how = "lingua"
            if len(words) <= priors.max_frequency_words:
                # Word frequency: ln(lingua's confidence) plus each word's Zipf frequency
                # (a decade of frequency weighs as much as a factor e of confidence).
                scores = {
                    lang: math.log(p + 0.01) + sum(word_zipf(w, lang) for w in words) for lang, p in among.items()
                }
                top = max(scores.values())
                among = {lang: math.exp(v - top) for lang, v in scores.items()}
                total = sum(among.values())
                among = {lang: v / total for lang, v in among.items()}
                how = "lingua and word frequency (wordfreq)"
            lang = max(among, key=among.__getitem__)
            return Decision(
                lang, round(among[lang], 3), f"cyrillic letters: {how} among {'/'.join(fitting)}", tuple(fitting)
            )
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
    if letters & ARABIC_ONLY_LETTERS:
        return Decision("ar", 0.85, "arabic script: Arabic yeh or kaf, no Persian letter", ("ar",))
    candidates = list(priors.arabic)
    if len(_letters(text)) < priors.min_statistical_letters:
        # Too short for langdetect's sampling; its profiles still score each word: on the
        # corpus's single words without Persian letters this is right for 0.84 of
        # Persian and 0.94 of Arabic ones (the prior alone: 0 and 1). Urdu writes ے ں ھ
        # in almost every phrase: a short span with none of its letters is not Urdu.
        candidates = [c for c in candidates if c != "ur"] or candidates
        words = WORD_RE.findall(text)
        # Then the language in whose wordfreq list the words are more frequent (summed
        # Zipf values): right for 0.95 of the single words and 0.98 of the pairs it
        # decides; the profiles only when the lists tie (mostly: no word in either).
        freq = {lang: sum(word_zipf(w, lang) for w in words) for lang in candidates}
        ranked = sorted(freq.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] > ranked[1]:
            best = max(freq, key=freq.__getitem__)
            return Decision(best, 0.85, "arabic script: word frequency (wordfreq)", tuple(candidates))
        fits = {lang: sum(profile_logprob(w, lang) for w in words) for lang in candidates}
        best = max(fits, key=fits.__getitem__)
        if fits[best] < 0:
            return Decision(best, 0.65, "arabic script: langdetect profile n-grams per word", tuple(candidates))
    return _choose(candidates, priors.arabic, text, priors, "arabic script")


LATIN_STOPWORD_LANGS = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "vi")


def latin_language(text: str, priors: LanguagePriors = LanguagePriors()) -> Decision:
    if len(_letters(text)) < priors.min_statistical_letters:
        # langdetect guesses wildly on a brand name or two words (``Kindle`` -> da/fi).
        lang = _stopword_choice(list(LATIN_STOPWORD_LANGS), text)
        if lang:
            return Decision(
                lang, 0.7, "latin: stop words (spaCy lists), too short for statistics", LATIN_STOPWORD_LANGS
            )
        return Decision(priors.latin, 0.5, "latin: too short for statistics, prior", (priors.latin,))
    probs = langdetect_probs(text)
    if not probs:
        return Decision("und", 0.0, "latin: langdetect found no language")
    lang, prob = probs[0]
    return Decision(lang, prob, "latin: langdetect", tuple(p[0] for p in probs))


# A colon before a space ends a voting unit too: ``The sign read: Der Eintritt ist für
# Kinder kostenlos.`` is an English lead-in and a German sentence.
_SENTENCE = regex.compile(r"(?:[^\n.!?…:]|:(?!\s))+")
# A quoted foreign sentence without a full stop runs on into the next main-language one
# and may hold 200 letters; capped, it weighs no more than two ordinary sentences.
SENTENCE_VOTE_CAP = 120


def main_latin_language(sample: str, priors: LanguagePriors = LanguagePriors()) -> Decision:
    """The main language of a Latin-script document from its first characters.

    Each sentence of ``sample`` votes, with its letters up to :data:`SENTENCE_VOTE_CAP`,
    for the language whose stop words (spaCy's lists) clearly dominate it (a fifth of its
    words but for capitalised ones after the first), so a long
    foreign sentence of many short words cannot outvote the document's other sentences;
    another language than ``priors.latin`` needs 1.5 times its votes and two sentences
    (a short English text quoting one German sentence is English). langdetect, on at most
    the sample's first 2,000 characters, when no sentence is clear.
    """
    langs = tuple(LATIN_STOPWORD_LANGS)
    votes = dict.fromkeys(langs, 0)
    sentences = dict.fromkeys(langs, 0)
    for m in _SENTENCE.finditer(sample):
        tokens = WORD_RE.findall(m.group())
        if len(tokens) < 3:
            continue
        counts = stopword_counts(tokens, langs)
        ranked = sorted(counts.values(), reverse=True)
        best = max(counts, key=counts.__getitem__)
        # Capitalised words after the first are mostly names, of no language: a list of
        # people after a few English words (``... who won the Case Competition: Jennifer
        # Yessis, Liz Cyarto, Adam Spencer and Candace Nykiforuk``) is still English.
        if ranked[0] < 1.5 * ranked[1] or ranked[0] == 0:
            continue
        counted = len(tokens)
        if ranked[0] < 0.2 * counted:  # names counted only when they matter
            counted -= sum(1 for t in tokens[1:] if t[0].isupper())
        if ranked[0] >= 0.2 * counted:
            votes[best] += min(SENTENCE_VOTE_CAP, sum(map(len, tokens)))
            sentences[best] += 1
    lang = max(votes, key=votes.__getitem__)
    prior = priors.latin
    if lang != prior and (votes.get(prior, 0) * 1.5 > votes[lang] or sentences[lang] < 2):
        # Close to a tie, or one sentence (a foreign quotation in a short document): the
        # prior holds.
        return Decision(
            prior, 0.7, "latin: stop words (spaCy lists) by sentence, near tie, prior", LATIN_STOPWORD_LANGS
        )
    if votes[lang] > 0:
        return Decision(lang, 0.9, "latin: stop words (spaCy lists) by sentence", LATIN_STOPWORD_LANGS)
    return latin_language(sample[:2000], priors)


def decide_language(text: str, priors: LanguagePriors = LanguagePriors()) -> Decision:
    """The language of ``text`` by its dominant script's rule (see module docstring).

    ``text`` is a fragment or a sample of a document. Never raises; ``und`` when no letter.
    """
    if len(text) <= _SHORT:
        return _decide_short(text, priors)
    return _decide(text, priors)


# Short fragments repeat, as words do (a byline, a heading, a word a page discusses):
# each is decided once. Decisions are immutable, so one object serves every caller.
_SHORT = 64


@lru_cache(maxsize=8192)
def _decide_short(text: str, priors: LanguagePriors) -> Decision:
    return _decide(text, priors)


def _decide(text: str, priors: LanguagePriors) -> Decision:
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
