"""Build the character trigram counts of each language's words (``normalize/data/charngrams.json.gz``).

The model scores words no list holds (:mod:`normalize.detection.charmodel`). It is trained
on word types, each listed word once, since an unlisted word is a rare word and rare words
look like the types of a list, not like its frequent tokens. The words are those the
detector's lexicon reads (wordfreq's small lists, our lists for the rest), so the model
and the lexicon always agree; the output is sorted JSON, the same bytes for the same
inputs.

    python -m bench.detect.build_charmodel [--check]
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import regex

from normalize.detection.charmodel import ORDER, grams
from normalize.detection.lexicon import _ours_words, _wordfreq
from normalize.detection.registry import in_script

OUT = Path(__file__).resolve().parents[2] / "normalize" / "data" / "charngrams.json.gz"
WORD = regex.compile(r"[\p{L}\p{M}]+")


def counts(words) -> dict[str, int]:
    c: Counter[str] = Counter()
    for w in words:
        if WORD.fullmatch(w):
            c.update(grams(w))
    return dict(sorted(c.items()))


def main(check: bool = False) -> int:
    model = {}
    for lang in in_script("Latin"):  # the languages words are scored in
        if lang.wordfreq:
            words = list(_wordfreq(lang.wordfreq))
        else:
            function, forms = _ours_words(lang.lexicon or lang.tag)
            words = [*function, *forms]
        model[lang.tag] = counts(words)
        print(f"{lang.tag}: {len(words)} words, {len(model[lang.tag])} n-grams of order <= {ORDER}")
    data = gzip.compress(json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(), mtime=0)
    if check:
        same = OUT.read_bytes() == data
        print(f"{OUT}: {'as built' if same else 'differs from what this script builds'}")
        return 0 if same else 1
    OUT.write_bytes(data)
    print(f"{OUT}: {OUT.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
