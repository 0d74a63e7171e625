"""Emoticon codes of the chat platforms: found, and blanked so that they are never read as words.

Exports write the platforms' emoticons as codes: Weibo and WeCom ``[呵呵]`` / ``[微笑]`` /
``[doge]``, Qianniu/Wangwang ``/:^_^`` / ``/:068`` / ``/:Q``, JD ``#E-s01``. ``[呵呵]`` is a
smiley, not the word 呵呵 an agent types to sneer; ``[发怒]`` is not an insult. ``blank``
replaces each code by spaces of the same length: positions stay those of the original text
(evidence is shown as written) and folding drops the spaces, so the code neither matches nor
breaks a phrase (``加[微笑]微信`` is still 加微信).

Kept: the masking placeholders of desensitized exports (``[电话x]``, ``[金额x]``, ``[数字x]``),
which stand for data, and bracketed text longer than an emoticon name.
"""
from __future__ import annotations

import re

# [name]: a Han name of 1-6 characters (traditional too: [發怒]) or a Latin one ([doge], [Facepalm],
# [cai太好了]) - but not a masking placeholder, whose name ends in x after Han characters.
_BRACKETED = r"\[(?![\u3400-\u9fff]{1,8}x\])[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z0-9_]{0,7}\]"
# Qianniu / Wangwang: /: then a number (/:068) or a short run of printable ASCII but '/', which
# starts the next code (/:^_^, /:Q, /:lol).
_QIANNIU = r"/:(?:\d{3}|[\x21-\x2e\x30-\x7e]{1,5})"
_JD = r"#E-[a-z]\d{2,3}"
_CODE = re.compile(f"{_BRACKETED}|{_QIANNIU}|{_JD}")
_MARKS = ("[", "/:", "#E-")


def has_codes(text: str) -> bool:
    """Cheap test first: most messages carry no emoticon at all."""
    return any(m in text for m in _MARKS)


def find(text: str) -> list[tuple[int, int]]:
    """(start, end) of every emoticon code in the text."""
    if not has_codes(text):
        return []
    return [m.span() for m in _CODE.finditer(text)]


def blank(text: str) -> str:
    """The text with every emoticon code replaced by as many spaces (the same object when there is none)."""
    if not has_codes(text):
        return text
    out = _CODE.sub(lambda m: " " * len(m.group()), text)
    return text if out == text else out
