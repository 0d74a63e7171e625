"""Text normalization shared by the rules: one canonical form to match against.

Two forms:

- ``simplify(text)``: NFKC, lower case, no zero-width characters, traditional to
  simplified (phrase-aware OpenCC). Keeps spaces and punctuation.
- ``fold(text)``: the *match form* used by phrase lists. Character by character:
  NFKC (full-width and styled letters to plain ones), lower case, traditional to
  simplified, and every separator dropped (spaces, punctuation, symbols, emoji,
  zero-width and combining characters), so that ``加 - 薇 . 信`` and ``加薇信``,
  ``ＶＸ`` and ``vx``, ``全網最低價`` and ``全网最低价`` fold to the same text.
  Only letters, digits, ``+`` and ``%`` survive (``➕V`` folds to ``+v``).
  It is a table-driven ``str.translate``, cheap enough for every message.
- ``fold_map(text)``: the same text plus, for every folded character, the index
  of the original character it came from, so a match can be shown as written.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import opencc

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

# Symbols that stand for a character evaders mean: ➕V is 加V.
_STAND_INS = {"\u2795": "+", "\u271a": "+", "\u2719": "+", "\u271b": "+", "\u271c": "+"}
# Folded text keeps these besides letters and digits: + means 加, % matters in 100%.
_KEPT_SYMBOLS = frozenset("+%")
# Code points that fold; others pass through unchanged, as they always have: widening these
# ranges would change the match forms of texts, and so what matches.
_FOLDING_RANGES = ((0x0000, 0xD800), (0xE000, 0x10000), (0x1D400, 0x1D800), (0x1F000, 0x1FB00), (0xE0000, 0xE0080))
# Characters that end a clause; a phrase does not normally run across them.
HARD_BREAKS = frozenset("，。！？；、…\n\r,!?;")
# Quotes and brackets also end a phrase (点击“微信”-“我”), but not a clause.
PHRASE_BREAKS = HARD_BREAKS | frozenset("“”‘’「」『』《》〈〉【】()（）[]\"'<>")


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no zero-width characters, traditional to simplified."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).lower()
    if text.isascii():
        return text
    return _t2s().convert(text)


def _kept(ch: str) -> bool:
    return ch in _KEPT_SYMBOLS or unicodedata.category(ch)[0] in "LN"


def _fold_step(ch: str) -> str:
    """One folding step of one character: stand-in, NFKC, lower case, traditional to simplified, filter."""
    cp = ord(ch)
    if not any(lo <= cp < hi for lo, hi in _FOLDING_RANGES):
        return ch
    s = _STAND_INS.get(ch) or unicodedata.normalize("NFKC", ch).lower()
    # One character at a time: OpenCC's phrase conversion must not see neighbours.
    if len(s) == 1 and "\u3400" <= s <= "\U0002ffff":
        simplified = _t2s().convert(s)
        if len(simplified) == 1:
            s = simplified
    return "".join(c for c in s if _kept(c))


def _fold_char(cp: int) -> int | str | None:
    """Compute and store the table entry of a code point: folded string, None if dropped, cp if unchanged."""
    ch = chr(cp)
    s = _fold_step(ch)
    # A step can leave a character that folds further (㈶ -> 財 -> 财): folding is idempotent.
    # Bounded, in case a Unicode or OpenCC update ever makes two characters fold to each other.
    for _ in range(4):
        again = "".join(map(_fold_step, s))
        if again == s:
            break
        s = again
    folded = cp if s == ch else s or None
    _FOLDS[cp] = folded
    return folded


class _Unseen:
    """Marks a code point not folded yet; str.translate rejects it with a TypeError."""


_UNSEEN = _Unseen()
# Indexed by code point, filled on first sight of a character: a day of chat has a few thousand
# distinct ones, while tabulating all of them cost ~0.3 s at every start. A list, because
# str.translate looks code points up in it a third faster than in a dict; a character beyond
# its end passes through unchanged, as it must.
_FOLDS: list = [_UNSEEN] * _FOLDING_RANGES[-1][1]


def fold(text: str) -> str:
    """The match form of a text: folded characters, separators dropped (see the module docstring)."""
    try:
        return text.translate(_FOLDS)
    except TypeError:  # met an _UNSEEN character
        for ch in set(text):
            cp = ord(ch)
            if cp < len(_FOLDS) and _FOLDS[cp] is _UNSEEN:
                _fold_char(cp)
        return text.translate(_FOLDS)


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and, for each of its characters, the index of the original character."""

    original: str
    text: str
    src: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) covering folded characters [start, end)."""
        return self.src[start], self.src[end - 1] + 1

    def gap(self, i: int) -> str:
        """The original characters dropped between folded characters i and i + 1."""
        return self.original[self.src[i] + 1:self.src[i + 1]]


def fold_map(text: str) -> Folded:
    """Fold a text and keep the position map back to the original (slower: use on candidates only)."""
    size = len(_FOLDS)
    out: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        folded = _FOLDS[cp] if cp < size else ch
        if folded is _UNSEEN:
            folded = _fold_char(cp)
        if type(folded) is int:
            folded = ch
        if folded:
            out.append(folded)
            src.extend([i] * len(folded))
    return Folded(text, "".join(out), tuple(src))


def has_phrase_break(text: str) -> bool:
    """Whether the text contains a mark that ends a phrase: clause punctuation, a quote or a bracket."""
    return not PHRASE_BREAKS.isdisjoint(text)
