"""SC04: the agent answers mechanically, sending the same quick-phrase template over and over."""
from __future__ import annotations

import re
from typing import Any, Iterable

from qc_engine.model import Conversation, Finding
from qc_engine.text.fold import simplify
from qc_engine.text.named_file import read_named_file
from qc_plugins.rules.script.common import ScriptRule, agent_texts, snippet

MAX_QUICK_PHRASES_BYTES = 2 * 1024 * 1024
_PUNCT = re.compile(r"[\s\W_]+")


def read_quick_phrases(path: str) -> list[str]:
    """The phrases of a quick-phrase export (one a line; blank lines and # comments skipped)."""
    try:
        raw = read_named_file(path, MAX_QUICK_PHRASES_BYTES)  # a regular file of bounded size: a FIFO never ends
    except ValueError as exc:
        raise ValueError(f"quick-phrase file: {exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"quick-phrase file {path} is not UTF-8 text") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _core(text: str) -> str:
    return _PUNCT.sub("", simplify(text))


class RepeatedTemplate(ScriptRule):
    """The agent sent the same template over and over in one conversation (机械回复).

    A message counts as a template when it is (nearly, 80% or more of it) one of
    the shop's quick phrases (``script.quick_phrases_file``, one phrase a line, or
    ``script.quick_phrases``), or when the agent sends the very same message of at
    least ``script.template_min_chars`` characters again. Sending one template
    ``script.template_repeats`` times (default 2) in a conversation answers the
    customer mechanically. Off by default; enable with ``rules: {SC04: {enabled: true}}``.

    Bad:
        customer: 这个能便宜点吗
        agent(+10s): 亲，本店商品均为正品，品质有保障，请放心购买哦
        customer(+30s): 那什么时候发货
        agent(+10s): 亲，本店商品均为正品，品质有保障，请放心购买哦
    Good:
        customer: 这个能便宜点吗
        agent(+10s): 亲，本店商品均为正品，品质有保障，请放心购买哦
        customer(+30s): 那什么时候发货
        agent(+10s): 亲，今天下单今天发货哦
    """

    id = "SC04"
    name = "重复套用快捷短语"
    severity = "minor"

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        phrases = list(self.section.get("quick_phrases") or ())
        if self.section.get("quick_phrases_file"):
            phrases += read_quick_phrases(self.section["quick_phrases_file"])
        self.library = sorted({c for c in map(_core, phrases) if c}, key=len, reverse=True)
        self.repeats = int(self.section.get("template_repeats", 2))
        self.min_chars = int(self.section.get("template_min_chars", 12))

    def template_of(self, text: str) -> str | None:
        """The template a message is, or None: a library phrase covering 80% of it, or itself when long."""
        core = _core(text)
        if not core:
            return None
        for phrase in self.library:
            shorter, longer = sorted((phrase, core), key=len)
            if len(shorter) >= 0.8 * len(longer) and shorter in longer:
                return phrase
        return core if len(core) >= self.min_chars else None

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        seen: dict[str, int] = {}
        findings = []
        for m in agent_texts(conversation):
            template = self.template_of(m.text)
            if template is None:
                continue
            seen[template] = seen.get(template, 0) + 1
            if seen[template] == self.repeats:
                findings.append(self.finding(
                    conversation, m.index,
                    evidence=f"第 {self.repeats} 次发送「{snippet(m.text)}」",
                    reason=f"同一条话术在一次会话中发送了 {self.repeats} 次，回复机械",
                    expected="针对客户的具体问题回复，不要重复套用同一条快捷短语",
                ))
        return findings
