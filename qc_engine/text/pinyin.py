"""The sound of a text: homophones and pinyin spellings of the words evaders disguise.

Where evasion is common (contact channels, verification codes, reviews) agents write a word
by its sound: 好平 or 号评 for 好评, 威信 for 微信, ``haoping`` or ``hp``. Rather than listing
every spelling, a term marked ``~`` is also matched

- in the *sound view* of the folded text: each Han character replaced by one private-use
  character per toneless syllable (好, 号, 郝 -> the character of ``hao``). It is a
  ``str.translate`` of the folded text, the same length, so positions are those of the
  folded text and word boundaries are checked there as for any phrase;
- spelled in Latin letters, wholly or in part: full pinyin (``haoping``, separators fold
  away), initials for terms of two or more syllables (``hp``), and for short terms each
  character as itself, its pinyin or its initial (``微x``, ``wei信``).

Readings come from pypinyin's character table (the first, most common reading of each
character); its module is loaded on its own, without pypinyin's phrase dictionary, which
costs half a second in every worker, and the derived table is kept in the disk cache.
"""
from __future__ import annotations

import importlib.util
import itertools
import os
import unicodedata
from functools import cache

from qc_engine.text.diskcache import cached, file_key

# Syllable characters live in Supplementary Private Use Area-A: never in folded chat text
# (folding keeps the characters of a text, and no chat platform sends these).
_SYLLABLE_BASE = 0xF0000
_MIXED_UP_TO = 4  # characters: beyond, only full pinyin and initials (3^n spellings)


def _pinyin_dict_path() -> str:
    spec = importlib.util.find_spec("pypinyin")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin is needed for the sound view")
    return os.path.join(spec.submodule_search_locations[0], "pinyin_dict.py")


def _toneless(reading: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return plain.replace("ü", "v").replace("u\u0308", "v").lower()


def _derive(path: str) -> dict[int, str]:
    spec = importlib.util.spec_from_file_location("_qc_pinyin_dict", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = {}
    for cp, readings in module.pinyin_dict.items():
        first = _toneless(readings.split(",")[0].strip())
        if first.isascii() and first.isalpha():
            out[int(cp)] = first
    return out


@cache
def readings() -> dict[int, str]:
    """Code point -> toneless pinyin of its most common reading, for every Han character pypinyin knows."""
    path = _pinyin_dict_path()
    return cached("pinyin-readings", f"1 {file_key(path)}", lambda: _derive(path),
                  lambda v: type(v) is dict and len(v) > 1000)


@cache
def _table() -> dict[int, str]:
    syllables = sorted(set(readings().values()))
    ids = {s: chr(_SYLLABLE_BASE + i) for i, s in enumerate(syllables)}
    return {cp: ids[s] for cp, s in readings().items()}


def sound_view(folded: str) -> str:
    """The folded text with each Han character replaced by the character of its syllable (same length)."""
    return folded.translate(_table())


def is_han(ch: str) -> bool:
    return ord(ch) in readings()


def spellings(folded_term: str) -> list[str]:
    """Latin and mixed spellings of a term in Han characters: haoping, hp, and for short terms 好ping, 微x, wei信.

    Each character is written as itself, its full pinyin or its initial; the all-Han form is the
    term itself (not returned), the all-initials form only for two or more syllables.
    """
    table = readings()
    syllables = [table.get(ord(ch)) for ch in folded_term]
    if not syllables or any(s is None for s in syllables):
        return []
    if len(syllables) > _MIXED_UP_TO:
        return ["".join(syllables)] + (["".join(map(_initial, syllables))] if len(syllables) >= 2 else [])
    choices = [(ch, s, _initial(s)) for ch, s in zip(folded_term, syllables)]
    out = []
    for combo in itertools.product(*choices):
        spelled = "".join(combo)
        if spelled == folded_term or (len(syllables) < 2 and spelled == _initial(syllables[0])):
            continue
        out.append(spelled)
    return list(dict.fromkeys(out))


def _initial(syllable: str) -> str:
    # zh/ch/sh are written by their first letter in everyday abbreviations (zfb for 支付宝).
    return syllable[0]
