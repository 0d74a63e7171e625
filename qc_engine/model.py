"""The normalized data the engine works on: conversations, messages, findings."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Iterator, TypeVar

import msgspec

ROLES = ("customer", "agent", "bot", "system")
SEVERITIES = ("info", "minor", "major", "critical")
# The time zone of times that carry no offset, unless a record, a rule file or `--timezone` says otherwise.
DEFAULT_TIMEZONE = "Asia/Shanghai"


# Messages, findings and figures are made by the million on a busy day: as msgspec structures they are
# built in C (3x faster than a dataclass) and pickle smaller. They hold no containers, so the cyclic
# garbage collector need not track messages and figures.
class Message(msgspec.Struct, gc=False, frozen=True):
    index: int
    ts: float  # epoch seconds, UTC
    ts_iso: str  # ISO 8601 with offset, in the shop's local time
    role: str
    sender: str
    text: str
    type: str = "text"


T = TypeVar("T")
_MISSING = object()


class Derivation(Generic[T]):
    """A fact about a conversation that several rules share, declared with the settings it depends on.

    Subclass it as a frozen dataclass whose fields are everything the result depends on besides the
    conversation (limits, word lists, a compiled matcher), and implement ``compute``. Rules then ask
    ``conversation.derived(spec)``: equal specs (same class, equal fields) share one result per
    conversation, computed by whichever rule asks first. ``compute`` must be a pure function of the
    conversation and the spec; the result lives on the conversation and goes with it. A field that
    should not count in the comparison (a compiled form of other fields) is declared
    ``field(compare=False)``.
    """

    __slots__ = ()

    def compute(self, conversation: "Conversation") -> T:
        raise NotImplementedError


@dataclass(slots=True)
class Conversation:
    conversation_id: str
    shop: str
    platform: str
    customer: str
    messages: list[Message]
    tz: str = DEFAULT_TIMEZONE
    source_file: str = ""
    source_line: int | None = None
    # Derived facts several rules share (see derived()): a cache of pure functions of this conversation only.
    _derived: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def started_at(self) -> str:
        return self.messages[0].ts_iso if self.messages else ""

    @property
    def ended_at(self) -> str:
        return self.messages[-1].ts_iso if self.messages else ""

    def derived(self, spec: "Derivation[T]") -> T:
        """``spec.compute(self)``, computed once per conversation for equal specs and then shared.

        Rules that need the same analysis of a conversation (its rounds of questions and answers, the
        phrases found in its messages) each ask for it with an equal spec; the first computes it.
        """
        cache = self._derived
        value = cache.get(spec, _MISSING)
        if value is _MISSING:
            value = cache[spec] = spec.compute(self)
        return value

    def agents(self) -> list[str]:
        """Human agents in order of first appearance."""
        seen: dict[str, None] = {}
        for m in self.messages:
            if m.role == "agent":
                seen.setdefault(m.sender, None)
        return list(seen)


class Finding(msgspec.Struct):
    rule_id: str
    category: str
    severity: str
    message_index: int | None  # None: about the conversation as a whole
    agent: str
    evidence: str  # masked before it is stored
    reason: str  # why the rule fired, in plain words
    expected: str = ""  # what the rule expected instead (for coaching)
    red_line: bool = False
    points: float | None = None  # None: filled in by the scorecard


class Metric(msgspec.Struct, gc=False):
    """A figure a rule computed for a conversation, or for one agent in it."""

    name: str
    value: float
    agent: str = ""


class MetricSet(msgspec.Struct):
    """Several figures of a conversation, or of one agent in it, given together: one object, not one per figure."""

    values: dict[str, float]
    agent: str = ""


@dataclass(slots=True)
class RuleError:
    """A rule that raised, hung or returned something malformed on one conversation."""

    rule_id: str
    plugin: str
    error: str


@dataclass(slots=True)
class RawRecord:
    """What a loader yields: one conversation in the normalized JSON shape, not yet validated."""

    data: Any
    source_file: str
    line: int | None = None  # 1-based line, where the format has lines
    offset: int | None = None  # byte offset otherwise


@dataclass(slots=True)
class RawLines:
    """Consecutive lines of a JSON Lines file, one conversation each, not yet split into records.

    The native loader yields blocks of lines rather than a record per line: the process that reads the
    input then does no work per conversation, and the records are split out where they are parsed.
    """

    lines: list[bytes]
    source_file: str
    first_line: int  # 1-based number of lines[0]
    offset: int  # byte offset of lines[0]

    def records(self) -> Iterator[RawRecord]:
        """A record per line that is not blank, with its line number and byte offset."""
        number, offset = self.first_line, self.offset
        for line in self.lines:
            if not line.isspace():
                yield RawRecord(line, self.source_file, number, offset)
            number += 1
            offset += len(line)

    def __len__(self) -> int:
        return len(self.lines)


@dataclass(slots=True)
class Rejected:
    """A record a loader or the validator could not use, kept aside with the reason."""

    source_file: str
    reason: str
    raw: str = ""
    line: int | None = None
    offset: int | None = None


@dataclass(slots=True)
class AuditResult:
    conversation: Conversation
    findings: list[Finding] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    score: float = 100.0
    red_line: bool = False
    rule_files: tuple[str, ...] = ()

    def figures(self) -> dict[str, dict[str, float]]:
        """The figures by agent ("" for the whole conversation); a figure given more than once is summed."""
        by_agent: dict[str, dict[str, float]] = {}
        agent, named = None, {}
        for m in self.metrics:
            if type(m) is MetricSet:
                agent = None  # the Metric after it looks its agent up again
                current = by_agent.get(m.agent)
                if current is None:
                    by_agent[m.agent] = dict(m.values)
                else:
                    for name, value in m.values.items():
                        current[name] = current.get(name, 0) + value
                continue
            if m.agent != agent:  # a rule gives an agent's figures together: look the agent up once per run of them
                agent = m.agent
                named = by_agent.get(agent)
                if named is None:
                    named = by_agent[agent] = {}
            named[m.name] = named.get(m.name, 0) + m.value
        return by_agent
