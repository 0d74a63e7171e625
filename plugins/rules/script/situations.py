"""SC03: in a situation the shop defines (a complaint, a bad review), the agent uses the required phrase."""
from __future__ import annotations

import re
from typing import Any, Iterable

from qc_engine.model import Conversation, Finding
from qc_engine.text.fold import simplify
from qc_plugins.rules.script.common import ScriptRule, snippet
from qc_plugins.rules.script.phrases import ScriptPhrases, phrase_pattern

_NEGATED = re.compile(r"[不没别无未]|不会|不想|不是")


class _Situation:
    def __init__(self, spec: dict[str, Any]):
        self.name = spec["name"]
        self.phrases = list(spec["agent"])
        self.required = ScriptPhrases(spec["agent"])
        self.within = int(spec.get("within", 2))
        self._trigger_regex = re.compile("|".join(phrase_pattern(p) for p in spec["customer"]))

    def trigger(self, text: str) -> str | None:
        """The situation word the customer used, unless negated (不会给差评)."""
        norm = simplify(text)
        for m in self._trigger_regex.finditer(norm):
            if not _NEGATED.search(norm[max(0, m.start() - 3):m.start()]):
                return m.group(0)
        return None


class MissingSituationPhrase(ScriptRule):
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
                    evidence=f"客户说「{word}」，客服回复「{snippet(replies[0].text)}」",
                    reason=f"情景「{situation.name}」下客服没有使用规定话术",
                    expected="使用规定话术，如：" + "、".join(situation.phrases[:3]),
                ))
        return findings
