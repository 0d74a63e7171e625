"""Patterns: terms that must occur together, within a distance, in order or not, unless refused.

A phrase list catches 好评返现 but not 好评后联系客服返您5元. A pattern names the parts and
how close they must be, as the keyword-with-distance operator of QC suites does::

    patterns:
      - name: 好评返现
        all: [好评, [返, 返现, 送], "{数}元"]   # each item: a term, or a list of alternative terms
        within: 8                              # characters between the terms, punctuation not counted
        ordered: false                         # default false: in any order
        unless: [不能, 不支持, 禁止]            # not when the clause refuses or warns
      - name: 加微信
        any: ["{加}~微信"]                      # one term is enough (here: by its sound too)

Every term is expanded like a phrase (``qc_engine.text.variants``): ``{name}`` variant sets,
numbers either way, colloquial forms, ``{数}`` for any number, ``~`` for sound. Each term
occurrence must stand as a whole word (``boundary``, as for phrases), within one clause, and
not inside an allow entry. ``unless`` terms are looked for anywhere in the clauses the match
spans (from the start of the clause of its first term to the end of the clause of its last).

This module holds the compiled form and the search for a combination; finding the term
occurrences is the phrase matcher's single pass (``qc_engine.text.phrases``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from qc_engine.model import SEVERITIES
from qc_engine.text.variants import Term, parse_term

DEFAULT_WITHIN = 15
MAX_WITHIN = 200
MAX_SLOTS = 8
_MAX_COMBINATIONS = 4096  # per pattern and message: a message repeating a term 100 times stays cheap

_TERM = {"type": "string", "minLength": 1, "maxLength": 100}
_SLOT = {"oneOf": [_TERM, {"type": "array", "items": _TERM, "minItems": 1, "maxItems": 200}]}
PATTERN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Terms that must occur together (all) or any one of them (any), with distance and exclusions.",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100, "description": "Shown in findings."},
        "all": {"type": "array", "items": _SLOT, "minItems": 1, "maxItems": MAX_SLOTS,
                "description": "Every item must occur; an item is a term or a list of alternative terms."},
        "any": {"type": "array", "items": _TERM, "minItems": 1, "maxItems": 1000,
                "description": "Any one of these terms."},
        "within": {"type": "integer", "minimum": 1, "maximum": MAX_WITHIN,
                   "description": f"At most this many characters between the terms (default {DEFAULT_WITHIN})."},
        "ordered": {"type": "boolean", "description": "The items of all: must occur in the order written (default false)."},
        "unless": {"type": "array", "items": _TERM, "maxItems": 200,
                   "description": "Not a match when one of these occurs in the clauses the match spans."},
        "severity": {"enum": list(SEVERITIES)},
        "boundary": {"enum": ["word", "start", "none"]},
    },
    "oneOf": [{"required": ["all"]}, {"required": ["any"]}],
}


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern: its slots of alternative terms, distance, order and exclusions."""

    entry: Any  # the phrases.Entry its matches are reported as
    slots: tuple[tuple[Term, ...], ...]
    within: int
    ordered: bool
    unless: tuple[Term, ...]
    anchor: int  # the slot whose terms decide whether a message is worth a look

    def describe(self) -> str:
        """The pattern in words, for the rule reference."""
        if len(self.slots) == 1:
            return " / ".join(t.text for t in self.slots[0])
        parts = ["(" + " | ".join(t.text for t in slot) + ")" if len(slot) > 1 else slot[0].text for slot in self.slots]
        how = "依次" if self.ordered else "不限顺序"
        out = f"{' + '.join(parts)}（{self.within}字内，{how}）"
        if self.unless:
            out += f"，除非有：{'、'.join(t.text for t in self.unless)}"
        return out


def label(spec: dict[str, Any]) -> str:
    """What a finding calls a pattern: its name, or its terms joined."""
    if spec.get("name"):
        return spec["name"]
    items = spec.get("all") or [spec.get("any", [])]
    return "…".join(i if isinstance(i, str) else "/".join(i) for i in items)[:100]


def compile_pattern(spec: dict[str, Any], entry: Any, sets: dict[str, list[str]]) -> Pattern:
    """A pattern of a rule file, compiled; ValueError naming the term when one cannot be used."""
    if "all" in spec:
        slots = tuple(tuple(parse_term(t, sets) for t in ([item] if isinstance(item, str) else item))
                      for item in spec["all"])
    else:
        slots = (tuple(parse_term(t, sets) for t in spec["any"]),)
    unless = tuple(parse_term(t, sets) for t in spec.get("unless") or ())
    if any(t.sounds or t.regex for t in unless):
        raise ValueError("unless terms are plain words: no ~ and no {数}")
    return Pattern(entry, slots, int(spec.get("within", DEFAULT_WITHIN)), bool(spec.get("ordered", False)),
                   unless, _anchor(slots))


def _anchor(slots: Sequence[tuple[Term, ...]]) -> int:
    """The slot most likely to rule a message out: the one whose shortest literal spelling is longest.

    A {数} term is looked for by the longest word written beside the number (返 in 返{数}元).
    """
    def shortest(slot: tuple[Term, ...]) -> int:
        return min(min(map(len, t.needles or t.spellings)) for t in slot)

    return max(range(len(slots)), key=lambda i: (shortest(slots[i]), -i))


def combine(occurrences: Sequence[Sequence[tuple[int, int]]], within: int, ordered: bool) -> tuple[int, int] | None:
    """The tightest (start, end) where every slot has an occurrence, at most ``within`` characters apart; None if none.

    occurrences[i] lists (start, end) of slot i's terms in the folded text. The distance is the
    number of characters between the terms (the span less the terms themselves), so a term
    spelled out in pinyin (weixin) is as close as 微信. Occurrences of different slots may not
    overlap (好评 and 评 are not two terms in two characters); ordered: each slot's occurrence
    starts at or after the end of the previous one's.
    """
    if any(not occ for occ in occurrences):
        return None
    if len(occurrences) == 1:
        start, end = min(occurrences[0], key=lambda o: o[0])
        return start, end
    order = list(range(len(occurrences))) if ordered else sorted(range(len(occurrences)), key=lambda i: len(occurrences[i]))
    # The span can never exceed the distance plus the longest occurrence of every slot: prunes early.
    limit = within + sum(max(e - s for s, e in occ) for occ in occurrences)
    best: list[tuple[int, int, int] | None] = [None]  # (gap, start, end)
    budget = [_MAX_COMBINATIONS]

    def search(k: int, chosen: list[tuple[int, int]], lo: int, hi: int, length: int) -> None:
        if budget[0] <= 0:
            return
        if k == len(order):
            gap = hi - lo - length
            if gap <= within and (best[0] is None or gap < best[0][0]):
                best[0] = (gap, lo, hi)
            return
        for start, end in occurrences[order[k]]:
            budget[0] -= 1
            new_lo, new_hi = min(lo, start), max(hi, end)
            if new_hi - new_lo > limit:
                continue
            if ordered and chosen and start < chosen[-1][1]:
                continue
            if not ordered and any(start < e and s < end for s, e in chosen):
                continue
            search(k + 1, chosen + [(start, end)], new_lo, new_hi, length + end - start)

    search(0, [], 10 ** 9, -1, 0)
    return None if best[0] is None else best[0][1:]
