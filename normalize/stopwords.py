"""Stop-word evidence for telling a main-language sentence from a foreign one.

The lists are spaCy's (``spacy/lang/<code>/stop_words.py``; spaCy is installed with
argostranslate). They are read as data straight from those files: importing
``spacy.lang.*`` would first import spaCy itself, which costs about 1.5 s per process for
a 300-entry set. When spaCy is absent or has no list for a language, the list is empty and
detection falls back on langdetect alone.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import lru_cache
from pathlib import Path

from .tags import primary_subtag


@lru_cache(maxsize=64)
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words for ``lang`` (primary BCP-47 subtag), lowercased; may be empty."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    primary = primary_subtag(lang)
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / primary / "stop_words.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return frozenset()
    for node in ast.walk(tree):
        # STOP_WORDS = set("""...""".split()) in every spaCy language folder.
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 200:
            return frozenset(w.lower() for w in node.value.split())
    return frozenset()


@lru_cache(maxsize=16)
def stop_index(langs: tuple[str, ...], exclude: str | None = None) -> dict[str, tuple[str, ...]]:
    """Word -> the languages among ``langs`` that list it as a stop word (leaving out the
    stop words of ``exclude``, when given)."""
    excluded = stop_words(exclude) if exclude else frozenset()
    index: dict[str, list[str]] = {}
    for lang in langs:
        for word in stop_words(lang) - excluded:
            index.setdefault(word, []).append(lang)
    return {word: tuple(ls) for word, ls in index.items()}


def stopword_counts(words: list[str], langs: tuple[str, ...], exclude: str | None = None) -> dict[str, int]:
    """How many of ``words`` (lowercased here) are stop words of each of ``langs`` (and
    not of ``exclude``): one dictionary lookup per word, however many languages."""
    index = stop_index(langs, exclude)
    counts = dict.fromkeys(langs, 0)
    for w in words:
        for lang in index.get(w.lower(), ()):
            counts[lang] += 1
    return counts
