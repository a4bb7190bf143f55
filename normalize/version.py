"""The pipeline's version: what determines its output, as one string.

A stored document is re-written when its version changes, so the version must change
whenever the output can: the package version, a digest of the normalization code and its
data (word lists, character model, fitted parameters live in them) and the versions of the
libraries whose data the detector reads. Translation models are in the record's engine
identity, part of the fingerprint already.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

# Libraries whose data or behaviour shapes the output (word lists, language profiles,
# Unicode repair).
_LIBRARIES = (
    "wordfreq",
    "langdetect",
    "lingua-language-detector",
    "ftfy",
    "regex",
    "hanzidentifier",
    "confusable-homoglyphs",
)


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """``<package version>+<12 hex digits>``, e.g. ``0.2.0+3f9a0c1b2d4e``."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    files = sorted(
        p for p in root.rglob("*") if p.suffix in (".py", ".txt", ".gz", ".json") and "__pycache__" not in p.parts
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    for name in _LIBRARIES:
        digest.update(f"{name}=={_installed(name)}".encode())
    return f"{_installed('transnorm')}+{digest.hexdigest()[:12]}"


# Changes whenever the code, data or libraries that determine the output change.
PIPELINE_VERSION = pipeline_version()
