"""What a translation must keep, and how it is checked: the part of translation that does
not depend on the engine.

* :func:`split_fragment` cuts a fragment into what the engine sees (text units) and what
  it must never see (edge punctuation and quotes, numbers and dates, URLs, e-mail
  addresses, code, Latin-script names inside a non-Latin fragment), so those survive
  byte for byte: ``已發表 26 05, 2020 作者`` keeps ``26 05, 2020``.
* :func:`to_quotes` converts quotation marks to the target language's convention
  (``«головы»`` -> ``“головы”`` for English).
* :func:`guard_output` rejects the known failures of small or degenerate inputs: empty
  output, a loop, output far longer or shorter than the source, output still in the
  source's script.

All offsets and lengths are in code points. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from .scripts import script_counts
from .tags import primary_subtag

# --- protected tokens ------------------------------------------------------------------

# Order matters: a URL holds digits, an e-mail address holds dots.
_PROTECTED = regex.compile(
    r"""
      (?:https?|ftp)://[^\s<>"«»“”]+[^\s<>"«»“”.,;:!?)\]]   # URL
    | www\.[^\s<>"«»“”]+[^\s<>"«»“”.,;:!?)\]]
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                          # e-mail address
    | `[^`\n]+`                                           # inline code
    | \p{Nd}+(?:[.,:/\u2009\u202f\x20-]\p{Nd}+)*%?         # numbers, dates, times
    """,
    regex.VERBOSE,
)
_LATIN_RUN = regex.compile(r"\p{Latin}[\p{Latin}\p{M}'’.-]*")
_LETTER = regex.compile(r"\p{L}")

# Quotation marks and brackets are not sent to the engine when they wrap the fragment or
# open/close it; small models drop or duplicate them.
_EDGE = "\"'“”‘’«»„‚‹›「」『』()[]（）【】《》〈〉 \t\n\u00a0.,;:!?。，、；：！？…—–-"


@dataclass(frozen=True, slots=True)
class Piece:
    """A part of a fragment: ``translate`` says whether the engine sees it."""

    text: str
    translate: bool


def split_fragment(text: str, script: str) -> tuple[str, list[Piece], str]:
    """``(prefix, pieces, suffix)``: ``text`` == prefix + ''.join(pieces) + suffix.

    ``prefix``/``suffix`` are the punctuation, quotes, brackets and spaces at the edges.
    The middle is cut at protected tokens (see the module docstring); a piece with no
    letter is kept as it is. ``script`` is the fragment's UAX #24 script: in a fragment
    whose script is not Latin, Latin-script runs (names, product words) are protected too.
    """
    core_start = len(text) - len(text.lstrip(_EDGE))
    core_end = len(text.rstrip(_EDGE))
    if core_end <= core_start:
        return text, [], ""
    prefix, core, suffix = text[:core_start], text[core_start:core_end], text[core_end:]
    spans = [m.span() for m in _PROTECTED.finditer(core)]
    if script != "Latin":
        spans += [m.span() for m in _LATIN_RUN.finditer(core)]
    spans = _union(spans)

    pieces: list[Piece] = []
    pos = 0
    for a, b in spans:
        if a > pos:
            pieces.extend(_text_piece(core[pos:a]))
        pieces.append(Piece(core[a:b], False))
        pos = b
    if pos < len(core):
        pieces.extend(_text_piece(core[pos:]))
    return prefix, _coalesce(pieces), suffix


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _text_piece(text: str) -> list[Piece]:
    """A stretch between protected tokens, with its edge punctuation kept out."""
    if not _LETTER.search(text):
        return [Piece(text, False)]
    lead = len(text) - len(text.lstrip(_EDGE))
    tail = len(text.rstrip(_EDGE))
    out = [Piece(text[:lead], False), Piece(text[lead:tail], True), Piece(text[tail:], False)]
    return [p for p in out if p.text]


def _coalesce(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if out and not p.translate and not out[-1].translate:
            out[-1] = Piece(out[-1].text + p.text, False)
        else:
            out.append(p)
    return out


def protected_tokens(text: str) -> list[str]:
    """The numbers, dates, URLs, e-mail addresses and code spans in ``text``, in order."""
    return [m.group() for m in _PROTECTED.finditer(text)]


# --- quotation marks -------------------------------------------------------------------

# (primary open, primary close, secondary open, secondary close), per the CLDR
# "delimiters" data (quotationStart/End, alternateQuotationStart/End) of each language.
QUOTES: dict[str, tuple[str, str, str, str]] = {
    "en": ("“", "”", "‘", "’"),
    "de": ("„", "“", "‚", "‘"),
    "fr": ("«", "»", "«", "»"),
    "es": ("«", "»", "“", "”"),
    "it": ("«", "»", "“", "”"),
    "pt": ("“", "”", "‘", "’"),
    "nl": ("‘", "’", "“", "”"),
    "ru": ("«", "»", "„", "“"),
    "uk": ("«", "»", "„", "“"),
    "pl": ("„", "”", "«", "»"),
}

# Source marks that open and close a primary (double) or secondary (single) quotation.
_OPENERS = {"«": 0, "„": 0, "「": 0, "“": 0, '"': 0, "‹": 1, "‚": 1, "『": 1, "‘": 1}
_OPEN_BEFORE = '([{（【«„「“"‹‚『‘—–-'
_CLOSERS = {"»": 0, "」": 0, "”": 0, "“": 0, '"': 0, "›": 1, "』": 1, "’": 1, "‘": 1}


def to_quotes(text: str, target: str) -> str:
    """``text`` with its quotation marks in the convention of BCP-47 ``target``.

    A mark opens when nothing but space or an opening bracket precedes it, and closes
    otherwise, so the German closing ``“`` and the English opening ``“`` are told apart
    by position. An apostrophe between letters (``don’t``) is left alone. Languages
    outside :data:`QUOTES` get the English marks.
    """
    marks = QUOTES.get(primary_subtag(target), QUOTES["en"])
    out = []
    for i, ch in enumerate(text):
        if ch not in _OPENERS and ch not in _CLOSERS:
            out.append(ch)
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if ch in "’'‘" and before.isalnum() and after.isalnum():
            out.append(ch)  # apostrophe
            continue
        opening = ch in _OPENERS and (i == 0 or before.isspace() or before in _OPEN_BEFORE)
        level = _OPENERS[ch] if opening else _CLOSERS.get(ch, _OPENERS.get(ch, 0))
        out.append(marks[2 * level + (0 if opening else 1)])
    return "".join(out)


# --- guards ----------------------------------------------------------------------------

# Words, or runs of punctuation: "..." stays one token so an ellipsis is not a repetition.
_TOKEN_RE = re.compile(r"\w+|[^\w\s]+")
# Loops inside one word, which word tokens cannot see: "ПтоПтоПто", "hahaha", "的的的的".
# A unit of 2+ characters three times, or one character four times ("www", "III" pass).
_INWORD_LOOP_RE = re.compile(r"(\S{2,}?)\1{2,}|(\S)\2{3,}")


def has_repetition(text: str, times: int = 3) -> bool:
    """True if ``text`` loops: some token sequence occurs ``times`` or more times in a row.

    Tokens are words or runs of punctuation, compared case-insensitively:
    ``"the cat the cat the cat"`` and ``"no no no"`` are repetitions, ``"no no"`` is not.
    Loops inside a word also count (``"ПтоПтоПто"``, ``"的的的的"``); see
    ``_INWORD_LOOP_RE``.
    """
    folded = text.casefold()
    if _INWORD_LOOP_RE.search(folded):
        return True
    tokens = _TOKEN_RE.findall(folded)
    n = len(tokens)
    for period in range(1, n // times + 1):
        run = 0
        for i in range(n - period):
            if tokens[i] == tokens[i + period]:
                run += 1
                # run matching positions in a row = run + period tokens of periodic text
                if run >= (times - 1) * period:
                    return True
            else:
                run = 0
    return False


# English letters per source letter, by script: mean letters per sentence of
# ../shared/corpus/sentences/en.txt over that of zh (2.05), zh-Hant (2.62), ja (2.17),
# ko (2.02); other scripts measure 0.9-1.6 and use 1. A loose band around that ratio
# catches gross failures only; it is no quality estimate.
EXPANSION = {"Han": 2.5, "Hiragana": 2.5, "Katakana": 2.5, "Hangul": 2.0}
MAX_LONGER = 4.0  # output letters above MAX_LONGER x expected + LENGTH_SLACK: too long
MIN_SHORTER = 6.0  # output letters below expected / MIN_SHORTER: too short
LENGTH_SLACK = 20
SOURCE_SCRIPT_SHARE = 3  # over a third of the output (weighted like EXPANSION) in the source script
MIN_LETTERS_FOR_SHORT = 12  # shorter sources may legitimately shrink to a word


def guard_output(source: str, output: str) -> str | None:
    """Return why ``output`` is not an acceptable translation of ``source``, or ``None``.

    Reasons, checked in this order:

    * ``"rejected: empty output"``: nothing but whitespace or punctuation;
    * ``"rejected: repetition"``: a token sequence repeated 3+ times in a row while the
      source has no such repetition (the usual degenerate-decoder loop);
    * ``"rejected: too long"`` / ``"rejected: too short"``: letter count outside the band
      set by :data:`EXPANSION`, :data:`MAX_LONGER`, :data:`MIN_SHORTER`;
    * ``"rejected: source script"``: the source is not Latin-script and over a third of
      the output's letters (weighted by :data:`EXPANSION`) are still in its script.
    """
    out_counts = script_counts(output)
    out_letters = sum(out_counts.values())
    if not out_letters and not output.strip(_EDGE + " "):
        return "rejected: empty output"
    if has_repetition(output) and not has_repetition(source):
        return "rejected: repetition"
    src_counts = script_counts(source)
    src_letters = sum(src_counts.values())
    if src_letters:
        script = max(src_counts, key=src_counts.__getitem__)
        expected = src_letters * EXPANSION.get(script, 1.0)
        if out_letters > MAX_LONGER * expected + LENGTH_SLACK:
            return "rejected: too long"
        if src_letters >= MIN_LETTERS_FOR_SHORT and out_letters * MIN_SHORTER < expected:
            return "rejected: too short"
        if (
            script != "Latin"
            and out_counts.get(script, 0) * EXPANSION.get(script, 1.0) * SOURCE_SCRIPT_SHARE > out_letters
        ):
            return "rejected: source script"
    return None
