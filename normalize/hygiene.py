"""Unicode hygiene: repair damage that is not a language question.

Repairs, each recorded as an :class:`~normalize.types.Edit` on the input text:

- mojibake, NFC, terminal escapes, control characters and lone surrogates, by ftfy
  (``ftfy.fix_text``) with the options that never touch legitimate text: curly quotes,
  full-width characters, HTML entities and line breaks are left alone;
- no-break spaces (U+00A0, U+2007, U+202F) become U+0020;
- invisible format characters that carry no meaning in running text are removed:
  zero-width space U+200B, word joiner U+2060, the BOM/zero-width no-break space U+FEFF
  and soft hyphen U+00AD;
- inside a word, between two letters: bidi embedding, override and isolate controls
  (U+202A-U+202E, U+2066-U+2069), which nothing writes there but a spoofer ("Trojan
  Source", CVE-2021-42574), and ZWJ/ZWNJ (U+200D/U+200C) between letters of alphabets
  that have no cursive joining or conjuncts (Latin, Greek, Cyrillic, Armenian,
  Georgian): RFC 5892's CONTEXTJ rules allow them only after a virama or between
  joining letters. Elsewhere ZWJ/ZWNJ stay: they are meaningful in Persian, Indic
  scripts and emoji sequences.

The output is a list of non-overlapping edits with code point offsets into the input, so
every later offset can be mapped back to the original characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import ftfy
import regex
from ftfy.chardata import CHARMAP_ENCODINGS

from .types import Edit

NO_BREAK_SPACES = "\u00a0\u2007\u202f"
REMOVED_FORMAT_CHARS = "\u200b\u2060\ufeff\u00ad"

_NO_BREAK = re.compile(f"[{NO_BREAK_SPACES}]")
_FORMAT = re.compile(f"[{REMOVED_FORMAT_CHARS}]")
_ALPHABET = r"[\p{Latin}\p{Greek}\p{Cyrillic}\p{Armenian}\p{Georgian}]"
_ANY_FORMAT = regex.compile(r"\p{Cf}+")
# Letters (with their marks) on both sides; a run of controls goes as one.
_IN_WORD_CONTROLS = regex.compile(
    rf"(?<=\p{{L}}\p{{M}}*)[\u202a-\u202e\u2066-\u2069]+(?=\p{{L}})"
    rf"|(?<={_ALPHABET}\p{{M}}*)[\u202a-\u202e\u2066-\u2069\u200c\u200d]+(?={_ALPHABET})"
)

_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_character_width=False,
    fix_line_breaks=False,
    fix_latin_ligatures=False,
    normalization="NFC",
    explain=False,
)
# A printable line has no terminal escape, C1 control, surrogate or control character:
# the fixes for those would only scan it (remove_control_chars alone is a str.translate
# over the whole line).
_FTFY_PRINTABLE = _FTFY_CONFIG._replace(
    remove_terminal_escapes=False, fix_c1_controls=False, fix_surrogates=False, remove_control_chars=False
)


def _reason(old: str, new: str) -> str:
    if old != new and _ANY_FORMAT.sub("", old) == new:
        return "removed invisible format character"
    if old != new and _NO_BREAK.sub(" ", old) == new:
        return "no-break space to space"
    return "unicode repair (ftfy: mojibake/NFC/control characters)"


def _fix_line(line: str) -> str:
    # Short lines repeat (bylines, template text) and are cached; long ones are not, so
    # the cache stays a few hundred KB.
    return _fix_short_line(line) if len(line) <= 256 else _fix(line)


@lru_cache(maxsize=2048)
def _fix_short_line(line: str) -> str:
    return _fix(line)


def _fix(line: str) -> str:
    # Our removals first: a line whose only flaw was an invisible character then skips
    # ftfy (a full pass over a non-printable line). re.sub, not str.translate: translate
    # with a mapping costs a dictionary probe per character, sub scans in C.
    line = _removals(line)
    if not _needs_fixing(line):
        return line
    return _removals(ftfy.fix_text(line, _FTFY_PRINTABLE if line.isprintable() else _FTFY_CONFIG))


def _removals(line: str) -> str:
    removed: str = _IN_WORD_CONTROLS.sub("", _FORMAT.sub("", _NO_BREAK.sub(" ", line)))
    return removed


def _mojibake_pattern() -> re.Pattern[str]:
    """What every repair ftfy makes here starts from: a lead byte (0xC2-0xF4) followed by a
    continuation byte (0x80-0xBF), both read in one of the charsets ftfy repairs
    (``ftfy.chardata.CHARMAP_ENCODINGS``); a few lead bytes before a space; or U+FFFD /
    U+001A, which its lossy-sequence fix looks for.

    Plain Cyrillic, accented Latin or typographic quotes rarely form such a pair (``é``
    before a letter does not), so most lines never reach ftfy.
    """
    alternatives = ["[\ufffd\x1a]"]
    firsts = set("\ufffd\x1a")
    for encoding in CHARMAP_ENCODINGS:
        leads = bytes(range(0xC2, 0xF5)).decode(encoding, errors="ignore")
        conts = bytes(range(0x80, 0xC0)).decode(encoding, errors="ignore")
        alternatives.append(f"[{re.escape(leads)}][{re.escape(conts)}]")
        firsts.update(leads)
    # ftfy's restore_byte_a0 (``ftfy.chardata.ALTERED_UTF8_RE``): these lead bytes before
    # a space that a Windows-1252 program made of a no-break space.
    a0_leads = bytes([0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9, 0xE2, 0xE3, 0xF0])
    for encoding in ("latin-1", "sloppy-windows-1252"):
        alternatives.append(f"[{re.escape(a0_leads.decode(encoding))}] ")
        firsts.update(a0_leads.decode(encoding))
    # One class test per character before trying the alternatives: six times faster on
    # long lines, where most characters start none of them.
    first = "[" + re.escape("".join(sorted(firsts))) + "]"
    return re.compile(f"(?={first})(?:{'|'.join(alternatives)})")


_MOJIBAKE = _mojibake_pattern()


def _needs_fixing(line: str) -> bool:
    # ftfy reads every character of a line (about 4 MB/s); most lines hold nothing it
    # could repair: NFC, printable (no control, format or surrogate code point), and no
    # pair of characters mojibake starts with. The property test checks that ftfy leaves
    # such lines unchanged.
    if line.isascii():
        return not line.isprintable()
    if not line.isprintable() or not unicodedata.is_normalized("NFC", line):
        return True
    return _MOJIBAKE.search(line) is not None


def hygiene_edits(text: str) -> list[Edit]:
    """Edits that repair Unicode damage in ``text``; sorted, non-overlapping.

    Offsets are code points into ``text``. Works line by line (ftfy's own unit), so a
    repair never crosses a line break. Never raises on any ``str``.
    """
    edits: list[Edit] = []
    offset = 0
    for line in _lines(text):
        body = line.rstrip("\r\n")
        if _needs_fixing(body):
            fixed = _fix_line(body)
            if fixed != body:
                edits.extend(_diff(body, fixed, offset))
        offset += len(line)
    return edits


# str.splitlines's line boundaries.
_LINE_END = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _lines(text: str) -> Iterator[str]:
    """``text.splitlines(keepends=True)``, one line at a time: the whole list would be
    another copy of a large document, made of small strings whose memory the allocator
    keeps after they are freed."""
    pos = 0
    for m in _LINE_END.finditer(text):
        yield text[pos : m.end()]
        pos = m.end()
    if pos < len(text):
        yield text[pos:]


def _diff(old: str, new: str, offset: int) -> list[Edit]:
    """The edits that turn ``old`` into ``new``, at ``offset``.

    ftfy's repairs are local, so the common prefix and suffix are cut off first (by
    slice comparisons, in C) and the rest is aligned locally, in linear time (a general
    diff such as difflib's is quadratic or worse: a paragraph with a mark on every word
    took minutes).
    """
    head = _equal_run(old, new, 0, 0)
    tail = _equal_run(old[head:][::-1], new[head:][::-1], 0, 0)
    a, b = old[head : len(old) - tail], new[head : len(new) - tail]
    return [
        Edit(offset + head + i1, offset + head + i2, b[j1:j2], _reason(a[i1:i2], b[j1:j2]))
        for i1, i2, j1, j2 in _aligned(a, b)
    ]


def _aligned(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """:func:`_local_alignment`, or word by word when the repairs kept every space (they
    nearly always do): each word that changed is one edit, from its first to its last
    changed character, so a word whose stacked marks NFC reordered costs no search."""
    words_a, words_b = a.split(" "), b.split(" ")
    if len(words_a) != len(words_b):
        return _local_alignment(a, b)
    out = []
    i = j = 0
    for x, y in zip(words_a, words_b):
        if x != y:
            # Inline loops, not os.path.commonprefix: words are short and a hostile
            # text changes most of them.
            limit = min(len(x), len(y))
            head = 0
            while head < limit and x[head] == y[head]:
                head += 1
            tail, limit = 0, limit - head
            while tail < limit and x[-1 - tail] == y[-1 - tail]:
                tail += 1
            out.append((i + head, i + len(x) - tail, j + head, j + len(y) - tail))
        i += len(x) + 1
        j += len(y) + 1
    return out


# How many equal characters after a repair prove the strings are back in step, and how far
# apart (in characters of either string) the two sides of one repair may be.
_IN_STEP = 3
_REACH = 12


def _local_alignment(a: str, b: str) -> list[tuple[int, int, int, int]]:
    """``(i1, i2, j1, j2)``: ``a[i1:i2]`` became ``b[j1:j2]``, in order, covering every
    difference. ftfy's repairs are local (a run of mojibake, a mark, an invisible
    character), so after each difference the strings fall back in step within a few
    characters: the nearest pair of offsets after which ``_IN_STEP`` characters agree ends
    the repair. When none is within ``_REACH``, the next ``_REACH`` characters of each side
    make one edit and the search goes on from there. Each step costs at most ``_REACH**2``
    comparisons: linear in the length."""
    out: list[tuple[int, int, int, int]] = []
    i = j = 0
    n, m = len(a), len(b)
    while i < n and j < m:
        if a[i] == b[j]:
            step = _equal_run(a, b, i, j)
            i += step
            j += step
            continue
        found = _resync(a, b, i, j)
        di, dj = found if found is not None else (min(_REACH, n - i), min(_REACH, m - j))
        out.append((i, i + di, j, j + dj))
        i, j = i + di, j + dj
    if i < n or j < m:
        out.append((i, n, j, m))
    return out


def _equal_run(a: str, b: str, i: int, j: int) -> int:
    """How many characters ``a[i:]`` and ``b[j:]`` share from the start: slices compared
    in C, doubling then halving, instead of a Python step per character."""
    limit = min(len(a) - i, len(b) - j)
    size = 1
    while size <= limit and a[i : i + size] == b[j : j + size]:
        size *= 2
    lo, hi = size // 2, min(size, limit + 1)  # a[i:i+lo] agrees; a[i:i+hi] does not (or is past the end)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[i : i + mid] == b[j : j + mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _resync(a: str, b: str, i: int, j: int) -> tuple[int, int] | None:
    """The smallest ``(di, dj)`` (by ``di + dj``) after which ``a`` and ``b`` agree for
    ``_IN_STEP`` characters, or up to the end of both."""
    n, m = len(a), len(b)
    for total in range(1, 2 * _REACH + 1):
        for di in range(max(0, total - _REACH, total - (m - j)), min(total, _REACH, n - i) + 1):
            x, y = i + di, j + total - di
            # Equal slices shorter than _IN_STEP: both strings end there, together.
            if a[x : x + _IN_STEP] == b[y : y + _IN_STEP] and (x + _IN_STEP <= n or n - x == m - y):
                return di, total - di
    return None
