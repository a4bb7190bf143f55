"""Time on hostile and broken input: MB/s and growth when the size doubles, per kind.

    python -m bench.adversarial [--mb 1] [--kinds zalgo,bidi] [--repeats 2] [--check]

Each kind of input is built at ``--mb`` and at twice that, read as an upload would be
(``ingest.reading.read_bytes``: decoding, HTML extraction) and normalized without a
translation engine (``normalize.pipeline.normalize_text``: hygiene, detection,
assembly). It prints MB/s at both sizes, the time ratio when the size doubles (2.0 is
linear) and the exponent ``log2(ratio)``. The targets (issue #15): >= 0.5 MB/s at 1 MB
and a ratio <= 2.3; ``--check`` exits 1 when a kind misses one.

The inputs are generated, not taken from any test set: English filler from a fixed
word list, and the hostile ingredient of each kind repeated through it.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable

from ingest.reading import InputError, read_bytes
from normalize.pipeline import normalize_text

FILLER = (
    "the of and to in is was for on that with as by at from his her they this which were "
    "be are an have had not but one all their there been has when who more would will "
    "about into other than then them these some could time only people two may first new"
).split()
CYRILLIC = "слово дело время работа город вопрос жизнь сторона голова".split()
GREEK = "λόγος χρόνος άνθρωπος ημέρα πόλη".split()


def _words(rng: random.Random, n_bytes: int, word: Callable[[random.Random], str], sep: str = " ") -> str:
    out: list[str] = []
    size = 0
    while size < n_bytes:
        w = word(rng)
        out.append(w)
        size += len(w.encode()) + 1
    return sep.join(out)


def _english(rng: random.Random) -> str:
    return rng.choice(FILLER)


def _paragraphs(text: str, rng: random.Random, every: int = 80) -> str:
    """Blank lines every ``every`` words or so: documents have paragraphs."""
    words = text.split(" ")
    out = []
    for k in range(0, len(words), every):
        out.append(" ".join(words[k : k + every]))
    return ".\n\n".join(out) + "."


def zero_width_and_bidi(n: int, rng: random.Random) -> bytes:
    marks = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u2066", "\u2069", "\u00ad"]
    text = _words(
        rng, n, lambda r: "".join(c + (r.choice(marks) if r.random() < 0.3 else "") for c in r.choice(FILLER))
    )
    return _paragraphs(text, rng).encode()


def alternating_scripts(n: int, rng: random.Random) -> bytes:
    text = _words(rng, n, lambda r: r.choice(FILLER) if r.random() < 0.5 else r.choice(CYRILLIC))
    return _paragraphs(text, rng).encode()


def zalgo(n: int, rng: random.Random) -> bytes:
    marks = [chr(c) for c in range(0x300, 0x36F)]
    text = _words(rng, n, lambda r: "".join(c + "".join(r.choices(marks, k=r.randint(1, 6))) for c in r.choice(FILLER)))
    return _paragraphs(text, rng).encode()


def tiny_fragments(n: int, rng: random.Random) -> bytes:
    def word(r: random.Random) -> str:
        x = r.random()
        return (
            r.choice(CYRILLIC) if x < 0.1 else r.choice(GREEK) if x < 0.15 else "日本" if x < 0.2 else r.choice(FILLER)
        )

    return _paragraphs(_words(rng, n, word), rng).encode()


def homoglyph_dense(n: int, rng: random.Random) -> bytes:
    swap = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у"}

    def word(r: random.Random) -> str:
        w = r.choice(FILLER)
        return "".join(swap.get(c, c) if r.random() < 0.4 else c for c in w)

    return _paragraphs(_words(rng, n, word), rng).encode()


def one_long_line(n: int, rng: random.Random) -> bytes:
    def word(r: random.Random) -> str:
        return r.choice(CYRILLIC) if r.random() < 0.05 else r.choice(FILLER)

    return _words(rng, n, word).encode()  # no line break at all


def emoji_zwj(n: int, rng: random.Random) -> bytes:
    family = "👩\u200d👩\u200d👧\u200d👦"
    flags = "🏳️\u200d🌈"
    skin = "👋🏽"
    text = _words(rng, n, lambda r: r.choice([family, flags, skin, r.choice(FILLER), r.choice(FILLER)]))
    return _paragraphs(text, rng).encode()


def nested_html(n: int, rng: random.Random) -> bytes:
    # Deep nesting: 10k levels per MB, the words inside the innermost element.
    depth = max(1, n // 100)
    body = _words(rng, n // 2, _english)
    return f"<!doctype html><html><body>{'<div>' * depth}<p>{body}</p>{'</div>' * depth}</body></html>".encode()


def many_paragraphs_html(n: int, rng: random.Random) -> bytes:
    # 50k <p> per MB.
    count = max(1, n // 20)
    ps = "".join(f"<p>{rng.choice(FILLER)} {rng.choice(FILLER)}</p>" for _ in range(count))
    return f"<!doctype html><html><body><article>{ps}</article></body></html>".encode()


KINDS: dict[str, tuple[Callable[[int, random.Random], bytes], str]] = {
    "zero-width/bidi": (zero_width_and_bidi, "text/plain"),
    "alternating scripts": (alternating_scripts, "text/plain"),
    "zalgo": (zalgo, "text/plain"),
    "tiny fragments": (tiny_fragments, "text/plain"),
    "homoglyph-dense": (homoglyph_dense, "text/plain"),
    "one long line": (one_long_line, "text/plain"),
    "emoji ZWJ": (emoji_zwj, "text/plain"),
    "nested HTML": (nested_html, "text/html"),
    "50k <p> HTML": (many_paragraphs_html, "text/html"),
}


def timed(raw: bytes, content_type: str) -> float:
    t0 = time.perf_counter()
    try:
        doc = read_bytes(raw, "input", content_type=content_type)
    except InputError:
        return time.perf_counter() - t0  # a clear refusal is a result too
    normalize_text(doc.text, mode="keep")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=1.0, help="the smaller size, MB (10^6 bytes)")
    ap.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a kind misses a target")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=1, help="time each input this many times, keep the best")
    args = ap.parse_args()
    kinds = [k for k in KINDS if not args.kinds or k in args.kinds.split(",")]
    normalize_text("warm up: the models load once. Слово и дело.", mode="keep")
    small = int(args.mb * 1e6)
    print(
        f"{'kind':<22}{'MB/s @' + format(args.mb, 'g') + ' MB':>14}{'MB/s @' + format(2 * args.mb, 'g') + ' MB':>14}{'ratio':>8}{'exponent':>10}"
    )
    missed = []
    for kind in kinds:
        build, ctype = KINDS[kind]
        a = build(small, random.Random(args.seed))
        b = build(2 * small, random.Random(args.seed))
        # Best of --repeats, as timeit does: a single pass on a shared machine moves by
        # more than the growth this measures.
        ta = min(timed(a, ctype) for _ in range(args.repeats))
        tb = min(timed(b, ctype) for _ in range(args.repeats))
        ratio = tb / ta if ta > 0 else float("inf")
        speed_a, speed_b = len(a) / 1e6 / ta, len(b) / 1e6 / tb
        ok = speed_a >= 0.5 and ratio <= 2.3
        if not ok:
            missed.append(kind)
        print(
            f"{kind:<22}{speed_a:>14.2f}{speed_b:>14.2f}{ratio:>8.2f}{math.log2(ratio):>10.2f}{'' if ok else '   MISSED'}",
            flush=True,
        )
    print("targets: >= 0.5 MB/s at 1 MB; time ratio <= 2.3 when the size doubles")
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
