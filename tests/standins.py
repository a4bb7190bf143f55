"""Deterministic stand-in translation engines for exact assembly tests.

They implement :class:`normalize.translate.Engine` like the real argos engine does, and
record every call, so tests can count engine calls and see exactly what was sent.
"""

from __future__ import annotations

from collections.abc import Callable

from normalize.translate import Hop


class StandIn:
    """Translates with ``answer(text, hop) -> str`` for the pairs in ``pairs``.

    ``pairs`` holds ``(source, target)`` BCP-47 tags as the pipeline asks for them
    (``None``: every pair);
    ``calls`` records ``(hop, texts)`` per :meth:`run`. The default answer is
    ``"<source>:<text>"``, which keeps numbers and names.
    """

    name = "standin"

    def __init__(
        self,
        pairs=(("ru", "en"), ("zh-Hant", "en"), ("zh-Hans", "en")),
        answer: Callable[[str, Hop], str] | None = None,
        version: str = "7",
    ) -> None:
        self.pairs = None if pairs is None else {tuple(p) for p in pairs}
        self.answer = answer or (lambda text, hop: f"{hop.source}:{text}")
        self.version = version
        self.calls: list[tuple[Hop, list[str]]] = []

    def hop(self, source: str, target: str) -> Hop | None:
        if self.pairs is not None and (source, target) not in self.pairs:
            return None
        return Hop(source, target, f"standin-{source}_{target}", self.version)

    def run(self, hop: Hop, texts: list[str]) -> list[str]:
        self.calls.append((hop, list(texts)))
        return [self.answer(t, hop) for t in texts]


def table(entries: dict[str, str], default: str = "???") -> Callable[[str, Hop], str]:
    """An answer function looking texts up in ``entries``."""
    return lambda text, hop: entries.get(text, default)
