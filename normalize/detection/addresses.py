"""URLs, e-mail addresses and markup tags are not language: a Cyrillic path
(``https://ru.wikipedia.org/wiki/Байкал``) must reach the reader unchanged, and an inline
tag between two words of a fragment must not split it.
Detection blanks them (same length, so offsets hold)."""

from __future__ import annotations

from bisect import bisect_left

import regex

from ..quotes import CLOSERS

_ADDRESS_MARK = regex.compile(r"://|www\.|@")
_SCHEME_BEFORE = regex.compile(r"(?r)[a-z][a-z0-9+.-]*", regex.IGNORECASE)
_URL_REST = regex.compile(r"[^\s<>\"«»“”]+")
_LOCAL_PART_BEFORE = regex.compile(r"(?r)[\w.+-]+")
_DOMAIN = regex.compile(r"[\w-]+(?:\.[\w-]+)+")
_TAG = regex.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def masked_spans(text: str) -> list[tuple[int, int]]:
    """Spans of URLs (``scheme://...``, ``www....``), e-mail addresses and markup tags,
    sorted, merged.

    Addresses are found from their marks (``://``, ``www.``, ``@``) outwards, so that text
    without any costs one scan.
    """
    spans: list[tuple[int, int]] = [m.span() for m in _TAG.finditer(text)] if "<" in text else []
    for m in _ADDRESS_MARK.finditer(text):
        if m.group() == "@":
            local = _LOCAL_PART_BEFORE.match(text, 0, m.start())
            domain = _DOMAIN.match(text, m.end())
            if local and domain:
                spans.append((local.start(), domain.end()))
            continue
        start = m.start()
        if m.group() == "://":
            scheme = _SCHEME_BEFORE.match(text, 0, m.start())
            if not scheme:
                continue
            start = scheme.start()
        rest = _URL_REST.match(text, m.end())
        spans.append((start, _url_end(text, start, rest.end() if rest else m.end())))
    return merged(spans)


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _url_end(text: str, start: int, end: int) -> int:
    """``end`` without the sentence punctuation and unpaired closing brackets that end
    the address's sentence (``(www.hawarkurd.de).``), as linkifiers trim them."""
    while end > start:
        c = text[end - 1]
        if c in ".,;:!?'’":
            end -= 1
        elif c in ")]" and text.count(CLOSERS[c], start, end) < text.count(c, start, end):
            end -= 1
        else:
            break
    return end


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (same length)."""
    if not spans:
        return text
    parts, last = [], 0
    for a, b in spans:
        parts += [text[last:a], " " * (b - a)]
        last = b
    parts.append(text[last:])
    return "".join(parts)


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    i = bisect_left(spans, (start + 1,)) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]
