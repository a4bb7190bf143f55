"""Build the character trigram counts of each language's words (``normalize/data/charngrams.json.gz``).

The model scores words no list holds (:mod:`normalize.detection.charmodel`). It is trained
on word types, each listed word once, since an unlisted word is a rare word and rare words
look like the types of a list, not like its frequent tokens. The words are those the
detector's lexicon reads (wordfreq's small lists, our lists for the rest), so the model
and the lexicon always agree; the output is sorted JSON, the same bytes for the same
inputs.

    python bench/detect/build_charmodel.py
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import regex

from normalize.detection.charmodel import ORDER, grams
from normalize.detection.lexicon import _ours_words, _wordfreq
from normalize.detection.registry import LANGUAGES

OUT = Path(__file__).resolve().parents[2] / "normalize" / "data" / "charngrams.json.gz"
WORD = regex.compile(r"[\p{L}\p{M}]+")


def counts(words) -> dict[str, int]:
    c: Counter[str] = Counter()
    for w in words:
        if WORD.fullmatch(w):
            c.update(grams(w))
    return dict(sorted(c.items()))


def main() -> None:
    model = {}
    for lang in LANGUAGES:
        words = _wordfreq(lang.wordfreq) if lang.wordfreq else [*_ours_words(lang.lexicon or lang.tag)[0], *_ours_words(lang.lexicon or lang.tag)[1]]
        model[lang.tag] = counts(words)
        print(f"{lang.tag}: {len(words)} words, {len(model[lang.tag])} n-grams of order <= {ORDER}")
    OUT.write_bytes(gzip.compress(json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(), mtime=0))
    print(f"{OUT}: {OUT.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
