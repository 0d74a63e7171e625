"""Script-adherence rules: greeting (SC01), closing (SC02), situation phrases (SC03), quick-phrase templates (SC04).

Matching is done on normalized text (qc_engine.text.fold.simplify: traditional to
simplified, full-width to half-width, lower case), so 感謝您的光臨 is a closing.
Only human agent messages are judged. A conversation no human agent ever joined (bot
only) has no greeting to judge, but it does lack the agent's closing when a customer
question in it went unanswered (SC02), like any conversation that ends on an
unanswered question.

What "the end" of a conversation is (SC02): the agent's messages after the
customer's last message that needs a reply. A bare 好的/谢谢/拜拜 from the customer
after the agent's answer needs none, so 感谢光临 → 好的谢谢 still ends properly;
a last real question nobody answered means there was no closing.
"""
from __future__ import annotations

import re
from typing import Any, ClassVar, Iterable

from qc_engine import Rule, hookimpl
from qc_plugins import default_rule_file
from qc_engine.model import Conversation, Finding, Message
from qc_engine.text.named_file import read_named_file
from qc_engine.text.fold import simplify
from qc_engine.text.replies import AcknowledgementMatcher, needs_reply

EVIDENCE_CHARS = 30
MAX_QUICK_PHRASES_BYTES = 2 * 1024 * 1024

_PHRASES = {"type": "array", "maxItems": 2000, "items": {"type": "string", "minLength": 1, "maxLength": 100}}
SECTION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "Service script: greeting, closing, situation phrases and the quick-phrase library.",
    "properties": {
        "require_greeting": {"type": "boolean", "description": "The first agent message must greet (SC01, default true)."},
        "require_closing": {"type": "boolean", "description": "The conversation must end with the agent's closing (SC02, default true)."},
        "greetings": {**_PHRASES, "description": "Phrases that make a greeting (您好, 亲, 欢迎光临, ...)."},
        "closings": {**_PHRASES, "description": "Phrases that make a closing (感谢, 祝您, 再见, ...)."},
        "situations": {
            "type": "array",
            "maxItems": 200,
            "description": "SC03: when the customer says one of `customer`, one of the agent's next `within` messages must say one of `agent`.",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "customer", "agent"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 100},
                    "customer": {**_PHRASES, "minItems": 1},
                    "agent": {**_PHRASES, "minItems": 1},
                    "within": {"type": "integer", "minimum": 1, "maximum": 20, "description": "Agent messages to look at (default 2)."},
                },
            },
        },
        "quick_phrases_file": {"type": "string", "maxLength": 1000,
                               "description": "The shop's quick-phrase (快捷短语) export, one phrase a line; relative to the rule file."},
        "quick_phrases": {**_PHRASES, "items": {"type": "string", "minLength": 1, "maxLength": 1000},
                          "description": "Quick phrases given inline."},
        "template_repeats": {"type": "integer", "minimum": 2, "maximum": 100,
                             "description": "SC04: the same template this many times in one conversation is mechanical (default 2)."},
        "template_min_chars": {"type": "integer", "minimum": 1, "maximum": 1000,
                               "description": "SC04: an identical message outside the library counts as a template from this length (default 12)."},
    },
}

# Characters that turn a short phrase into another word: 父亲, 亲自; 现在的; 您好像; this/hi.
_NOT_BEFORE_QIN = "父母双相乡成血可探省"
_NOT_AFTER_QIN = "自戚人子手测身属情友朋密近切眼历笔生热和"
_NOT_BEFORE_ZAI = "现存所实正自内外不还都也就仍没潜健"
_NOT_AFTER_HAO = "好像看用久烦笨意吵"  # 您好像, 你好烦, 你好意思
_NEGATED = re.compile(r"[不没别无未]|不会|不想|不是")
_PUNCT = re.compile(r"[\s\W_]+")


# Agents send the same greetings, closings and quick phrases all day, and normalizing (OpenCC) and matching
# them is the costly part: each matcher keeps its answer per text. Long texts rarely repeat and would make the
# cache big, so only short ones are kept.
_MAX_CACHED_CHARS = 200
_MAX_CACHED_TEXTS = 8192
_UNSEEN = object()


def phrase_pattern(phrase: str) -> str:
    """A regex for a script phrase that does not fire inside longer words (亲 in 亲自, 在的 in 现在的)."""
    p = simplify(phrase).strip()
    body = re.escape(p)
    if p.isascii() and p[:1].isalnum():
        return rf"(?<![a-z0-9]){body}(?![a-z0-9])"
    if p == "亲":
        return rf"(?<![{_NOT_BEFORE_QIN}])亲(?![{_NOT_AFTER_QIN}])"
    if p.startswith("在"):
        body = rf"(?<![{_NOT_BEFORE_ZAI}]){body}"
    if p.endswith("好"):
        body = rf"{body}(?![{_NOT_AFTER_HAO}])"
    return body


class PhraseMatcher:
    """Finds any of a list of script phrases in a message (normalized); empty list: matches nothing."""

    def __init__(self, phrases: Iterable[str]):
        unique = sorted({simplify(p).strip() for p in phrases if p and p.strip()}, key=len, reverse=True)
        self._regex = re.compile("|".join(phrase_pattern(p) for p in unique)) if unique else None
        self._found: dict[str, str | None] = {}

    def __bool__(self) -> bool:
        return self._regex is not None

    def search(self, text: str) -> str | None:
        """The first phrase found in the text, or None."""
        found = self._found.get(text, _UNSEEN)
        if found is _UNSEEN:
            if self._regex is None:
                return None
            m = self._regex.search(simplify(text))
            found = m.group(0) if m else None
            if len(text) <= _MAX_CACHED_CHARS:
                if len(self._found) >= _MAX_CACHED_TEXTS:
                    self._found.clear()
                self._found[text] = found
        return found


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def _is_agent_text(m: Message) -> bool:
    return m.role == "agent" and m.type == "text" and bool(m.text.strip())


def _agent_texts(conv: Conversation) -> list[Message]:
    return [m for m in conv.messages if _is_agent_text(m)]


def _first_agent_text(conv: Conversation) -> Message | None:
    return next((m for m in conv.messages if _is_agent_text(m)), None)


class _ScriptRule(Rule):
    category: ClassVar[str] = "script_adherence"
    config_schema: ClassVar[dict[str, Any]] = {"script": SECTION_SCHEMA}

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.section: dict[str, Any] = self.config.get("script") or {}


class MissingGreeting(_ScriptRule):
    """The agent's first message of the conversation does not greet the customer.

    The first human agent message must contain one of ``script.greetings``
    (您好, 你好, 亲, 欢迎光临, 在的, ...). A bot's greeting does not count for the agent.
    Turn off with ``script.require_greeting: false``.

    Bad:
        customer: 为什么还没发货
        agent(+10s): 问那么多干嘛，等着就是了
    Good:
        customer: 为什么还没发货
        agent(+10s): 您好亲，今天下午就发出哦
    """

    id = "SC01"
    name = "首句未问候"
    severity = "minor"

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.required = self.section.get("require_greeting", True)
        self.greetings = PhraseMatcher(self.section.get("greetings") or ())

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        if not (self.required and self.greetings):
            return []
        first = _first_agent_text(conversation)
        if first is None or self.greetings.search(first.text):
            return []
        return [self.finding(
            conversation, first.index,
            evidence=f"客服首句「{_snippet(first.text)}」",
            reason="客服的第一句话没有问候客户",
            expected="首句使用问候语，如：您好，欢迎光临",
        )]


class MissingClosing(_ScriptRule):
    """The conversation does not end with the agent's closing (结束语).

    After the customer's last message that needs a reply, one of the agent's
    messages must contain one of ``script.closings`` (感谢, 祝您, 再见, 随时联系, ...).
    A bare 好的/谢谢 from the customer after the closing is fine; a last question
    nobody answered means there was no closing. Turn off with
    ``script.require_closing: false``.

    Bad:
        customer: 茶具送吗
        agent(+10s): 亲，欢迎光临，买两盒送一个小茶杯
        customer(+40s): 那我下单了
    Good:
        customer: 茶具送吗
        agent(+10s): 亲，欢迎光临，买两盒送一个小茶杯
        customer(+40s): 那我下单了
        agent(+8s): 好的亲，感谢支持，祝您生活愉快
        customer(+20s): 好的谢谢
    """

    id = "SC02"
    name = "缺少结束语"
    severity = "minor"

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.required = self.section.get("require_closing", True)
        self.closings = PhraseMatcher(self.section.get("closings") or ())
        self.acks = AcknowledgementMatcher(((self.config.get("latency") or {}).get("acknowledgements")) or ())

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        if not (self.required and self.closings):
            return []
        msgs = conversation.messages
        last_question = self._last_question(msgs)
        # From the end: the closing is usually the agent's last message.
        last_reply = None
        for i in range(len(msgs) - 1, -1 if last_question is None else last_question, -1):
            m = msgs[i]
            if m.role != "agent":
                continue
            if m.type == "text" and self.closings.search(m.text):
                return []
            if last_reply is None:
                last_reply = m
        if last_reply is not None:
            return [self.finding(
                conversation, last_reply.index,
                evidence=f"客服最后一句「{_snippet(last_reply.text)}」",
                reason="会话结束时客服没有使用结束语",
                expected="以结束语收尾，如：感谢您的咨询，祝您生活愉快",
            )]
        if last_question is None:
            return []
        asked = msgs[last_question]
        last_agent = next((m for m in reversed(msgs[:last_question]) if m.role == "agent"), None)
        return [self.finding(
            conversation, asked.index, agent=last_agent.sender if last_agent else "",
            evidence=f"客户最后的消息「{_snippet(asked.text)}」没有回复",
            reason="客户最后的问题没有得到回复，会话没有结束语",
            expected="回复客户的问题，并以结束语收尾，如：感谢您的咨询，祝您生活愉快",
        )]

    def _last_question(self, msgs: list[Message]) -> int | None:
        """Index of the customer's last message that needs a reply (None: every one was a bare acknowledgement)."""
        # Walk back from the end: the answer is usually among the last few messages. `agent_at` is the
        # agent message just before the customer message looked at; it only moves back, so the walk stays linear.
        agent_at = len(msgs)
        for i in range(len(msgs) - 1, -1, -1):
            m = msgs[i]
            if m.role != "customer":
                continue
            if agent_at > i:
                agent_at = i - 1
                while agent_at >= 0 and msgs[agent_at].role != "agent":
                    agent_at -= 1
            if needs_reply(m, msgs[agent_at] if agent_at >= 0 else None, self.acks):
                return m.index
        return None


class _Situation:
    def __init__(self, spec: dict[str, Any]):
        self.name = spec["name"]
        self.phrases = list(spec["agent"])
        self.required = PhraseMatcher(spec["agent"])
        self.within = int(spec.get("within", 2))
        self._trigger_regex = re.compile("|".join(phrase_pattern(p) for p in spec["customer"]))

    def trigger(self, text: str) -> str | None:
        """The situation word the customer used, unless negated (不会给差评)."""
        norm = simplify(text)
        for m in self._trigger_regex.finditer(norm):
            if not _NEGATED.search(norm[max(0, m.start() - 3):m.start()]):
                return m.group(0)
        return None


class MissingSituationPhrase(_ScriptRule):
    """In a situation the shop defines, the agent did not use the required phrase (e.g. no apology to a complaint).

    Each entry of ``script.situations`` names customer words (差评, 投诉, 太慢了, ...)
    and agent phrases (抱歉, 不好意思, 对不起, ...): after such a customer message,
    one of the agent's next ``within`` messages (default 2) must use one of them.
    Negated words (不会给差评) do not count. Off by default; enable with
    ``rules: {SC03: {enabled: true}}``.

    Bad:
        customer: 发货太慢了，我要投诉
        agent(+10s): 已经发了，等着吧
    Good:
        customer: 发货太慢了，我要投诉
        agent(+10s): 非常抱歉让您久等了，已经为您催促仓库
    """

    id = "SC03"
    name = "情景话术缺失"
    severity = "minor"

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.situations = [_Situation(s) for s in self.section.get("situations") or ()]

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        findings, judged = [], set()
        msgs = conversation.messages
        for m in msgs:
            if m.role != "customer":
                continue
            for situation in self.situations:
                word = situation.trigger(m.text)
                if not word:
                    continue
                replies = [r for r in msgs[m.index + 1:] if r.role == "agent"][: situation.within]
                if not replies or (situation.name, replies[0].index) in judged:
                    continue  # unanswered is the latency rules' business; one finding per reply
                judged.add((situation.name, replies[0].index))
                if any(situation.required.search(r.text) for r in replies):
                    continue
                findings.append(self.finding(
                    conversation, replies[0].index,
                    evidence=f"客户说「{word}」，客服回复「{_snippet(replies[0].text)}」",
                    reason=f"情景「{situation.name}」下客服没有使用规定话术",
                    expected="使用规定话术，如：" + "、".join(situation.phrases[:3]),
                ))
        return findings


def read_quick_phrases(path: str) -> list[str]:
    """The phrases of a quick-phrase export (one a line; blank lines and # comments skipped)."""
    try:
        raw = read_named_file(path, MAX_QUICK_PHRASES_BYTES)  # a regular file of bounded size: a FIFO never ends
    except ValueError as exc:
        raise ValueError(f"quick-phrase file: {exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"quick-phrase file {path} is not UTF-8 text") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _core(text: str) -> str:
    return _PUNCT.sub("", simplify(text))


class RepeatedTemplate(_ScriptRule):
    """The agent sent the same template over and over in one conversation (机械回复).

    A message counts as a template when it is (nearly, 80% or more of it) one of
    the shop's quick phrases (``script.quick_phrases_file``, one phrase a line, or
    ``script.quick_phrases``), or when the agent sends the very same message of at
    least ``script.template_min_chars`` characters again. Sending one template
    ``script.template_repeats`` times (default 2) in a conversation answers the
    customer mechanically. Off by default; enable with ``rules: {SC04: {enabled: true}}``.

    Bad:
        customer: 这个能便宜点吗
        agent(+10s): 亲，本店商品均为正品，品质有保障，请放心购买哦
        customer(+30s): 那什么时候发货
        agent(+10s): 亲，本店商品均为正品，品质有保障，请放心购买哦
    Good:
        customer: 这个能便宜点吗
        agent(+10s): 亲，本店商品均为正品，品质有保障，请放心购买哦
        customer(+30s): 那什么时候发货
        agent(+10s): 亲，今天下单今天发货哦
    """

    id = "SC04"
    name = "重复套用快捷短语"
    severity = "minor"

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        phrases = list(self.section.get("quick_phrases") or ())
        if self.section.get("quick_phrases_file"):
            phrases += read_quick_phrases(self.section["quick_phrases_file"])
        self.library = sorted({c for c in map(_core, phrases) if c}, key=len, reverse=True)
        self.repeats = int(self.section.get("template_repeats", 2))
        self.min_chars = int(self.section.get("template_min_chars", 12))

    def template_of(self, text: str) -> str | None:
        """The template a message is, or None: a library phrase covering 80% of it, or itself when long."""
        core = _core(text)
        if not core:
            return None
        for phrase in self.library:
            shorter, longer = sorted((phrase, core), key=len)
            if len(shorter) >= 0.8 * len(longer) and shorter in longer:
                return phrase
        return core if len(core) >= self.min_chars else None

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        seen: dict[str, int] = {}
        findings = []
        for m in _agent_texts(conversation):
            template = self.template_of(m.text)
            if template is None:
                continue
            seen[template] = seen.get(template, 0) + 1
            if seen[template] == self.repeats:
                findings.append(self.finding(
                    conversation, m.index,
                    evidence=f"第 {self.repeats} 次发送「{_snippet(m.text)}」",
                    reason=f"同一条话术在一次会话中发送了 {self.repeats} 次，回复机械",
                    expected="针对客户的具体问题回复，不要重复套用同一条快捷短语",
                ))
        return findings


@hookimpl
def register_rules(register):
    for rule in (MissingGreeting, MissingClosing, MissingSituationPhrase, RepeatedTemplate):
        register(rule)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("script.yaml"))
