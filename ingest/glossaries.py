"""Reading a glossary file (TSV or YAML) into a :class:`normalize.glossary.Glossary`."""

from __future__ import annotations

from pathlib import Path

from normalize.glossary import Glossary, GlossaryError, parse_tsv, parse_yaml


def read_glossary(path: str | Path) -> Glossary:
    """Read the glossary at ``path``; the format follows the suffix.

    ``.tsv``/``.txt``: TSV; ``.yaml``/``.yml``: YAML (formats in :mod:`normalize.glossary`).
    Raises :class:`~normalize.glossary.GlossaryError` (a ``ValueError``) for a missing
    file or a directory, an unknown suffix, a file that is not UTF-8, or a bad entry,
    naming the file and the line.
    """
    path = Path(path)
    if path.is_dir():
        raise GlossaryError(f"{path} is a directory, not a glossary file")
    if not path.exists():
        raise GlossaryError(f"no such glossary file: {path}")
    suffix = path.suffix.lower()
    if suffix not in (".tsv", ".txt", ".yaml", ".yml"):
        raise GlossaryError(f"{path}: unknown glossary format {suffix or '(no suffix)'}; use .tsv or .yaml")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    parse = parse_yaml if suffix in (".yaml", ".yml") else parse_tsv
    return parse(text, name=str(path))
