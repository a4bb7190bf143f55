"""Homoglyph repair: look-alike letters from another script, per UTS #39.

Source of the look-alike pairs: Unicode's ``confusables.txt`` (UTS #39, Unicode Security
Mechanisms), as shipped by the ``confusable_homoglyphs`` package. Only single-letter
pairs among Latin, Cyrillic and Greek are used: those are the scripts whose letters are
mistaken for each other in running text (``а``/``a``, ``і``/``i``, ``ο``/``o``).

Two findings are repaired:

- a *mixed-script word* (UTS #39 section 5.1: its letters have no script in common), e.g.
  ``pаyment`` with a Cyrillic ``а``; its minority letters are mapped into the word's
  majority script (ties go to the document's main script), so ``обpазом`` with a Latin
  ``p`` becomes Cyrillic, and ``pаyment`` becomes Latin;
- a *lone look-alike letter*: a one-letter Cyrillic or Greek word standing between two
  words of the main script, e.g. ``of а military``.

Greek letters used as symbols in science and mathematics (ISO 80000-2: ``α β γ δ ε ...``,
the micro sign's ``μ``) are never repaired when the target is Latin: ``β-blocker``,
``α-helix`` and ``5 μm`` are correct as written.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables as _confusables

REPAIRABLE_SCRIPTS = frozenset({"Latin", "Cyrillic", "Greek"})

# Greek letters with a conventional meaning as symbols (ISO 80000-2, SI prefix micro).
# Letters that only look Latin and are not used as symbols (ο, ν, ι, υ and the capitals
# identical to Latin ones) stay repairable.
SCIENTIFIC_GREEK = frozenset("αβγδεζηθκλμξπρστφχψωϵϑϕϱϖΓΔΘΛΞΠΣΦΨΩ")

_SCRIPT_OF_NAME_PREFIX = {"LATIN": "Latin", "CYRILLIC": "Cyrillic", "GREEK": "Greek"}


def _script_of(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    return _SCRIPT_OF_NAME_PREFIX.get(first)


def _is_plain_letter(ch: str) -> bool:
    # Targets are ordinary letters of the script's main block: never small capitals,
    # modifier letters or mathematical alphanumerics.
    name = unicodedata.name(ch, "")
    return (
        unicodedata.category(ch) in ("Ll", "Lu")
        and "SMALL CAPITAL" not in name
        and (ch.isascii() or "\u0370" <= ch <= "\u04ff")
    )


@lru_cache(maxsize=1)
def _pairs() -> dict[tuple[str, str], str]:
    """(letter, target script) -> look-alike letter in the target script."""
    out: dict[tuple[str, str], str] = {}
    for src, alikes in _confusables.confusables_data.items():
        if len(src) != 1 or _script_of(src) is None or not _is_plain_letter(src):
            continue
        for alike in alikes:
            tgt = alike["c"]
            if len(tgt) != 1 or not _is_plain_letter(tgt):
                continue
            script = _script_of(tgt)
            if script is None or script == _script_of(src):
                continue
            # Keep the case: Cyrillic 'а' must become 'a', not 'A'.
            if src.isupper() != tgt.isupper():
                continue
            out.setdefault((src, script), tgt)
    return out


def lookalike(ch: str, script: str) -> str | None:
    """The letter of ``script`` that ``ch`` is confusable with, or ``None``."""
    return _pairs().get((ch, script))


def repair_letters(text: str, runs: tuple[tuple[str, int, int], ...], offset: int, target: str) -> str | None:
    """``text`` with every letter outside ``target`` script mapped into it.

    ``runs`` are the word's script runs with absolute offsets, ``offset`` the word's start.
    Returns ``None`` when some letter has no look-alike in ``target`` or is a scientific
    Greek symbol (then the word is not a homoglyph but something else).
    """
    chars = list(text)
    for script, a, b in runs:
        if script == target:
            continue
        if script not in REPAIRABLE_SCRIPTS:
            return None
        for i in range(a - offset, b - offset):
            ch = chars[i]
            if target == "Latin" and ch in SCIENTIFIC_GREEK:
                return None
            alike = lookalike(ch, target)
            if alike is None:
                return None
            chars[i] = alike
    return "".join(chars)
