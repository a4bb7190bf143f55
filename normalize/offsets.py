"""Exact offset bookkeeping between a text and the text after a list of edits.

Every step that changes text expresses itself as :class:`~normalize.types.Edit` objects on
its input; :class:`EditedText` applies them once and maps spans of the output back to
spans of the input, so that any character of the cleaned text points back to the original
characters it came from. Offsets are code points.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from .types import Edit


class EditedText:
    """``source`` with ``edits`` applied, and the maps between the two.

    ``edits`` must be sorted and non-overlapping (``ValueError`` otherwise). Edit ``k``
    placed its replacement at ``new_starts[k]:new_ends[k]`` of ``text``: parallel lists,
    not an object per edit, because a hostile text has an edit on every word.
    """

    def __init__(self, source: str, edits: list[Edit]):
        parts: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = 0
        out_len = 0
        for e in edits:
            if e.start < pos or e.end < e.start or e.end > len(source):
                raise ValueError(f"edits overlap or out of bounds at {e}")
            parts.append(source[pos : e.start])
            out_len += e.start - pos
            parts.append(e.replacement)
            new_starts.append(out_len)
            out_len += len(e.replacement)
            new_ends.append(out_len)
            pos = e.end
        parts.append(source[pos:])
        self.source = source
        self.text = "".join(parts)
        self.edits = edits
        self.new_starts = new_starts
        self.new_ends = new_ends

    def to_source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map an output span to the smallest input span that produced it.

        A span that touches part of an edit's output widens to the whole edit, so the
        result always covers whole edits and never splits one.
        """
        return self._map(start, is_end=False), self._map(end, is_end=True)

    def _map(self, pos: int, is_end: bool) -> int:
        # An end offset is exclusive, so an edit starting exactly at it is not inside.
        find = bisect_left if is_end else bisect_right
        i = find(self.new_starts, pos) - 1
        if i < 0:
            return pos
        edit, new_end = self.edits[i], self.new_ends[i]
        if pos < new_end:  # inside the edit's output: widen to the whole edit
            return edit.end if is_end else edit.start
        return pos + (edit.end - new_end)


def apply_edits(source: str, edits: list[Edit]) -> EditedText:
    """Apply sorted, non-overlapping ``edits`` to ``source``; see :class:`EditedText`."""
    return EditedText(source, edits)
