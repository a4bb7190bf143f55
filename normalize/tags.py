"""BCP-47 language tags (RFC 5646), the little this project needs of them."""

from __future__ import annotations

import re

# A language of 2-3 letters, then subtags of 2-8 letters or digits (zh-Hant, pt-BR,
# sr-Latn-RS): what a user may ask for as a source or target language.
_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def is_language_tag(tag: str) -> bool:
    """True if ``tag`` looks like a BCP-47 language tag (``en``, ``zh-Hant``, ``pt-BR``)."""
    return bool(_TAG.fullmatch(tag))


def primary_subtag(tag: str) -> str:
    """The language subtag, lowercased: ``zh-Hant`` -> ``zh``, ``EN-gb`` -> ``en``."""
    return tag.split("-")[0].lower()
