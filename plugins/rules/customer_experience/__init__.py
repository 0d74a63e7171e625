"""Customer-experience risk (不满风险): will this buyer leave unhappy? Rule CX01 and the figure dissatisfaction_risk.

Judges each conversation as a whole, from both sides: the customer's anger and dissatisfaction (words,
emoticons, ？？？ and ！！！), threats of a complaint or a bad review, urging and repeated questions, the
agent's empty apologies and copy-paste replies, and how it ended (problem unresolved, last message
unanswered). The weights live in the rule file (rules/defaults/customer_experience.yaml); see
docs/customer-experience.md for what they mean and how a shop refits them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterable

from qc_engine import Rule, hookimpl
from qc_engine.model import Conversation, Derivation, Finding, Metric
from qc_plugins import default_rule_file
from qc_plugins.rules.customer_experience.model import MAX_REASONS, Judgement, RiskModel
from qc_plugins.rules.customer_experience.signals import AGENT_LEXICONS, CUSTOMER_LEXICONS, signal_names

FIGURE = "dissatisfaction_risk"
EVIDENCE_MESSAGES = 3
EVIDENCE_CHARS = 40

_WORDS = {"type": "array", "maxItems": 2000, "items": {"type": "string", "minLength": 1, "maxLength": 50}}
SECTION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "Customer-experience risk (CX01): the signals' word lists and the logistic model's weights.",
    "properties": {
        "threshold": {"type": "number", "minimum": 0, "maximum": 1,
                      "description": "CX01 fires when dissatisfaction_risk is at least this (default 0.5)."},
        "lexicons": {
            "type": "object", "additionalProperties": False,
            "description": "Word lists of the signals (the customer's and the agent's side).",
            "properties": {name: _WORDS for name in (*CUSTOMER_LEXICONS, *AGENT_LEXICONS)},
        },
        "emoticons": {
            "type": "object", "additionalProperties": False,
            "description": "Emoticon codes, as [怒] (without brackets) or /:-(.",
            "properties": {"negative": _WORDS, "positive": _WORDS},
        },
        "intercept": {"type": "number", "minimum": -50, "maximum": 50},
        "weights": {
            "type": "object", "additionalProperties": False,
            "description": "Weight of each signal in the logistic model.",
            "properties": {name: {"type": "number", "minimum": -50, "maximum": 50} for name in signal_names()},
        },
        "priors": {
            "type": "object", "additionalProperties": False,
            "description": "Hand-set weights added to the fitted ones, for what helpdesk dialogues cannot teach.",
            "properties": {name: {"type": "number", "minimum": -50, "maximum": 50} for name in signal_names()},
        },
        "terms": {
            "type": "object", "maxProperties": 20000,
            "description": "Weight of each character or character pair the customer used (match form).",
            "propertyNames": {"minLength": 1, "maxLength": 2},
            "additionalProperties": {"type": "number", "minimum": -50, "maximum": 50},
        },
    },
}


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


class DissatisfactionRisk(Rule):
    """The customer is likely to leave unhappy (不满风险): call them back before the bad review.

    Every conversation gets the figure ``dissatisfaction_risk`` (0 to 1) from a
    logistic model over signals of both sides: the customer's anger (words,
    emoticons, ？？？ and ！！！), complaint and review threats (投诉, 12315, 差评,
    平台介入 ...), urging and repeated questions, the agent's empty apologies,
    put-offs and copy-paste replies, and an ending with the problem unresolved
    or the customer's last message unanswered. At ``customer_experience.threshold``
    (default 0.5) or above, the finding lists the messages and signals that
    weighed most, for the follow-up list (回访名单). It deducts no points unless
    the shop sets ``rules: {CX01: {points: ...}}`` or another severity.

    Bad:
        customer: 我的快递到底什么时候到？？？已经等了一个星期了
        agent(+30s): 亲，非常抱歉给您带来不便，请您耐心等待
        customer(+60s): 每次都让我等，问题根本没解决，再不给说法我就投诉，给差评！！
        agent(+30s): 亲，非常抱歉给您带来不便，请您耐心等待
        customer(+60s): 垃圾店铺，我要申请平台介入
    Good:
        customer: 我的快递什么时候到
        agent(+30s): 您好亲，已经为您查询，明天上午送达哦
        customer(+60s): 好的，谢谢
        agent(+20s): 不客气，祝您生活愉快
    """

    id = "CX01"
    name = "客户不满风险"
    category = "customer_experience"
    severity = "info"
    config_schema: ClassVar[dict[str, Any]] = {"customer_experience": SECTION_SCHEMA}

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        section = self.config.get("customer_experience") or {}
        self.threshold = float(section.get("threshold", 0.5))
        self.model = RiskModel(section)
        self._risk = RiskOf(self.model)
        if self.points is None:
            self.points = 0.0  # a signal for follow-up, not the agent's fault by itself

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        judgement = self._judge(conversation)
        if judgement.risk < self.threshold or not judgement.drivers:
            return []
        msgs = conversation.messages
        shown: list[int] = []
        for _, _, indices in judgement.drivers:
            for i in indices:
                if i not in shown:
                    shown.append(i)
            if len(shown) >= EVIDENCE_MESSAGES:
                break
        shown = sorted(shown[:EVIDENCE_MESSAGES])
        role = {"customer": "客户", "agent": "客服"}
        evidence = " / ".join(f"{role.get(msgs[i].role, msgs[i].role)}「{_snippet(msgs[i].text)}」" for i in shown)
        reasons = "；".join(label for label, _, _ in judgement.drivers[:MAX_REASONS])
        return [self.finding(
            conversation, shown[-1] if shown else None,
            agent=self._agent(conversation, shown),
            evidence=evidence or "（整段会话）",
            reason=f"不满风险 {judgement.risk:.2f}：{reasons}",
            expected="尽快回访客户，解决问题并安抚情绪",
        )]

    @staticmethod
    def _agent(conversation: Conversation, shown: list[int]) -> str:
        """The agent who last spoke before the evidence's last message (the one to coach), else the first agent."""
        msgs = conversation.messages
        upto = shown[-1] if shown else len(msgs) - 1
        for m in reversed(msgs[:upto + 1]):
            if m.role == "agent":
                return m.sender
        agents = conversation.agents()
        return agents[0] if agents else ""

    def metrics(self, conversation: Conversation) -> Iterable[Metric]:
        return [Metric(FIGURE, round(self._judge(conversation).risk, 4))]

    def _judge(self, conversation: Conversation) -> Judgement:
        # check() and metrics() both need the judgement: the conversation keeps it, judged once.
        return conversation.derived(self._risk)


@dataclass(frozen=True, slots=True)
class RiskOf(Derivation[Judgement]):
    """The judgement of one compiled model (compared by identity: one rule set, one model)."""

    model: RiskModel

    def compute(self, conversation: Conversation) -> Judgement:
        return self.model.judge(conversation)


@hookimpl
def register_rules(register):
    register(DissatisfactionRisk)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("customer_experience.yaml"))
