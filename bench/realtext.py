"""Score a fragment detector on the hand-labeled real-text set (../shared/corpus/realtext).

    .venv/bin/python -m bench.realtext [--root DIR] [--errors] [--calibration]
                                       [--json FILE] [--floors bench/realtext_floors.json]

The set's README defines the scoring; this follows it:

- content characters are neither whitespace nor Unicode punctuation (P*); the IoU of two
  spans is shared content characters / union content characters (code point offsets);
- a prediction matches a required gold span at IoU >= 0.5, one-to-one, greedy by IoU over
  all pairs of a document; an unmatched prediction is a false positive unless it hits an
  optional gold span at IoU >= 0.5, then it is ignored; every prediction counts, whatever
  its kind (there is no homoglyph in these documents);
- any-overlap: a prediction counts for precision when it shares a content character with
  any gold span (required or optional); a required gold span counts for recall when some
  prediction shares a content character with it;
- language accuracy over matched required spans: a ``foreign`` prediction whose tag equals
  ``lang`` or one of ``alt_langs`` by primary subtag; Chinese by script (``zh-Hans`` vs
  ``zh-Hant``; a bare ``zh`` prediction is ``zh-Hans``; a gold ``zh`` accepts either);
- recall by script (the label's ``script``) and by length in words (:func:`word_count`);
- false positives on the English-only control documents, as a count and per 10,000
  ASCII-letter words of those documents.

Any detector can be scored: :func:`score` takes ``predict(text) -> [(start, end, kind,
lang, confidence), ...]``; the default wraps :func:`normalize.detect.detect`.

``--calibration`` adds a reliability table: predictions in 10 confidence bins; a
prediction is correct when it matched a required gold span or hit an optional one, and
its language is right for that span. ``ece`` (expected calibration error, the
count-weighted mean of |fraction correct - mean confidence| over bins) is always in the
metrics.

``--floors FILE``: a JSON object metric -> minimum, plus ``fp_controls_max`` as the most
false positives allowed on the controls; exit status 1 when any floor fails. When the set
is absent (a clone without ../shared) the run is skipped with exit status 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex

REPO = Path(__file__).resolve().parents[1]
IOU_MIN = 0.5
BINS = 10

# Han and kana are written without spaces, so a whitespace token of them can be a whole
# sentence; Hangul is written with spaces between words, so it is not counted here.
CJK_RE = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
ASCII_WORD_RE = regex.compile(r"[A-Za-z]+")
LENGTH_BUCKETS = (("short", 1, 2), ("medium", 3, 6), ("long", 7, math.inf))

Span = tuple[int, int]
PredictFn = Callable[[str], Iterable[tuple[int, int, str, str, float]]]


@dataclass(frozen=True)
class Gold:
    doc: str
    start: int
    end: int
    text: str
    lang: str
    alt_langs: tuple[str, ...]
    optional: bool
    script: str  # "latin" | "non-latin"


@dataclass(frozen=True)
class Prediction:
    start: int
    end: int
    kind: str
    lang: str
    confidence: float


@dataclass
class Doc:
    id: str
    text: str
    control: bool
    golds: list[Gold]
    # prefix[i] = content characters in text[:i]; any span's count is then two lookups.
    prefix: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.prefix:
            self.prefix = content_prefix(self.text)

    def content(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        return self.prefix[end] - self.prefix[start]


@dataclass
class DocResult:
    """One document's predictions and how they were judged."""

    doc: Doc
    preds: list[Prediction]
    matches: dict[int, int]  # prediction index -> required gold index (into doc.golds)
    ignored: dict[int, int]  # prediction index -> optional gold index it hit
    false_positives: list[int]  # prediction indices


# --- scoring primitives ------------------------------------------------------------------


def is_content(ch: str) -> bool:
    return not ch.isspace() and not unicodedata.category(ch).startswith("P")


def content_prefix(text: str) -> list[int]:
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + is_content(ch))
    return prefix


def iou(doc: Doc, a: Span, b: Span) -> float:
    """Shared / union content characters of two spans; 0 when neither has any."""
    shared = doc.content(max(a[0], b[0]), min(a[1], b[1]))
    union = doc.content(*a) + doc.content(*b) - shared
    return shared / union if union else 0.0


def overlaps(doc: Doc, a: Span, b: Span) -> bool:
    return doc.content(max(a[0], b[0]), min(a[1], b[1])) > 0


def greedy_match(pairs: Iterable[tuple[float, int, int]]) -> dict[int, int]:
    """One-to-one matching of (iou, pred, gold) pairs, highest IoU first.

    Ties go to the earlier prediction, then the earlier gold span, so runs are stable.
    """
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, p, g in sorted(pairs, key=lambda t: (-t[0], t[1], t[2])):
        if p not in matched and g not in used:
            matched[p] = g
            used.add(g)
    return matched


def judge(doc: Doc, preds: list[Prediction]) -> DocResult:
    spans = [(p.start, p.end) for p in preds]
    pairs = []
    for g_i, g in enumerate(doc.golds):
        if g.optional:
            continue
        for p_i, span in enumerate(spans):
            v = iou(doc, span, (g.start, g.end))
            if v >= IOU_MIN:
                pairs.append((v, p_i, g_i))
    matches = greedy_match(pairs)
    ignored: dict[int, int] = {}
    false_positives = []
    for p_i, span in enumerate(spans):
        if p_i in matches:
            continue
        # Not one-to-one: several pieces of one optional span are all harmless.
        best = max(
            ((iou(doc, span, (g.start, g.end)), g_i) for g_i, g in enumerate(doc.golds) if g.optional),
            default=(0.0, -1),
        )
        if best[0] >= IOU_MIN:
            ignored[p_i] = best[1]
        else:
            false_positives.append(p_i)
    return DocResult(doc, preds, matches, ignored, false_positives)


def _zh_script(tag: str) -> str:
    parts = tag.lower().replace("_", "-").split("-")[1:]
    # Regions that write Traditional characters stand for the script when it is not given.
    return "hant" if "hant" in parts or ({"tw", "hk", "mo"} & set(parts) and "hans" not in parts) else "hans"


def _primary(tag: str) -> str:
    return tag.lower().replace("_", "-").split("-")[0]


def lang_ok(pred_kind: str, pred_lang: str, gold_lang: str, alt_langs: Iterable[str] = ()) -> bool:
    """Whether a prediction's language is right for a gold span (README rules)."""
    if pred_kind != "foreign" or not pred_lang:
        return False
    for want in (gold_lang, *alt_langs):
        if _primary(want) != _primary(pred_lang):
            continue
        if _primary(want) != "zh":
            return True
        # A bare gold "zh" marks characters that are the same in both scripts.
        if want.lower() == "zh" or _zh_script(want) == _zh_script(pred_lang):
            return True
    return False


def word_count(text: str) -> int:
    """Words in a gold span, for the length buckets.

    A whitespace token is one word. A token with Han or kana counts one word per two of
    those characters, rounded up, plus one when it also holds other letters
    (``あしたは雨がふるでしょうか`` is 7, ``Tokyo駅`` is 2). A token with no letter or digit
    (a lone dash) counts nothing. Hangul tokens are ordinary words: Korean uses spaces.
    """
    n = 0
    for token in text.split():
        cjk = len(CJK_RE.findall(token))
        if cjk:
            other = any(ch.isalpha() and not CJK_RE.match(ch) for ch in token)
            n += math.ceil(cjk / 2) + other
        elif any(ch.isalnum() for ch in token):
            n += 1
    return n


def length_bucket(text: str) -> str:
    words = word_count(text)
    for name, low, high in LENGTH_BUCKETS:
        if low <= words <= high:
            return name
    return "short"  # zero words (no letters at all) is as short as it gets


def ascii_words(text: str) -> int:
    return len(ASCII_WORD_RE.findall(text))


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 2 * p * r / (p + r) if p + r else 0.0


# --- loading and running -----------------------------------------------------------------


def default_root() -> Path:
    shared = os.environ.get("TRANSNORM_SHARED")
    base = Path(shared) if shared else REPO.parent / "shared"
    return base / "corpus" / "realtext"


def load(root: Path) -> list[Doc]:
    sources = json.loads((root / "sources.json").read_text(encoding="utf-8"))
    golds: dict[str, list[Gold]] = {}
    with open(root / "labels.jsonl", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            golds.setdefault(r["doc"], []).append(
                Gold(
                    r["doc"],
                    r["start"],
                    r["end"],
                    r["text"],
                    r["lang"],
                    tuple(r.get("alt_langs", ())),
                    bool(r.get("optional")),
                    r["script"],
                )
            )
    docs = []
    for path in sorted((root / "docs").glob("*.txt")):
        # newline="" keeps "\r\n" as two code points: the offsets count them.
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        doc_id = path.stem
        doc = Doc(doc_id, text, bool(sources.get(doc_id, {}).get("control")), golds.pop(doc_id, []))
        for g in doc.golds:
            if text[g.start : g.end] != g.text:
                raise ValueError(f"{doc_id}: label {g.start}-{g.end} {g.text!r} does not match the document")
        docs.append(doc)
    if golds:
        raise ValueError(f"labels for missing documents: {sorted(golds)}")
    return docs


def detect_predict(text: str) -> list[tuple[int, int, str, str, float]]:
    from normalize.detect import detect  # imported here so the scoring tests need no models

    return [(f.start, f.end, f.kind, f.lang, f.confidence) for f in detect(text).findings]


def run(predict: PredictFn, docs: list[Doc]) -> list[DocResult]:
    results = []
    for doc in docs:
        preds = sorted(
            (Prediction(int(s), int(e), k, lang or "", float(c)) for s, e, k, lang, c in predict(doc.text)),
            key=lambda p: (p.start, p.end),
        )
        results.append(judge(doc, preds))
    return results


def score(predict: PredictFn = detect_predict, root: Path | str | None = None) -> dict:
    """Metrics of ``predict`` on the set at ``root`` (default: :func:`default_root`)."""
    return metrics(run(predict, load(Path(root) if root else default_root())))


# --- metrics -----------------------------------------------------------------------------


def correct(r: DocResult, p_i: int) -> bool:
    """Calibration's notion of a right prediction: a real fragment in the right language."""
    g_i = r.matches.get(p_i, r.ignored.get(p_i))
    if g_i is None:
        return False
    p, g = r.preds[p_i], r.doc.golds[g_i]
    return lang_ok(p.kind, p.lang, g.lang, g.alt_langs)


def calibration(results: list[DocResult]) -> list[dict]:
    bins = [{"low": i / BINS, "high": (i + 1) / BINS, "count": 0, "conf": 0.0, "correct": 0} for i in range(BINS)]
    for r in results:
        for p_i, p in enumerate(r.preds):
            conf = min(max(p.confidence, 0.0), 1.0)
            b = bins[min(int(conf * BINS), BINS - 1)]
            b["count"] += 1
            b["conf"] += conf
            b["correct"] += correct(r, p_i)
    for b in bins:
        b["mean_confidence"] = ratio(b.pop("conf"), b["count"])
        b["fraction_correct"] = ratio(b["correct"], b["count"])
    return bins


def ece(bins: list[dict]) -> float:
    total = sum(b["count"] for b in bins)
    if not total:
        return 0.0
    return sum(b["count"] / total * abs(b["fraction_correct"] - b["mean_confidence"]) for b in bins if b["count"])


def metrics(results: list[DocResult]) -> dict:
    required = matched = preds = fps = 0
    lang_right = 0
    overlap_preds = overlap_gold = 0
    fp_controls = control_words = 0
    ignored = 0
    groups: dict[str, dict[str, int]] = {}
    for r in results:
        doc = r.doc
        req = [g_i for g_i, g in enumerate(doc.golds) if not g.optional]
        required += len(req)
        matched += len(r.matches)
        preds += len(r.preds)
        fps += len(r.false_positives)
        ignored += len(r.ignored)
        gold_of = {g: p for p, g in r.matches.items()}
        for p_i, g_i in r.matches.items():
            p, g = r.preds[p_i], doc.golds[g_i]
            lang_right += lang_ok(p.kind, p.lang, g.lang, g.alt_langs)
        spans = [(p.start, p.end) for p in r.preds]
        overlap_preds += sum(any(overlaps(doc, s, (g.start, g.end)) for g in doc.golds) for s in spans)
        for g_i in req:
            g = doc.golds[g_i]
            overlap_gold += any(overlaps(doc, s, (g.start, g.end)) for s in spans)
            for key in (g.script.replace("-", "_"), length_bucket(g.text)):
                c = groups.setdefault(key, {"required": 0, "matched": 0})
                c["required"] += 1
                c["matched"] += g_i in gold_of
        if doc.control:
            fp_controls += len(r.false_positives)
            control_words += ascii_words(doc.text)
    precision = ratio(matched, matched + fps)
    recall = ratio(matched, required)
    bins = calibration(results)
    out = {
        "f1": f1(precision, recall),
        "precision": precision,
        "recall": recall,
        "overlap_precision": ratio(overlap_preds, preds),
        "overlap_recall": ratio(overlap_gold, required),
        "lang_accuracy": ratio(lang_right, matched),
    }
    for key in ("latin", "non_latin", "short", "medium", "long"):
        c = groups.get(key, {"required": 0, "matched": 0})
        out[f"recall_{key}"] = ratio(c["matched"], c["required"])
    out.update(
        {
            "fp_controls": fp_controls,
            "fp_per_10k_words_controls": ratio(10_000 * fp_controls, control_words),
            "control_words": control_words,
            "control_docs": sum(r.doc.control for r in results),
            "docs": len(results),
            "required": required,
            "predictions": preds,
            "matched": matched,
            "false_positives": fps,
            "ignored_optional": ignored,
            "lang_correct": lang_right,
            "overlap_predictions": overlap_preds,
            "overlap_required": overlap_gold,
            "groups": groups,
            "ece": ece(bins),
        }
    )
    return out


# --- report ------------------------------------------------------------------------------


def fmt(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def show(text: str, limit: int = 70) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_report(m: dict, root: Path) -> None:
    g = m["groups"]

    def grp(key: str) -> str:
        c = g.get(key, {"required": 0, "matched": 0})
        return f"{fmt(m['recall_' + key])} ({c['matched']}/{c['required']})"

    print(f"real-text set: {root} ({m['docs']} docs, {m['control_docs']} controls)")
    print(f"  strict (IoU >= {IOU_MIN}):  P {fmt(m['precision'])}  R {fmt(m['recall'])}  F1 {fmt(m['f1'])}")
    print(f"  any overlap:          P {fmt(m['overlap_precision'])}  R {fmt(m['overlap_recall'])}")
    print(f"  language accuracy:    {fmt(m['lang_accuracy'])} ({m['lang_correct']}/{m['matched']} matched)")
    print(f"  recall by script:     latin {grp('latin')}  non-latin {grp('non_latin')}")
    print(f"  recall by length:     1-2 words {grp('short')}  3-6 {grp('medium')}  7+ {grp('long')}")
    print(
        f"  controls:             {m['fp_controls']} false positives, "
        f"{fmt(m['fp_per_10k_words_controls'], 1)} per 10k words ({m['control_words']} words)"
    )
    print(
        f"  counts:               required gold {m['required']}, predictions {m['predictions']}, "
        f"matched {m['matched']}, false positives {m['false_positives']}, "
        f"ignored (optional) {m['ignored_optional']}"
    )
    print(f"  calibration:          ECE {fmt(m['ece'])}")


def print_errors(results: list[DocResult]) -> None:
    misses, fps, wrong = [], [], []
    for r in results:
        doc = r.doc
        gold_of = {g: p for p, g in r.matches.items()}
        for g_i, g in enumerate(doc.golds):
            if g.optional or g_i in gold_of:
                continue
            # The closest prediction says whether the span was missed or only cut wrong.
            near = max(
                (
                    (iou(doc, (p.start, p.end), (g.start, g.end)), p)
                    for p in r.preds
                    if overlaps(doc, (p.start, p.end), (g.start, g.end))
                ),
                default=None,
                key=lambda t: t[0],
            )
            pred = f"{near[1].kind}/{near[1].lang} {near[1].start}-{near[1].end} IoU {near[0]:.2f}" if near else "-"
            misses.append(f"  {doc.id} {g.start}-{g.end} {show(g.text)!r}  gold {g.lang}  pred {pred}")
        for p_i in r.false_positives:
            p = r.preds[p_i]
            hit = [x for x in doc.golds if overlaps(doc, (p.start, p.end), (x.start, x.end))]
            gold = ", ".join(f"{x.lang}{'?' if x.optional else ''} {x.start}-{x.end}" for x in hit) or "-"
            fps.append(
                f"  {doc.id} {p.start}-{p.end} {show(doc.text[p.start : p.end])!r}  "
                f"pred {p.kind}/{p.lang} {p.confidence:.2f}  gold {gold}"
            )
        for p_i, g_i in sorted(r.matches.items()):
            p, g = r.preds[p_i], doc.golds[g_i]
            if not lang_ok(p.kind, p.lang, g.lang, g.alt_langs):
                alts = "|".join(g.alt_langs)
                wrong.append(
                    f"  {doc.id} {g.start}-{g.end} {show(g.text)!r}  gold {g.lang}{'|' + alts if alts else ''}  "
                    f"pred {p.kind}/{p.lang} {p.confidence:.2f}"
                )
    for title, rows in (
        ("misses (required gold unmatched)", misses),
        ("false positives", fps),
        ("wrong language on matched spans", wrong),
    ):
        print(f"\n{title}: {len(rows)}")
        for row in rows:
            print(row)


def print_calibration(results: list[DocResult], m: dict) -> None:
    print("\nreliability (correct = matched required or optional span, language right):")
    print("  confidence   count  mean conf  fraction correct")
    for b in calibration(results):
        print(
            f"  {b['low']:.1f}-{b['high']:.1f}   {b['count']:6d}  {fmt(b['mean_confidence']):>9}  "
            f"{fmt(b['fraction_correct']):>16}"
        )
    print(f"  ECE {fmt(m['ece'])}")


def check_floors(m: dict, floors: dict) -> bool:
    ok = True
    print("\nfloors:")
    for key, limit in floors.items():
        if key == "fp_controls_max":
            value, passed, op = m["fp_controls"], m["fp_controls"] <= limit, "<="
            key = "fp_controls"
        else:
            value = m.get(key)
            # An unknown or undefined metric fails: a typo must not pass silently.
            passed, op = isinstance(value, (int, float)) and value >= limit, ">="
        ok &= passed
        shown = fmt(value) if isinstance(value, float) or value is None else str(value)
        print(f"  {'PASS' if passed else 'FAIL'}  {key} {shown} {op} {limit}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=default_root(), help="the real-text set (default: %(default)s)")
    ap.add_argument("--errors", action="store_true", help="list misses, false positives and wrong languages")
    ap.add_argument("--calibration", action="store_true", help="print a confidence reliability table")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the metrics as JSON")
    ap.add_argument("--floors", type=Path, metavar="FILE", help="JSON metric -> minimum (fp_controls_max: maximum)")
    args = ap.parse_args(argv)

    if not (args.root / "labels.jsonl").is_file():
        print(f"realtext: skipped: no labeled set at {args.root} (set TRANSNORM_SHARED or --root)", file=sys.stderr)
        print("skipped")
        return 0
    floors = json.loads(args.floors.read_text(encoding="utf-8")) if args.floors else None

    results = run(detect_predict, load(args.root))
    m = metrics(results)
    print_report(m, args.root)
    if args.errors:
        print_errors(results)
    if args.calibration:
        print_calibration(results, m)
    if args.json:
        args.json.write_text(json.dumps(m, indent=1) + "\n", encoding="utf-8")
    if floors is not None and not check_floors(m, floors):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
