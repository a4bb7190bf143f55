"""One test per rule, on real strings (the corpus where it has them)."""

from __future__ import annotations

import pytest

from normalize.detect import detect
from normalize.homoglyphs import lookalike
from normalize.hygiene import hygiene_edits
from normalize.languages import UNLISTED_ZIPF, LanguagePriors, decide_language, lingua_confidences, word_zipf
from normalize.offsets import apply_edits
from normalize.scripts import words
from normalize.types import Edit

from .conftest import CORPUS


def corpus_lines(lang: str, n: int = 50) -> list[str]:
    lines = (CORPUS / "sentences" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[:n] if line.strip()]


@pytest.mark.parametrize(
    "text, lang",
    [
        ("не только", "ru"),  # langdetect: uk
        ("作者", "zh-Hans"),  # shared by both scripts -> prior; langdetect: ko
        ("已發表", "zh-Hant"),
        ("发表", "zh-Hans"),
        ("ひらがなと漢字", "ja"),
        ("한국어", "ko"),
        ("тільки", "uk"),
        ("бiблiятэка ў", "be"),
        ("ђак", "sr"),
        ("ѓубре", "mk"),
        ("қазақ", "kk"),
        ("өдөр", "mn"),
        ("Съвсем скоро ще започне новият сезон на първенството", "bg"),
        ("کتاب پدر", "fa"),
        ("καλημέρα", "el"),
        ("שלום", "he"),
        ("नमस्ते", "hi"),
        ("สวัสดี", "th"),
    ],
)
def test_script_rules(text, lang):
    assert decide_language(text).lang == lang


def test_prior_is_configurable():
    # No distinctive letter; with statistics switched off for short spans only the prior
    # decides among the alphabets that fit.
    no_stats = {"min_lingua_letters": 99, "min_statistical_letters": 99}
    assert decide_language("сигнал", LanguagePriors(cyrillic=("bg", "ru"), **no_stats)).lang == "bg"
    assert decide_language("сигнал", LanguagePriors(cyrillic=("ru", "bg"), **no_stats)).lang == "ru"
    assert "prior" in decide_language("сигнал", LanguagePriors(**no_stats)).evidence


def test_lingua_decides_among_fitting_alphabets_only():
    # ``дякую`` fits the ru/uk/be/bg/kk/mn alphabets; lingua (restricted to them) says
    # Ukrainian; Serbian and Macedonian have no ``ю``.
    d = decide_language("дякую")
    assert d.lang == "uk" and "lingua" in d.evidence and "sr" not in d.candidates
    # ``ў`` exists only in Belarusian: no statistics needed.
    assert decide_language("ўсё").evidence == "cyrillic letters: only alphabet that fits"


@pytest.mark.parametrize(
    "word, lang, lingua_alone",
    [
        # Corpus words (words/single) that lingua alone gets wrong and wordfreq's lists
        # settle: common in their language, unlisted or rarer in lingua's choice.
        ("предполага", "bg", "ru"),
        ("вратил", "mk", "ru"),
        ("зграде", "sr", "mk"),
        ("хвалить", "ru", "uk"),
        ("старий", "uk", "ru"),
    ],
)
def test_word_frequency_settles_short_cyrillic_spans(word, lang, lingua_alone):
    d = decide_language(word)
    among = lingua_confidences(list(d.candidates), word)
    assert max(among, key=among.__getitem__) == lingua_alone
    assert d.lang == lang and "word frequency (wordfreq)" in d.evidence and not d.weak
    # Switched off, lingua decides alone.
    off = decide_language(word, LanguagePriors(max_frequency_words=0))
    assert off.lang == lingua_alone and "frequency" not in off.evidence


def test_word_frequencies_are_wordfreqs_small_lists():
    import wordfreq

    for word, lang in [("вода", "ru"), ("предполага", "bg"), ("пізнавальні", "uk"), ("اعلام", "fa")]:
        assert word_zipf(word, lang) == wordfreq.zipf_frequency(word, lang, wordlist="small")
    # Serbian is wordfreq's Serbo-Croatian, in Latin letters: Cyrillic is transliterated.
    assert word_zipf("зграде", "sr") == wordfreq.zipf_frequency("zgrade", "sh", wordlist="small") > 3
    assert word_zipf("предполага", "ru") == 0.0
    # No list for Belarusian, Kazakh or Mongolian: neither for nor against.
    assert word_zipf("тэмцэл", "mn") == word_zipf("выставачнай", "be") == UNLISTED_ZIPF
    # Sentences are lingua's alone (0.99 right there).
    sentence = "Съвсем скоро ще започне новият сезон на първенството"
    assert "frequency" not in decide_language(sentence).evidence


@pytest.mark.parametrize(
    "word, lang",
    # Corpus words without a letter only Arabic or Persian uses, which langdetect's
    # profile n-grams place in the other language.
    [("اعلام", "fa"), ("حافظه", "fa"), ("مرحله", "fa"), ("محتواها", "ar"), ("خارجها", "ar")],
)
def test_word_frequency_settles_short_arabic_script_spans(word, lang):
    d = decide_language(word)
    assert (d.lang, d.evidence) == (lang, "arabic script: word frequency (wordfreq)")


@pytest.mark.parametrize(
    "lang, floor",
    [("ru", 0.95), ("uk", 0.95), ("bg", 0.95), ("be", 0.95), ("sr", 0.95), ("kk", 0.95), ("mk", 0.95), ("mn", 0.95)],
)
@pytest.mark.corpus
def test_cyrillic_corpus_sentences_mostly_right(lang, floor):
    # Measured on 300 sentences (alphabets, then lingua among them): ru .97 uk .98 bg .99
    # be 1.0 sr 1.0 kk 1.0 mk .99 mn .99.
    lines = corpus_lines(lang, 300)
    right = sum(decide_language(line).lang == lang for line in lines)
    assert right / len(lines) >= floor, (lang, right, len(lines))


@pytest.mark.corpus
def test_traditional_vs_simplified_on_parallel_corpus():
    rows = (CORPUS / "parallel" / "zh-Hant_zh-Hans.tsv").read_text(encoding="utf-8").splitlines()[1:201]
    hant = hans = 0
    for row in rows:
        _, trad, simp = row.split("\t")
        hant += decide_language(trad).lang == "zh-Hant"
        hans += decide_language(simp).lang == "zh-Hans"
    assert hant >= 196 and hans >= 196, (hant, hans)


def test_confusable_pairs_from_uts39_data():
    assert lookalike("\u0430", "Latin") == "a"
    assert lookalike("i", "Cyrillic") == "\u0456"
    assert lookalike("\u043d", "Latin") is None  # small capital H is no replacement


@pytest.mark.parametrize(
    "text, word, fixed",
    [
        ("the pаyment was late", "pаyment", "payment"),  # Cyrillic а in English
        ("a Greek οmicron inside", "οmicron", "omicron"),
    ],
)
def test_mixed_script_word_repaired_to_main_script(text, word, fixed):
    d = detect(text)
    [f] = d.findings
    assert (f.kind, f.text, f.replacement) == ("homoglyph", word, fixed)


def test_real_mixed_word_in_russian_fragment_repaired_into_cyrillic():
    # ``обpазом`` with a Latin p: real noise from the corpus (sentences/ru.txt).
    text = "The phrase таким обpазом was left in the English text by the editor."
    [f] = detect(text).findings
    assert f.kind == "foreign" and f.lang == "ru"
    assert f.text == "таким обpазом" and f.replacement == "таким образом"


@pytest.mark.parametrize(
    "text",
    [
        "Patients on a β-blocker were excluded from the trial.",
        "The α-helix is a common motif in proteins.",
        "Particles larger than 5 μm were filtered out.",
        "The Δ between the two runs was small and the σ even smaller.",
        "He staged a coup d’état with Nicolás in Zürich, full of Schadenfreude.",
        "Write to author@example.org or see https://example.org/über for the naïve café menu 🙂.",
        "The theatre ❤️ its audience and ☺︎ says so on every poster.",  # variation selectors
    ],
)
def test_english_traps_have_no_findings(text):
    assert detect(text).findings == []


def test_lone_lookalike_needs_main_script_neighbours():
    # A one-letter Russian word inside a Russian fragment is not a homoglyph.
    d = detect("The slogan said я и ты and nothing more than that in the whole text.")
    assert [f.kind for f in d.findings] == ["foreign"]


def test_fragment_merges_over_numbers_not_over_words():
    d = detect("Byline 已發表 26 05, 2020 作者 CEO and more English words here.")
    [f] = d.findings
    assert f.text == "已發表 26 05, 2020 作者"


@pytest.mark.parametrize("lang", ["de", "fr", "es", "it", "pl", "nl", "pt", "tr"])
@pytest.mark.corpus
def test_latin_sentence_in_english_found(lang):
    en = corpus_lines("en", 12)
    foreign = [line for line in corpus_lines(lang, 40) if 8 <= len(line.split()) <= 25 and line[0].isalpha()][0]
    text = " ".join(en[:5]) + f" {foreign} " + " ".join(en[5:10])
    found = [f for f in detect(text).findings if f.kind == "foreign"]
    assert len(found) == 1, found
    assert found[0].lang == lang
    assert found[0].text.split()[:3] == foreign.split()[:3]


@pytest.mark.corpus
def test_english_corpus_sentences_have_no_findings():
    flagged = [line for line in corpus_lines("en", 300) if detect(line).findings]
    assert len(flagged) <= 3, flagged


def test_hygiene_repairs_mojibake_spaces_and_invisibles_only():
    text = "caf\u00c3\u00a9 10\u00a0km zero\u200bwidth \u201cquoted\u201d Zürich e\u0301"
    edits = hygiene_edits(text)
    out = apply_edits(text, edits).text
    assert out == "café 10 km zerowidth \u201cquoted\u201d Zürich \u00e9"
    assert {e.reason for e in edits} == {
        "unicode repair (ftfy: mojibake/NFC/control characters)",
        "no-break space to space",
        "removed invisible format character",
    }


def test_hygiene_keeps_zwj_and_zwnj():
    text = "می\u200cخواهم 👩\u200d💻 क्\u200dष"
    assert hygiene_edits(text) == []


def test_hygiene_removes_controls_inside_alphabetic_words_only():
    # Bidi controls between two letters, and joiners between letters of alphabets that
    # never join, are spoofing; around a word they can be deliberate and stay.
    text = "pay\u202ement ca\u200dt sl\u200co\u2066\u2069vo \u202eexe.txt\u202c me\u200c"
    edits = hygiene_edits(text)
    assert apply_edits(text, edits).text == "payment cat slovo \u202eexe.txt\u202c me\u200c"
    assert [(e.start, e.end) for e in edits] == [(3, 4), (11, 12), (16, 20)]  # one edit per word
    assert {e.reason for e in edits} == {"removed invisible format character"}


def test_offsets_map_back_through_edits():
    src = "ab\u00a0cd\u200bef"
    et = apply_edits(src, [Edit(2, 3, " ", "x"), Edit(5, 6, "", "y")])
    assert et.text == "ab cdef"
    assert et.to_source_span(5, 7) == (6, 8)
    assert et.to_source_span(4, 6) == (4, 7)
    assert et.to_source_span(2, 3) == (2, 3)


def test_words_split_by_script():
    [w] = words("pаyment")
    assert [r[0] for r in w.runs] == ["Latin", "Cyrillic", "Latin"]


@pytest.mark.corpus
def test_japanese_document_keeps_han_and_kana_as_main_script():
    text = " ".join(corpus_lines("ja", 5))
    d = detect(text)
    assert d.main_lang == "ja"
    assert [f for f in d.findings if f.script in ("Han", "Hiragana", "Katakana")] == []


@pytest.mark.corpus
def test_latin_name_in_cjk_text_is_no_fragment():
    # One Latin-script word in Japanese text is a name, not an English fragment.
    text = corpus_lines("ja", 1)[0] + "Kindleで読みました。" + corpus_lines("ja", 2)[1]
    assert [f for f in detect(text).findings if "Kindle" in f.text] == []


def test_character_model_is_what_its_builder_writes():
    # Derived data (wordfreq's lists and our word lists); a registry row, a word list or a
    # library update that changes it shows here.
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "bench" / "detect" / "build_charmodel.py"
    assert subprocess.run([sys.executable, str(script), "--check"], capture_output=True).returncode == 0
