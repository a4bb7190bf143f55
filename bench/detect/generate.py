"""Build a labelled set of mixed-language documents from ../shared/corpus (seeded).

Each document: English carrier sentences from ``sentences/en.txt`` with one inserted item
(a foreign sentence, a two-word phrase or a single word, bare or wrapped in « », “ ”,
( ), [ ]) at the start, middle or end of a carrier sentence, or a homoglyph corruption,
or nothing but English traps. Gold spans are code point offsets of the inserted letters.

    python bench/detect/generate.py --docs 600 --seed 7 > set.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "corpus"
NON_LATIN = "ru uk bg sr be mk kk mn zh ja ko ar he fa el hi th".split()
LATIN = "de fr es it pl pt tr nl vi".split()
WRAPS = [("", ""), ("«", "»"), ("“", "”"), ("(", ")"), ("[", "]")]
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
TRAPS = [
    "The coup d’état surprised nobody in Zürich.",
    "Nicolás said the Schadenfreude was palpable.",
    "Patients on a β-blocker were excluded.",
    "Particles above 5 μm were filtered and the α-helix was intact.",
    "Write to author@example.org or visit https://example.org/über today 🙂.",
    "The café served a crème brûlée with naïve charm — 10 € only.",
]


def lines(folder: str, lang: str) -> list[str]:
    path = SHARED / folder / f"{lang}.txt"
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def zh_hant() -> list[str]:
    rows = (SHARED / "parallel" / "zh-Hant_zh-Hans.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [r.split("\t")[1] for r in rows]


def build(n_docs: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    en = [s for s in lines("sentences", "en") if 40 < len(s) < 200 and s.isascii()]
    docs = []
    langs = NON_LATIN + ["zh-Hant"] + LATIN
    for i in range(n_docs):
        carriers = rng.sample(en, 4)
        kind = rng.choice(["sentence", "pair", "word", "homoglyph", "english"])
        lang = rng.choice(langs if kind == "sentence" else NON_LATIN + ["zh-Hant"])
        tag = {"zh": "zh-Hans"}.get(lang, lang)
        item = None
        if kind in ("sentence", "pair", "word"):
            if lang == "zh-Hant":
                src = zh_hant()
                item = rng.choice(src) if kind == "sentence" else rng.choice(src)[: 2 if kind == "pair" else 1]
            else:
                folder = {"sentence": "sentences", "pair": "words/pairs", "word": "words/single"}[kind]
                item = rng.choice(lines(folder, lang))
            item = item.rstrip(".!?。")
        target = rng.randrange(len(carriers))
        spans = []
        if kind == "homoglyph":
            words = carriers[target].split(" ")
            j = rng.randrange(len(words))
            w = words[j]
            for k, ch in enumerate(w):
                if ch in HOMOGLYPHS:
                    words[j] = w[:k] + HOMOGLYPHS[ch] + w[k + 1 :]
                    break
            carriers[target] = " ".join(words)
            text = " ".join(carriers)
            start = text.find(words[j]) if words[j] != w else -1
            if start >= 0:
                spans.append({"start": start, "end": start + len(words[j]), "lang": "en", "kind": "homoglyph"})
            docs.append({"id": f"d{i}", "kind": kind, "text": text, "spans": spans})
            continue
        if kind == "english":
            carriers[target] = carriers[target] + " " + rng.choice(TRAPS)
            docs.append({"id": f"d{i}", "kind": kind, "text": " ".join(carriers), "spans": []})
            continue
        left, right = rng.choice(WRAPS)
        words = carriers[target].split(" ")
        pos = rng.choice(["start", "middle", "end"])
        at = {"start": 0, "middle": len(words) // 2, "end": len(words)}[pos]
        before = " ".join(carriers[:target] + [" ".join(words[:at])]).strip()
        prefix = (before + " " if before else "") + left
        text = prefix + item + right + " " + " ".join(words[at:] + carriers[target + 1 :])
        spans.append({"start": len(prefix), "end": len(prefix) + len(item), "lang": tag, "kind": kind, "position": pos})
        docs.append({"id": f"d{i}", "kind": kind, "text": text.strip(), "spans": spans})
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    for d in build(args.docs, args.seed):
        sys.stdout.write(json.dumps(d, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
