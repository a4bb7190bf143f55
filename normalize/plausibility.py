"""How plausible a decoded text is as writing, to choose among the charsets bytes decode in.

A wrong legacy charset changes letters into other valid letters, of the same script or of
another one. Russian in cp1251 read as mac-cyrillic gains ``Ђ`` and ``ћ``. Chinese in
GB18030 read as a Korean code page becomes rare Hangul syllables. French in Latin-1 read
as Windows-1257 gets Baltic letters inside French words. The letters are valid, but the
words are not. So each word that holds a letter beyond ASCII is looked up in the word
lists of the languages its script writes: the detector's lexicons, from wordfreq.
Chinese, Japanese and Korean are written without spaces, so there each character is
looked up among the characters of the languages' common words.

:func:`plausibility` is the share of those letters that fall in known words or
characters, in ``[0, 1]``; symbols beyond ASCII count as letters of no word. ASCII takes
no part: every candidate charset decodes it alike.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from .detection.lexicon import Lexicon, lexicon
from .detection.registry import in_script
from .scripts import UNKNOWN, script_group
from .scripts import _runs as script_runs

_WORD = regex.compile(r"[\p{L}\p{M}]+")
_SYMBOL = regex.compile(r"[^\x00-\x7f\p{L}\p{M}\p{P}\p{Z}]")
# Enough letters to tell a right decoding from a wrong one; a long text stops early.
SAMPLE_LETTERS = 4000


def plausibility(text: str) -> float:
    """Share of the non-ASCII letters of ``text`` that sit in words (or, for CJK, are
    characters) of a language their script writes; 1.0 when there are none to judge."""
    known = total = 0
    # Symbols beyond ASCII (box drawing, currency signs, dingbats) are what a wrong
    # charset makes of letters' bytes as often as other letters: each counts as a
    # letter in no known word. Punctuation and spaces (« », 。) are neutral.
    total += len(_SYMBOL.findall(text, 0, SAMPLE_LETTERS * 20))
    for m in _WORD.finditer(text):
        word = m.group()
        if word.isascii():
            continue
        runs = script_runs(word)
        script = max(runs, key=lambda r: r[2] - r[1])[0]
        letters = sum(1 for c in word if ord(c) > 0x7F)
        if script_group(script) == "CJK":
            common = _cjk_characters()
            known += sum(1 for c in word if ord(c) > 0x7F and c in common)
            total += letters
        else:
            lex = _lexicon_of(script)
            if lex is None:
                continue  # a script we hold no words for: no evidence either way
            if any(z > 0 for z in lex.zipfs(word.lower())):
                known += letters
            total += letters
        if total >= SAMPLE_LETTERS:
            break
    return known / total if total else 1.0


@lru_cache(maxsize=64)
def _lexicon_of(script: str) -> Lexicon | None:
    """The word lists of the languages written in ``script`` that have one."""
    langs = tuple(lang for lang in in_script(script) if lang.wordfreq or lang.lexicon) if script != UNKNOWN else ()
    return lexicon(langs) if langs else None


@lru_cache(maxsize=1)
def _cjk_characters() -> frozenset[str]:
    """The characters of the common words of Chinese, Japanese and Korean (wordfreq's
    small lists): some 9,000 characters, which cover everyday text."""
    import wordfreq

    chars: set[str] = set()
    for code in ("zh", "ja", "ko"):
        for word in wordfreq.get_frequency_dict(code, "small"):
            chars.update(c for c in word if ord(c) > 0x7F)
    return frozenset(chars)
