"""Detector cases as data: ``tests/cases/detector.jsonl``, one case a line.

Each case has ``id``, ``text``, ``spans`` (every finding expected, in order: ``text``,
``lang``, and ``kind`` when not ``foreign``; ``replacement`` for homoglyphs), ``why`` (the
principle it checks), and optionally ``main_lang`` (given instead of detected) and
``known_failure`` (why the detector does not meet it yet: the case runs as a strict xfail,
so it is noticed the day it passes). The texts are written for these tests, not taken
from any evaluation set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from normalize.detect import DetectConfig, detect

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "cases" / "detector.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(reason=case["known_failure"], strict=True)] if case.get("known_failure") else []
        yield pytest.param(case, id=case["id"], marks=marks)


def test_case_ids_are_unique():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    assert all(c.get("why") for c in CASES)


@pytest.mark.parametrize("case", _params())
def test_detector_case(case):
    found = detect(case["text"], DetectConfig(main_lang=case.get("main_lang"))).findings
    got = []
    for f in found:
        item = {"text": f.text, "lang": f.lang}
        if f.kind != "foreign":
            item["kind"] = f.kind
            item["replacement"] = f.replacement
        got.append(item)
    expected = [{k: v for k, v in s.items()} for s in case["spans"]]
    assert got == expected, case["why"]
