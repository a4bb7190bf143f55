"""Build the word lists of languages wordfreq has no list for (``normalize/data/lexicon-<tag>.txt.gz``).

Latin (``la``): spaCy's Latin stop words first (the function words), a blank line, then
every lower-case alphabetic form in simplemma's Latin lemma dictionary (forms and lemmas,
2-20 letters). Pinyin (``zh-Latn``): the toned syllables of pypinyin's character
readings. All are well-kept, openly licensed sources (spaCy, simplemma, pypinyin: MIT);
the output is sorted, so the same inputs give the same bytes.

    pip install -e '.[bench]'
    python -m bench.detect.build_lexicons
"""

from __future__ import annotations

import ast
import gzip
import importlib.util
from pathlib import Path

import regex

OUT = Path(__file__).resolve().parents[2] / "normalize" / "data"
WORD = regex.compile(r"\p{Ll}[\p{Ll}\p{M}]{1,19}")


def spacy_stop_words(code: str) -> list[str]:
    spec = importlib.util.find_spec("spacy")
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / code / "stop_words.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 100:
            return sorted({w.lower() for w in node.value.split()})
    raise SystemExit(f"no stop words for {code} in spaCy")


def simplemma_forms(code: str) -> list[str]:
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    forms: set[str] = set()
    for form, lemma in DefaultDictionaryFactory().get_dictionary(code).items():
        forms.update(w for w in (form, lemma) if WORD.fullmatch(w))
    return sorted(forms)


def write(tag: str, function_words: list[str], forms: list[str]) -> None:
    path = OUT / f"lexicon-{tag}.txt.gz"
    rest = [w for w in forms if w not in set(function_words)]
    body = "\n".join(function_words) + "\n\n" + "\n".join(rest) + "\n"
    path.write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
    print(f"{path}: {len(function_words)} function words, {len(rest)} forms, {path.stat().st_size / 1e6:.1f} MB")


TONE_MARKS = regex.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


def pinyin_syllables() -> list[str]:
    """Every toned Hanyu Pinyin syllable pypinyin (MIT) knows a character for. Toneless
    syllables (``ma``, ``de``) are left out: without tone marks pinyin in an English text
    is a name (``Beijing``), and those syllables are words of many languages."""
    from pypinyin.pinyin_dict import pinyin_dict

    return sorted({r for v in pinyin_dict.values() for r in v.split(",") if TONE_MARKS.search(r) and WORD.fullmatch(r)})


if __name__ == "__main__":
    write("la", spacy_stop_words("la"), simplemma_forms("la"))
    write("zh-Latn", [], pinyin_syllables())
