"""Held-back evaluation set: multi-paragraph documents, built differently from generate.py.

Only the held-back part of the corpus is used (``corpus.py``: every fifth line of every
file), so nothing here was seen while tuning on ``generate.py``'s set. Each document is
an optional Markdown heading (``#``/``##``), an optional byline line, and 2-5 paragraphs
of English sentences separated by blank lines, with 0-3 inserted items of mixed kinds and
languages (about a quarter of the documents have none and carry only English traps):

- foreign sentences as their own sentence after a sentence boundary, as their own
  paragraph, inside an English sentence after a comma, or after a colon
  (``He wrote: «...».``); Latin-script languages only as sentences;
- foreign words and pairs after a comma or a colon; Chinese and Japanese ones are
  2-5 character windows of held-back sentences that identify their language (Traditional
  or Simplified only per ``hanzidentifier``, Japanese with kana), because the corpus'
  zh/ja "words" are single characters and n-grams;
- items bare or wrapped in „ “, ‘ ’, 「 」, « », " ", “ ”, ( );
- homoglyphs: a Cyrillic lowercase or capital look-alike, a Greek one (``ο ι υ ν`` and
  capitals), two look-alikes in a longer word, or a lone Cyrillic ``а`` for the word "a";
- English traps that are not foreign: generate.py's TRAPS and the ones below (names with
  diacritics, science Greek, emoji, non-ASCII URLs and e-mail, hashtags, code).

Gold spans: code point offsets of the inserted letters (without the wrapping quotes or
brackets; a foreign sentence keeps its own final punctuation when it stands as a
sentence), sorted and non-overlapping; a homoglyph span is the corrupted word. Besides
the fields of generate.py, each span has ``where`` (placement, or homoglyph variant).
``position`` is where the item stands in its paragraph (letters before/after it).

    python -m bench.detect.heldout --docs 300 --seed 7 > heldout.jsonl
    python -m bench.detect.run --set heldout --docs 300 --breakdown
"""

from __future__ import annotations

import random

import hanzidentifier
import regex

from bench.detect.corpus import lines, print_jsonl, zh_parallel
from bench.detect.generate import HOMOGLYPHS, LATIN, NON_LATIN, TRAPS

PART = "heldout"
KINDS = ["sentence", "sentence", "sentence", "pair", "pair", "word", "word", "homoglyph", "homoglyph"]
PLACES = {
    "sentence": ["sentence", "sentence", "paragraph", "comma", "colon"],
    "pair": ["comma", "colon"],
    "word": ["comma", "colon"],
}
WRAPS = [
    ("", ""),
    ("", ""),
    ("", ""),
    ("„", "“"),
    ("‘", "’"),
    ("「", "」"),
    ("«", "»"),
    ('"', '"'),
    ("“", "”"),
    ("(", ")"),
]
LEAD_INS = [
    "He wrote",
    "The sign at the entrance read",
    "Her reply was short",
    "The caption says",
    "One reader put it this way",
    "The original title is",
    "The banner said",
    "In the original",
    "The label on the box reads",
    "She added",
]
NAMES = [
    "Zoë Ashworth",
    "Tomás Ó Briain",
    "Agnieszka Wójcik",
    "Jürgen Weiß",
    "Chloé Dubois",
    "Sam Patel",
    "Mary O'Neil",
    "Nguyễn Văn An",
]
DATES = ["", " · 12 March 2021", " | Updated 3 hours ago", ", staff writer", " — 2019-07-04"]
MY_TRAPS = [
    "The concert opened with Dvořák's Symphony No. 9, first performed in Łódź that spring.",
    "Flights from São Paulo to Montréal were cancelled on Tuesday.",
    "François Hollande met Recep Tayyip Erdoğan and Björk in Reykjavík.",
    "One ångström (1 Å) is a tenth of a nanometre.",
    "Over a short interval Δt the velocity barely changes.",
    "Green light has a wavelength of about λ = 500 nm.",
    "The ratio comes out at roughly π/4, close to 0.785.",
    "The test gave χ² = 4.2 and a p-value just under 0.05.",
    "Temperatures ranged from −5 °C to 30 °C within a week.",
    "The launch went well 🎉🎉 and the team said thanks 👍🏽 to everyone 👩‍💻.",
    "Photos are at https://de.wikipedia.org/wiki/Straßenbahn_Zürich for anyone curious.",
    "See https://ru.wikipedia.org/wiki/Байкал for the lake's article.",
    "Send corrections to jürgen.müller@example.de or press@example.com.",
    "The campaign trended under #MeToo and #Écologie2024 for a week.",
    "Call `snake_case_name()` before `parse_user_input(raw)` returns None.",
    "His only answer was a shrug, ¯\\_(ツ)_/¯, and a smile.",
    "The résumé listed a stint at Nestlé and a degree from the Sorbonne.",
]
HANZI = {"zh-Hans": hanzidentifier.SIMPLIFIED, "zh-Hant": hanzidentifier.TRADITIONAL}
CJK_RUN = {
    "zh-Hans": regex.compile(r"\p{Han}+"),
    "zh-Hant": regex.compile(r"\p{Han}+"),
    "ja": regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}ー]+"),
}
KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
WORD = regex.compile(r"[A-Za-z]+")
LONE_A = regex.compile(r"(?<=[A-Za-z] )a(?= [A-Za-z])")
CAPITALS = {
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
}
GREEK = {
    "o": "ο",
    "i": "ι",
    "u": "υ",
    "v": "ν",
    "A": "Α",
    "B": "Β",
    "E": "Ε",
    "H": "Η",
    "K": "Κ",
    "M": "Μ",
    "N": "Ν",
    "O": "Ο",
    "T": "Τ",
    "X": "Χ",
}
VARIANTS = {"cyrillic": HOMOGLYPHS, "capital": CAPITALS, "greek": GREEK, "double": HOMOGLYPHS}

# A unit is one sentence: a list of (text, meta) segments. meta None: plain English that
# may still take an insertion or a corruption; a str: fixed text; a dict: a gold item.
Unit = list[tuple[str, object]]


def sentences(lang: str) -> list[str]:
    if lang == "zh-Hant":
        return [hant for hant, _ in zh_parallel(PART)]
    return list(lines("sentences", "zh" if lang == "zh-Hans" else lang, PART))


def cjk_window(lang: str, size: int, rng: random.Random) -> str:
    """``size`` characters of a held-back sentence that tell ``lang`` apart."""
    pool = sentences(lang)
    for _ in range(1000):
        runs = [m.group() for m in CJK_RUN[lang].finditer(rng.choice(pool)) if len(m.group()) >= size]
        if not runs:
            continue
        run = rng.choice(runs)
        k = rng.randrange(len(run) - size + 1)
        w = run[k : k + size]
        if (lang == "ja" and KANA.search(w)) or (lang != "ja" and hanzidentifier.identify(w) == HANZI[lang]):
            return w
    raise RuntimeError(f"no {size}-character {lang} window")


def pick_item(kind: str, lang: str, rng: random.Random) -> str:
    if kind == "sentence":
        return rng.choice([s for s in sentences(lang) if len(s) < 300])
    if lang in CJK_RUN:
        return cjk_window(lang, rng.choice([2, 3] if kind == "word" else [4, 5]), rng)
    return rng.choice(lines("words/single" if kind == "word" else "words/pairs", lang, PART))


def wrapped(item: str, meta: dict, wrap: tuple[str, str]) -> Unit:
    left, right = wrap
    return [(left, "wrap"), (item, meta), (right, "wrap")]


def plain(paragraphs: list[list[Unit]], rng: random.Random) -> tuple[list[Unit], int] | None:
    """A random untouched English sentence of the body: (its paragraph, its index)."""
    spots = [(p, u) for p in paragraphs for u, unit in enumerate(p) if len(unit) == 1 and unit[0][1] is None]
    return rng.choice(spots) if spots else None


def place_foreign(paragraphs: list[list[Unit]], item: str, meta: dict, rng: random.Random) -> bool:
    """Insert a foreign item at ``meta["where"]`` in the body; False when there is no room."""
    where, wrap = meta["where"], rng.choice(WRAPS)
    meta["wrap"] = wrap[0] or "bare"
    if where == "paragraph":
        paragraphs.insert(rng.randint(0, len(paragraphs)), [wrapped(item, meta, wrap)])
        return True
    if where == "sentence":
        para = rng.choice(paragraphs)
        para.insert(rng.randint(0, len(para)), wrapped(item, meta, wrap))
        return True
    spot = plain(paragraphs, rng)
    if where == "colon" and (spot is None or rng.random() < 0.5):
        para = rng.choice(paragraphs)
        para.insert(
            rng.randint(0, len(para)), [(rng.choice(LEAD_INS) + ": ", "en"), *wrapped(item, meta, wrap), (".", "en")]
        )
        return True
    if spot is None:
        return False
    para, u = spot
    s = para[u][0][0]
    commas = [m.end() for m in regex.finditer(", ", s)]
    if where == "comma" and commas:
        k = rng.choice(commas)
        para[u] = [(s[:k], "en"), *wrapped(item, meta, wrap), (", " + s[k:], "en")]
    else:  # a colon, or a comma added before the end of a sentence that has none
        body = s.rstrip(".!?")
        para[u] = [
            (body + (": " if where == "colon" else ", "), "en"),
            *wrapped(item, meta, wrap),
            (s[len(body) :] or ".", "en"),
        ]
    return True


def corrupt(paragraphs: list[list[Unit]], rng: random.Random) -> bool:
    """Put one homoglyph into an untouched English sentence; False when there is none."""
    variant = rng.choice(["cyrillic", "cyrillic", "capital", "greek", "double", "lone"])
    meta = {"lang": "en", "kind": "homoglyph", "wrap": "bare", "where": variant}
    spots = [(p, u) for p in paragraphs for u, unit in enumerate(p) if len(unit) == 1 and unit[0][1] is None]
    rng.shuffle(spots)
    for para, u in spots:
        s = para[u][0][0]
        if variant == "lone":
            places = [m.start() for m in LONE_A.finditer(s)]
            if places:
                k = rng.choice(places)
                para[u] = [(s[:k], "en"), ("а", meta), (s[k + 1 :], "en")]
                return True
            continue
        table = VARIANTS[variant]
        words = [m for m in WORD.finditer(s) if len(m.group()) >= (5 if variant == "double" else 2)]
        words = [m for m in words if any(c in table for c in (m.group()[0] if variant == "capital" else m.group()))]
        if not words:
            continue
        m = rng.choice(words)
        w = m.group()
        ks = [0] if variant == "capital" else [k for k, c in enumerate(w) if c in table]
        ks = rng.sample(ks, min(len(ks), 2 if variant == "double" else 1))
        new = "".join(table[c] if k in ks else c for k, c in enumerate(w))
        para[u] = [(s[: m.start()], "en"), (new, meta), (s[m.end() :], "en")]
        return True
    return False


def heading(en: list[str], rng: random.Random) -> str:
    words = rng.choice(en).split()[: rng.randint(3, 7)]
    while len(words) > 2 and words[-1].lower() in (
        "a",
        "an",
        "the",
        "of",
        "to",
        "and",
        "in",
        "at",
        "for",
        "on",
        "by",
        "with",
    ):
        words.pop()
    return rng.choice(["# ", "## "]) + " ".join(words).rstrip(".,;:!?")


def assemble(blocks: list[list[Unit]]) -> tuple[str, list[dict]]:
    """Text of the blocks (sentences joined by a space, blocks by a blank line) and gold spans."""
    out: list[str] = []
    spans = []
    n = 0
    for b, block in enumerate(blocks):
        for u, unit in enumerate(block):
            sep = " " if u else "\n\n" if b else ""
            for s, meta in [(sep, "sep"), *unit]:
                if isinstance(meta, dict):
                    spans.append({"start": n, "end": n + len(s), **meta, "item": s})
                out.append(s)
                n += len(s)
    return "".join(out), spans


def position(text: str, start: int, end: int) -> str:
    """start/middle/end of the item in its paragraph, by the letters before and after it."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    before = any(c.isalpha() for c in text[a:start])
    after = any(c.isalpha() for c in text[end : b if b >= 0 else len(text)])
    return "middle" if before and after else "end" if before else "start"


def build(n_docs: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    en = [s for s in lines("sentences", "en", PART) if 25 < len(s) < 300 and s.isascii()]
    traps = TRAPS + MY_TRAPS
    docs = []
    for i in range(n_docs):
        paragraphs: list[list[Unit]] = [
            [[(s, None)] for s in rng.sample(en, rng.randint(1, 4))] for _ in range(rng.randint(2, 5))
        ]
        n_items = 0 if rng.random() < 0.25 else rng.choice([1, 1, 2, 2, 3])
        for _ in range(rng.randint(1, 3) if n_items == 0 else int(rng.random() < 0.35)):
            para = rng.choice(paragraphs)
            para.insert(rng.randint(0, len(para)), [(rng.choice(traps), "trap")])
        lang = None
        for _ in range(n_items):
            kind = rng.choice(KINDS)
            if kind == "homoglyph":
                corrupt(paragraphs, rng)
                continue
            langs = NON_LATIN + ["zh-Hant"] + (LATIN if kind == "sentence" else [])
            if lang not in langs or rng.random() < 0.7:  # sometimes the same language again
                lang = rng.choice(langs)
            tag = {"zh": "zh-Hans"}.get(lang, lang)
            item = pick_item(kind, tag, rng)
            where = rng.choice(PLACES[kind])
            if where in ("comma", "colon"):
                item = item.rstrip(".!?。")
            place_foreign(paragraphs, item, {"lang": tag, "kind": kind, "where": where}, rng)
        head = [[[(heading(en, rng), "heading")]]] if rng.random() < 0.5 else []
        byline = [[[("By " + rng.choice(NAMES) + rng.choice(DATES), "byline")]]] if rng.random() < 0.4 else []
        text, spans = assemble(head + byline + paragraphs)
        for k, sp in enumerate(spans):
            assert text[sp["start"] : sp["end"]] == sp.pop("item"), (i, sp)
            assert sp["start"] < sp["end"] and (k == 0 or spans[k - 1]["end"] <= sp["start"]), (i, spans)
            sp["position"] = position(text, sp["start"], sp["end"])
        spans = [{k: sp[k] for k in ("start", "end", "lang", "kind", "position", "wrap", "where")} for sp in spans]
        docs.append({"id": f"h{i}", "kind": spans[0]["kind"] if spans else "english", "text": text, "spans": spans})
    return docs


def main() -> None:
    print_jsonl(build, 300, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
