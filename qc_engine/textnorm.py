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
# Code points whose folding is tabulated; others pass through unchanged.
_TABLE_RANGES = ((0x0000, 0x10000), (0x1D400, 0x1D800), (0x1F000, 0x1FB00), (0xE0000, 0xE0080))
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


@cache
def _fold_table() -> list[int | str | None]:
    """Code point -> folded string (None: dropped), for str.translate."""
    first: dict[int, str] = {}
    for lo, hi in _TABLE_RANGES:
        for cp in range(lo, hi):
            if 0xD800 <= cp < 0xE000:
                continue
            ch = chr(cp)
            first[cp] = _STAND_INS.get(ch) or unicodedata.normalize("NFKC", ch).lower()
    # Traditional to simplified one character at a time, all in one OpenCC call.
    han = [cp for cp, s in first.items() if len(s) == 1 and "\u3400" <= s <= "\U0002ffff"]
    converted = _t2s().convert("\n".join(first[cp] for cp in han)).split("\n")
    if len(converted) == len(han):
        for cp, s in zip(han, converted):
            if len(s) == 1:
                first[cp] = s

    def filtered(s: str) -> str:
        return "".join(c for c in s if _kept(c))

    table: dict[int, str] = {cp: filtered(s) for cp, s in first.items()}
    # Apply the table to its own output until nothing changes: folding is idempotent.
    for _ in range(4):
        changed = False
        for cp, s in table.items():
            again = "".join(table.get(ord(c), c) for c in s)
            if again != s:
                table[cp], changed = again, True
        if not changed:
            break
    # A list indexed by code point: str.translate looks it up much faster than a dict, and a
    # character beyond its end (rare astral ones) simply stays as it is.
    size = max(table) + 1
    out: list[int | str | None] = list(range(size))
    for cp, s in table.items():
        if s != chr(cp):
            out[cp] = s or None
    return out


def fold(text: str) -> str:
    """The match form of a text: folded characters, separators dropped (see the module docstring)."""
    return text.translate(_fold_table())


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
    table = _fold_table()
    size = len(table)
    out: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        folded = table[cp] if cp < size else ch
        if type(folded) is int:
            folded = ch
        if folded:
            out.append(folded)
            src.extend([i] * len(folded))
    return Folded(text, "".join(out), tuple(src))


def has_phrase_break(text: str) -> bool:
    """Whether the text contains a mark that ends a phrase: clause punctuation, a quote or a bracket."""
    return not PHRASE_BREAKS.isdisjoint(text)
