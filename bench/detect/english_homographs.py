"""Write ``normalize/data/english_homographs.txt``: the stop words of other Latin-script
languages (spaCy's lists) that are common English words too.

A word is listed when its frequency in English (wordfreq, Zipf scale) is at least 3 (once
per million words) and at least the highest Zipf among the languages that list it as a
stop word minus 1 (a tenth as frequent): ``possible``, ``state``, ``come``, ``man``.
English text holds them everywhere, so they say nothing about whether an English line
holds a foreign passage (normalize/latin.py's cheap filter); they still score as stop
words once a line is looked at. wordfreq's lists take tens of MB, so the result is kept
as a file rather than computed in every process.

    python bench/detect/english_homographs.py          # rewrite the file
    python bench/detect/english_homographs.py --check  # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from normalize.languages import LATIN_STOPWORD_LANGS  # noqa: E402
from normalize.stopwords import ENGLISH_HOMOGRAPHS_FILE, stop_words  # noqa: E402

MIN_ZIPF = 3.0
MARGIN = 1.0


def homographs() -> list[str]:
    from wordfreq import zipf_frequency

    english = stop_words("en")
    langs = [lang for lang in LATIN_STOPWORD_LANGS if lang != "en"]
    listed: dict[str, list[str]] = {}
    for lang in langs:
        for word in stop_words(lang) - english:
            listed.setdefault(word, []).append(lang)
    out = []
    for word, ls in sorted(listed.items()):
        zipf = zipf_frequency(word, "en")
        if zipf >= MIN_ZIPF and zipf >= max(zipf_frequency(word, lang) for lang in ls) - MARGIN:
            out.append(word)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    header = (
        "# Stop words of other Latin-script languages (spaCy's lists) that are common English\n"
        f"# words too: Zipf in English (wordfreq) >= {MIN_ZIPF:g} and >= the highest Zipf among the\n"
        f"# languages listing it minus {MARGIN:g}. Built by bench/detect/english_homographs.py.\n"
    )
    text = header + "".join(f"{w}\n" for w in homographs())
    if args.check:
        sys.exit(0 if ENGLISH_HOMOGRAPHS_FILE.read_text(encoding="utf-8") == text else 1)
    ENGLISH_HOMOGRAPHS_FILE.write_text(text, encoding="utf-8")
    print(f"{ENGLISH_HOMOGRAPHS_FILE.relative_to(ROOT)}: {text.count(chr(10)) - header.count(chr(10))} words")


if __name__ == "__main__":
    main()
