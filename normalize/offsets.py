"""Exact offset bookkeeping between a text and the text after a list of edits.

Every step that changes text expresses itself as :class:`~normalize.types.Edit` objects on
its input; :class:`EditedText` applies them once and maps spans of the output back to
spans of the input, so that any character of the cleaned text points back to the original
characters it came from. Offsets are code points.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .types import Edit


def check_edits(edits: list[Edit], length: int) -> None:
    """Raise ``ValueError`` unless ``edits`` are sorted, non-overlapping and in bounds."""
    pos = 0
    for e in edits:
        if e.start < pos or e.end < e.start or e.end > length:
            raise ValueError(f"edits overlap or out of bounds at {e}")
        pos = e.end


@dataclass(frozen=True, slots=True)
class Applied:
    """An edit as placed in the output: input span ``[start, end)`` -> output span."""

    edit: Edit
    new_start: int
    new_end: int


class EditedText:
    """``source`` with ``edits`` applied, and the maps between the two.

    ``edits`` must be sorted and non-overlapping (``ValueError`` otherwise).
    """

    def __init__(self, source: str, edits: list[Edit]):
        check_edits(edits, len(source))
        parts: list[str] = []
        applied: list[Applied] = []
        pos = 0
        out_len = 0
        for e in edits:
            parts.append(source[pos : e.start])
            out_len += e.start - pos
            parts.append(e.replacement)
            applied.append(Applied(e, out_len, out_len + len(e.replacement)))
            out_len += len(e.replacement)
            pos = e.end
        parts.append(source[pos:])
        self.source = source
        self.text = "".join(parts)
        self.applied = applied
        self._new_starts = [a.new_start for a in applied]

    def to_source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map an output span to the smallest input span that produced it.

        A span that touches part of an edit's output widens to the whole edit, so the
        result always covers whole edits and never splits one.
        """
        return self._map(start, is_end=False), self._map(end, is_end=True)

    def _map(self, pos: int, is_end: bool) -> int:
        # An end offset is exclusive, so an edit starting exactly at it is not inside.
        find = bisect_left if is_end else bisect_right
        i = find(self._new_starts, pos) - 1
        if i < 0:
            return pos
        a = self.applied[i]
        if pos < a.new_end:  # inside the edit's output: widen to the whole edit
            return a.edit.end if is_end else a.edit.start
        return pos + (a.edit.end - a.new_end)


def apply_edits(source: str, edits: list[Edit]) -> EditedText:
    """Apply sorted, non-overlapping ``edits`` to ``source``; see :class:`EditedText`."""
    return EditedText(source, edits)
