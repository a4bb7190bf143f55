"""Fit the detector's parameters (normalize/detection/params.py) on the real-text dev set.

Coordinate descent on span F1 (bench/realtext.py's scoring): each parameter in turn is
moved over a coarse grid around its current value and kept where F1 is best (ties keep
the current value, so nothing moves without a reason); rounds repeat until none moves.
The calibration of the confidence (Platt scaling) is fitted last, on log-loss, since it
changes no span. Prints every trial and the chosen values, to paste into params.py.

    .venv/bin/python -m bench.fit_detector [--rounds 3]
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace

from bench import realtext
from normalize.detect import DetectConfig, detect
from normalize.detection.params import PARAMS, Params
from normalize.detection.tokens import Boundary

STEP = 1.0
SEED = [p.read_text(encoding="utf-8") for p in sorted((realtext.default_root().parent / "seed").glob("*.txt"))]


def evaluate(params: Params, docs) -> dict:
    """realtext's metrics, with ``f1`` counting as false positives also every Latin-script
    finding in the reference article (English with loanwords and names, whose only
    fragments are in other scripts)."""
    config = DetectConfig(params=params)

    def predict(text: str):
        return [(f.start, f.end, f.kind, f.lang, f.confidence) for f in detect(text, config).findings]

    m = realtext.metrics(realtext.run(predict, docs))
    seed = sum(f.kind == "foreign" and f.script == "Latin" for text in SEED for f in detect(text, config).findings)
    precision = m["matched"] / max(1, m["matched"] + m["false_positives"] + seed)
    m["f1"] = realtext.f1(precision, m["recall"])
    m["seed_latin_findings"] = seed
    return m


def moves(params: Params, name: str):
    """Candidate values of one parameter around its current one."""
    if name.startswith("discount."):
        kind = Boundary[name.split(".")[1]]
        for delta in (-2 * STEP, -STEP, STEP, 2 * STEP):
            d = list(params.discount)
            d[kind] = round(d[kind] + delta, 3)
            if d[kind] >= 0:
                yield f"{name}={d[kind]}", replace(params, discount=tuple(d))
        return
    value = getattr(params, name)
    step = 0.1 if name.endswith("weight") else STEP
    for delta in (-2 * step, -step, step, 2 * step):
        new = round(value + delta, 3)
        if name.endswith("weight") and not 0 <= new <= 1.5:
            continue
        yield f"{name}={new}", replace(params, **{name: new})


NAMES = (
    "switch",
    "foreign_prior",
    "unseen",
    "clip",
    "capital_weight",
    "char_weight",
    "latin_in_other",
    *(f"discount.{k.name}" for k in Boundary),
)


def fit_calibration(params: Params, docs) -> tuple[float, float]:
    """Platt scaling: (a, b) of sigmoid(a * logit(raw) + b) with the least log-loss over
    every prediction on the dev set, correct when it found a real fragment (required or
    optional) in the right language."""
    config = DetectConfig(params=params)
    results = realtext.run(
        lambda text: [(f.start, f.end, f.kind, f.lang, f.confidence) for f in detect(text, config).findings], docs
    )
    points = [
        (min(max(p.confidence, 1e-6), 1 - 1e-6), realtext.correct(r, i)) for r in results for i, p in enumerate(r.preds)
    ]

    def loss(a: float, b: float) -> float:
        total = 0.0
        for raw, ok in points:
            q = 1 / (1 + math.exp(-(a * math.log(raw / (1 - raw)) + b)))
            total -= math.log(max(q if ok else 1 - q, 1e-12))
        return total

    grid = [(a / 10, b / 10) for a in range(1, 31) for b in range(-30, 41)]
    a, b = min(grid, key=lambda ab: loss(*ab))
    print(
        f"calibration: a={a} b={b} (log-loss {loss(a, b):.1f}, uncalibrated {loss(1.0, 0.0):.1f}, {len(points)} predictions)"
    )
    return a, b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument(
        "--from-flat",
        action="store_true",
        help="start from one switch cost for every boundary (a restart, to check the optimum is not local)",
    )
    args = ap.parse_args()
    docs = realtext.load(realtext.default_root())
    best = replace(PARAMS, discount=(2.0,) * len(Boundary)) if args.from_flat else PARAMS
    best_f1 = evaluate(best, docs)["f1"]
    print(f"start: F1 {best_f1:.4f}")
    for r in range(args.rounds):
        moved = False
        for name in NAMES:
            for label, candidate in list(moves(best, name)):
                f1 = evaluate(candidate, docs)["f1"]
                if f1 > best_f1 + 1e-9:
                    print(f"round {r + 1}: {label}: F1 {best_f1:.4f} -> {f1:.4f}", flush=True)
                    best, best_f1, moved = candidate, f1, True
        if not moved:
            break
    best = replace(best, calibration=fit_calibration(replace(best, calibration=(1.0, 0.0)), docs))
    m = evaluate(best, docs)
    print(f"chosen: {best}")
    print(
        f"F1 {m['f1']:.4f}  recall latin {m['recall_latin']:.3f}  ECE {m['ece']:.3f}  reference-article Latin findings {m['seed_latin_findings']}"
    )


if __name__ == "__main__":
    main()
