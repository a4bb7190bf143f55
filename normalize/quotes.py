"""Quotes and brackets that pair up on a line.

A quotation is cited, not written by the document: the main script is counted outside
the quotations when two scripts are close (:func:`normalize.detect._unquoted_counts`).
"""

from __future__ import annotations

import regex

OPEN_CLOSE = {
    "«": "»",
    "“": "”",
    "„": "“",
    "‘": "’",
    "(": ")",
    "[": "]",
    "「": "」",
    "『": "』",
    "《": "》",
    "（": "）",
    '"': '"',
    "'": "'",
}
CLOSERS = {v: k for k, v in OPEN_CLOSE.items()}
# ``’`` before a letter (``s’agit``) and ``'`` between two letters (``it's``) are
# apostrophes, and ``’`` closes only a ``‘``.
_MARK = regex.compile(
    "["
    + regex.escape("".join(sorted((set(OPEN_CLOSE) | set(CLOSERS)) - {"'", "’"})))
    + r"]|’(?!\p{L})|'(?<!\p{L}')|'(?!\p{L})"
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
