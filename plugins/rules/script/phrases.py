"""Script phrases (您好, 感谢光临, 抱歉 ...) found in agent messages, on normalized text
(qc_engine.text.fold.simplify), and never inside a longer word (亲 in 亲自, 在的 in 现在的)."""
from __future__ import annotations

import re
from typing import Iterable

from qc_engine.text.fold import simplify

# Characters that turn a short phrase into another word: 父亲, 亲自; 现在的; 您好像; this/hi.
_NOT_BEFORE_QIN = "父母双相乡成血可探省"
_NOT_AFTER_QIN = "自戚人子手测身属情友朋密近切眼历笔生热和"
_NOT_BEFORE_ZAI = "现存所实正自内外不还都也就仍没潜健"
_NOT_AFTER_HAO = "好像看用久烦笨意吵"  # 您好像, 你好烦, 你好意思

# Agents send the same greetings, closings and quick phrases all day, and normalizing (OpenCC) and matching
# them is the costly part: each matcher keeps its answer per text. Long texts rarely repeat and would make the
# cache big, so only short ones are kept.
_MAX_CACHED_CHARS = 200
_MAX_CACHED_TEXTS = 8192
_UNSEEN = object()


def phrase_pattern(phrase: str) -> str:
    """A regex for a script phrase that does not fire inside longer words (亲 in 亲自, 在的 in 现在的)."""
    p = simplify(phrase).strip()
    body = re.escape(p)
    if p.isascii() and p[:1].isalnum():
        return rf"(?<![a-z0-9]){body}(?![a-z0-9])"
    if p == "亲":
        return rf"(?<![{_NOT_BEFORE_QIN}])亲(?![{_NOT_AFTER_QIN}])"
    if p.startswith("在"):
        body = rf"(?<![{_NOT_BEFORE_ZAI}]){body}"
    if p.endswith("好"):
        body = rf"{body}(?![{_NOT_AFTER_HAO}])"
    return body


class ScriptPhrases:
    """Finds any of a list of script phrases in a message (normalized); empty list: matches nothing."""

    def __init__(self, phrases: Iterable[str]):
        unique = sorted({simplify(p).strip() for p in phrases if p and p.strip()}, key=len, reverse=True)
        self._regex = re.compile("|".join(phrase_pattern(p) for p in unique)) if unique else None
        self._found: dict[str, str | None] = {}

    def __bool__(self) -> bool:
        return self._regex is not None

    def search(self, text: str) -> str | None:
        """The first phrase found in the text, or None."""
        found = self._found.get(text, _UNSEEN)
        if found is _UNSEEN:
            if self._regex is None:
                return None
            m = self._regex.search(simplify(text))
            found = m.group(0) if m else None
            if len(text) <= _MAX_CACHED_CHARS:
                if len(self._found) >= _MAX_CACHED_TEXTS:
                    self._found.clear()
                self._found[text] = found
        return found
