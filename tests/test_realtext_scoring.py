"""Scoring rules of bench/realtext.py on tiny hand-made documents (no ../shared needed)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "bench" / "realtext.py"
_spec = importlib.util.spec_from_file_location("realtext", _PATH)
rt = importlib.util.module_from_spec(_spec)
sys.modules["realtext"] = rt  # dataclasses look their module up while the file runs
_spec.loader.exec_module(rt)


def gold(start, end, text, lang="fr", optional=False, script="latin", alt=()):
    return rt.Gold("d", start, end, text, lang, tuple(alt), optional, script)


def doc(text, golds=(), control=False):
    return rt.Doc("d", text, control, list(golds))


def pred(start, end, lang="fr", kind="foreign", conf=0.9):
    return rt.Prediction(start, end, kind, lang, conf)


def test_iou_ignores_punctuation_and_spaces():
    text = "He said «mon ami», twice."
    d = doc(text)
    inner = (text.index("mon"), text.index("»"))
    wrapped = (text.index("«"), text.index("»") + 2)  # quotes and the comma
    assert rt.iou(d, inner, wrapped) == 1.0
    # "mon" against "mon ami": 3 shared of 6 content characters.
    assert rt.iou(d, (inner[0], inner[0] + 3), inner) == 0.5
    # "said «mon" against "mon ami": 3 shared, union said+mon+ami = 10.
    assert rt.iou(d, (text.index("said"), inner[0] + 3), inner) == pytest.approx(0.3)
    assert rt.iou(d, (0, 0), (1, 1)) == 0.0


def test_symbols_are_content_but_dashes_are_not():
    assert rt.is_content("→") and rt.is_content("|") and rt.is_content("ツ")
    assert not rt.is_content("—") and not rt.is_content("«") and not rt.is_content("\n")


def test_greedy_match_is_one_to_one_highest_first():
    # Pred 0 pairs with both gold spans; taking its best (gold 1) leaves gold 0 to pred 1.
    pairs = [(0.6, 0, 0), (0.9, 0, 1), (0.7, 1, 0), (0.8, 1, 1)]
    assert rt.greedy_match(pairs) == {0: 1, 1: 0}


def test_judge_second_prediction_on_same_gold_is_false_positive():
    text = "abcdefghij klmno"
    d = doc(text, [gold(0, 10, "abcdefghij")])
    r = rt.judge(d, [pred(0, 6), pred(0, 8), pred(11, 16)])
    assert r.matches == {1: 0}  # IoU 0.8 beats 0.6
    assert r.false_positives == [0, 2]


def test_optional_hit_is_ignored_not_counted():
    text = "le chien and Zeitgeist and nothing"
    golds = [gold(0, 8, "le chien"), gold(13, 22, "Zeitgeist", lang="de", optional=True)]
    d = doc(text, golds)
    r = rt.judge(d, [pred(0, 7), pred(12, 19, lang="de"), pred(24, 31, lang="en")])
    assert r.matches == {0: 0}
    assert r.ignored == {1: 1}
    assert r.false_positives == [2]
    m = rt.metrics([r])
    assert m["precision"] == 0.5  # 1 matched, 1 false positive; the optional hit is neither
    assert m["recall"] == 1.0
    assert m["f1"] == pytest.approx(2 / 3)
    # Any overlap: 2 of 3 predictions touch some gold span (optional included).
    assert m["overlap_precision"] == pytest.approx(2 / 3)
    assert m["overlap_recall"] == 1.0


def test_optional_span_gives_no_recall_credit_or_miss():
    d = doc("Schluss now", [gold(0, 7, "Schluss", optional=True)])
    m = rt.metrics([rt.judge(d, [])])
    assert m["required"] == 0 and m["recall"] is None and m["false_positives"] == 0


def test_homoglyph_finding_counts_as_prediction():
    d = doc("mon ami", [gold(0, 7, "mon ami")])
    r = rt.judge(d, [pred(0, 7, lang="en", kind="homoglyph")])
    m = rt.metrics([r])
    assert m["matched"] == 1 and m["lang_accuracy"] == 0.0  # matched, but not a foreign finding


@pytest.mark.parametrize(
    "pred_lang, gold_lang, alt, ok",
    [
        ("zh", "zh-Hans", (), True),  # a bare zh prediction is Simplified
        ("zh", "zh-Hant", (), False),
        ("zh-Hant", "zh-Hant", (), True),
        ("zh-TW", "zh-Hant", (), True),
        ("zh-Hans", "zh-Hant", (), False),
        ("zh-Hant", "zh", (), True),  # gold zh accepts either script
        ("zh-Hans", "zh", (), True),
        ("ja", "zh", (), False),
        ("de-CH", "de", (), True),  # primary subtag only
        ("sa", "hi", ("sa",), True),
        ("sr", "ru", (), False),
    ],
)
def test_lang_ok(pred_lang, gold_lang, alt, ok):
    assert rt.lang_ok("foreign", pred_lang, gold_lang, alt) is ok


def test_lang_ok_needs_foreign_kind():
    assert not rt.lang_ok("homoglyph", "ru", "ru")


@pytest.mark.parametrize(
    "text, words, bucket",
    [
        ("Schluss", 1, "short"),
        ("le chien", 2, "short"),
        ("Wir waren müde, bevor es regnete", 6, "medium"),
        ("Qué tal? / ¿Qué tal estás", 5, "medium"),  # the lone "/" is no word
        ("Milor\nAnglais", 2, "short"),
        ("成語", 1, "short"),
        ("山高水長", 2, "short"),
        ("あしたは雨がふるでしょうか", 7, "long"),  # 13 characters
        ("駅はどこですか", 4, "medium"),
        ("この本を図書館に返してください", 8, "long"),  # 16 characters
        ("我愛**喝茶水", 3, "medium"),  # 5 Han, the asterisks are no letters
        ("Tokyo駅", 2, "short"),  # 1 for the Han + 1 for other letters
        ("냉면", 1, "short"),  # Hangul: spaced words, counted as such
        ("a b c d e f g", 7, "long"),
    ],
)
def test_word_count_and_bucket(text, words, bucket):
    assert rt.word_count(text) == words
    assert rt.length_bucket(text) == bucket


def test_metrics_by_script_length_and_controls():
    text = "Он сказал мой друг and Schluss"
    golds = [
        gold(0, 2, "Он", lang="ru", script="non-latin"),
        gold(3, 18, "сказал мой друг", lang="ru", script="non-latin"),
    ]
    foreign = doc(text, golds)
    control = rt.Doc("c", "plain English text here, five words " * 4, True, [])
    results = [
        rt.judge(foreign, [pred(0, 2, lang="ru"), pred(3, 18, lang="uk")]),
        rt.judge(control, [pred(0, 5, lang="de")]),
    ]
    m = rt.metrics(results)
    assert m["recall_non_latin"] == 1.0 and m["recall_latin"] is None
    assert m["recall_short"] == 1.0 and m["recall_medium"] == 1.0
    assert m["lang_accuracy"] == 0.5
    assert m["fp_controls"] == 1
    assert m["control_words"] == 24
    assert m["fp_per_10k_words_controls"] == pytest.approx(10_000 / 24)
    assert m["precision"] == pytest.approx(2 / 3)


def test_calibration_and_ece():
    d = doc("aaaa bbbb cccc", [gold(0, 4, "aaaa"), gold(5, 9, "bbbb")])
    r = rt.judge(d, [pred(0, 4, conf=0.95), pred(5, 9, lang="de", conf=0.95), pred(10, 14, conf=0.35)])
    bins = rt.calibration([r])
    top, low = bins[9], bins[3]
    assert (top["count"], top["fraction_correct"], top["mean_confidence"]) == (2, 0.5, pytest.approx(0.95))
    assert (low["count"], low["fraction_correct"]) == (1, 0.0)
    # (2/3)*|0.5-0.95| + (1/3)*|0-0.35|
    assert rt.ece(bins) == pytest.approx(0.3 + 0.35 / 3)


def test_floors(capsys):
    m = {"f1": 0.66, "recall": None, "fp_controls": 2}
    assert rt.check_floors(m, {"f1": 0.6, "fp_controls_max": 2})
    assert not rt.check_floors(m, {"f1": 0.7})
    assert not rt.check_floors(m, {"fp_controls_max": 1})
    assert not rt.check_floors(m, {"recall": 0.0})  # undefined fails
    assert not rt.check_floors(m, {"no_such_metric": 0.0})  # a typo fails
    out = capsys.readouterr().out
    assert "PASS  f1" in out and "FAIL  fp_controls 2 <= 1" in out


def test_score_with_plugged_predictor(tmp_path):
    root = tmp_path / "set"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("He said «mon ami» and left.", encoding="utf-8")
    (root / "docs" / "c.txt").write_text("Nothing foreign at all here.", encoding="utf-8")
    (root / "sources.json").write_text(json.dumps({"a": {"control": False}, "c": {"control": True}}))
    label = {
        "doc": "a",
        "start": 9,
        "end": 16,
        "text": "mon ami",
        "lang": "fr",
        "alt_langs": [],
        "optional": False,
        "script": "latin",
    }
    (root / "labels.jsonl").write_text(json.dumps(label, ensure_ascii=False) + "\n", encoding="utf-8")

    def predict(text):
        i = text.find("«")
        return [(i, i + 9, "foreign", "fr", 0.9)] if i >= 0 else [(0, 7, "foreign", "de", 0.5)]

    m = rt.score(predict, root)
    assert (m["matched"], m["false_positives"], m["fp_controls"]) == (1, 1, 1)
    assert m["f1"] == pytest.approx(2 / 3) and m["lang_accuracy"] == 1.0


def test_missing_root_is_skipped(tmp_path, capsys):
    assert rt.main(["--root", str(tmp_path / "absent")]) == 0
    captured = capsys.readouterr()
    assert "skipped" in captured.out and "skipped" in captured.err
