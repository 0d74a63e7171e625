"""The risk model: a logistic model over the conversation's signals and the customer's words.

risk = 1 / (1 + e^-(intercept + Σ weight(signal) × value(signal) + Σ weight(term) for each term the customer used))

Every weight is data in the rule file (section ``customer_experience``), so a shop can read, change or refit
it; the parts that raised a conversation's risk most are its explanation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from qc_engine.model import Conversation
from qc_plugins.rules.customer_experience.signals import SignalReader, Signals, customer_terms, signal_names

# Plain words for the signals, shown in a finding's reason.
SIGNAL_LABELS = {
    "anger": "客户不满/愤怒用语", "threat": "投诉/差评/维权威胁", "urge": "催促/久等", "unresolved": "问题未解决",
    "rhetoric": "质问", "problem": "商品或服务出了问题", "positive": "客户表示满意/感谢",
    "anger_last": "客户最后仍不满", "threat_last": "客户最后提到投诉/差评", "unresolved_last": "客户最后说问题没解决",
    "rhetoric_last": "客户最后在质问", "positive_last": "客户最后表示满意/感谢",
    "agent_apology": "客服反复道歉", "agent_deferral": "客服推托（记录/反馈/请等待）", "agent_resolved": "客服已处理",
    "shout": "连续感叹号", "question_burst": "连续问号", "questions": "客户多次发问",
    "negative_emoticon": "负面表情", "positive_emoticon": "正面表情", "customer_turns": "来回多轮",
    "customer_chars": "客户说了很多", "customer_repeat": "客户重复同一问题", "unanswered_end": "客户最后的消息没有回复",
    "no_agent_reply": "没有客服回复", "agent_template": "客服复制粘贴同一回复", "empty_apology": "客服只道歉不解决",
}
MAX_REASONS = 3


@dataclass(slots=True)
class Judgement:
    """A conversation's risk and what raised it, largest first: (label, contribution, message indices)."""

    risk: float
    drivers: list[tuple[str, float, list[int]]]


class RiskModel:
    """The weights of one rule set, compiled once."""

    def __init__(self, section: dict[str, Any]):
        self.reader = SignalReader(section.get("lexicons") or {}, section.get("emoticons") or {})
        self.intercept = float(section.get("intercept", 0.0))
        weights = section.get("weights") or {}
        self.weights = {name: float(weights[name]) for name in signal_names() if weights.get(name)}
        self.terms = {str(t): float(w) for t, w in (section.get("terms") or {}).items() if w}

    def judge(self, conversation: Conversation) -> Judgement:
        signals = self.reader.read(conversation)
        z = self.intercept
        drivers: list[tuple[str, float, list[int]]] = []
        values = signals.values
        for name, w in self.weights.items():
            v = values.get(name)
            if v:
                z += w * v
                if w * v > 0:
                    drivers.append((self._label(name, signals), w * v, signals.messages.get(name, [])))
        if self.terms:
            terms = self.terms
            words: list[tuple[float, str, int]] = []
            for term, index in customer_terms(conversation).items():
                w = terms.get(term)
                if w is not None:
                    z += w
                    if w > 0 and len(term) > 1:
                        words.append((w, term, index))
            if words:
                words.sort(reverse=True)
                top = words[:3]
                drivers.append(("用词「" + "」「".join(t for _, t, _ in top) + "」",
                                sum(w for w, _, _ in words), sorted({i for _, _, i in top})))
        drivers.sort(key=lambda d: -d[1])
        return Judgement(_sigmoid(z), drivers)

    @staticmethod
    def _label(name: str, signals: Signals) -> str:
        label = SIGNAL_LABELS.get(name, name)
        words = signals.words.get(name)
        if words:
            label += "「" + "」「".join(words[:3]) + "」"
        return label


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))
