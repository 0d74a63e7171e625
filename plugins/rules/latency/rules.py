"""The response-time rules: LT01 slow first response, LT02 slow later round, LT03 unanswered round."""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from qc_engine import Rule
from qc_engine.model import Conversation, Finding, Message
from qc_engine.text.durations import duration
from qc_plugins.rules.latency.figures import ResponseFigures
from qc_plugins.rules.latency.timing import CONFIG_SCHEMA, MISSED, SLOW_FIRST, SLOW_LATER, ResponseTiming, Round, Timing

EVIDENCE_CHARS = 30


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def _clock(m: Message) -> str:
    return m.ts_iso[11:19] if len(m.ts_iso) >= 19 else m.ts_iso


class _LatencyRule(Rule):
    category: ClassVar[str] = "latency"
    config_schema: ClassVar[dict[str, Any]] = CONFIG_SCHEMA
    figures: ClassVar[type[ResponseFigures]] = ResponseFigures  # stored once per conversation while any of LT01-LT03 runs
    verdict: ClassVar[str]  # the rounds this rule reports (see Timing.verdicts)

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.timing = ResponseTiming.from_config(self.config)

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        timing = conversation.derived(self.timing)
        rounds = timing.verdicts.get(self.verdict)
        if not rounds:  # the usual case
            return []
        return [self._finding(conversation, timing, rnd) for rnd in rounds]

    def _finding(self, conv: Conversation, timing: Timing, rnd: Round) -> Finding:
        raise NotImplementedError


class SlowFirstResponse(_LatencyRule):
    """The first answer of the conversation came later than the first-response standard (default 30 s).

    The clock starts at the customer's first message (at the next opening when the
    shop was closed) and counts working time only, until a human agent answers; an
    auto-reply from a bot does not stop it. Exactly the standard is still on time.
    Set ``latency.first_response_seconds`` to change the standard.

    Bad:
        customer: 在吗？猫粮什么时候到
        bot(+1s): 您好，我是智能助手，人工客服马上来
        agent(+44s): 您好亲，明天到
    Good:
        customer: 在吗？猫粮什么时候到
        bot(+1s): 您好，我是智能助手，人工客服马上来
        agent(+15s): 您好亲，明天到
    """

    id = "LT01"
    name = "首次响应超时"
    severity = "minor"

    verdict = SLOW_FIRST

    def _finding(self, conv: Conversation, timing: Timing, rnd: Round) -> Finding:
        return _slow_finding(self, conv, rnd, "首次响应")


class SlowLaterResponse(_LatencyRule):
    """A later round of the conversation was answered later than the response standard (default 90 s).

    A round starts at the first customer message not yet answered and ends at the
    next human agent message; waiting counts working time only. Set
    ``latency.response_seconds`` to change the standard.

    Bad:
        customer: 这款茶能泡几次
        agent(+10s): 您好亲，一般可以泡七八次
        customer(+30s): 那价格呢
        agent(+240s): 亲，现在是128元一盒
    Good:
        customer: 这款茶能泡几次
        agent(+10s): 您好亲，一般可以泡七八次
        customer(+30s): 那价格呢
        agent(+60s): 亲，现在是128元一盒
    """

    id = "LT02"
    name = "响应超时"
    severity = "minor"

    verdict = SLOW_LATER

    def _finding(self, conv: Conversation, timing: Timing, rnd: Round) -> Finding:
        return _slow_finding(self, conv, rnd, "回复")


class UnansweredRound(_LatencyRule):
    """A customer message was never answered by a human agent (漏回复).

    Counted when the shop had more working time than the response standard to
    answer it before the end of the day the conversation ends on; a message left
    just before closing is carried over, not missed. A bare 好的/谢谢 after the
    agent's answer needs no reply. Bot auto-replies are not an answer.

    Bad:
        customer: 茶具送吗
        agent(+10s): 亲，欢迎光临，买两盒送一个小茶杯
        customer(+40s): 那我下单了，能今天发货吗
    Good:
        customer: 茶具送吗
        agent(+10s): 亲，欢迎光临，买两盒送一个小茶杯
        customer(+40s): 好的谢谢
    """

    id = "LT03"
    name = "漏回复"
    severity = "major"

    verdict = MISSED

    def _finding(self, conv: Conversation, timing: Timing, rnd: Round) -> Finding:
        m = conv.messages[rnd.start]
        return self.finding(
            conv, rnd.start, agent=timing.last_agent,
            evidence=f"客户 {_clock(m)}「{_snippet(m.text)}」之后客服没有回复",
            reason=f"客户的消息在工作时间内一直没有得到人工回复（已过 {duration(rnd.wait)}工作时间）",
            expected=f"在 {duration(rnd.limit)}内回复客户的每一个问题",
        )


def _slow_finding(rule: _LatencyRule, conv: Conversation, rnd: Round, what: str) -> Finding:
    asked, answered = conv.messages[rnd.start], conv.messages[rnd.answer]
    return rule.finding(
        conv, rnd.start, agent=answered.sender,
        evidence=f"客户 {_clock(asked)}「{_snippet(asked.text)}」→ 客服 {_clock(answered)} 回复",
        reason=f"{what}用了 {duration(rnd.wait)}（工作时间），超过 {duration(rnd.limit)}的标准",
        expected=f"在 {duration(rnd.limit)}内回复",
    )
