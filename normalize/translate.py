"""Translating fragments: the translator interface and the guards on what it returns.

A translator is any object with ``name`` and
``translate(text, source, target) -> Translation`` where ``source``/``target`` are BCP-47
tags. The real engine is :class:`normalize.argos.ArgosTranslator`; tests use deterministic
stand-ins. Normalization never calls a translator for a pair it cannot serve: the
translator answers ``untranslated`` with a reason instead.
"""

from __future__ import annotations

from typing import Protocol

from .types import Translation


class Translator(Protocol):
    name: str

    def translate(self, text: str, source: str, target: str) -> Translation: ...


class NullTranslator:
    """Translates nothing; every fragment is recorded ``untranslated`` with the reason."""

    name = "none"

    def __init__(self, reason: str = "translation disabled") -> None:
        self.reason = reason

    def translate(self, text: str, source: str, target: str) -> Translation:
        return Translation(status="untranslated", text=None, engine=self.name, reason=self.reason)
