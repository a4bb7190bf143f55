"""Detection accuracy and speed against langdetect per sentence, measured in one run.

    python bench/detect/run.py [--docs 600] [--seed 7]

Scoring (issue #3): a gold span is found when >= 80% of its letters are covered by
predicted foreign spans; a predicted foreign span is a false positive when < 80% of its
letters lie in gold spans. Language accuracy is over found spans (the predicted span
covering most of it). Homoglyphs count when the predicted span starts at the gold one.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import build  # noqa: E402
from langdetect import DetectorFactory, detect  # noqa: E402

from normalize.pipeline import detect_findings  # noqa: E402

DetectorFactory.seed = 0
SENT = re.compile(r"[^.!?。]+[.!?。]?")


def ours(text: str) -> list[dict]:
    return [{"start": f.start, "end": f.end, "lang": f.lang, "kind": f.kind} for f in detect_findings(text)[1]]


def langdetect_sentences(text: str) -> list[dict]:
    out = []
    for m in SENT.finditer(text):
        s = m.group()
        if not any(c.isalpha() for c in s):
            continue
        try:
            lang = detect(s)
        except Exception:
            continue
        if lang != "en":
            out.append({"start": m.start(), "end": m.end(), "lang": {"zh-cn": "zh-Hans", "zh-tw": "zh-Hant"}.get(lang, lang), "kind": "foreign"})
    return out


def letters(text: str, a: int, b: int) -> set[int]:
    return {i for i in range(a, b) if text[i].isalpha()}


def score(docs: list[dict], predict) -> dict:
    t0 = time.perf_counter()
    preds = [predict(d["text"]) for d in docs]
    seconds = time.perf_counter() - t0
    found = defaultdict(lambda: [0, 0])  # kind -> [found, total]
    lang_ok = lang_n = tp_pred = n_pred = 0
    h_tp = h_pred = h_gold = fp_docs = en_docs = 0
    for d, pred in zip(docs, preds):
        text = d["text"]
        foreign = [p for p in pred if p["kind"] == "foreign"]
        covered = set().union(*[letters(text, p["start"], p["end"]) for p in foreign]) if foreign else set()
        gold_letters = set()
        for g in d["spans"]:
            if g["kind"] == "homoglyph":
                h_gold += 1
                h_tp += any(p["kind"] == "homoglyph" and p["start"] == g["start"] for p in pred)
                continue
            gl = letters(text, g["start"], g["end"])
            gold_letters |= gl
            hit = len(gl & covered) >= 0.8 * len(gl) if gl else False
            found[g["kind"]][0] += hit
            found[g["kind"]][1] += 1
            if hit:
                best = max(foreign, key=lambda p: len(letters(text, p["start"], p["end"]) & gl))
                lang_n += 1
                lang_ok += best["lang"] == g["lang"]
        for p in foreign:
            pl = letters(text, p["start"], p["end"])
            n_pred += 1
            tp_pred += bool(pl) and len(pl & gold_letters) >= 0.8 * len(pl)
        h_pred += sum(p["kind"] == "homoglyph" for p in pred)
        if d["kind"] == "english":
            en_docs += 1
            fp_docs += bool(foreign)
    total_found = sum(v[0] for v in found.values())
    total_gold = sum(v[1] for v in found.values())
    precision = tp_pred / n_pred if n_pred else 1.0
    recall = total_found / total_gold if total_gold else 1.0
    mb = sum(len(d["text"].encode()) for d in docs) / 1e6
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        **{f"recall_{k}": v[0] / v[1] for k, v in sorted(found.items())},
        "lang_acc": lang_ok / lang_n if lang_n else 0.0,
        "homoglyph_p": h_tp / h_pred if h_pred else 1.0,
        "homoglyph_r": h_tp / h_gold if h_gold else 1.0,
        "fp_docs_per_100_en": 100 * fp_docs / en_docs if en_docs else 0.0,
        "MB/s": mb / seconds,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    docs = build(args.docs, args.seed)
    results = {"transnorm": score(docs, ours), "langdetect/sentence": score(docs, langdetect_sentences)}
    keys = list(results["transnorm"])
    print(f"{len(docs)} documents, seed {args.seed}")
    print(f"{'metric':<22}" + "".join(f"{name:>22}" for name in results))
    for k in keys:
        print(f"{k:<22}" + "".join(f"{r.get(k, float('nan')):>22.3f}" for r in results.values()))
    print(f"{'speed ratio':<22}{results['transnorm']['MB/s'] / results['langdetect/sentence']['MB/s']:>22.1f}x")


if __name__ == "__main__":
    main()
