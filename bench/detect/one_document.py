"""Peak memory and time normalizing one large document (issue #15: <= 500 MB on 20 MB).

    python -m bench.detect.one_document [--mb 20] [--seed 7] [--target-mb 500]

The document is ``--mb`` MB of English-dominant paragraphs with foreign sentences,
words and look-alike letters (``memory.py``'s generator), built once and then
normalized by ``normalize.pipeline.normalize_text`` without a translation engine:
hygiene, detection and the assembly of every change with its provenance. Prints MB/s,
the RSS after imports and a warm-up, and the peak RSS (``VmHWM``) against the target;
exits with status 1 when the peak is over it. Memory of the input string itself is in
the figure: it is what a caller holds.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from bench.detect.memory import document, lines, peak_rss_mb, rss_mb, warm_up_text
from normalize.pipeline import normalize_text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--target-mb", type=float, default=500.0)
    args = ap.parse_args()
    normalize_text(warm_up_text(), mode="keep")
    baseline = rss_mb()
    en = [s for s in lines("sentences", "en", "bench") if s.isascii()]
    text = document(random.Random(args.seed), en, int(args.mb * 1e6))
    size = len(text.encode()) / 1e6
    t0 = time.perf_counter()
    result = normalize_text(text, mode="keep")
    seconds = time.perf_counter() - t0
    peak = peak_rss_mb()
    print(f"one document of {size:.1f} MB: {len(result.changes)} changes, {seconds:.1f} s, {size / seconds:.2f} MB/s")
    print(f"RSS after warm-up {baseline:.0f} MB; peak RSS {peak:.0f} MB (target <= {args.target_mb:.0f} MB)")
    sys.exit(0 if peak <= args.target_mb else 1)


if __name__ == "__main__":
    main()
