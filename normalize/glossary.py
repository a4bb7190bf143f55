"""User glossaries: fixed translations applied before the model.

A glossary entry says "``source`` in language ``lang`` is ``translation`` in ``target``".
It applies to a whole text unit (a fragment, or a piece of one between numbers; see
:func:`normalize.fidelity.split_fragment`) that equals ``source`` after normalisation:
NFKC, case folding, runs of whitespace as one space. Matching is exact, never partial,
so a glossary cannot rewrite words inside longer text.

Languages are BCP-47 tags matched by RFC 4647 basic filtering: an entry for ``zh``
serves ``zh-Hans`` and ``zh-Hant``; an entry for ``zh-Hant`` only ``zh-Hant``. The most
specific entry wins.

Two file formats, parsed here from text (reading the file is the caller's job):

* TSV: ``lang<TAB>source<TAB>translation[<TAB>target]`` per line; ``#`` starts a comment
  line; an optional header line ``lang source translation [target]``.
* YAML: a list of mappings with keys ``lang``, ``source``, ``translation`` and optional
  ``target``.

``target`` defaults to ``en``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from .tags import primary_subtag

_SPACES = re.compile(r"\s+")


class GlossaryError(ValueError):
    """A glossary file that cannot be used; the message names the file and line."""


def normalise(text: str) -> str:
    """The form glossary sources are compared in: NFKC, casefolded, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


@dataclass(frozen=True, slots=True)
class Entry:
    lang: str
    source: str
    translation: str
    target: str = "en"


@dataclass(frozen=True)
class Glossary:
    """Entries indexed by (lowercased target primary subtag, lowercased lang, normalised source)."""

    entries: tuple[Entry, ...] = ()
    name: str = "glossary"
    _index: dict[tuple[str, str, str], Entry] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for e in self.entries:
            self._index[(primary_subtag(e.target), e.lang.lower(), normalise(e.source))] = e

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, text: str, lang: str, target: str) -> str | None:
        """The translation of ``text`` from ``lang`` into ``target``, or ``None``."""
        if not self._index:
            return None
        key = normalise(text)
        parts = lang.lower().split("-")
        tgt = primary_subtag(target)
        for n in range(len(parts), 0, -1):
            entry = self._index.get((tgt, "-".join(parts[:n]), key))
            if entry is not None:
                return entry.translation
        return None

    @property
    def digest(self) -> str:
        """SHA-256 of the entries: part of a record's fingerprint, so a changed glossary
        re-processes documents."""
        rows = sorted((e.lang, e.source, e.translation, e.target) for e in self.entries)
        return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def parse_tsv(text: str, name: str = "glossary.tsv") -> Glossary:
    """Parse a TSV glossary. Raises :class:`GlossaryError` naming ``name`` and the line."""
    entries = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if lineno == 1 and [c.lower() for c in cols[:3]] == ["lang", "source", "translation"]:
            continue
        if len(cols) not in (3, 4):
            raise GlossaryError(
                f"{name}:{lineno}: expected 3 or 4 tab-separated columns (lang, source, translation[, target]), got {len(cols)}"
            )
        entries.append(_entry(name, lineno, *cols))
    return Glossary(tuple(entries), name)


def parse_yaml(text: str, name: str = "glossary.yaml") -> Glossary:
    """Parse a YAML glossary. Raises :class:`GlossaryError` naming ``name``."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise GlossaryError(f"{name}: not valid YAML{line}: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        data = []
    if not isinstance(data, list):
        raise GlossaryError(f"{name}: expected a list of entries with lang, source, translation")
    entries = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise GlossaryError(f"{name}: entry {i}: expected a mapping, got {type(item).__name__}")
        unknown = set(item) - {"lang", "source", "translation", "target"}
        if unknown:
            raise GlossaryError(f"{name}: entry {i}: unknown keys {sorted(unknown)}")
        try:
            entries.append(
                _entry(name, f"entry {i}", item["lang"], item["source"], item["translation"], item.get("target", "en"))
            )
        except KeyError as exc:
            raise GlossaryError(f"{name}: entry {i}: missing {exc.args[0]!r}") from None
    return Glossary(tuple(entries), name)


def _entry(name: str, where: object, lang: object, source: object, translation: object, target: object = "en") -> Entry:
    values = {"lang": lang, "source": source, "translation": translation, "target": target}
    text: dict[str, str] = {}
    for key, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise GlossaryError(f"{name}:{where}: {key} must be non-empty text")
        text[key] = value.strip()
    for key in ("lang", "target"):
        if not re.fullmatch(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*", text[key]):
            raise GlossaryError(f"{name}:{where}: {key} {values[key]!r} is not a BCP-47 tag")
    return Entry(text["lang"], text["source"], text["translation"], text["target"])
