"""Properties that must hold for any input (hypothesis)."""

from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from normalize.pipeline import detect_findings, normalize_text
from normalize.translate import FragmentTranslator
from tests.standins import StandIn

from .conftest import examples

ENGLISH_WORDS = st.sampled_from("the of and a to in is it that was for on are with as his they at be this from".split())


def echo_length(text, hop):
    return f"<{len(text)}>"


@settings(max_examples=examples(300))
@given(st.text())
def test_detection_never_raises_and_spans_are_sane(text):
    _, findings = detect_findings(text)
    prev_end = 0
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.start >= prev_end
        assert text[f.start : f.end] == f.text
        prev_end = f.end


@settings(max_examples=examples(200))
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_changes_map_original_to_cleaned_exactly(text):
    r = normalize_text(text, FragmentTranslator(StandIn(pairs=None, answer=echo_length)))
    for c in r.changes:
        assert text[c.orig_start : c.orig_end] == c.original
        assert r.cleaned_text[c.new_start : c.new_end] == c.replacement


@settings(max_examples=examples(200))
@given(st.lists(ENGLISH_WORDS, min_size=1, max_size=40), st.sampled_from([" ", ", ", ". "]))
def test_plain_ascii_english_yields_no_foreign_span(ws, sep):
    text = sep.join(ws)
    assert all(f.kind != "foreign" for f in detect_findings(text)[1])


@settings(max_examples=examples(100))
@given(st.text(alphabet=string.printable).filter(lambda t: not re.search(r"[A-Za-z]{2}", t)))
def test_printable_ascii_without_words_has_no_foreign_span(text):
    # Letters that make no word of two or more are no language (ASCII foreign words are:
    # a German sentence is a fragment).
    assert all(f.kind != "foreign" for f in detect_findings(text)[1])


def test_findings_recovered_from_one_mojibake_run_become_one():
    # ftfy turns the four characters into ``ΆЀ`` in one edit: two findings of different
    # scripts would otherwise map onto the same original span (found by hypothesis).
    text = "\u00ce\u0086\u00d0\u00800AA"
    [f] = detect_findings(text)[1]
    assert (f.start, f.end, f.kind) == (0, 4, "foreign")
    r = normalize_text("\u00d9\u0080\u00ce\u0086 AA", FragmentTranslator(StandIn(pairs=None, answer=echo_length)))
    [c] = [c for c in r.changes if c.kind == "foreign"]
    assert (c.orig_start, c.orig_end, r.cleaned_text) == (0, 4, "<2> AA")


MOJIBAKE_PARTS = ["â€™", "Ã©", "Ã ", "Ð¿", "ÐŸÑ€Ð¸Ð²ÐµÑ‚", "РџСЂ", "\ufffd", "é", "e\u0301", "\u00a0"] + [
    # UTF-8 of real text read in each charset ftfy repairs.
    word.encode("utf-8").decode(charset, errors="replace")
    for word in ("café", "Привет", "naïve", "Ελλάδα", "Zürich", "€10", "“quoted”", "à la", "– x")
    for charset in ("latin-1", "cp1252", "cp1251", "cp1250", "cp1253", "cp1257", "iso-8859-2", "mac_roman", "cp437")
]
MOJIBAKE_PARTS += [part.replace("\u00a0", " ") for part in MOJIBAKE_PARTS]  # what restore_byte_a0 undoes
CLEAN_PARTS = ["abc ", "’", "“", "”", "—", "–", "…", "«", "»", "中文", "한국어", "Привет", "Αθήνα", "עברית", " "]


@settings(max_examples=examples(3000))
@given(st.lists(st.sampled_from(MOJIBAKE_PARTS + CLEAN_PARTS)).map("".join) | st.text())
def test_lines_hygiene_skips_are_lines_ftfy_leaves_alone(line):
    # Hygiene skips ftfy on lines it judges clean (for speed); ftfy must agree.
    import ftfy

    from normalize.hygiene import _FTFY_CONFIG, _needs_fixing

    line = "".join(c if c not in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029" else " " for c in line)
    if not _needs_fixing(line):
        assert ftfy.fix_text(line, _FTFY_CONFIG) == line


@settings(max_examples=examples(2000))
@given(st.lists(st.sampled_from(MOJIBAKE_PARTS + CLEAN_PARTS + ["Ã\x85", "\x85", "Ã\xa0la"])).map("".join))
def test_printable_lines_lose_nothing_with_the_lighter_ftfy_config(line):
    import ftfy

    from normalize.hygiene import _FTFY_CONFIG, _FTFY_PRINTABLE

    if line.isprintable():
        assert ftfy.fix_text(line, _FTFY_PRINTABLE) == ftfy.fix_text(line, _FTFY_CONFIG)


def test_hygiene_skip_decisions():
    from normalize.hygiene import _needs_fixing

    assert not _needs_fixing("He said “yes” — twice… and «non»")
    assert not _needs_fixing("Byline 已發表 26 05, 2020 作者 CEO")
    assert _needs_fixing("cafÃ©")  # mojibake
    assert not _needs_fixing("Привет, мир")  # plain Cyrillic forms no lead/continuation pair
    assert _needs_fixing("РџСЂРёРІРµС‚")  # "Привет" read as cp1251
    assert _needs_fixing("cafe\u0301")  # not NFC
    assert _needs_fixing("a\u00a0b")  # no-break space
