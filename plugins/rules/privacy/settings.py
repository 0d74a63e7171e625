"""The rule-file section ``privacy`` (its schema), compiled once per shop, and the analysis PV01-PV05 share:
the agent messages' text, and the candidates of personal data in them."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from qc_engine import Derivation
from qc_engine.model import Conversation
from qc_engine.text.personal_data import Datum, Detector
from qc_plugins.rules.privacy.secrets import SecretRequestMatcher

DETECTORS = ("phone", "id_number", "bank_card", "address", "secret_request")

_WORD_LIST = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 50}, "maxItems": 1000}
SECTION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": "Privacy-leak detection (rules PV01-PV05).",
    "properties": {
        "detect": {
            "type": "object",
            "additionalProperties": False,
            "description": "Switch detectors on or off (all on by default).",
            "properties": {name: {"type": "boolean"} for name in DETECTORS},
        },
        "allowed_numbers": {
            "type": "array", "maxItems": 1000,
            "items": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": "Regexes matched against a number's bare digits: the shop's own hotline or test numbers.",
        },
        "order_words": {**_WORD_LIST, "description": "Words before a number that make it an order or tracking number."},
        "card_words": {**_WORD_LIST, "description": "Words before a number that make it a bank card number."},
        "shop_address_words": {**_WORD_LIST, "description": "Words introducing the shop's own address (退货地址)."},
        "secret_words": {**_WORD_LIST, "description": "Secrets an agent must never ask for, besides 密码 and 验证码."},
        "request_words": {**_WORD_LIST, "description": "Ways of asking for something, besides 提供 / 发给我 / 告诉我 ..."},
    },
}

SHOP_ADDRESS_WORDS = (
    "退货地址", "退换货地址", "寄回地址", "退回地址", "售后地址", "寄回到", "寄回至", "寄回我们",
    "我们的地址", "我司地址", "公司地址", "门店地址", "店铺地址", "实体店地址", "仓库地址", "发货地址", "发货仓",
    "实体店", "门店", "线下店", "专卖店", "体验店", "我们店", "本店", "我们公司", "我司", "我们仓库",
)

@dataclass(frozen=True)
class AgentText(Derivation[str]):
    """The conversation's agent messages in one text: a prefilter that finds nothing in it rules them all out.

    The prefilters are regex searches whose only look-around is for a digit just before a match: what
    they find in a message they find in the whole, since the \\x00 joining the messages is no digit.
    Nor do they match \\x00: a match rarely spans two messages.
    """

    def compute(self, conversation: Conversation) -> str:
        return "\x00".join([m.text for m in conversation.messages if m.role == "agent" and m.text])


AGENT_TEXT = AgentText()


# A number read out digit by digit in Chinese numerals (一八六一二三四五六七八, 幺三九…): seven or more in a
# row, separators allowed. Each numeral stands for one digit, so the digit view of a message keeps every
# offset and the data found in it point into the message as written.
_SPOKEN_DIGIT = "零〇一二三四五六七八九幺"
_SPOKEN_RUN = re.compile(f"[{_SPOKEN_DIGIT}](?:[ \\-－]?[{_SPOKEN_DIGIT}]){{6,}}")
_TO_DIGITS = str.maketrans(_SPOKEN_DIGIT, "00123456789" + "1")


def digit_view(text: str) -> str:
    """The text with numbers read out digit by digit written in digits, every other character in place."""
    return _SPOKEN_RUN.sub(lambda m: m.group().translate(_TO_DIGITS), text)


@dataclass(frozen=True)
class DataCandidates(Derivation[list[tuple[int, list[Datum]]]]):
    """Agent messages with possible personal data (every kind), looked for once for PV01-PV04 together."""

    section: str  # the merged privacy section as canonical JSON, which the detector is built from
    detector: Detector = field(compare=False, repr=False)

    def compute(self, conversation: Conversation) -> list[tuple[int, list[Datum]]]:
        detector = self.detector
        agent_text = conversation.derived(AGENT_TEXT)
        spoken = _SPOKEN_RUN.search(agent_text) is not None
        if not spoken and detector.prefilter(agent_text) is None:
            return []
        candidates = detector.candidates
        view = digit_view if spoken else str
        return [(m.index, c) for m in conversation.messages
                if m.role == "agent" and m.text and (c := candidates(view(m.text)))]


class PrivacySettings:
    """The merged ``privacy`` section, compiled once per shop."""

    def __init__(self, section_json: str):
        section = json.loads(section_json)
        self.enabled = {name: True for name in DETECTORS}
        self.enabled.update(section.get("detect") or {})
        try:
            detector = Detector(
                extra_context_words={"order": section.get("order_words") or (), "card": section.get("card_words") or ()},
                allowed_numbers=section.get("allowed_numbers") or (),
                shop_address_words=[*SHOP_ADDRESS_WORDS, *(section.get("shop_address_words") or ())],
            )
        except Exception as exc:  # a bad regex from a shop's file: say which setting
            raise ValueError(f"privacy.allowed_numbers: not a valid regular expression: {exc}") from None
        self.detector = detector
        self.candidates = DataCandidates(section_json, detector)
        self.secrets = SecretRequestMatcher(section.get("secret_words") or (), section.get("request_words") or ())


def settings_for(config: dict[str, Any]) -> PrivacySettings:
    """The compiled settings of a merged configuration: the same object for every rule of the same settings."""
    return _settings(json.dumps(config.get("privacy") or {}, ensure_ascii=False, sort_keys=True))


@lru_cache(maxsize=64)
def _settings(section_json: str) -> PrivacySettings:
    return PrivacySettings(section_json)
