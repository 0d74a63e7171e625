"""The risk model: a logistic model over the conversation's signals and the customer's words.

risk = 1 / (1 + e^-(intercept + Σ weight(signal) × value(signal) + Σ weight(term) for each term the customer used))

Every weight is data in the rule file (section ``customer_experience``), so a shop can read, change or refit
it; the parts that raised a conversation's risk most are its explanation.
"""
from __future__ import annotations

import math
from typing import Any

from qc_engine.model import Conversation
from qc_plugins.rules.customer_experience.signals import SignalReader, Signals, signal_names

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


class Judgement:
    """A conversation's risk and, on demand, what raised it (only a flagged conversation needs that)."""

    __slots__ = ("risk", "_model", "_signals", "_drivers")

    def __init__(self, risk: float, model: "RiskModel | None" = None, signals: Signals | None = None):
        self.risk = risk
        self._model = model
        self._signals = signals
        self._drivers: list[tuple[str, float, list[int]]] | None = None

    @property
    def drivers(self) -> list[tuple[str, float, list[int]]]:
        """What raised the risk, largest first: (label, contribution, message indices)."""
        if self._drivers is None:
            self._drivers = self._model.drivers(self._signals) if self._model and self._signals else []
        return self._drivers


class RiskModel:
    """The weights of one rule set, compiled once."""

    def __init__(self, section: dict[str, Any]):
        self.intercept = float(section.get("intercept", 0.0))
        weights = section.get("weights") or {}
        priors = section.get("priors") or {}  # hand-set, added to the fitted weights (see the docs)
        self.weights = {name: float(weights.get(name) or 0) + float(priors.get(name) or 0) for name in signal_names()
                        if weights.get(name) or priors.get(name)}
        self.terms = {str(t): float(w) for t, w in (section.get("terms") or {}).items() if w}
        self.reader = SignalReader(section.get("lexicons") or {}, section.get("emoticons") or {}, self.terms)

    def judge(self, conversation: Conversation) -> Judgement:
        signals = self.reader.read(conversation)
        weights = self.weights
        parts = [self.intercept]
        for name, v in signals.values.items():
            w = weights.get(name)
            if w is not None and v:
                parts.append(w * v)
        if signals.terms:
            terms = self.terms
            parts.extend(terms[t] for t in signals.terms)
        # Exactly rounded, so the same whatever order the signals and the term set come in.
        return Judgement(_sigmoid(math.fsum(parts)), self, signals)

    def drivers(self, signals: Signals) -> list[tuple[str, float, list[int]]]:
        """The signals and words that raised a conversation's risk, largest first."""
        drivers: list[tuple[str, float, list[int]]] = []
        values = signals.values
        for name, w in self.weights.items():
            v = values.get(name)
            if v and w * v > 0:
                drivers.append((self._label(name, signals), w * v, signals.messages.get(name, [])))
        if signals.terms:
            terms = self.terms
            words = sorted(((terms[t], t) for t in signals.terms if terms[t] > 0 and len(t) > 1), reverse=True)
            if words:
                top = words[:3]
                drivers.append(("用词「" + "」「".join(t for _, t in top) + "」", math.fsum(w for w, _ in words),
                                sorted({signals.first_with(t) for _, t in top})))
        drivers.sort(key=lambda d: -d[1])
        return drivers

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
