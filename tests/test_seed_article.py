"""The reference article: the facts issue #2 states, through the pure pipeline."""

from __future__ import annotations

import pytest

from normalize.pipeline import detect_findings, normalize_text
from normalize.translate import FragmentTranslator
from tests.standins import StandIn


@pytest.fixture(scope="module")
def findings(seed_text):
    return detect_findings(seed_text)[1]


def _covering(findings, text, snippet, kind="foreign"):
    start = text.index(snippet)
    end = start + len(snippet)
    return [f for f in findings if f.kind == kind and f.start <= start and end <= f.end]


@pytest.mark.corpus
def test_traditional_chinese_byline(findings, seed_text):
    for word in ("已發表", "作者"):
        [f] = _covering(findings, seed_text, word)
        assert f.lang == "zh-Hant"
        assert f.script == "Han"


@pytest.mark.corpus
def test_russian_heading_with_its_quotes(findings, seed_text):
    [f] = _covering(findings, seed_text, "За «головы»")
    assert f.lang == "ru"
    assert f.text == "За «головы»"


@pytest.mark.corpus
def test_russian_phrase_inside_english_sentence(findings, seed_text):
    [f] = _covering(findings, seed_text, "не только")
    assert f.lang == "ru"  # langdetect alone says uk
    assert f.text == "не только"


@pytest.mark.corpus
def test_cyrillic_homoglyph(findings, seed_text):
    start = seed_text.index("of а military") + 3
    [f] = [f for f in findings if f.kind == "homoglyph"]
    assert (f.start, f.end, f.text, f.replacement) == (start, start + 1, "\u0430", "a")


@pytest.mark.parametrize("snippet", ["coup d’état", "d’état", "Nicolás", "coup-d’état", "Cartel de los Soles"])
@pytest.mark.corpus
def test_loanwords_and_names_untouched(findings, seed_text, snippet):
    pos = 0
    while (pos := seed_text.find(snippet, pos)) != -1:
        assert not [f for f in findings if f.start < pos + len(snippet) and pos < f.end]
        pos += 1


@pytest.mark.corpus
def test_no_finding_in_purely_english_lines(findings, seed_text):
    flagged_lines = set()
    for f in findings:
        flagged_lines.add(seed_text.count("\n", 0, f.start))
    assert len(flagged_lines) == 4  # byline, homoglyph line, heading line, не только line
    assert len([f for f in findings if f.kind == "foreign"]) == 3


def bracket(text, hop):
    """Deterministic stand-in answer naming the pair."""
    return f"[{hop.source}>{hop.target}]"


@pytest.mark.corpus
def test_cleaned_text_and_changes_map_exactly(seed_text):
    r = normalize_text(seed_text, FragmentTranslator(StandIn(answer=bracket)))
    assert "of a military" in r.cleaned_text
    assert "\u00a0" not in r.cleaned_text
    assert "не только" not in r.cleaned_text
    for c in r.changes:
        assert seed_text[c.orig_start : c.orig_end] == c.original
        assert r.cleaned_text[c.new_start : c.new_end] == c.replacement
    foreign = [c for c in r.changes if c.kind == "foreign"]
    assert [(c.original, c.replacement) for c in foreign] == [
        # The model's answer lost the date, so the byline went piece by piece around it.
        ("已發表 26 05, 2020 作者", "[zh-Hant>en] 26 05, 2020 [zh-Hant>en]"),
        ("За «головы»", "[ru>en]"),
        ("не только", "[ru>en]"),
    ]
    assert {c.model for c in foreign} == {"standin-zh-Hant_en", "standin-ru_en"}
    assert r.summary()["fragments_per_lang"] == {"ru": 2, "zh-Hant": 1}
    assert r.summary()["homoglyphs_repaired"] == 1
    assert r.summary()["hygiene_changes"] == 2  # the two no-break spaces


@pytest.mark.corpus
def test_untranslated_without_model_keeps_text_and_says_why(seed_text):
    r = normalize_text(seed_text)
    foreign = [c for c in r.changes if c.kind == "foreign"]
    assert {c.status for c in foreign} == {"untranslated"}
    assert all(c.original == c.replacement and c.reason for c in foreign)
    assert "не только" in r.cleaned_text and "of a military" in r.cleaned_text
