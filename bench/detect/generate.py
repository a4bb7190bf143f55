"""Build a labelled set of mixed-language documents from ../shared/corpus (seeded).

Each document: English carrier sentences from ``sentences/en.txt`` with one inserted item
(from the development part of the corpus, see ``corpus.py``)
(a foreign sentence, a two-word phrase or a single word, bare or wrapped in « », “ ”,
( ), [ ]) at the start, middle or end of a carrier sentence, or a homoglyph corruption,
or nothing but English traps. Gold spans are code point offsets of the inserted letters.

Homoglyph corruptions (gold span: the corrupted word, a run of letters as
``normalize.scripts`` splits words): a Cyrillic look-alike letter in an English word
(``pаyment``), a Greek one (``ο ι υ ν``: the UTS #39 confusables of Latin lowercase that
``normalize/homoglyphs.py`` repairs; ``α ρ γ σ`` are science symbols there and are left
alone), or a lone Cyrillic ``а`` standing as the word "a" between English words
(``of а military``). The variant is drawn from its own generator seeded with
``(seed, document number)``, so the other documents are the same as before it existed.

    python -m bench.detect.generate --docs 600 --seed 7 > set.jsonl
"""

from __future__ import annotations

import random
import re

from bench.detect.corpus import lines, print_jsonl, zh_parallel

NON_LATIN = ["ru", "uk", "bg", "sr", "be", "mk", "kk", "mn", "zh", "ja", "ko", "ar", "he", "fa", "el", "hi", "th"]
LATIN = ["de", "fr", "es", "it", "pl", "pt", "tr", "nl", "vi"]
WRAPS = [("", ""), ("«", "»"), ("“", "”"), ("(", ")"), ("[", "]")]
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
GREEK_HOMOGLYPHS = {"o": "ο", "i": "ι", "u": "υ", "v": "ν"}
HOMOGLYPH_VARIANTS = ["cyrillic", "cyrillic", "greek", "lone"]
LONE_A = re.compile(r"(?<=[A-Za-z] )a(?= [A-Za-z])")
WORD = re.compile(r"[^\W\d_]+")
TRAPS = [
    "The coup d’état surprised nobody in Zürich.",
    "Nicolás said the Schadenfreude was palpable.",
    "Patients on a β-blocker were excluded.",
    "Particles above 5 μm were filtered and the α-helix was intact.",
    "Write to author@example.org or visit https://example.org/über today 🙂.",
    "The café served a crème brûlée with naïve charm — 10 € only.",
]


def zh_hant() -> list[str]:
    return [hant for hant, _ in zh_parallel("bench")]


def hant_window(rng: random.Random, size: int) -> str:
    """``size`` Han characters of a Traditional sentence that differ from its Simplified
    twin (parallel corpus, same length): a span whose script can be told at all."""
    pairs = [(a, b) for a, b in zh_parallel("bench") if len(a) == len(b)]
    while True:
        hant, hans = rng.choice(pairs)
        k = rng.randrange(len(hant) - size + 1)
        w = hant[k : k + size]
        if w != hans[k : k + size] and all("\u4e00" <= c <= "\u9fff" for c in w):
            return w


def offset(carriers: list[str], target: int) -> int:
    """Where ``carriers[target]`` starts in ``" ".join(carriers)``."""
    return sum(len(c) + 1 for c in carriers[:target])


def corrupt_word(carriers: list[str], target: int, j: int, table: dict[str, str], min_letters: int) -> dict | None:
    """Replace the first letter found in ``table`` in the ``j``-th space-separated token of
    ``carriers[target]`` (or in the next token that has one, in a word of at least
    ``min_letters`` letters). Returns the gold span of the corrupted word, or None."""
    words = carriers[target].split(" ")
    for jj in [(j + step) % len(words) for step in range(len(words))]:
        w = words[jj]
        for m in WORD.finditer(w):
            k = next((k for k in range(m.start(), m.end()) if w[k] in table), None)
            if k is None or m.end() - m.start() < min_letters:
                continue
            words[jj] = w[:k] + table[w[k]] + w[k + 1 :]
            carriers[target] = " ".join(words)
            start = offset(carriers, target) + sum(len(x) + 1 for x in words[:jj]) + m.start()
            return {"start": start, "end": start + m.end() - m.start(), "lang": "en", "kind": "homoglyph"}
    return None


def corrupt_lone_a(carriers: list[str], rng: random.Random) -> dict | None:
    """Replace one word "a" standing between two English words with Cyrillic "а"."""
    places = [(t, m.start()) for t, c in enumerate(carriers) for m in LONE_A.finditer(c)]
    if not places:
        return None
    t, k = rng.choice(places)
    carriers[t] = carriers[t][:k] + "а" + carriers[t][k + 1 :]
    start = offset(carriers, t) + k
    return {"start": start, "end": start + 1, "lang": "en", "kind": "homoglyph"}


def homoglyph_doc(carriers: list[str], target: int, j: int, rng: random.Random) -> tuple[str, list[dict]]:
    """The document text with one homoglyph corruption, and its gold span (if any)."""
    variant = rng.choice(HOMOGLYPH_VARIANTS)
    span = corrupt_lone_a(carriers, rng) if variant == "lone" else None
    if span is None and variant == "greek":
        span = corrupt_word(carriers, target, j, GREEK_HOMOGLYPHS, 2)
    if span is None:
        span = corrupt_word(carriers, target, j, HOMOGLYPHS, 1)
    text = " ".join(carriers)
    if span is not None:
        word = text[span["start"] : span["end"]]
        assert word.isalpha() and not word.isascii(), (word, text)
    return text, [span] if span else []


def build(n_docs: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    en = [s for s in lines("sentences", "en", "bench") if 40 < len(s) < 200 and s.isascii()]
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
                item = rng.choice(src) if kind == "sentence" else hant_window(rng, 2 if kind == "pair" else 1)
            else:
                folder = {"sentence": "sentences", "pair": "words/pairs", "word": "words/single"}[kind]
                item = rng.choice(lines(folder, lang, "bench"))
            item = item.rstrip(".!?。")
        target = rng.randrange(len(carriers))
        spans = []
        if kind == "homoglyph":
            j = rng.randrange(len(carriers[target].split(" ")))
            text, spans = homoglyph_doc(carriers, target, j, random.Random(f"{seed}/{i}"))
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
        spans.append(
            {
                "start": len(prefix),
                "end": len(prefix) + len(item),
                "lang": tag,
                "kind": kind,
                "position": pos,
                "wrap": left or "bare",
            }
        )
        docs.append({"id": f"d{i}", "kind": kind, "text": text.strip(), "spans": spans})
    return docs


def main() -> None:
    print_jsonl(build, 600, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
