"""The signals of a conversation's customer-experience risk: what both sides said and how it ended.

Every signal is a number computed from the conversation alone (a pure function), named so that a shop's
rule file can weigh it, and it remembers the messages that raised it, so a finding can show them.

Word lists are matched on the match form of a message (``fold``: lower case, simplified, no punctuation),
so 投訴 and 投 诉 count as 投诉. Punctuation (？？？ ！！！) and emoticon codes ([怒], /:-() are read from
the text as written. A word right after a negation (不会给差评, 没有投诉) does not count.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable

from qc_engine.model import Conversation, Message
from qc_engine.text.fold import fold

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


@dataclass(slots=True)
class Signals:
    """The signal values of one conversation and, for each, the messages and words behind it."""

    values: dict[str, float] = field(default_factory=dict)
    messages: dict[str, list[int]] = field(default_factory=dict)
    words: dict[str, list[str]] = field(default_factory=dict)

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
        words = sorted(self.groups, key=len, reverse=True)  # the longest word wins: 不满意 over 满意
        self.regex = re.compile("|".join(map(re.escape, words))) if words else None

    def find(self, folded: str) -> list[tuple[str, str]]:
        """(list name, word) of every word in a folded text, except those right after a negation."""
        if self.regex is None:
            return []
        found = []
        for m in self.regex.finditer(folded):
            if m.start() and _NEGATION.search(folded, max(0, m.start() - 2), m.start()):
                continue
            word = m.group(0)
            for name in self.groups[word]:
                found.append((name, word))
        return found


def _read(text: str) -> str:
    if len(text) <= MAX_READ_CHARS:
        return text
    half = MAX_READ_CHARS // 2
    return text[:half] + "\n" + text[-half:]


class SignalReader:
    """Reads the signals of conversations; built once per rule set from the rule file's word lists."""

    def __init__(self, lexicons: dict[str, list[str]], emoticons: dict[str, list[str]] | None = None):
        self.customer = _WordGroups(lexicons, CUSTOMER_LEXICONS)
        self.agent = _WordGroups(lexicons, AGENT_LEXICONS)
        emoticons = emoticons or {}
        self.negative_emoticons = frozenset(emoticons.get("negative") or ())
        self.positive_emoticons = frozenset(emoticons.get("positive") or ())

    def read(self, conversation: Conversation) -> Signals:
        s = Signals()
        msgs = conversation.messages
        turns = self._customer_turns(msgs)
        last_turn = set(turns[-1]) if turns else set()
        seen_customer: dict[str, int] = {}
        seen_agent: dict[str, int] = {}
        customer_chars = 0
        for m in msgs:
            if m.type != "text" or not m.text:
                continue
            text = _read(m.text)
            if m.role == "customer":
                customer_chars += len(text)
                self._customer_message(s, m.index, text, m.index in last_turn)
                core = _CORE.sub("", fold(text))
                if len(core) >= 4:
                    if core in seen_customer:
                        s.add("customer_repeat", m.index)
                    seen_customer[core] = m.index
            elif m.role == "agent":
                self._agent_message(s, m.index, text, seen_agent)
        s.set("customer_turns", math.log1p(len(turns)))
        s.set("customer_chars", math.log1p(customer_chars / 100))
        for name in (*CUSTOMER_LEXICONS, *(f"agent_{n}" for n in AGENT_LEXICONS), "shout", "question_burst",
                     "questions", "negative_emoticon", "positive_emoticon", "agent_template", "empty_apology",
                     "customer_repeat"):
            if name in s.values:  # counts weigh by their logarithm: the tenth 垃圾 says less than the first
                s.values[name] = math.log1p(s.values[name])
        self._ending(s, msgs)
        return s

    @staticmethod
    def _customer_turns(msgs: list[Message]) -> list[list[int]]:
        """The customer's turns: runs of customer messages with no agent message between them."""
        turns: list[list[int]] = []
        open_turn = False
        for m in msgs:
            if m.role == "customer":
                if not open_turn:
                    turns.append([])
                    open_turn = True
                turns[-1].append(m.index)
            elif m.role == "agent":
                open_turn = False
        return turns

    def _customer_message(self, s: Signals, index: int, text: str, last: bool) -> None:
        for name, word in self.customer.find(fold(text)):
            s.add(name, index, word)
            if last and name in LAST_TURN_LEXICONS:
                s.values[f"{name}_last"] = 1.0
                s.messages.setdefault(f"{name}_last", [index])
                s.words.setdefault(f"{name}_last", []).append(word)
        if "!" in text or "！" in text:
            for m in _SHOUT.finditer(text):
                s.add("shout", index, m.group(0))
        if "?" in text or "？" in text:
            for m in _QUESTION_BURST.finditer(text):
                s.add("question_burst", index, m.group(0))
            s.add("questions", index, amount=len(_QUESTION.findall(text)))
        if "[" in text or "/:" in text:
            for m in _EMOTICON.finditer(text):
                code = m.group(0)
                name = m.group(1) or code
                if name in self.negative_emoticons or code in self.negative_emoticons:
                    s.add("negative_emoticon", index, code)
                elif name in self.positive_emoticons or code in self.positive_emoticons:
                    s.add("positive_emoticon", index, code)

    def _agent_message(self, s: Signals, index: int, text: str, seen: dict[str, int]) -> None:
        folded = fold(text)
        kinds = set()
        for name, word in self.agent.find(folded):
            s.add(f"agent_{name}", index, word)
            kinds.add(name)
        if "apology" in kinds and "resolved" not in kinds and len(folded) <= 30:
            s.add("empty_apology", index, text[:30])  # sorry, and nothing done
        if len(folded) >= 8:
            if folded in seen:
                s.add("agent_template", index)
            seen[folded] = index

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
