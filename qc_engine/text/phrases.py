"""Finding listed phrases and patterns in chat messages, fast, and only where they really are.

A ``PhraseMatcher`` is compiled once from deny entries (literal phrases and
regexes) and allow phrases, all matched on the folded text (``textnorm.fold``:
no separators, simplified, lower case, half-width), so evasions such as
``加 薇-信`` or ``全網最低價`` are seen through.

Per message, the fast path is one ``str.translate`` and one search of a
trie-shaped regex of every phrase (``text.trie``); nearly all messages stop
there. Only a message with a candidate is folded again with its position map,
every occurrence is collected and each is verified:

- allow phrases win: a deny match overlapping an allow occurrence (global, or
  of the same list) is dropped;
- a literal phrase must stand as a whole word (``boundary``) within one clause
  (``text.boundaries``);
- entries marked ``skip_negated`` are dropped when the clause negates or warns
  about them (``text.negation``).

Regexes use the ``regex`` module and always run with a timeout, per rule (a
slow shop regex only costs the rule that owns it). A timeout is not raised
here: the scan reports which entry timed out, and the rule reports an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import regex

from qc_engine.text import emoticons
from qc_engine.text.boundaries import BoundaryChecker, clause_ok
from qc_engine.text.fold import HARD_BREAKS, Folded, fold, fold_map
from qc_engine.text.negation import negated
from qc_engine.text.patterns import Pattern, combine
from qc_engine.text.terms import Slot, TermIndex, Unless
from qc_engine.text.trie import trie_add, trie_all, trie_regex
from qc_engine.text.variants import Term, parse_term, spell

DEFAULT_REGEX_TIMEOUT = 0.05  # seconds, per regex per message
_URL = re.compile(r"(?:https?://|www\.)[\x21-\x7e]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One deny entry: a literal phrase or a regex, with what a match of it means."""

    rule: str  # id of the rule that reports it
    group: str  # name of the list it comes from
    label: str  # the phrase or pattern as configured, for the reason text
    severity: str
    boundary: str = "word"  # word | start | none (literal phrases only)
    skip_negated: bool = False
    is_regex: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    start: int  # in the original text
    end: int
    evidence: str  # the original text of the match, as written


@dataclass(frozen=True, slots=True)
class Scan:
    """What one message contains: verified hits, and regex entries that timed out on it."""

    hits: tuple[Hit, ...] = ()
    timeouts: tuple[Entry, ...] = ()


EMPTY_SCAN = Scan()


@dataclass(frozen=True, slots=True)
class _Regex:
    compiled: Any
    entry: Entry
    only_if_contains: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _RuleRegexes:
    """One rule's regexes: those that always run, and those gated by needles (one search for all)."""

    always: tuple[_Regex, ...]
    gated: tuple[_Regex, ...]
    needles: Any  # compiled regex finding any needle, or None


class PhraseMatcher:
    """Deny phrases and regexes, allow phrases; ``scan(text, rule)`` finds the verified hits in a message.

    Phrases of every rule are matched in one pass, memoized per text, so the rules
    of a shop share the work. Regexes run per rule: a shop's slow regex only ever
    costs (and times out in) the rule that owns it.
    """

    def __init__(
        self,
        phrases: Iterable[tuple[str | Term, Entry]] = (),
        regexes: Iterable[tuple[str, Entry, Iterable[str]]] = (),
        allow: Iterable[tuple[str, str | None]] = (),
        regex_timeout: float = DEFAULT_REGEX_TIMEOUT,
        cache_size: int = 4096,
        patterns: Iterable[Pattern] = (),
    ):
        terms = [(parse_term(t, {}) if isinstance(t, str) else t, entry) for t, entry in phrases]
        self.patterns = list(patterns)
        self._terms = TermIndex(terms, self.patterns)
        self._allow: dict = {}
        for phrase, group in allow:
            for key in spell(phrase):
                if key:
                    trie_add(self._allow, key, group)
        by_rule: dict[str, list[_Regex]] = {}
        for pattern, entry, needles in regexes:
            compiled = compile_regex(pattern, entry.group)
            by_rule.setdefault(entry.rule, []).append(_Regex(compiled, entry, tuple(filter(None, map(fold, needles)))))
        self._regexes = {rule: _rule_regexes(rs) for rule, rs in by_rule.items()}
        self._always_rules = frozenset(rule for rule, group in self._regexes.items() if group.always)
        needles: dict = {}
        for group in self._regexes.values():
            for r in group.gated:
                for needle in r.only_if_contains:
                    trie_add(needles, needle, None)
        self._needles = re.compile(trie_regex(needles)) if needles else None
        self.regex_timeout = regex_timeout
        # Memoized: the rules of one shop share a matcher and scan the same messages.
        self._phrase_scan = lru_cache(maxsize=cache_size)(self._scan_phrases)
        # None when ``scan`` (of any rule) surely finds nothing in a text: nearly always, and from
        # the cache, without a Python call, for a message seen before. A rule whose regexes run on
        # every message makes every text worth a scan.
        self.prescan = self._phrase_scan if not self._always_rules else _worth_a_scan

    def scan(self, text: str, rule: str | None = None) -> Scan:
        """Verified hits in one message: of one rule's entries, or of all (rule None)."""
        found = self._phrase_scan(text)
        if found is None:  # the common case, kept cheap: it runs for every message and every rule
            if (rule not in self._always_rules) if rule is not None else not self._always_rules:
                return EMPTY_SCAN
            folded, hits = fold(text), ()
        else:
            folded, hits = found
        if rule is None:
            groups = list(self._regexes.values())
        else:
            if hits:
                hits = tuple(h for h in hits if h.entry.rule == rule)
            group = self._regexes.get(rule)
            groups = [group] if group is not None else []
        regexes: list[_Regex] = []
        for group in groups:
            regexes.extend(group.always)
            if group.needles is not None and group.needles.search(folded):
                regexes.extend(r for r in group.gated if any(n in folded for n in r.only_if_contains))
        if not regexes:
            return Scan(hits) if hits else EMPTY_SCAN
        found_rx, timeouts = self._scan_regexes(text, regexes)
        if not found_rx and not timeouts:
            return Scan(hits) if hits else EMPTY_SCAN
        return Scan(tuple(sorted(hits + found_rx, key=lambda h: (h.start, -h.end))), timeouts)

    def _scan_phrases(self, text: str) -> tuple[str, tuple[Hit, ...]] | None:
        """(folded text, verified phrase and pattern hits of every rule); None when nothing can be in the text."""
        text = emoticons.blank(text)
        folded = fold(text)
        if not self._terms.worth_a_look(folded) and (self._needles is None or self._needles.search(folded) is None):
            return None
        found = self._terms.find(folded)
        if not found:
            return folded, ()
        without_urls = _blank_urls(text)
        fm = fold_map(without_urls)
        if without_urls is not text:  # a link blanked: the folded text changed, find again
            found = self._terms.find(fm.text)
        return folded, self._verify(fm, found)

    def _scan_regexes(self, text: str, regexes: list[_Regex]) -> tuple[tuple[Hit, ...], tuple[Entry, ...]]:
        fm = fold_map(_blank_urls(emoticons.blank(text)))
        found: list[tuple[int, int, Entry]] = []
        timeouts: list[Entry] = []
        for r in regexes:
            try:
                found.extend((m.start(), m.end(), r.entry) for m in r.compiled.finditer(fm.text, timeout=self.regex_timeout)
                             if m.end() > m.start())
            except TimeoutError:
                timeouts.append(r.entry)
        return (self._verify(fm, found) if found else ()), tuple(timeouts)

    def _verify(self, fm: Folded, found: list[tuple[int, int, Any]]) -> tuple[Hit, ...]:
        if not found:
            return ()
        allowed = list(trie_all(self._allow, fm.text, 0)) if self._allow else []
        checker = BoundaryChecker(fm)
        hits = []
        slots: dict[int, list[list[tuple[int, int]]]] = {}
        unless: dict[int, list[tuple[int, int]]] = {}
        for start, end, value in found:
            kind = type(value)
            if kind is Unless:
                unless.setdefault(value.pattern, []).append((start, end))
                continue
            entry = value if kind is Entry else self.patterns[value.pattern].entry
            if any(a_start < end and start < a_end and (group is None or group == entry.group)
                   for a_start, a_end, group in allowed):
                continue
            if not entry.is_regex and not (clause_ok(fm, start, end) and checker.ok(start, end, entry.boundary)):
                continue
            if kind is Slot:
                pattern = self.patterns[value.pattern]
                slots.setdefault(value.pattern, [[] for _ in pattern.slots])[value.slot].append((start, end))
                continue
            if entry.skip_negated and negated(fm, start, end):
                continue
            hits.append(_hit(fm, entry, start, end))
        for p, occurrences in slots.items():
            pattern = self.patterns[p]
            span = combine(occurrences, pattern.within, pattern.ordered)
            if span is None or (unless.get(p) and refused(fm, span, unless[p])):
                continue
            if pattern.entry.skip_negated and negated(fm, *span):
                continue
            hits.append(_hit(fm, pattern.entry, *span))
        hits.sort(key=lambda h: (h.start, -h.end))
        return tuple(hits)


def _hit(fm: Folded, entry: Entry, start: int, end: int) -> Hit:
    o_start, o_end = fm.span(start, end)
    return Hit(entry, o_start, o_end, fm.original[o_start:o_end])


def refused(fm: Folded, span: tuple[int, int], exclusions: list[tuple[int, int]]) -> bool:
    """Whether an exclusion term lies in the clauses a match spans (不能加微信, 平台不支持私下交易)."""
    o_start, o_end = fm.span(*span)
    text = fm.original
    clause_start = max(text.rfind(c, 0, o_start) for c in HARD_BREAKS) + 1
    ends = [i for i in (text.find(c, o_end) for c in HARD_BREAKS) if i >= 0]
    clause_end = min(ends) if ends else len(text)
    for start, end in exclusions:
        x_start, x_end = fm.span(start, end)
        if clause_start <= x_start and x_end <= clause_end:
            return True
    return False


def _worth_a_scan(text: str) -> bool:
    return True


def _rule_regexes(regexes: list[_Regex]) -> _RuleRegexes:
    gated = tuple(r for r in regexes if r.only_if_contains)
    needles: dict = {}
    for r in gated:
        for needle in r.only_if_contains:
            trie_add(needles, needle, None)
    return _RuleRegexes(tuple(r for r in regexes if not r.only_if_contains), gated,
                        re.compile(trie_regex(needles)) if needles else None)


def compile_regex(pattern: str, where: str = ""):
    """Compile a shop regex (``regex`` module, case-insensitive); ValueError naming it when invalid."""
    try:
        return regex.compile(pattern, regex.IGNORECASE)
    except (regex.error, TypeError, ValueError, OverflowError) as exc:
        place = f" in list {where!r}" if where else ""
        raise ValueError(f"invalid regex {pattern!r}{place}: {exc}") from None


def _blank_urls(text: str) -> str:
    """Links and platform emoticon codes are not chat wording: replace them by a clause break so nothing
    matches inside them ([呵呵] is a smiley of Weibo and WeCom, not the word an agent types to sneer)."""
    if "[" in text or "/:" in text:
        text = _EMOTICON.sub(lambda m: "。" * len(m.group()), text)
    if "http" not in text and "www" not in text and "HTTP" not in text and "WWW" not in text:
        return text
    return _URL.sub(lambda m: "。" * len(m.group()), text)


# [name]: a Han name of 1-6 characters or a short Latin one ([doge]), but not a masking placeholder of
# desensitized exports ([电话x], [数字x]); Qianniu / Wangwang /:^_^, /:068.
_EMOTICON = re.compile(r"\[(?![\u3400-\u9fff]{1,8}x\])[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z0-9_]{0,7}\]"
                       r"|/:(?:\d{3}|[\x21-\x2e\x30-\x7e]{1,5})")
