"""Response-time rules (LT01 slow first response, LT02 slow later round, LT03 unanswered round) and figures.

How a conversation is cut into rounds:

* A round starts at the first customer message not yet answered; the customer's
  following messages join it; the next human agent message answers it. Bot and
  system messages are not an answer (``latency.count_bots_as_response: true``
  lets a bot answer).
* A bare acknowledgement (好的 / 谢谢 / 嗯嗯 / ok / 拜拜 ...) does not open a round when
  the agent's previous message asked nothing: it needs no reply. After an agent's
  question (需要帮您备注吗？ → 好的) it is an answer that does need one.
* Waiting time is open time only (``working_hours``): a message sent while the shop
  is closed starts the clock at the next opening.
* A round never answered is a miss (LT03) when the shop had more open time than the
  allowed response time between the message and the end of the day on which the
  conversation ends. A message left less than the allowance before closing time is
  carried over to the next opening, not a miss (and not counted in the figures).

Findings sit on the customer message that opened the round and name the agent who
answered it, or for an unanswered round the last agent who served the conversation.

Figures (``metrics()``; agent "" for the conversation, else per agent; all sums and
counts add up per agent and day):

=====================  ==============================================================
rounds                 rounds judged (answered + unanswered)
answered_rounds        rounds a human agent answered
response_time_sum      seconds of open time waited, over answered rounds (avg = sum / answered_rounds)
first_response_time    conversation only: open seconds until the first answer
first_response_sum     per agent: first_response_time of conversations they answered first
first_response_count   per agent: how many such conversations
slowest_response       longest answered wait in seconds (take MAX, not SUM)
rounds_within_3min     answered within 180 s (3-minute response rate = / rounds)
slow_rounds            answered later than allowed (LT01/LT02 findings)
unanswered_rounds      never answered (LT03 findings)
agent_messages         human agent messages (答问比 = agent_messages / customer_messages)
customer_messages      customer messages (per agent: those of the rounds the agent answered or was left
                       with, and the acknowledgements of the agent's answers)
=====================  ==============================================================
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from math import inf
from operator import itemgetter
from typing import Any, ClassVar, Iterable

from qc_engine import Rule, hookimpl
from qc_plugins import default_rule_file
from qc_engine.model import Conversation, Finding, Message, MetricSet
from qc_engine.text.durations import duration
from qc_engine.text.fold import simplify
from qc_engine.text.workhours import WorkingHours, schema as working_hours_schema

WITHIN_3_MIN = 180.0
# Waits are measured over at most this much wall time: beyond it a reply is simply "very late",
# and the calendar walk stays bounded whatever timestamps a log carries.
MAX_MEASURED_SPAN = 62 * 86400.0
EVIDENCE_CHARS = 30

# Words that alone make a message a bare acknowledgement. Closers also end a reply to the agent's
# question (还有其他问题吗？ → 没有了，谢谢); affirmatives then are an answer that needs action (需要备注吗？ → 好的).
_CLOSER_WORDS = (
    "谢谢", "谢了", "谢谢你", "谢谢您", "谢谢亲", "多谢", "感谢", "thanks", "thank you", "thx", "拜拜", "再见", "bye", "88",
    "没有了", "没有啦", "没了", "没事了", "没事", "不用了", "没问题了", "亲", "啦", "啊", "呀", "哈", "的", "了", "哦", "嗯",
)
_AFFIRMATIVE_WORDS = (
    "好的", "好滴", "好哒", "好嘞", "好吧", "好", "嗯", "恩", "噢", "喔", "ok", "okay", "行", "吧", "收到", "知道了", "知道",
    "明白了", "明白", "了解", "没问题",
)
_NON_WORD = re.compile(r"[\s\W_]+")
_BRACKETED = re.compile(r"\[[^\[\]]{1,8}\]|/:\S{1,6}")  # emoticon codes such as [微笑] or /:^_^
_MEDIA = re.compile(r"图片|视频|语音|文件|链接|商品|订单|http|www\.", re.I)  # something to look at needs a reply
_ASKS = re.compile(r"[?？]|[吗嗎么麼嘛][\s。.!！~～]*$")
MAX_BARE_CHARS = 40  # longer messages are never a bare acknowledgement (saves normalizing them)

SECTION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "Response-time standards (seconds of working time).",
    "properties": {
        "first_response_seconds": {"type": "number", "minimum": 0, "maximum": 86400,
                                   "description": "The first answer of a conversation within this many seconds (default 30)."},
        "response_seconds": {"type": "number", "minimum": 0, "maximum": 86400,
                             "description": "Every later round answered within this many seconds (default 90)."},
        "count_bots_as_response": {"type": "boolean", "description": "A bot message answers a round (default false)."},
        "acknowledgements_need_reply": {"type": "boolean",
                                        "description": "A bare 好的/谢谢 after an agent's statement still opens a round (default false)."},
        "acknowledgements": {"type": "array", "maxItems": 1000, "items": {"type": "string", "minLength": 1, "maxLength": 20},
                             "description": "More words that alone make a message a bare acknowledgement."},
    },
}


@dataclass(slots=True)
class Round:
    """A round a rule reports: answered later than allowed, or never answered."""

    start: int  # index of the customer message that opened it
    answer: int | None  # index of the answering message; None when unanswered
    wait: float  # open seconds waited (to the answer, or to the horizon when unanswered)
    limit: float  # the allowance it was judged by


@dataclass(slots=True)
class Timing:
    # The rounds each rule reports (by verdict: SLOW_FIRST, SLOW_LATER, MISSED), judged once for the family.
    verdicts: dict[str, list[Round]]
    last_agent: str
    # The figures (FIGURES order) of each agent, in the order their rows came up; "" for a round left with no agent.
    rows: dict[str, list[float]]
    # Over all answered rounds in their order, as a float sum depends on the order of its terms.
    response_time_sum: float
    first_response_time: float | None  # None when the first round was never answered


SLOW_FIRST, SLOW_LATER, MISSED = "slow_first", "slow_later", "missed"


# What a customer text is on its own, before looking at what the agent said last (see needs_reply).
NEEDS_REPLY, BARE, BARE_UNLESS_ASKED = 0, 1, 2
_MAX_CACHED_TEXTS = 65536


class AcknowledgementMatcher:
    """Tells a bare acknowledgement (好的谢谢, 嗯嗯, ok👍) from a message that needs a reply."""

    def __init__(self, extra: Iterable[str] = ()):
        self.key = tuple(sorted(set(extra)))
        self._closers = self._words_only(_CLOSER_WORDS)
        self._any = self._words_only((*_CLOSER_WORDS, *_AFFIRMATIVE_WORDS, *extra))
        # Verdicts by text (a cache of a pure function): customers repeat the same short acknowledgements all day.
        self._kinds: dict[str, int] = {}

    @staticmethod
    def _words_only(words: Iterable[str]) -> re.Pattern:
        ordered = sorted({_core(w) for w in words if _core(w)}, key=len, reverse=True)
        return re.compile("(?:" + "|".join(map(re.escape, ordered)) + ")+")

    def is_bare(self, text: str, after_question: bool = False) -> bool:
        """Whether the message is only acknowledgement words (only closers after a question), punctuation, emoticons."""
        if len(text) > MAX_BARE_CHARS:
            return False
        core = _core(text)
        if not core:
            return True
        words = self._closers if after_question else self._any
        return len(core) <= 12 and words.fullmatch(core) is not None

    def reply_kind(self, text: str) -> int:
        """NEEDS_REPLY, BARE (even after a question: only closers) or BARE_UNLESS_ASKED, for a text message."""
        kind = self._kinds.get(text)
        if kind is None:
            if len(self._kinds) >= _MAX_CACHED_TEXTS:
                self._kinds.clear()
            kind = self._kinds[text] = self._reply_kind(text)
        return kind

    def _reply_kind(self, text: str) -> int:
        if len(text) > MAX_BARE_CHARS or _MEDIA.search(text) or not self.is_bare(text):
            return NEEDS_REPLY
        # Every closer is also in the full word list, so a text bare after a question is bare anyway.
        return BARE if self.is_bare(text, after_question=True) else BARE_UNLESS_ASKED


@lru_cache(maxsize=65536)  # customers repeat the same few short acknowledgements all day
def _core(text: str) -> str:
    return _NON_WORD.sub("", _BRACKETED.sub("", simplify(text)))


def asks_something(text: str) -> bool:
    """Whether a message asks the other side something (a question mark, or a clause ending in 吗)."""
    return bool(_ASKS.search(text))


def needs_reply(message: Message, previous_reply: Message | None, acks: AcknowledgementMatcher) -> bool:
    """Whether a customer message opens a round: anything but a bare acknowledgement once the agent has spoken."""
    if previous_reply is None or message.type != "text":
        return True
    kind = acks.reply_kind(message.text)
    if kind == BARE_UNLESS_ASKED:
        return asks_something(previous_reply.text)
    return kind == NEEDS_REPLY


class LatencyStandards:
    """The merged latency settings of a shop, compiled once."""

    def __init__(self, config: dict[str, Any]):
        section = config.get("latency") or {}
        self.first_limit = float(section.get("first_response_seconds", 30))
        self.later_limit = float(section.get("response_seconds", 90))
        self.count_bots = bool(section.get("count_bots_as_response", False))
        self.acks_need_reply = bool(section.get("acknowledgements_need_reply", False))
        self.acks = AcknowledgementMatcher(section.get("acknowledgements") or ())
        self.hours = WorkingHours.from_config(config.get("working_hours"))
        # Rules of one shop share settings: LT01-LT03 and the figures reuse one cut into rounds. The key is a
        # string (its hash is computed once) spelling out every setting the cut depends on.
        self._memo_key = "latency.timing " + repr((self.first_limit, self.later_limit, self.count_bots,
                                                    self.acks_need_reply, self.acks.key, self.hours.weekly,
                                                    sorted(self.hours.closed_dates)))

    def timing(self, conv: Conversation) -> Timing:
        """Cut the conversation into rounds, measure and judge them, and sum the figures (once per conversation)."""
        timing = conv.memo.get(self._memo_key)
        if timing is None:
            timing = conv.memo[self._memo_key] = self._timing(conv)
        return timing

    def _timing(self, conv: Conversation) -> Timing:
        # One pass over the messages does it all: it runs for every conversation, so it keeps to local names.
        acks, acks_need_reply, count_bots = self.acks, self.acks_need_reply, self.count_bots
        first_limit, later_limit = self.first_limit, self.later_limit
        hours, tz = self.hours, conv.tz
        rows: dict[str, list[float]] = {}
        agent_messages: dict[str, int] = {}
        acknowledgements: dict[str, int] = {}  # bare acknowledgements outside rounds, by the agent they acknowledged
        verdicts: dict[str, list[Round]] = {}
        last_agent = ""
        previous_reply: Message | None = None
        opened: Message | None = None  # the customer message that opened the round waiting for an answer
        waiting = 0  # customer messages in that round
        first_wait: float | None = None
        response_sum = 0.0
        # The local day of the latest wait: the waits of a conversation nearly always lie within one day.
        day_start, day_end, intervals = inf, -inf, ()
        for m in conv.messages:
            role = m.role
            if role == "customer":
                if opened is not None:
                    waiting += 1
                elif acks_need_reply or needs_reply(m, previous_reply, acks):
                    opened, waiting = m, 1
                else:
                    acknowledgements[previous_reply.sender] = acknowledgements.get(previous_reply.sender, 0) + 1
                continue
            if role != "agent" and (role != "bot" or not count_bots):
                continue
            sender = m.sender
            if role == "agent":
                agent_messages[sender] = agent_messages.get(sender, 0) + 1
                last_agent = sender
            previous_reply = m
            if opened is None:
                continue
            start = opened.ts
            end = m.ts
            if end > start + MAX_MEASURED_SPAN:  # rather than min(), whose call costs more than the comparison
                end = start + MAX_MEASURED_SPAN
            wait = 0.0
            if end > start:
                if not (day_start <= start and end <= day_end):
                    day_start, day_end, intervals = hours.day_at(start, tz)
                if day_start <= start and end <= day_end:
                    # WorkingHours.open_seconds within one day, without a call per round.
                    for a, b in intervals:
                        lo = a if a > start else start
                        hi = b if b < end else end
                        if hi > lo:
                            wait += hi - lo
                else:
                    wait = hours.open_seconds(start, end, tz)
            first = first_wait is None  # every earlier round was answered: only the last one can stay open
            limit = first_limit if first else later_limit
            slow = wait > limit
            if slow:
                verdicts.setdefault(SLOW_FIRST if first else SLOW_LATER, []).append(Round(opened.index, m.index, wait, limit))
            row = rows.get(sender)
            if row is None:
                row = rows[sender] = [0.0] * len(FIGURES)
            row[CUSTOMER_MESSAGES] += waiting
            row[ROUNDS] += 1
            row[ANSWERED] += 1
            row[RESPONSE_SUM] += wait
            if wait <= WITHIN_3_MIN:
                row[WITHIN_3MIN] += 1
            if slow:
                row[SLOW] += 1
            if wait > row[SLOWEST]:
                row[SLOWEST] = wait
            if first:
                first_wait = wait
                row[FIRST_SUM] += wait
                row[FIRST_COUNT] += 1
            response_sum += wait
            opened = None
        if opened is not None:
            start = opened.ts
            horizon = hours.end_of_day(conv.messages[-1].ts, tz)
            wait = hours.open_seconds(start, min(max(horizon, start), start + MAX_MEASURED_SPAN), tz)
            limit = first_limit if first_wait is None else later_limit
            row = _agent_row(rows, last_agent)
            row[CUSTOMER_MESSAGES] += waiting
            # Unanswered: a miss only if the shop had more than the allowance to answer it.
            if wait > limit:
                verdicts[MISSED] = [Round(opened.index, None, wait, limit)]
                row[ROUNDS] += 1
                row[UNANSWERED] += 1
        for agent, n in acknowledgements.items():
            _agent_row(rows, agent)[CUSTOMER_MESSAGES] += n
        for agent, n in agent_messages.items():
            _agent_row(rows, agent)[AGENT_MESSAGES] += n
        return Timing(verdicts, last_agent, rows, response_sum, first_wait)


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def _clock(m: Message) -> str:
    return m.ts_iso[11:19] if len(m.ts_iso) >= 19 else m.ts_iso


class _LatencyRule(Rule):
    category: ClassVar[str] = "latency"
    config_schema: ClassVar[dict[str, Any]] = {"latency": SECTION_SCHEMA, "working_hours": working_hours_schema()}
    _FAMILY: ClassVar[tuple[str, ...]] = ("LT01", "LT02", "LT03")
    verdict: ClassVar[str]  # the rounds this rule reports (see Timing.verdicts)

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.standards = LatencyStandards(self.config)
        settings = self.config.get("rules") or {}
        enabled = [rid for rid in self._FAMILY if (settings.get(rid) or {}).get("enabled", True) is not False]
        # The figures come once per conversation, from the first enabled rule of the family.
        self.reports_figures = bool(enabled) and enabled[0] == self.id

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        timing = self.standards.timing(conversation)
        rounds = timing.verdicts.get(self.verdict)
        if not rounds:  # the usual case
            return []
        return [self._finding(conversation, timing, rnd) for rnd in rounds]

    def _finding(self, conv: Conversation, timing: Timing, rnd: Round) -> Finding:
        raise NotImplementedError

    def metrics(self, conversation: Conversation) -> Iterable[MetricSet]:
        if not self.reports_figures:
            return []
        return figures(self.standards.timing(conversation))


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


FIGURES = ("rounds", "answered_rounds", "response_time_sum", "first_response_time", "first_response_sum",
           "first_response_count", "slowest_response", "rounds_within_3min", "slow_rounds", "unanswered_rounds",
           "agent_messages", "customer_messages")
(ROUNDS, ANSWERED, RESPONSE_SUM, FIRST_TIME, FIRST_SUM, FIRST_COUNT, SLOWEST, WITHIN_3MIN, SLOW, UNANSWERED,
 AGENT_MESSAGES, CUSTOMER_MESSAGES) = range(len(FIGURES))
AGENT_ONLY = (FIRST_SUM, FIRST_COUNT)
# The conversation's own figures, in output order (first_response_time follows when there is one).
_WHOLE_INDEXES = [i for i in range(len(FIGURES)) if i not in AGENT_ONLY and i != FIRST_TIME]
_WHOLE_NAMES = [FIGURES[i] for i in _WHOLE_INDEXES]
_whole_values = itemgetter(*_WHOLE_INDEXES)


def figures(timing: Timing) -> list[MetricSet]:
    """The response figures of one conversation, for the conversation and per agent."""
    rows = timing.rows
    if len(rows) == 1:
        # One agent (or none) in everything: the conversation's row is the same sums in the same order.
        whole = next(iter(rows.values()))
    elif rows:
        whole = list(map(sum, zip(*rows.values())))  # counts are whole numbers: exact in any order
        whole[RESPONSE_SUM] = timing.response_time_sum
        whole[SLOWEST] = max(row[SLOWEST] for row in rows.values())
    else:
        whole = [0.0] * len(FIGURES)
    own = dict(zip(_WHOLE_NAMES, _whole_values(whole)))
    if timing.first_response_time is not None:
        own["first_response_time"] = timing.first_response_time
    out = [MetricSet(own)]
    for agent, values in rows.items():
        if agent:
            # Only the figures an agent has (not zero): compress and filter keep the same, truthy, values.
            out.append(MetricSet(dict(zip(compress(FIGURES, values), filter(None, values))), agent))
    return out


def _agent_row(rows: dict[str, list[float]], agent: str) -> list[float]:
    row = rows.get(agent)
    if row is None:
        row = rows[agent] = [0.0] * len(FIGURES)
    return row


@hookimpl
def register_rules(register):
    for rule in (SlowFirstResponse, SlowLaterResponse, UnansweredRound):
        register(rule)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("latency.yaml"))
