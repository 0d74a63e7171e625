"""What the script rules share: the ``script`` section's schema, the base class, and the agent messages judged."""
from __future__ import annotations

from typing import Any, ClassVar

from qc_engine import Rule
from qc_engine.model import Conversation, Message

EVIDENCE_CHARS = 30

_PHRASES = {"type": "array", "maxItems": 2000, "items": {"type": "string", "minLength": 1, "maxLength": 100}}
SECTION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "Service script: greeting, closing, situation phrases and the quick-phrase library.",
    "properties": {
        "require_greeting": {"type": "boolean", "description": "The first agent message must greet (SC01, default true)."},
        "require_closing": {"type": "boolean", "description": "The conversation must end with the agent's closing (SC02, default true)."},
        "greetings": {**_PHRASES, "description": "Phrases that make a greeting (您好, 亲, 欢迎光临, ...)."},
        "closings": {**_PHRASES, "description": "Phrases that make a closing (感谢, 祝您, 再见, ...)."},
        "situations": {
            "type": "array",
            "maxItems": 200,
            "description": "SC03: when the customer says one of `customer`, one of the agent's next `within` messages must say one of `agent`.",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "customer", "agent"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 100},
                    "customer": {**_PHRASES, "minItems": 1},
                    "agent": {**_PHRASES, "minItems": 1},
                    "within": {"type": "integer", "minimum": 1, "maximum": 20, "description": "Agent messages to look at (default 2)."},
                },
            },
        },
        "quick_phrases_file": {"type": "string", "maxLength": 1000,
                               "description": "The shop's quick-phrase (快捷短语) export, one phrase a line; relative to the rule file."},
        "quick_phrases": {**_PHRASES, "items": {"type": "string", "minLength": 1, "maxLength": 1000},
                          "description": "Quick phrases given inline."},
        "template_repeats": {"type": "integer", "minimum": 2, "maximum": 100,
                             "description": "SC04: the same template this many times in one conversation is mechanical (default 2)."},
        "template_min_chars": {"type": "integer", "minimum": 1, "maximum": 1000,
                               "description": "SC04: an identical message outside the library counts as a template from this length (default 12)."},
    },
}


def snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…"


def _is_agent_text(m: Message) -> bool:
    return m.role == "agent" and m.type == "text" and bool(m.text.strip())


def agent_texts(conv: Conversation) -> list[Message]:
    return [m for m in conv.messages if _is_agent_text(m)]


def first_agent_text(conv: Conversation) -> Message | None:
    return next((m for m in conv.messages if _is_agent_text(m)), None)


class ScriptRule(Rule):
    category: ClassVar[str] = "script_adherence"
    config_schema: ClassVar[dict[str, Any]] = {"script": SECTION_SCHEMA}

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.section: dict[str, Any] = self.config.get("script") or {}
