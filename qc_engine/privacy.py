"""Finding and masking customer personal data in text (phones, ID and card numbers, ...)."""
from __future__ import annotations

import regex

# Digits not preceded/followed by another digit: \b would not work next to Han characters.
_PHONE = regex.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_ID = regex.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?![\dXx])")
_CARD = regex.compile(r"(?<!\d)(\d{4})((?:[ -]?\d){8,11})([ -]?\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """The text with customer personal data masked, keeping enough to recognise it (138****5678)."""
    if not text or not any(c.isdigit() for c in text):
        return text
    text = _ID.sub(lambda m: m.group(1) + "********" + m.group(3), text)
    text = _PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = _CARD.sub(lambda m: m.group(1) + " **** " + m.group(3).strip(" -")[-4:], text)
    return text
