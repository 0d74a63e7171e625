"""The signals of a conversation's customer-experience risk: what both sides said and how it ended.

Every signal is a number computed from the conversation alone (a pure function), named so that a shop's
rule file can weigh it, and it remembers the messages that raised it, so a finding can show them.

Word lists are matched on the match form of a message (``fold``: lower case, simplified, no punctuation),
so 投訴 and 投 诉 count as 投诉. Punctuation (？？？ ！！！) and emoticon codes ([怒], /:-() are read from
the text as written. A word right after a negation (不会给差评, 没有投诉) does not count.
"""
from __future__ import annotations

import math
import operator
import re
from bisect import bisect_right
from typing import Iterable

from qc_engine.model import Conversation, Message
from qc_engine.text.fold import fold
from qc_engine.text.trie import TERMINAL, trie_add

# Word lists of the customer's side and of the agent's side (names as in the rule file's `lexicons`).
CUSTOMER_LEXICONS = ("anger", "threat", "urge", "unresolved", "rhetoric", "problem", "positive")
AGENT_LEXICONS = ("apology", "deferral", "resolved")
# Signals read from both lists: the whole conversation's count, and whether the customer's last turn has one.
LAST_TURN_LEXICONS = ("anger", "threat", "unresolved", "rhetoric", "positive")

_NEGATION = re.compile(r"(?:不会|不想|不要|不用|没有|没|不|别|无需|无须|未)$")
_SHOUT = re.compile(r"[!！]{2,}")
_QUESTION_BURST = re.compile(r"[?？]{2,}")
_QUESTION = re.compile(r"[?？]")
_EMOTICON = re.compile(r"\[([^\[\]\s]{1,6})\]|(/:[^\s\w]{1,4}|/::?\w{1,3})")
_CORE = re.compile(r"[\W_]+")
# A customer message this short that is only an acknowledgement needs no reply (好的, 嗯嗯, 谢谢).
_BARE = re.compile(r"(?:好的?|好滴|好哒|好吧|嗯+|恩+|哦+|噢|ok|收到|知道了|明白了?|了解|谢谢|多谢|感谢|谢了|没事了?|没有了|拜拜|再见|行|可以)+")
MAX_BARE_CHARS = 12
# Messages longer than this are read in part: their first and last characters (a pasted essay costs no more).
MAX_READ_CHARS = 2000


def signal_names() -> tuple[str, ...]:
    """Every signal, in a fixed order (the rule file's `weights` name these)."""
    return (
        *CUSTOMER_LEXICONS,
        *(f"{name}_last" for name in LAST_TURN_LEXICONS),
        *(f"agent_{name}" for name in AGENT_LEXICONS),
        "shout", "question_burst", "questions", "negative_emoticon", "positive_emoticon",
        "customer_turns", "customer_chars", "customer_repeat", "unanswered_end", "no_agent_reply",
        "agent_template", "empty_apology",
    )


class Signals:
    """The signal values of one conversation and, for each, the messages and words behind it."""

    __slots__ = ("values", "messages", "words", "customer_texts", "terms")

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.messages: dict[str, list[int]] = {}
        self.words: dict[str, list[str]] = {}
        # The customer's messages in match form (index, text), and which of the weighted terms they have.
        self.customer_texts: list[tuple[int, str]] = []
        self.terms: frozenset[str] = frozenset()

    def first_with(self, term: str) -> int:
        """The index of the first customer message that has a term."""
        return next((i for i, t in self.customer_texts if term in t), -1)

    def add(self, name: str, index: int, word: str = "", amount: float = 1.0) -> None:
        self.values[name] = self.values.get(name, 0.0) + amount
        at = self.messages.setdefault(name, [])
        if not at or at[-1] != index:
            at.append(index)
        if word:
            seen = self.words.setdefault(name, [])
            if word not in seen:
                seen.append(word)

    def set(self, name: str, value: float, indices: Iterable[int] = ()) -> None:
        self.values[name] = value
        if indices:
            self.messages[name] = list(indices)


class _WordGroups:
    """Several named word lists matched in one pass: a word maps to the lists it belongs to."""

    def __init__(self, lexicons: dict[str, list[str]], names: Iterable[str]):
        self.groups: dict[str, tuple[str, ...]] = {}
        for name in names:
            for word in lexicons.get(name) or ():
                key = fold(word)
                if key:
                    self.groups[key] = (*self.groups.get(key, ()), name)
        trie: dict = {}
        for word in self.groups:
            trie_add(trie, word, True)
        # Shaped like the trie (an alternation of hundreds of words would be tried word by word at every
        # position); where words share a start the longest wins: 不满意 over 满意.
        self.regex = re.compile(_longest_regex(trie)) if self.groups else None

    def find(self, folded: str) -> list[tuple[int, str, str]]:
        """(position, list name, word) of every word in a folded text, except those right after a negation.
        The text may be several messages joined by "\n": a negation does not reach across it."""
        if self.regex is None:
            return []
        found = []
        for m in self.regex.finditer(folded):
            start = m.start()
            if start:
                before = folded[max(0, start - 2):start].rpartition("\n")[2]
                if before and _NEGATION.search(before):
                    continue
            word = m.group(0)
            for name in self.groups[word]:
                found.append((start, name, word))
        return found


def _longest_regex(node: dict) -> str:
    """A regex of a trie's keys that matches the longest key at a position (greedy optional endings)."""
    branches = [re.escape(ch) + _longest_regex(child) for ch, child in sorted(node.items()) if ch != TERMINAL]
    if not branches:
        return ""
    alternation = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{alternation})?" if TERMINAL in node else alternation


def _read(text: str) -> str:
    if len(text) <= MAX_READ_CHARS:
        return text
    half = MAX_READ_CHARS // 2
    return text[:half] + "\n" + text[-half:]


class SignalReader:
    """Reads the signals of conversations; built once per rule set from the rule file's word lists."""

    def __init__(self, lexicons: dict[str, list[str]], emoticons: dict[str, list[str]] | None = None,
                 terms: Iterable[str] = ()):
        self.customer = _WordGroups(lexicons, CUSTOMER_LEXICONS)
        # Only the terms that carry a weight are looked for: a set intersection per message, not a
        # dictionary lookup per character and character pair.
        self.term_keys = frozenset(terms)
        self.agent = _WordGroups(lexicons, AGENT_LEXICONS)
        emoticons = emoticons or {}
        self.negative_emoticons = frozenset(emoticons.get("negative") or ())
        self.positive_emoticons = frozenset(emoticons.get("positive") or ())

    def read(self, conversation: Conversation) -> Signals:
        # One pass sorts the messages by side; each side's texts are then scanned joined, one regex
        # search per signal and conversation instead of one per message ("\n" joins them: no word,
        # term or punctuation run spans it). A match is placed in its message by bisection.
        s = Signals()
        msgs = conversation.messages
        c_index: list[int] = []
        c_text: list[str] = []
        a_index: list[int] = []
        a_text: list[str] = []
        turns = 0
        last_turn: list[int] = []
        open_turn = False
        for m in msgs:
            role = m.role
            if role == "customer":
                if not open_turn:
                    turns += 1
                    open_turn = True
                    last_turn = []
                last_turn.append(m.index)
                if m.text and m.type == "text":
                    c_index.append(m.index)
                    c_text.append(m.text)
            elif role == "agent":
                open_turn = False
                if m.text and m.type == "text":
                    a_index.append(m.index)
                    a_text.append(m.text)
        customer_chars = 0
        if c_text:
            c_text = [_read(t) for t in c_text]
            customer_chars = sum(map(len, c_text))
            self._customer_side(s, c_index, c_text, set(last_turn))
        if a_text:
            self._agent_side(s, a_index, [_read(t) for t in a_text])
        s.set("customer_turns", math.log1p(turns))
        s.set("customer_chars", math.log1p(customer_chars / 100))
        for name in (*CUSTOMER_LEXICONS, *(f"agent_{n}" for n in AGENT_LEXICONS), "shout", "question_burst",
                     "questions", "negative_emoticon", "positive_emoticon", "agent_template", "empty_apology",
                     "customer_repeat"):
            if name in s.values:  # counts weigh by their logarithm: the tenth 垃圾 says less than the first
                s.values[name] = math.log1p(s.values[name])
        self._ending(s, msgs)
        return s

    def _customer_side(self, s: Signals, index: list[int], texts: list[str], last_turn: set[int]) -> None:
        folded = [fold(t) for t in texts]  # once per message: words, repeats and terms all read it
        s.customer_texts = list(zip(index, folded))
        joined = "\n".join(folded)
        starts = _starts(folded)
        for at, name, word in self.customer.find(joined):
            i = index[bisect_right(starts, at) - 1]
            s.add(name, i, word)
            if name in LAST_TURN_LEXICONS and i in last_turn:
                s.values[f"{name}_last"] = 1.0
                s.messages.setdefault(f"{name}_last", [i])
                s.words.setdefault(f"{name}_last", []).append(word)
        if self.term_keys:
            s.terms = _terms_in(joined, self.term_keys)
        seen: set[str] = set()
        for i, core in zip(index, folded):
            if "+" in core or "%" in core:
                core = _CORE.sub("", core)
            if len(core) >= 4:
                if core in seen:
                    s.add("customer_repeat", i)
                seen.add(core)
        raw = "\n".join(texts)
        raw_starts = None
        if "!" in raw or "！" in raw:
            raw_starts = _starts(texts)
            for m in _SHOUT.finditer(raw):
                s.add("shout", index[bisect_right(raw_starts, m.start()) - 1], m.group(0))
        if "?" in raw or "？" in raw:
            raw_starts = raw_starts or _starts(texts)
            for m in _QUESTION_BURST.finditer(raw):
                s.add("question_burst", index[bisect_right(raw_starts, m.start()) - 1], m.group(0))
            for m in _QUESTION.finditer(raw):
                s.add("questions", index[bisect_right(raw_starts, m.start()) - 1])
        if "[" in raw or "/:" in raw:
            raw_starts = raw_starts or _starts(texts)
            for m in _EMOTICON.finditer(raw):
                code = m.group(0)
                name = m.group(1) or code
                if name in self.negative_emoticons or code in self.negative_emoticons:
                    s.add("negative_emoticon", index[bisect_right(raw_starts, m.start()) - 1], code)
                elif name in self.positive_emoticons or code in self.positive_emoticons:
                    s.add("positive_emoticon", index[bisect_right(raw_starts, m.start()) - 1], code)

    def _agent_side(self, s: Signals, index: list[int], texts: list[str]) -> None:
        folded = [fold(t) for t in texts]
        kinds: dict[int, set[str]] = {}
        starts = _starts(folded)
        for at, name, word in self.agent.find("\n".join(folded)):
            k = bisect_right(starts, at) - 1
            s.add(f"agent_{name}", index[k], word)
            kinds.setdefault(k, set()).add(name)
        for k, found in kinds.items():
            if "apology" in found and "resolved" not in found and len(folded[k]) <= 30:
                s.add("empty_apology", index[k], texts[k][:30])  # sorry, and nothing done
        seen: set[str] = set()
        for i, f in zip(index, folded):
            if len(f) >= 8:
                if f in seen:
                    s.add("agent_template", i)
                seen.add(f)

    def _ending(self, s: Signals, msgs: list[Message]) -> None:
        """Whether the customer's last message went unanswered, or no agent ever answered."""
        last_customer = last_agent = None
        for m in reversed(msgs):
            if m.role == "customer" and last_customer is None:
                last_customer = m
            elif m.role == "agent" and last_agent is None:
                last_agent = m
            if last_customer is not None and last_agent is not None:
                break
        if last_customer is None:
            return
        if last_agent is None:
            s.set("no_agent_reply", 1.0, [last_customer.index])
            return
        if last_customer.index > last_agent.index and self._needs_reply(last_customer):
            s.set("unanswered_end", 1.0, [last_customer.index])

    @staticmethod
    def _needs_reply(m: Message) -> bool:
        if m.type != "text":
            return True
        core = _CORE.sub("", fold(m.text))
        if not core:
            return False
        return not (len(core) <= MAX_BARE_CHARS and _BARE.fullmatch(core))


def _starts(texts: list[str]) -> list[int]:
    """Where each text begins in "\n".join(texts)."""
    starts = []
    at = 0
    for t in texts:
        starts.append(at)
        at += len(t) + 1
    return starts


def _terms_in(folded: str, keys: frozenset[str]) -> frozenset[str]:
    """Which of the given terms (characters, character pairs) a folded text has: two set intersections,
    not a lookup per character. Folded text has no line breaks, so a pair across a "\n" joint is no term."""
    found = keys.intersection(folded)
    if len(folded) > 1:
        found |= keys.intersection(map(operator.add, folded, folded[1:]))
    return found


def customer_terms(conversation: Conversation) -> dict[str, int]:
    """The customer's characters and character pairs (match form), each with the first message that has it."""
    terms: dict[str, int] = {}
    for m in conversation.messages:
        if m.role != "customer" or m.type != "text" or not m.text:
            continue
        t = fold(_read(m.text))
        for i in range(len(t)):
            terms.setdefault(t[i], m.index)
            terms.setdefault(t[i:i + 2], m.index)
    return terms
