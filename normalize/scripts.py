"""Unicode script analysis (UAX #24) of words.

A *word* here is a letter followed by letters and combining marks (``\\p{L}[\\p{L}\\p{M}]*``); digits,
punctuation and spaces (script Common) separate words. Each word is split into *script
runs*, using the ``regex`` module's Script_Extensions properties so that characters shared
by several scripts (the Japanese prolonged sound mark ``ー``, CJK iteration marks) join the
run they belong to, and combining marks (script Inherited) join the preceding letter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import regex

# UAX #24 script names, with the 4-letter ISO 15924 codes used by ``regex``. Order matters
# only for characters in several scripts' extensions: the first listed wins.
SCRIPTS: tuple[tuple[str, str], ...] = (
    ("Latin", "Latn"),
    ("Cyrillic", "Cyrl"),
    ("Greek", "Grek"),
    ("Hiragana", "Hira"),
    ("Katakana", "Kana"),
    ("Hangul", "Hang"),
    ("Han", "Hani"),
    ("Arabic", "Arab"),
    ("Hebrew", "Hebr"),
    ("Devanagari", "Deva"),
    ("Bengali", "Beng"),
    ("Gurmukhi", "Guru"),
    ("Gujarati", "Gujr"),
    ("Oriya", "Orya"),
    ("Tamil", "Taml"),
    ("Telugu", "Telu"),
    ("Kannada", "Knda"),
    ("Malayalam", "Mlym"),
    ("Sinhala", "Sinh"),
    ("Thai", "Thai"),
    ("Lao", "Laoo"),
    ("Tibetan", "Tibt"),
    ("Myanmar", "Mymr"),
    ("Khmer", "Khmr"),
    ("Georgian", "Geor"),
    ("Armenian", "Armn"),
    ("Ethiopic", "Ethi"),
    ("Mongolian", "Mong"),
    ("Thaana", "Thaa"),
    ("Syriac", "Syrc"),
)
UNKNOWN = "Unknown"

# Scripts written without spaces between words and mixed freely within Chinese, Japanese
# and Korean text; fragments merge across them.
CJK = frozenset({"Han", "Hiragana", "Katakana", "Hangul"})


def script_group(script: str) -> str:
    """``CJK`` for the CJK scripts, which mix in every sentence; the script itself otherwise."""
    return "CJK" if script in CJK else script


WORD_RE = regex.compile(r"\p{L}[\p{L}\p{M}]*")
_RUN_RE = regex.compile(
    "|".join(f"(?P<{name}>(?:\\p{{scx={code}}}\\p{{M}}*)+)" for name, code in SCRIPTS)
    + f"|(?P<{UNKNOWN}>\\p{{L}}\\p{{M}}*)|(?P<Inherited>\\p{{M}}+)"
)


@dataclass(frozen=True, slots=True)
class Word:
    """A word: code point span ``[start, end)`` and its script runs in order.

    ``runs`` holds ``(script, start, end)`` with absolute offsets.
    """

    start: int
    end: int
    text: str
    runs: tuple[tuple[str, int, int], ...]

    @property
    def scripts(self) -> frozenset[str]:
        return frozenset(r[0] for r in self.runs)

    @property
    def counts(self) -> dict[str, int]:
        """Code points per script in the word."""
        counts: dict[str, int] = {}
        for s, a, b in self.runs:
            counts[s] = counts.get(s, 0) + (b - a)
        return counts

    @property
    def script(self) -> str:
        """The script with the most letters in the word (ties: first in the word)."""
        counts = self.counts
        return max(counts, key=counts.__getitem__)


@lru_cache(maxsize=16384)
def _runs(text: str) -> tuple[tuple[str, int, int], ...]:
    if text.isascii():
        return (("Latin", 0, len(text)),)
    runs: list[tuple[str, int, int]] = []
    for m in _RUN_RE.finditer(text):
        name = m.lastgroup
        if name == "Inherited":
            name = runs[-1][0] if runs else UNKNOWN
        if runs and runs[-1][0] == name and runs[-1][2] == m.start():
            runs[-1] = (name, runs[-1][1], m.end())
        else:
            runs.append((name, m.start(), m.end()))
    return tuple(runs)


def words(text: str) -> list[Word]:
    """All words of ``text`` with their script runs, in order."""
    out = []
    for m in WORD_RE.finditer(text):
        s = m.start()
        out.append(Word(s, m.end(), m.group(), tuple((n, s + a, s + b) for n, a, b in _runs(m.group()))))
    return out


_NON_ASCII = regex.compile(r"[^\x00-\x7f]+")  # a plain class: 15x faster than [\p{L}--\p{ASCII}]
_LETTER_OR_MARK = regex.compile(r"[\p{L}\p{M}]")
_ASCII_LETTERS = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))


def ascii_letter_count(text: str) -> int:
    """Number of ASCII letters in ``text`` (counted in C: UTF-8 bytes < 0x80 are ASCII)."""
    # In slices: a long document is not copied whole into bytes, twice.
    total = 0
    for k in range(0, len(text), 1 << 20):
        data = text[k : k + (1 << 20)].encode("utf-8", "surrogatepass")
        total += len(data) - len(data.translate(None, _ASCII_LETTERS))
    return total


def marked_words(text: str) -> list[Word]:
    """The words of ``text`` that hold a non-ASCII letter or mark, in order.

    The same words, with the same spans, as :func:`words` would return; all-ASCII words
    (script Latin, nothing to repair) are skipped without being built, which is what makes
    English-dominant text cheap.
    """
    out: list[Word] = []
    last_end = 0
    for m in _NON_ASCII.finditer(text):
        if m.end() <= last_end or not _LETTER_OR_MARK.search(m.group()):
            continue
        # Back up to the start of the word the run belongs to, then take words forward.
        start = max(m.start(), last_end)
        while start > last_end and _LETTER_OR_MARK.match(text, start - 1):
            start -= 1
        for w in WORD_RE.finditer(text, start):
            if w.start() >= m.end():
                break
            g = w.group()
            last_end = w.end()
            if not g.isascii():
                s = w.start()
                out.append(Word(s, w.end(), g, tuple((n, s + a, s + b) for n, a, b in _runs(g))))
        last_end = max(last_end, m.end())
    return out


def script_counts(text: str) -> dict[str, int]:
    """Letters per script in ``text`` (combining marks count with their base letter).

    Counted per distinct word (words repeat, Zipf's law), the tally of each in C."""
    counts: dict[str, int] = {}
    for word, n in Counter(WORD_RE.findall(text)).items():
        for s, a, b in _runs(word):
            counts[s] = counts.get(s, 0) + (b - a) * n
    return counts


def dominant_script(text: str, default: str) -> str:
    """The script with the most letters in ``text``; ``default`` when it has none."""
    counts = script_counts(text)
    return max(counts, key=counts.__getitem__) if counts else default


def total_counts(ws: list[Word]) -> dict[str, int]:
    """Letters per script over ``ws``."""
    counts: dict[str, int] = {}
    for w in ws:
        for s, n in w.counts.items():
            counts[s] = counts.get(s, 0) + n
    return counts
