"""Lines of ../shared/corpus split into a development part and a held-back part.

Every fifth line (index % 5 == 4) of each sentence, word and pair file, and of the
Traditional/Simplified parallel file, is held back: ``generate.py`` (the development
bench) never sees it and ``heldout.py`` (the independent evaluation) sees nothing else.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

SHARED = Path(os.environ.get("TRANSNORM_SHARED", Path(__file__).resolve().parents[3] / "shared")) / "corpus"


def _part(rows: list[str], part: str) -> list[str]:
    keep = (lambda i: i % 5 == 4) if part == "heldout" else (lambda i: i % 5 != 4)
    return [r for i, r in enumerate(rows) if keep(i)]


@cache
def lines(folder: str, lang: str, part: str = "bench") -> tuple[str, ...]:
    """Non-empty stripped lines of ``<folder>/<lang>.txt`` in ``part`` (bench|heldout)."""
    path = SHARED / folder / f"{lang}.txt"
    rows = [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return tuple(_part(rows, part))


@cache
def zh_parallel(part: str = "bench") -> tuple[tuple[str, str], ...]:
    """(Traditional, Simplified) sentence pairs from ``parallel/zh-Hant_zh-Hans.tsv``."""
    rows = (SHARED / "parallel" / "zh-Hant_zh-Hans.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [tuple(r.split("\t")[1:3]) for r in rows if r.count("\t") >= 2]
    return tuple(_part(pairs, part))


def print_jsonl(build, default_docs: int, description: str) -> None:
    """The command line of a set builder: ``--docs N --seed S``, one JSON document a line."""
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--docs", type=int, default=default_docs)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    for d in build(args.docs, args.seed):
        sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")
