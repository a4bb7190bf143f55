"""Translation throughput: batching, de-duplication and the persistent cache, in one run.

A crawl-like set is built from ../shared/corpus: English pages (sentences/en.txt) with
foreign fragments inserted (ru, uk, de sentences and word pairs, zh-Hant sentences); a share of the
fragments (``--repeat``, default 30%) is drawn from a small pool of recurring boilerplate,
like a site template's byline on every page. Tiny real argos packages (tests/argos_tiny.py,
CTranslate2 + SentencePiece, wired to a fixed answer so outputs pass the guards) do the
translating. By default they have Transformer-base dimensions (``--model base``: the shape
of argos's published models, random weights, a 160-piece vocabulary), so an engine call
costs about what a real one does per token; ``--model tiny`` measures overhead alone.

Compared in the same run, over the same fragments:

* ``per fragment``: the baseline, one engine call per fragment, no de-duplication, no cache;
* ``batched``: :func:`normalize.pipeline.normalize_batch` over batches of ``--batch`` pages
  (one engine call per language pair per batch, identical fragments once), no cache;
* ``batched + cache (cold/warm)``: the same with the store's translation cache (a local
  folder), first on an empty cache, then again as a second run would.

    python -m bench.translate.run [--pages 400] [--batch 50] [--repeat 0.3] [--seed 7] [--model base|tiny]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.detect.corpus import lines
from ingest.store import LocalStore
from ingest.translation_cache import StoreTranslationCache
from normalize.argos import ArgosEngine
from normalize.pipeline import detect_findings, normalize_batch
from normalize.translate import FragmentTranslator, Request
from tests.argos_tiny import BASE, TINY, build_tiny_argos_package, install_packages

ROOT = Path(__file__).resolve().parents[2]

# argos codes of the packages built; BCP-47 zh-Hant maps to argos "zt".
PAIRS = [("ru", "en"), ("uk", "en"), ("de", "en"), ("zt", "en")]
FRAGMENT_LANGS = ["ru", "uk", "de", "zh-Hant"]


def build_pages(n: int, repeat: float, seed: int) -> list[str]:
    rng = random.Random(seed)
    english = lines("sentences", "en")
    pool = {
        lang: list(lines("sentences", lang)) + (list(lines("words/pairs", lang)) if lang != "zh-Hant" else [])
        for lang in FRAGMENT_LANGS
    }
    boilerplate = [rng.choice(pool[lang]) for lang in FRAGMENT_LANGS for _ in range(5)]
    pages = []
    for _ in range(n):
        sentences = [rng.choice(english) for _ in range(rng.randint(6, 12))]
        for _ in range(rng.randint(2, 5)):
            fragment = (
                rng.choice(boilerplate) if rng.random() < repeat else rng.choice(pool[rng.choice(FRAGMENT_LANGS)])
            )
            i = rng.randrange(len(sentences))
            words = sentences[i].split()
            words.insert(rng.randrange(len(words) + 1), fragment)
            sentences[i] = " ".join(words)
        pages.append(" ".join(sentences))
    return pages


def models(folder: Path, size) -> Path:
    archives = [build_tiny_argos_package(folder, src, tgt, "1.0", reply="the book", size=size) for src, tgt in PAIRS]
    install_packages(archives, folder / "packages")
    return folder / "packages"


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--repeat", type=float, default=0.3, help="share of fragments drawn from recurring boilerplate")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--model",
        choices=("base", "tiny"),
        default="base",
        help="base: Transformer-base dimensions (a realistic cost per token); tiny: d_model 16, one layer",
    )
    args = ap.parse_args()

    pages = build_pages(args.pages, args.repeat, args.seed)
    batches = [pages[i : i + args.batch] for i in range(0, len(pages), args.batch)]
    with tempfile.TemporaryDirectory() as tmp:
        packages = models(Path(tmp), BASE if args.model == "base" else TINY)
        engine = ArgosEngine(packages)
        for src, tgt in PAIRS:  # load every model before timing
            hop = engine.hop("zh-Hant" if src == "zt" else src, tgt)
            engine.run(hop, ["warm up"])

        # Detection runs once, outside the clocks: these figures are translation only.
        batch_requests = [
            [
                Request(f.text, f.lang, f.script)
                for page in batch
                for f in detect_findings(page)[1]
                if f.kind == "foreign"
            ]
            for batch in batches
        ]
        requests = [r for rs in batch_requests for r in rs]
        fragments = len(requests)

        def per_fragment():
            tr = FragmentTranslator(engine)
            for r in requests:
                tr.translate_all([r])
            return tr

        def batched(cache=None):
            tr = FragmentTranslator(engine, cache)
            for rs in batch_requests:
                tr.translate_all(rs)
            return tr

        base, t_base = timed(per_fragment)
        plain, t_plain = timed(batched)
        store = LocalStore(Path(tmp) / "store")
        cold, t_cold = timed(lambda: batched(StoreTranslationCache(store)))
        warm, t_warm = timed(lambda: batched(StoreTranslationCache(store)))
        # End to end (detection, translation, assembly) for the batched path with cache.
        _, t_e2e = timed(
            lambda: [normalize_batch(b, FragmentTranslator(engine, StoreTranslationCache(store))) for b in batches]
        )

    print(
        f"{args.model} model, {len(pages)} pages in {len(batches)} batches of {args.batch}, {fragments} fragments "
        f"({args.repeat:.0%} drawn from {len(FRAGMENT_LANGS) * 5} recurring ones), seed {args.seed}"
    )
    print(
        f"{'run':30} {'fragments/s':>12} {'engine calls':>13} {'calls/batch':>12} {'texts sent':>11} {'cache hits':>11} {'vs baseline':>12}"
    )
    rows = [
        ("per fragment (baseline)", base, t_base),
        ("batched", plain, t_plain),
        ("batched + cache, cold", cold, t_cold),
        ("batched + cache, warm", warm, t_warm),
    ]
    for name, tr, t in rows:
        s = tr.stats
        lookups = s.cache_hits + s.cache_misses
        hit = f"{s.cache_hits / lookups:.0%}" if tr.cache is not None and lookups else "-"
        calls_batch = f"{s.engine_calls / len(batches):.1f}" if tr is not base else "-"
        print(
            f"{name:30} {fragments / t:12.0f} {s.engine_calls:13d} {calls_batch:>12} {s.engine_texts:11d} {hit:>11} {t_base / t:11.1f}x"
        )
    print(
        f"end to end (detect + translate with warm cache + assemble): {len(pages) / t_e2e:.0f} pages/s, {fragments / t_e2e:.0f} fragments/s"
    )


if __name__ == "__main__":
    main()
