"""The response-time figures of a conversation (rounds, waits, answered and missed rounds), for the
conversation and per agent: reported once for LT01-LT03, from the rounds they judge."""
from __future__ import annotations

from itertools import compress
from operator import itemgetter
from typing import Any

from qc_engine import Figures
from qc_engine.model import Conversation, MetricSet
from qc_plugins.rules.latency.timing import FIGURES, FIRST_COUNT, FIRST_SUM, FIRST_TIME, RESPONSE_SUM, SLOWEST, ResponseTiming, Timing

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


class ResponseFigures(Figures):
    """The response-time figures, from the rounds the response-time rules judge (one cut for all)."""

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.timing = ResponseTiming.from_config(self.config)

    def metrics(self, conversation: Conversation) -> list[MetricSet]:
        return figures(conversation.derived(self.timing))
