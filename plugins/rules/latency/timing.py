"""Cutting a conversation into rounds of question and answer, measured in working time and judged once
for the response-time rules and their figures (see the package's docstring for what a round is)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from math import inf
from typing import Any

from qc_engine import Derivation
from qc_engine.model import Conversation, Message
from qc_engine.text.replies import AcknowledgementMatcher, needs_reply
from qc_engine.text.workhours import WorkingHours, schema as working_hours_schema

WITHIN_3_MIN = 180.0
# Waits are measured over at most this much wall time: beyond it a reply is simply "very late",
# and the calendar walk stays bounded whatever timestamps a log carries.
MAX_MEASURED_SPAN = 62 * 86400.0

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


CONFIG_SCHEMA: dict[str, Any] = {"latency": SECTION_SCHEMA, "working_hours": working_hours_schema()}

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


FIGURES = ("rounds", "answered_rounds", "response_time_sum", "first_response_time", "first_response_sum",
           "first_response_count", "slowest_response", "rounds_within_3min", "slow_rounds", "unanswered_rounds",
           "agent_messages", "customer_messages")
(ROUNDS, ANSWERED, RESPONSE_SUM, FIRST_TIME, FIRST_SUM, FIRST_COUNT, SLOWEST, WITHIN_3MIN, SLOW, UNANSWERED,
 AGENT_MESSAGES, CUSTOMER_MESSAGES) = range(len(FIGURES))


@dataclass(frozen=True)
class ResponseTiming(Derivation[Timing]):
    """The rounds of a conversation, measured and judged by a shop's response-time standards, with the figures.

    LT01-LT03 and their figures ask for it with equal settings, so a conversation is cut into rounds
    once however many of them run.
    """

    first_limit: float
    later_limit: float
    count_bots: bool
    acks_need_reply: bool
    acknowledgements: tuple[str, ...]  # the shop's own words, besides the built-in ones
    hours: WorkingHours
    acks: AcknowledgementMatcher = field(compare=False, repr=False)  # compiled from acknowledgements

    @staticmethod
    def from_config(config: dict[str, Any]) -> "ResponseTiming":
        """The spec of a merged configuration (sections ``latency`` and ``working_hours``)."""
        section = config.get("latency") or {}
        return _shared(
            float(section.get("first_response_seconds", 30)),
            float(section.get("response_seconds", 90)),
            bool(section.get("count_bots_as_response", False)),
            bool(section.get("acknowledgements_need_reply", False)),
            tuple(sorted(set(section.get("acknowledgements") or ()))),
            WorkingHours.from_config(config.get("working_hours")),
        )

    def compute(self, conv: Conversation) -> Timing:
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



@lru_cache(maxsize=64)
def _shared(first_limit: float, later_limit: float, count_bots: bool, acks_need_reply: bool,
            acknowledgements: tuple[str, ...], hours: WorkingHours) -> ResponseTiming:
    """One spec, with one compiled acknowledgement matcher, for all the rules of the same settings."""
    return ResponseTiming(first_limit, later_limit, count_bots, acks_need_reply, acknowledgements, hours,
                          AcknowledgementMatcher(acknowledgements))


def _agent_row(rows: dict[str, list[float]], agent: str) -> list[float]:
    row = rows.get(agent)
    if row is None:
        row = rows[agent] = [0.0] * len(FIGURES)
    return row
