"""Text normalization shared by the rules: one canonical form to match against."""
from __future__ import annotations

import unicodedata
from functools import cache

import opencc

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no zero-width characters, traditional to simplified."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).lower()
    if text.isascii():
        return text
    return _t2s().convert(text)
