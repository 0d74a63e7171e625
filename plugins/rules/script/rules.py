"""Greeting and closing: SC01 the agent's first message greets, SC02 the conversation ends with the agent's closing."""
from __future__ import annotations

from typing import Any, Iterable

from qc_engine.model import Conversation, Finding, Message
from qc_engine.text.replies import AcknowledgementMatcher, needs_reply
from qc_plugins.rules.script.common import ScriptRule, first_agent_text, snippet
from qc_plugins.rules.script.phrases import ScriptPhrases


class MissingGreeting(ScriptRule):
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
        self.greetings = ScriptPhrases(self.section.get("greetings") or ())

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        if not (self.required and self.greetings):
            return []
        first = first_agent_text(conversation)
        if first is None or self.greetings.search(first.text):
            return []
        return [self.finding(
            conversation, first.index,
            evidence=f"客服首句「{snippet(first.text)}」",
            reason="客服的第一句话没有问候客户",
            expected="首句使用问候语，如：您好，欢迎光临",
        )]


class MissingClosing(ScriptRule):
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
        self.closings = ScriptPhrases(self.section.get("closings") or ())
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
                evidence=f"客服最后一句「{snippet(last_reply.text)}」",
                reason="会话结束时客服没有使用结束语",
                expected="以结束语收尾，如：感谢您的咨询，祝您生活愉快",
            )]
        if last_question is None:
            return []
        asked = msgs[last_question]
        last_agent = next((m for m in reversed(msgs[:last_question]) if m.role == "agent"), None)
        return [self.finding(
            conversation, asked.index, agent=last_agent.sender if last_agent else "",
            evidence=f"客户最后的消息「{snippet(asked.text)}」没有回复",
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
