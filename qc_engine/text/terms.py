"""One pass over a message for every term of every rule: phrases, pattern terms, their sounds.

``TermIndex`` holds, compiled once per rule set:

- one trie of every literal spelling (phrases and pattern terms, expanded by
  ``qc_engine.text.variants``), searched on the folded text;
- one trie of the sound keys of ``~`` terms, searched on the sound view (``text.pinyin``),
  built only when some term asks for it;
- the regexes of ``{数}`` terms, run only where a word written beside the number occurs;
- the prefilters: one regex over the folded text finding any phrase or any pattern's anchor
  (a pattern cannot match without its anchor), and one over the sound view.

Values stored in the tries: the phrase's ``Entry``, ``Slot(pattern, slot)`` for a pattern
term and ``Unless(pattern)`` for a pattern's exclusion term.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import regex

from qc_engine.text.patterns import Pattern
from qc_engine.text.trie import trie_add, trie_all, trie_regex
from qc_engine.text.variants import Term


@dataclass(frozen=True, slots=True)
class Slot:
    pattern: int
    slot: int


@dataclass(frozen=True, slots=True)
class Unless:
    pattern: int


@dataclass(frozen=True, slots=True)
class _TermRegex:
    compiled: Any
    value: Slot
    needles: tuple[str, ...]


class TermIndex:
    """Where any term of a rule set occurs in a message; compiled once, shared by the rules of a shop."""

    def __init__(self, phrases: Iterable[tuple[Term, Any]], patterns: list[Pattern]):
        self.patterns = patterns
        literal: dict = {}
        sound: dict = {}
        self._literal_gate: dict = {}
        self._sound_gate: dict = {}
        for term, entry in phrases:
            self._add(term, entry, literal, sound, gate=True)
        self._regexes: list[_TermRegex] = []
        for p, pattern in enumerate(patterns):
            for s, slot in enumerate(pattern.slots):
                for term in slot:
                    if term.regex:
                        self._regexes.append(_TermRegex(regex.compile(term.regex), Slot(p, s), term.needles))
                        if s == pattern.anchor:
                            for needle in term.needles:
                                trie_add(self._literal_gate, needle, None)
                    else:
                        self._add(term, Slot(p, s), literal, sound, gate=s == pattern.anchor)
            for term in pattern.unless:
                for spelling in term.spellings:
                    trie_add(literal, spelling, Unless(p))
        self.literal, self.sound = literal, sound
        self.prefilter = re.compile(trie_regex(self._literal_gate)) if self._literal_gate else None
        self.sound_prefilter = re.compile(trie_regex(self._sound_gate)) if self._sound_gate else None
        del self._literal_gate, self._sound_gate

    def _add(self, term: Term, value: Any, literal: dict, sound: dict, gate: bool) -> None:
        for spelling in term.spellings:
            trie_add(literal, spelling, value)
            if gate:
                trie_add(self._literal_gate, spelling, None)
        if term.sounds:
            from qc_engine.text.pinyin import sound_view

            for spelling in term.sounds:
                key = sound_view(spelling)
                trie_add(sound, key, value)
                if gate:
                    trie_add(self._sound_gate, key, None)

    def worth_a_look(self, folded: str) -> bool:
        """False when no phrase and no pattern can occur in the folded text (nearly every message)."""
        if self.prefilter is not None and self.prefilter.search(folded) is not None:
            return True
        if self.sound_prefilter is not None:
            from qc_engine.text.pinyin import sound_view

            return self.sound_prefilter.search(sound_view(folded)) is not None
        return False

    def find(self, folded: str) -> list[tuple[int, int, Any]]:
        """Every (start, end, value) of a term in the folded text, literal, by sound and by regex."""
        found = list(trie_all(self.literal, folded, 0))
        if self.sound:
            from qc_engine.text.pinyin import sound_view

            found.extend(trie_all(self.sound, sound_view(folded), 0))
        for r in self._regexes:
            if any(n in folded for n in r.needles):
                found.extend((m.start(), m.end(), r.value) for m in r.compiled.finditer(folded) if m.end() > m.start())
        return found
