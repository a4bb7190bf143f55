"""Paragraphs, word tokens and the typed boundaries between them.

A token is a written word: a run of letters and marks, apostrophes and hyphens inside it
included (``don't``, ``l'heure``, ``peut-être``, ``coup-d'état``). What stands between two tokens is a *boundary*; its type
is the strongest mark in it, because a fragment starts or ends far more often at a quote or
a sentence end than between two plain words. Hard line breaks inside a paragraph are a
boundary type of their own, weak, so a wrapped quotation stays one span; a blank line ends
the paragraph, and paragraphs are decoded one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

import regex


class Boundary(IntEnum):
    SPACE = 0
    LINE = 1  # a line break inside a paragraph
    COMMA = 2
    DASH = 3  # dash, slash, arrow: list items and glosses
    COLON = 4
    BRACKET = 5
    MARKUP = 6  # emphasis marks (``*``, ``_``) and HTML tags
    QUOTE = 7
    SENTENCE = 8
    EDGE = 9  # the start or end of a paragraph


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    before: Boundary  # the boundary between the previous token (or the paragraph start) and this one
    initial: bool  # first word of a sentence, line or quotation: its capital says nothing
    code: bool = (
        False  # ASCII letters touching digits or code marks (``x86``, ``$var``), or a command-line option: not a word
    )


WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’\-‐][\p{L}\p{M}]+)*")
PARAGRAPH_BREAK = regex.compile(r"\n[ \t\r\f\v]*\n\s*")

_QUOTES = frozenset("\"'«»“”„‟‘’‚‹›「」『』")
# An apostrophe or hyphen inside a written word (``l'heure``, ``peut-être``) joins it.
_JOINERS = frozenset({"'", "’", "-", "‐", "'-"})
_BRACKETS = frozenset("()[]{}（）【】")
_DASHES = frozenset("—–-/→|•·+=&<>")  # item separators
_MARKUP = frozenset("*_`~")
_SENTENCE_END = frozenset(".!?¿¡…。！？")


# Characters that glue letters into identifiers, versions or markup rather than words.
_CODE = frozenset("0123456789@$%\\{}")
_FLAG = regex.compile(r"(?:^|(?<=\s))--?$")  # a command-line option: ``-n``, ``--force``


@lru_cache(maxsize=4096)
def boundary(gap: str) -> Boundary:
    """The type of the strongest mark in ``gap``, the text between two tokens. Gaps repeat
    (``" "``, ``", "``, ``". "``): each is typed once."""
    if gap in _JOINERS:
        return Boundary.SPACE
    kind = Boundary.SPACE
    for c in gap:
        if c in _SENTENCE_END:
            return Boundary.SENTENCE
        if c in _QUOTES:
            kind = max(kind, Boundary.QUOTE)
        elif c in _BRACKETS:
            kind = max(kind, Boundary.BRACKET)
        elif c in ":;":
            kind = max(kind, Boundary.COLON)
        elif c in _MARKUP:
            kind = max(kind, Boundary.MARKUP)
        elif c in _DASHES:
            kind = max(kind, Boundary.DASH)
        elif c == ",":
            kind = max(kind, Boundary.COMMA)
        elif c == "\n":
            kind = max(kind, Boundary.LINE)
    return kind


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """``[start, end)`` of each paragraph (blank lines between them)."""
    start = 0
    for m in PARAGRAPH_BREAK.finditer(text):
        if m.start() > start:
            yield start, m.start()
        start = m.end()
    if start < len(text):
        yield start, len(text)


def tokens(text: str, start: int, end: int, first: Boundary = Boundary.EDGE) -> list[Token]:
    """The word tokens of ``text[start:end]`` with the boundary before each; ``first`` is
    the boundary before the first one (the paragraph's edge, unless a window of it)."""
    out: list[Token] = []
    prev = start
    for m in WORD.finditer(text, start, end):
        a, b = m.start(), m.end()
        word = m.group()
        if out:
            kind = boundary(text[prev:a])
            initial = kind in _INITIAL
        else:
            kind, initial = first, first in _INITIAL
        code = word.isascii() and (
            (a > start and text[a - 1] in _CODE)
            or (b < end and text[b] in _CODE)
            or (a > start and text[a - 1] == "-" and bool(_FLAG.search(text, max(start, a - 3), a)))
        )
        out.append(Token(a, b, word, kind, initial, code))
        prev = b
    return out


# After these the next word starts a sentence, line, quotation or item: its capital says
# nothing about it being a name.
_INITIAL = frozenset(
    {Boundary.SENTENCE, Boundary.QUOTE, Boundary.LINE, Boundary.COLON, Boundary.BRACKET, Boundary.EDGE}
)
