"""Memory and throughput of detection on a stream of English-dominant documents.

Documents of about ``--doc-kb`` KB (English sentences of the development part of the
corpus in paragraphs, with now and then a foreign sentence, word or pair and a homoglyph)
are generated one at a time from ``--seed`` and fed one by one to
``normalize.pipeline.detect_findings``; no document is kept after it is processed, so
the memory measured is the detector's. Prints MB processed (UTF-8, 10^6 bytes), seconds
in detection, MB/s, the RSS after imports and a warm-up that loads every lazy model
(baseline) and the peak RSS (``VmHWM``) against the target; exits with status 1 when
the peak is over it.

    python -m bench.detect.memory [--mb 20] [--doc-kb 20] [--seed 7] [--target-mb 400]
    python -m bench.detect.memory --mb 1        # quick check
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench.detect.corpus import lines, zh_parallel
from bench.detect.generate import HOMOGLYPHS, LATIN, NON_LATIN
from normalize.pipeline import detect_findings

FOREIGN = NON_LATIN + ["zh-Hant"]


def rss_mb() -> float:
    """Resident set size now, in MB (Linux ``/proc``; the peak elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return peak_rss_mb()
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    """Peak RSS in MB: ``VmHWM`` of this process image (Linux). ``ru_maxrss`` is the
    fallback only: Linux carries it across ``exec``, so a process started from a large
    parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


def foreign(rng: random.Random) -> str:
    """A foreign sentence (any language), word or pair (non-Latin scripts) of the bench part."""
    kind = rng.choice(["sentences", "words/single", "words/pairs"])
    lang = rng.choice(FOREIGN + (LATIN if kind == "sentences" else []))
    if lang == "zh-Hant":
        hant = rng.choice(zh_parallel("bench"))[0]
        return hant if kind == "sentences" else hant[: 1 if kind == "words/single" else 2]
    return rng.choice(lines(kind, lang, "bench"))


def corrupted(sentence: str, rng: random.Random) -> str:
    """``sentence`` with one letter replaced by its Cyrillic look-alike."""
    ks = [k for k, c in enumerate(sentence) if c in HOMOGLYPHS]
    if not ks:
        return sentence
    k = rng.choice(ks)
    return sentence[:k] + HOMOGLYPHS[sentence[k]] + sentence[k + 1 :]


def document(rng: random.Random, en: list[str], size: int) -> str:
    """About ``size`` bytes of English paragraphs with occasional foreign items."""
    parts: list[str] = []
    n = 0
    while n < size:
        r = rng.random()
        s = rng.choice(en)
        if r < 0.03:
            s = foreign(rng)
        elif r < 0.06:
            s = s.rstrip(".") + " " + foreign(rng) + "."
        elif r < 0.07:
            s = corrupted(s, rng)
        sep = "" if not parts else "\n\n" if rng.random() < 0.2 else " "
        parts.append(sep + s)
        n += len(parts[-1].encode())
    return "".join(parts)


def warm_up_text() -> str:
    """English with a sentence, ten words and a pair of every language: every lazy table
    and model of the detector (per-script language deciders) is loaded on it (one word
    may not reach them: most Arabic words hold a letter that decides alone)."""
    en = lines("sentences", "en", "bench")
    items = [zh_parallel("bench")[0][0]]
    for lang in NON_LATIN:
        items += [
            lines("sentences", lang, "bench")[0],
            *lines("words/single", lang, "bench")[:10],
            lines("words/pairs", lang, "bench")[0],
        ]
    items += [lines("sentences", lang, "bench")[0] for lang in LATIN]
    return "\n\n".join(f"{en[k]} {item} {en[k + 1]}" for k, item in enumerate(items))


def documents(total: int, doc_size: int, seed: int) -> Iterator[str]:
    """Documents of about ``doc_size`` bytes until ``total`` bytes, one at a time."""
    rng = random.Random(seed)
    en = [s for s in lines("sentences", "en", "bench") if s.isascii()]
    made = 0
    while made < total:
        doc = document(rng, en, min(doc_size, total - made))
        made += len(doc.encode())
        yield doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=50.0, help="MB (10^6 bytes of UTF-8) to process")
    ap.add_argument("--doc-kb", type=float, default=20.0, help="size of one document in KB (10^3 bytes)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--target-mb", type=float, default=400.0, help="the peak RSS target in MB (issue #14: 400 on a 20 MB stream)"
    )
    args = ap.parse_args()

    imported = rss_mb()
    detect_findings(warm_up_text())
    baseline = peak = rss_mb()
    total = int(args.mb * 1e6)
    n_bytes = n_docs = n_findings = 0
    seconds = 0.0
    step = max(total // 10, 1)
    for doc in documents(total, int(args.doc_kb * 1e3), args.seed):
        t0 = time.perf_counter()
        _, findings = detect_findings(doc)
        seconds += time.perf_counter() - t0
        before = n_bytes
        n_bytes += len(doc.encode())
        n_docs += 1
        n_findings += len(findings)
        peak = max(peak, rss_mb())
        if n_bytes // step != before // step:
            print(f"  {n_bytes / 1e6:8.2f} MB  {seconds:8.1f} s  RSS {rss_mb():7.1f} MB", file=sys.stderr, flush=True)
    peak = max(peak, peak_rss_mb())
    mb = n_bytes / 1e6
    print(f"documents          {n_docs} (about {args.doc_kb:g} KB each), {n_findings} findings")
    print(f"MB processed       {mb:.2f}")
    print(f"seconds            {seconds:.1f} (in detect_findings)")
    print(f"MB/s               {mb / seconds if seconds else float('nan'):.3f}")
    print(f"RSS after import   {imported:.1f} MB")
    print(f"RSS baseline       {baseline:.1f} MB (after imports and warm-up)")
    print(f"RSS now            {rss_mb():.1f} MB")
    print(f"peak RSS           {peak:.1f} MB (VmHWM, or RSS sampled after each document if higher)")
    ok = peak <= args.target_mb
    print(f"target             peak RSS <= {args.target_mb:g} MB: {'met' if ok else 'NOT met'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
