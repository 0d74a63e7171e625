"""Where a phrase found in a folded message really stands as written: whole words, one clause.

- word boundaries (``boundary: word``): the match must start and end on a jieba word
  boundary of the folded text (so 最好 is not found inside 最好看, 去死 not inside 去死皮);
  Latin letters and digits must not continue a run of the same kind (``vx`` is not found in
  ``vxe``), unless the original text separates them;
- a literal phrase does not run across clause punctuation, quotes or brackets
  (``请加，微信支付``, ``点击“微信”-“我”``) unless every one of its characters is
  separated (``加，微，信``).
"""
from __future__ import annotations

from qc_engine.text.fold import Folded, has_phrase_break
from qc_engine.text.segment import word_bounds

BOUNDARIES = ("word", "start", "none")
_JOINERS = ("-", "－", "‐", "–")  # letters-digits joined by these are one model number
_WHOLE_TEXT_LIMIT = 300  # characters segmented at once; longer messages in windows
_WINDOW = 30


def clause_ok(fm: Folded, start: int, end: int) -> bool:
    """A phrase does not run across clause punctuation, unless every character of it is separated."""
    gaps = [fm.gap(i) for i in range(start, end - 1)]
    if not any(has_phrase_break(g) for g in gaps):
        return True
    return all(gaps)


def _latin_kind(ch: str) -> str:
    if ch.isascii():
        if ch.isdigit():
            return "digit"
        if ch.isalpha():
            return "letter"
    return ""


class BoundaryChecker:
    """Word boundaries of one folded message; jieba runs at most once, and only when needed."""

    __slots__ = ("fm", "_bounds", "_windows")

    def __init__(self, fm: Folded):
        self.fm = fm
        self._bounds: set[int] | None = None
        self._windows: dict[int, set[int]] = {}

    def ok(self, start: int, end: int, boundary: str) -> bool:
        if boundary == "none":
            return True
        if not self._side_ok(start, inside=start, outside=start - 1):
            return False
        return boundary == "start" or self._side_ok(end, inside=end - 1, outside=end)

    def _side_ok(self, pos: int, inside: int, outside: int) -> bool:
        text = self.fm.text
        if pos <= 0 or pos >= len(text):
            return True
        between = self.fm.gap(min(inside, outside))
        if has_phrase_break(between):
            return True
        kind = _latin_kind(text[inside])
        if kind:
            if kind == "letter" and outside > inside and _latin_kind(text[outside]) == "digit" and between in _JOINERS:
                return False  # a model number: VX-200
            return kind != _latin_kind(text[outside]) or bool(between)
        if _latin_kind(text[outside]):
            return True
        return self._word_bound(pos)

    def _word_bound(self, pos: int) -> bool:
        text = self.fm.text
        if len(text) <= _WHOLE_TEXT_LIMIT:
            if self._bounds is None:
                self._bounds = word_bounds(text)
            return pos in self._bounds
        # A long message is segmented around the position only (jieba costs ~5 us a character),
        # in aligned windows reaching at least _WINDOW characters either side, each segmented once.
        lo = max(0, (pos // _WINDOW - 1) * _WINDOW)
        bounds = self._windows.get(lo)
        if bounds is None:
            bounds = self._windows[lo] = {lo + b for b in word_bounds(text[lo:lo + 3 * _WINDOW])}
        return pos in bounds
