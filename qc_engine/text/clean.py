"""Text every store, page and terminal can hold, whatever arrived."""
from __future__ import annotations

import re

# Halves of a UTF-16 surrogate pair: exports that cut an emoji in half leave one, and file names that are not
# UTF-8 read as such; no UTF-8 store or page can hold them.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# C0/C1 control characters but tab and newlines, and the escape sequences a terminal would obey.
_ANSI = re.compile("\x1b(?:\\[[0-?]*[ -/]*[@-~]|\\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|[@-_])")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def storable(text: str) -> str:
    """The text with lone surrogates replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def printable(text: str) -> str:
    """The text with terminal escape sequences and control characters made visible (one line: newlines too)."""
    text = _ANSI.sub(lambda m: repr(m.group())[1:-1], storable(str(text)))
    text = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text.replace("\r", "\\r").replace("\n", "\\n")


def terminal_safe(text: str) -> str:
    """Text for a terminal: escape sequences and control characters (but newlines and tabs) made visible, so
    an id or a name from an export can never move the cursor, recolour, retitle or clear the user's terminal."""
    text = _ANSI.sub(lambda m: repr(m.group())[1:-1], storable(text))
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\r\n", "\n")).replace("\r", "\\r")
