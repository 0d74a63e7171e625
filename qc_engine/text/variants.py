"""Every way a listed term is written: numerals, colloquial forms, named variant sets, sound.

A term is expanded once, when the rules are compiled, into the spellings the matcher looks
for; a message is never rewritten, so the cost per message does not grow with the variants.

- ``{name}`` stands for each entry of the named variant set (``{微信}`` -> 微信, 薇信, vx ...).
- Numbers are written either way: a term with Arabic digits also matches Chinese numerals,
  lower and upper case, and the reverse (返5元 = 返五元 = 返伍元; 五星好评 = 5星好评),
  converted with ``cn2an``.
- Everyday variants of pronouns, question words and particles (``COLLOQUIAL``): a term
  written with one member of a class also matches the others (不知道 = 不晓得; 什么 = 啥;
  你自己去问 = 您自己去问; 听不懂吗 = 听不懂嘛).
- ``{数}`` in a term stands for any number, in digits or Chinese numerals (返{数}元); such a
  term is matched by a regex on the folded text (``number_regex``).
- ``~`` before a term: also its homophones and pinyin spellings (see ``qc_engine.text.pinyin``).

Expansion is bounded (``MAX_SPELLINGS`` per term): a term that would expand further is an
error naming it, never a slow start.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

from qc_engine.text.fold import fold

MAX_SPELLINGS = 2000
NUMBER = "{数}"
RESERVED_SETS = ("数",)
_PLACEHOLDER = re.compile(r"\{([^{}]{1,20})\}")

# Classes of interchangeable everyday forms, in folded (simplified) text. Longer members are
# found first (我们 before 我). Left out on purpose: 亲 for 你 (亲自, 亲妈 are other words).
COLLOQUIAL: tuple[tuple[str, ...], ...] = (
    ("你们", "您们"),
    ("你", "您"),
    ("我们", "咱们", "俺们"),
    ("我", "俺"),
    ("什么", "啥", "甚么", "神马", "啥子"),
    ("怎么", "咋", "肿么"),
    ("为什么", "为啥", "干嘛", "干啥", "干吗"),
    ("知道", "晓得"),
    ("没有", "没", "木有"),
    ("不要", "别", "甭"),
    ("吗", "嘛", "么"),
    ("吧", "呗"),
    ("呢", "捏"),
    ("了", "啦", "喽"),
    ("的", "滴"),
    # Kept as they are (never split into the classes above): 那么 is not 那吗.
    ("那么",), ("这么",), ("多么",), ("要么",), ("别人",), ("别家",), ("别的",), ("特别",), ("区别",),
    ("了解",), ("为了",), ("目的",), ("的确",),
)
_NUMERALS = "零〇一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾"
_MAGNITUDES = "百千万亿佰仟"
# A single Chinese numeral is a number before a unit or measure word, or after 第 (第一品牌, 五星, 三天).
_UNITS = frozenset("元块毛角分星个件次天周月年号位折倍斤克两瓶盒包单张条只套台款样颗粒片支袋箱期岁")
_ORDINAL = frozenset("第")
_NUMBER_RUN = re.compile(f"[0-9]+|[{_NUMERALS}{_MAGNITUDES}]*[{_NUMERALS}][{_NUMERALS}{_MAGNITUDES}]*")
# Any number in a folded text (separators are gone: 5.5 folds to 55, 1,000 to 1000).
NUMBER_PATTERN = f"(?:[0-9]+|[{_NUMERALS}{_MAGNITUDES}]+)"


@dataclass(frozen=True, slots=True)
class Term:
    """A term as configured and what the matcher looks for."""

    text: str  # as written in the rule file
    spellings: tuple[str, ...]  # folded literal spellings
    sounds: tuple[str, ...] = ()  # folded Han spellings matched by sound (~ terms)
    regex: str | None = None  # terms with {数}: a regex on the folded text
    needles: tuple[str, ...] = ()  # terms with {数}: the regex runs only where one of these occurs


def parse_term(text: str, sets: dict[str, list[str]]) -> Term:
    """Expand one configured term; ValueError naming it when it cannot be used."""
    by_sound = text.startswith("~")
    body = text[1:] if by_sound else text
    named = expand_sets(body, sets)
    if NUMBER in body:
        alternatives, needles = [], []
        for spelling in named:
            pieces = [spell(p) for p in spelling.split(NUMBER)]
            alternatives.append(NUMBER_PATTERN.join(map(_alternation, pieces)))
            longest = max(pieces, key=lambda p: min(map(len, p)))
            if longest == [""]:
                raise ValueError(f"term {text!r} needs a word besides {NUMBER}")
            needles.extend(longest)
        return Term(text, (), (), "|".join(f"(?:{a})" for a in alternatives), tuple(dict.fromkeys(needles)))
    spellings: list[str] = []
    for spelling in named:
        spellings.extend(spell(spelling))
    spellings = list(dict.fromkeys(s for s in spellings if s))
    if not spellings:
        raise ValueError(f"term {text!r} has no letters or digits to match")
    if len(spellings) > MAX_SPELLINGS:
        raise ValueError(f"term {text!r} expands to {len(spellings)} spellings (at most {MAX_SPELLINGS})")
    sounds: tuple[str, ...] = ()
    if by_sound:
        from qc_engine.text import pinyin

        sounds = tuple(s for s in spellings if any(pinyin.is_han(c) for c in s))
        latin = [p for s in sounds for p in pinyin.spellings(s)]
        spellings = list(dict.fromkeys(spellings + latin))
    return Term(text, tuple(spellings), sounds)


def _alternation(spellings: list[str]) -> str:
    if spellings == [""]:
        return ""
    return "(?:" + "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True)) + ")"


def expand_sets(text: str, sets: dict[str, list[str]]) -> list[str]:
    """Every spelling of a text whose {name} placeholders stand for their variant sets ({数} kept)."""
    names = [n for n in _PLACEHOLDER.findall(text) if n not in RESERVED_SETS]
    if not names:
        return [text]
    unknown = [n for n in names if n not in sets]
    if unknown:
        raise ValueError(f"{text!r} uses {{{unknown[0]}}}, which forbidden_phrases.variants does not define")
    total = 1
    for n in names:
        total *= max(1, len(sets[n]))
    if total > MAX_SPELLINGS:
        raise ValueError(f"{text!r} expands to {total} spellings (at most {MAX_SPELLINGS})")
    parts = _PLACEHOLDER.split(text)  # literal, name, literal, name, ..., literal
    choices = [[p] if i % 2 == 0 else ([f"{{{p}}}"] if p in RESERVED_SETS else (sets[p] or [""]))
               for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


@cache
def spell(text: str) -> list[str]:
    """The folded spellings of a literal text: itself, its numbers written the other ways, its colloquial forms."""
    folded = fold(text)
    if not folded:
        return [""]
    out = []
    for with_numbers in _numeral_forms(folded):
        out.extend(_colloquial_forms(with_numbers))
    return list(dict.fromkeys(out))[:MAX_SPELLINGS + 1]


def _numeral_forms(folded: str) -> list[str]:
    parts: list[list[str]] = []
    last = 0
    for m in _NUMBER_RUN.finditer(folded):
        if not _is_quantity(folded, m.start(), m.end()):
            continue
        parts.append([folded[last:m.start()]])
        parts.append(number_forms(m.group()))
        last = m.end()
    parts.append([folded[last:]])
    return ["".join(p) for p in itertools.islice(itertools.product(*parts), MAX_SPELLINGS + 1)]


def _is_quantity(text: str, start: int, end: int) -> bool:
    """Whether a run of numerals is a number: not part of a code (qq123, top1) nor of a word (一流, 独一无二)."""
    before, after = text[start - 1:start], text[end:end + 1]
    if text[start].isdigit():
        return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())
    return end - start > 1 or before in _ORDINAL or (after != "" and after in _UNITS)


@cache
def number_forms(run: str) -> list[str]:
    """A number as written, and in the other scripts: 5 -> 五, 伍; 十五 -> 15, 壹拾伍; 2 -> 二, 两, 贰."""
    import cn2an  # only when rules are compiled, and only for terms with a number

    try:
        if run.isdigit():
            if len(run) > 1 and run.startswith("0"):
                return [run]  # a code (007), not an amount
            value = int(run)
        else:
            value = int(cn2an.cn2an(run, "normal"))
        forms = [run, str(value), cn2an.an2cn(str(value), "low"), cn2an.an2cn(str(value), "up")]
    except (ValueError, KeyError, TypeError, OverflowError):
        return [run]
    if value == 2:
        forms.append("两")
    if 10 <= value < 20:
        forms.append("一" + forms[2])  # 一十五 is also written
    return list(dict.fromkeys(fold(f) for f in forms))


def _class_of() -> dict[str, tuple[str, ...]]:
    return {member: cls for cls in COLLOQUIAL for member in cls}


_CLASS_OF = _class_of()
_COLLOQUIAL_RUN = re.compile("|".join(sorted(map(re.escape, _CLASS_OF), key=len, reverse=True)))


def _colloquial_forms(folded: str) -> list[str]:
    parts: list[tuple[str, ...]] = []
    last = 0
    for m in _COLLOQUIAL_RUN.finditer(folded):
        parts.append((folded[last:m.start()],))
        parts.append(_CLASS_OF[m.group()])
        last = m.end()
    if not parts:
        return [folded]
    parts.append((folded[last:],))
    return ["".join(p) for p in itertools.islice(itertools.product(*parts), MAX_SPELLINGS + 1)]
