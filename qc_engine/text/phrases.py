"""Finding listed phrases and patterns in chat messages, fast, and only where they really are.

A ``PhraseMatcher`` is compiled once from deny entries (literal phrases and
regexes) and allow phrases, all matched on the folded text (``textnorm.fold``:
no separators, simplified, lower case, half-width), so evasions such as
``加 薇-信`` or ``全網最低價`` are seen through.

Per message, the fast path is one ``str.translate`` and one search of a
trie-shaped regex of every phrase; nearly all messages stop there. Only a
message with a candidate is folded again with its position map, every
occurrence is collected and each is verified:

- allow phrases win: a deny match overlapping an allow occurrence (global, or
  of the same list) is dropped;
- word boundaries (``boundary: word``): the match must start and end on a
  jieba word boundary of the folded text (so 最好 is not found inside
  最好看, 去死 not inside 去死皮); Latin letters and digits must not continue
  a run of the same kind (``vx`` is not found in ``vxe``), unless the original
  text separates them;
- a literal phrase does not run across clause punctuation, quotes or brackets
  (``请加，微信支付``, ``点击“微信”-“我”``) unless every one of its characters
  is separated (``加，微，信``);
- entries marked ``skip_negated`` are dropped when the clause negates or warns
  about them (``我们不支持私下交易``, ``私下交易有风险``).

Regexes use the ``regex`` module and always run with a timeout, per rule (a
slow shop regex only costs the rule that owns it). A timeout is not raised
here: the scan reports which entry timed out, and the rule reports an error.
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Iterable

import regex

from qc_engine.text.diskcache import cached, file_key
from qc_engine.text.fold import HARD_BREAKS, Folded, fold, fold_map, has_phrase_break

DEFAULT_REGEX_TIMEOUT = 0.05  # seconds, per regex per message
BOUNDARIES = ("word", "start", "none")

# A clause that negates or warns about what follows: 不能/没法 + at most 4 characters, or
# a warning (请勿/谨防/禁止 ...) + at most 8 (请勿相信任何让您加微信的人).
_NEGATED_BEFORE = re.compile(
    r"(?:(?<!要)不(?![然仅但过管用错少同久断停止骗吹夸愧怕如妨])|别(?![人的家])|没(?!关系|问题|事)|无法|防止|避免).{0,4}$"
    r"|(?:勿|禁止|严禁|谨防|谢绝|拒绝|杜绝|小心|警惕|不要相信|不要轻信|千万不要).{0,8}$"
)
# ... or that says right after it that it is not allowed or risky: 私下交易是违规的, 加微信不行.
_NEGATED_AFTER = re.compile(
    r"^(?:的话|这种|等)?(?:是|都是|属于|会|都|有|存在|容易|可能)?"
    r"(?:不(?![然过但仅]|$)|违规|违法|禁止|风险|危险|被骗|诈骗|骗|没有保障|没保障|无保障|抱歉)"
)
# After a question (加微信？), an answer that refuses: 不行的哦 / 我们不能加微信 / 抱歉.
_REFUSING_ANSWER = re.compile(r"^.{0,4}(?:不(?![然过但仅])|没法|无法|抱歉|禁止|违规)")
_QUESTION_ENDS = ("？", "?")
_JOINERS = ("-", "－", "‐", "–")  # letters-digits joined by these are one model number
_WHOLE_TEXT_LIMIT = 300  # characters segmented at once; longer messages in windows
_WINDOW = 30
_CONTEXT = 40  # original characters looked at around a match for negation
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
_TERMINAL = ""  # trie key holding the entries ending at a node ("" is never a character)


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
        phrases: Iterable[tuple[str, Entry]] = (),
        regexes: Iterable[tuple[str, Entry, Iterable[str]]] = (),
        allow: Iterable[tuple[str, str | None]] = (),
        regex_timeout: float = DEFAULT_REGEX_TIMEOUT,
        cache_size: int = 4096,
    ):
        self._deny: dict = {}
        for phrase, entry in phrases:
            key = fold(phrase)
            if key:
                _trie_add(self._deny, key, entry)
        self._allow: dict = {}
        for phrase, group in allow:
            key = fold(phrase)
            if key:
                _trie_add(self._allow, key, group)
        by_rule: dict[str, list[_Regex]] = {}
        for pattern, entry, needles in regexes:
            compiled = compile_regex(pattern, entry.group)
            by_rule.setdefault(entry.rule, []).append(_Regex(compiled, entry, tuple(filter(None, map(fold, needles)))))
        self._regexes = {rule: _rule_regexes(rs) for rule, rs in by_rule.items()}
        self._always_rules = frozenset(rule for rule, group in self._regexes.items() if group.always)
        # One search rules out nearly every message for every rule: no phrase, no regex needle.
        anything = dict(self._deny)
        for group in self._regexes.values():
            for r in group.gated:
                for needle in r.only_if_contains:
                    anything = _trie_with(anything, needle)
        self._prefilter = re.compile(_trie_regex(anything)) if anything else None
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
        """(folded text, verified phrase hits of every rule); None when nothing can be in the text."""
        folded = fold(text)
        if self._prefilter is None or self._prefilter.search(folded) is None:
            return None
        found = list(_trie_all(self._deny, folded, 0))
        if not found:
            return folded, ()
        without_urls = _blank_urls(text)
        fm = fold_map(without_urls)
        if without_urls is not text:  # a link blanked: the folded text changed, find again
            found = list(_trie_all(self._deny, fm.text, 0))
        return folded, self._verify(fm, found)

    def _scan_regexes(self, text: str, regexes: list[_Regex]) -> tuple[tuple[Hit, ...], tuple[Entry, ...]]:
        fm = fold_map(_blank_urls(text))
        found: list[tuple[int, int, Entry]] = []
        timeouts: list[Entry] = []
        for r in regexes:
            try:
                found.extend((m.start(), m.end(), r.entry) for m in r.compiled.finditer(fm.text, timeout=self.regex_timeout)
                             if m.end() > m.start())
            except TimeoutError:
                timeouts.append(r.entry)
        return (self._verify(fm, found) if found else ()), tuple(timeouts)

    def _verify(self, fm: Folded, found: list[tuple[int, int, Entry]]) -> tuple[Hit, ...]:
        if not found:
            return ()
        allowed = list(_trie_all(self._allow, fm.text, 0)) if self._allow else []
        checker = _BoundaryChecker(fm)
        hits = []
        for start, end, entry in found:
            if any(a_start < end and start < a_end and (group is None or group == entry.group)
                   for a_start, a_end, group in allowed):
                continue
            if not entry.is_regex and not (_clause_ok(fm, start, end) and checker.ok(start, end, entry.boundary)):
                continue
            if entry.skip_negated and _negated(fm, start, end):
                continue
            o_start, o_end = fm.span(start, end)
            hits.append(Hit(entry, o_start, o_end, fm.original[o_start:o_end]))
        hits.sort(key=lambda h: (h.start, -h.end))
        return tuple(hits)


def _worth_a_scan(text: str) -> bool:
    return True


def _rule_regexes(regexes: list[_Regex]) -> _RuleRegexes:
    gated = tuple(r for r in regexes if r.only_if_contains)
    needles: dict = {}
    for r in gated:
        for needle in r.only_if_contains:
            _trie_add(needles, needle, None)
    return _RuleRegexes(tuple(r for r in regexes if not r.only_if_contains), gated,
                        re.compile(_trie_regex(needles)) if needles else None)


def compile_regex(pattern: str, where: str = ""):
    """Compile a shop regex (``regex`` module, case-insensitive); ValueError naming it when invalid."""
    try:
        return regex.compile(pattern, regex.IGNORECASE)
    except (regex.error, TypeError, ValueError, OverflowError) as exc:
        place = f" in list {where!r}" if where else ""
        raise ValueError(f"invalid regex {pattern!r}{place}: {exc}") from None


def _trie_add(trie: dict, key: str, value) -> None:
    node = trie
    for ch in key:
        node = node.setdefault(ch, {})
    node.setdefault(_TERMINAL, []).append(value)


def _trie_all(trie: dict, text: str, first: int):
    """Every (start, end, value) of the trie's keys in text, overlapping ones included."""
    n = len(text)
    for i in range(first, n):
        node = trie.get(text[i])
        j = i + 1
        while node is not None:
            for value in node.get(_TERMINAL, ()):
                yield i, j, value
            if j >= n:
                break
            node = node.get(text[j])
            j += 1


def _trie_with(trie: dict, key: str) -> dict:
    """A copy of the trie (sharing untouched branches) that also holds key; for the prefilter only."""
    out = dict(trie)
    if not key:
        out[_TERMINAL] = out.get(_TERMINAL, []) + [None]
        return out
    out[key[0]] = _trie_with(trie.get(key[0], {}), key[1:])
    return out


def _trie_regex(node: dict) -> str:
    """A regex finding where any key of the trie occurs (its shortest keys suffice), shaped like the trie.

    Every branch starts with a literal character: the regex engine then skips quickly
    to the positions where one of them occurs (a character class would defeat that).
    """
    if _TERMINAL in node:
        return ""
    branches = [re.escape(ch) + _trie_regex(node[ch]) for ch in sorted(node)]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _blank_urls(text: str) -> str:
    """Links are not chat wording: replace them by a clause break so nothing matches inside them."""
    if "http" not in text and "www" not in text and "HTTP" not in text and "WWW" not in text:
        return text
    return _URL.sub(lambda m: "。" * len(m.group()), text)


def _clause_ok(fm: Folded, start: int, end: int) -> bool:
    """A phrase does not run across clause punctuation, unless every character of it is separated."""
    gaps = [fm.gap(i) for i in range(start, end - 1)]
    if not any(has_phrase_break(g) for g in gaps):
        return True
    return all(gaps)


def _clause_before(fm: Folded, start: int) -> str:
    o_start = fm.src[start]
    before = fm.original[max(0, o_start - _CONTEXT):o_start]
    cut = max(before.rfind(c) for c in HARD_BREAKS)
    return fold(before[cut + 1:])[-8:]


def _clauses_after(fm: Folded, end: int) -> list[str]:
    """The rest of the clause; and, when that clause is a question, the answer that follows it."""
    o_end = fm.src[end - 1] + 1
    after = fm.original[o_end:o_end + _CONTEXT]
    out = []
    for _ in range(2):
        cuts = [i for i in (after.find(c) for c in HARD_BREAKS | set(_QUESTION_ENDS)) if i >= 0]
        cut = min(cuts) if cuts else len(after)
        out.append(fold(after[:cut])[:10])
        if cut >= len(after) or after[cut] not in _QUESTION_ENDS:
            break
        after = after[cut + 1:].lstrip("？?！!，, ")
    return out


def _negated(fm: Folded, start: int, end: int) -> bool:
    """Whether the clause refuses or warns about the match (我们不支持私下交易 / 加微信？不行的哦)."""
    if _NEGATED_BEFORE.search(_clause_before(fm, start)):
        return True
    rest = _clauses_after(fm, end)
    return bool(_NEGATED_AFTER.match(rest[0]) or (len(rest) > 1 and _REFUSING_ANSWER.match(rest[1])))


def _latin_kind(ch: str) -> str:
    if ch.isascii():
        if ch.isdigit():
            return "digit"
        if ch.isalpha():
            return "letter"
    return ""


class _BoundaryChecker:
    """Word boundaries of one folded message; jieba runs at most once, and only when needed."""

    __slots__ = ("fm", "_bounds", "_windows")

    def __init__(self, fm: Folded):
        self.fm = fm
        self._bounds: set[int] | None = None
        self._windows: dict[int, set[int]] = {}

    def ok(self, start: int, end: int, boundary: str) -> bool:
        if boundary == "none":
            return True
        if not self._side_ok(start, inside=start, outside=start - 1):
            return False
        return boundary == "start" or self._side_ok(end, inside=end - 1, outside=end)

    def _side_ok(self, pos: int, inside: int, outside: int) -> bool:
        text = self.fm.text
        if pos <= 0 or pos >= len(text):
            return True
        between = self.fm.gap(min(inside, outside))
        if has_phrase_break(between):
            return True
        kind = _latin_kind(text[inside])
        if kind:
            if kind == "letter" and outside > inside and _latin_kind(text[outside]) == "digit" and between in _JOINERS:
                return False  # a model number: VX-200
            return kind != _latin_kind(text[outside]) or bool(between)
        if _latin_kind(text[outside]):
            return True
        return self._word_bound(pos)

    def _word_bound(self, pos: int) -> bool:
        text = self.fm.text
        if len(text) <= _WHOLE_TEXT_LIMIT:
            if self._bounds is None:
                self._bounds = _jieba_bounds(text)
            return pos in self._bounds
        # A long message is segmented around the position only (jieba costs ~5 us a character),
        # in aligned windows reaching at least _WINDOW characters either side, each segmented once.
        lo = max(0, (pos // _WINDOW - 1) * _WINDOW)
        bounds = self._windows.get(lo)
        if bounds is None:
            bounds = self._windows[lo] = {lo + b for b in _jieba_bounds(text[lo:lo + 3 * _WINDOW])}
        return pos in bounds


# jieba's own segmentation (tokenize, HMM off) on jieba's dict.txt, but not jieba's loading of it:
# that costs ~1 s CPU and ~80 MB in every worker meeting a candidate, while only the words starting
# with a character of a candidate are ever looked up. tests/test_textnorm.py compares the two.
# Lines starting with the same (UTF-8) character: dict.txt is grouped by first character, nearly.
_RUN = re.compile(rb"^([\x00-\x7f]|[\xc0-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf7][\x80-\xbf]{3})"
                  rb"(?:[^\n]*\n\1)*[^\n]*\n", re.MULTILINE)


class _JiebaDictionary:
    """jieba's prefix dictionary (word or prefix -> frequency, 0 for a prefix only), filled per first character."""

    def __init__(self, data: bytes, index: tuple[int, dict[str, list[tuple[int, int]]]] | None = None):
        data = _ended(data)
        self._data = data
        # The sum of every frequency, and where the lines of each first character lie.
        self.total, self._runs = index if index is not None else _index(data)
        self.freq: dict[str, int] = {}
        self._loaded: set[str] = set()

    def load_for(self, text: str) -> None:
        """Add the words starting with each character of the text (a word's prefixes start with it too)."""
        for ch in set(text) - self._loaded:
            self._loaded.add(ch)
            # As jieba's Tokenizer.gen_pfdict does, in file order: a later line wins.
            for start, end in self._runs.get(ch, ()):
                for line in self._data[start:end - 1].split(b"\n"):
                    word, freq = line.strip().decode("utf-8").split(" ")[:2]
                    self.freq[word] = int(freq)
                    for i in range(1, len(word)):
                        self.freq.setdefault(word[:i], 0)


def _ended(data: bytes) -> bytes:
    return data if data.endswith(b"\n") else data + b"\n"


def _index(data: bytes) -> tuple[int, dict[str, list[tuple[int, int]]]]:
    """The frequency total and each first character's line spans, of a dictionary ending in a newline."""
    total = sum(map(int, re.findall(rb" (\d+)[ \n]", data)))
    runs: dict[str, list[tuple[int, int]]] = {}
    for m in _RUN.finditer(data):
        runs.setdefault(m.group(1).decode(), []).append(m.span())
    return total, runs


def _index_shape(value) -> bool:
    return (type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is dict
            and all(type(spans) is list for spans in value[1].values()))


@cache
def _jieba_dictionary() -> _JiebaDictionary:
    spec = importlib.util.find_spec("jieba")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba is needed for word boundaries")
    path = os.path.join(spec.submodule_search_locations[0], "dict.txt")
    with open(path, "rb") as f:
        data = _ended(f.read())
    # Indexing the 5 MB dictionary is most of the cost of a worker's first word boundary: kept between runs.
    index = cached("jieba-index", f"1 {file_key(path)}", lambda: _index(data), _index_shape)
    return _JiebaDictionary(data, index)


def _import_jieba():
    # jieba opens its files through pkg_resources when that imports, and importing it alone takes ~0.1 s in
    # every worker. Made unimportable for that moment, jieba opens the same files beside its own module.
    if "pkg_resources" in sys.modules:
        import jieba
        return jieba
    sys.modules["pkg_resources"] = None
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


@cache
def _jieba_tokenizer():
    jieba = _import_jieba()
    dictionary = _jieba_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = dictionary.freq, dictionary.total
    tokenizer.initialized = True  # its dictionary is ours, filled as texts need it
    return tokenizer


def _jieba_bounds(text: str) -> set[int]:
    """0 and the end of every word jieba.tokenize(text, HMM=False) yields."""
    _jieba_dictionary().load_for(text)
    bounds = {0}
    for _word, _start, end in _jieba_tokenizer().tokenize(text, HMM=False):
        bounds.add(end)
    return bounds
