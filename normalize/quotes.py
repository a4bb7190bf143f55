"""Quotes and brackets that pair up on a line.

A foreign sentence quoted inside English text often holds words that neither stop words
nor n-grams place (names, titles, a nested quotation: ``«“Ampio confronto” interpretato
dal governo»``); the quotation it fills tells where it ends better than its words do.
"""

from __future__ import annotations

import regex

OPEN_CLOSE = {"«": "»", "“": "”", "„": "“", "‘": "’", "(": ")", "[": "]", "「": "」", "『": "』", "《": "》", "（": "）", '"': '"', "'": "'"}
CLOSERS = {v: k for k, v in OPEN_CLOSE.items()}
# ``’`` before a letter (``s’agit``) and ``'`` between two letters (``Brockville's``,
# which paired with the quote of ``('Scilipoti' cercansi ...)`` on bench seed 7) are
# apostrophes, and ``’`` closes only a ``‘``.
_MARK = regex.compile(
    "[" + regex.escape("".join(sorted((set(OPEN_CLOSE) | set(CLOSERS)) - {"'", "’"}))) + r"]|’(?!\p{L})|'(?<!\p{L}')|'(?!\p{L})"
)


def pairs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Offsets ``(opener, closer)`` of the quotes and brackets of ``text[start:end]`` that
    pair up, innermost first within each nesting. A closer without its opener on the
    stack is ignored; a closer whose opener lies deeper closes the openers above it."""
    stack: list[int] = []
    out: list[tuple[int, int]] = []
    for m in _MARK.finditer(text, start, end):
        i, c = m.start(), m.group()
        for k in range(len(stack) - 1, -1, -1):
            if OPEN_CLOSE[text[stack[k]]] == c:
                out.append((stack[k], i))
                del stack[k:]
                break
        else:
            if c in OPEN_CLOSE and c != "’":
                stack.append(i)
    return out


def enclosing(found: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The innermost pair of ``found`` around ``[start, end)``."""
    around = [(o, c) for o, c in found if o < start and end <= c]
    return max(around) if around else None


def unpaired(text: str, start: int, end: int) -> list[int]:
    """Offsets of the quotes and brackets of ``text[start:end]`` that pair with none
    inside it, in order."""
    paired = {i for pair in pairs(text, start, end) for i in pair}
    return [m.start() for m in _MARK.finditer(text, start, end) if m.start() not in paired]
