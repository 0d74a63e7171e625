"""Privacy-leak rules (category privacy_leak): an agent writes out a customer's personal data, or asks for a secret.

PV01 mobile number, PV02 ID number, PV03 bank card number, PV04 full address down to the
door number, PV05 asking for a password or an SMS verification code. Agent messages only: a
customer giving their own data is not the agent's leak, and a bot only repeats what the shop
configured. Masked numbers (138****5678), order and tracking numbers, hotlines, amounts and
dates are not personal data (see ``qc_engine.text.personal_data``).

Rule-file section ``privacy`` (lists add to the built-in words):

    privacy:
      detect: {phone: true, id_number: true, bank_card: true, address: true, secret_request: true}
      allowed_numbers: ["4001234567", "1380000\\d{4}"]   # regexes over the bare digits: the shop's own numbers
      order_words: [售后编号]        # words before a number that make it an order/tracking number
      card_words: [收款账户]          # words before a number that make it a bank card number
      shop_address_words: [退货地址]  # the shop's own address block follows: not a customer's data
      secret_words: [支付口令]        # more secrets an agent must never ask for
      request_words: [拍给我]         # more ways of asking
"""
from __future__ import annotations

import array
import json
import re
from functools import lru_cache
from typing import Any, ClassVar, Iterable

from qc_engine import Rule, hookimpl
from qc_engine.text.diskcache import cached
from qc_plugins import default_rule_file
from qc_engine.model import Conversation, Finding
from qc_engine.text.personal_data import ADDRESS, BANK_CARD, ID_NUMBER, PHONE, Datum, Detector, apply_masks, mask_text
from qc_engine.text.data_context import not_the_customers, self_service

EVIDENCE_CHARS = 40
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
SECRET_WORDS = (
    "验证码", "校验码", "动态码", "短信码", "动态密码", "支付密码", "登录密码", "取款密码", "银行卡密码", "安全码", "cvv", "cvn",
    # written by sound or by initials, as evaders do
    "验证吗", "验证玛", "验正码", "验证马", "yzm", "mima", "密玛", "密马",
)
# The code in other words: the digits the customer's phone received (短信里的那串数字, 收到的6位数字码).
_SECRET_DIGITS = (r"(?:短信|手机)(?:里|上|中)?(?:收到)?的?(?:那串|那个|那几个|那几位)?(?:[4-8四五六七八]位)?(?:数字码|数字|数|码)"
                  r"|收到的(?:那串|那个|那几个|那几位)?(?:[4-8四五六七八]位)?(?:数字码|数字|数|码)(?![a-z]*[号单])")
# 密码 on its own, but not a product: 密码锁, 密码箱, 密码柜, 密码本, 密码盘, 密码器.
_SECRET_BARE = r"密码(?![锁箱柜本盘器])"
# 提供 / 告知 ask, unless the shop is the one giving (提供给您, 短信告知您).
_REQUEST_GIVING = r"提供(?!给[您你])|告知(?![您你])"
REQUEST_WORDS = (
    "告诉我", "发给我", "发我", "发过来", "发一下", "发下", "发送给我", "发送过来", "发来", "报一下", "报下",
    "报给我", "给我", "说一下", "说下", "念一下", "回复我", "回复一下", "核对", "截图给我", "拍给我", "私信我", "是多少",
    "多少", "需要您的", "麻烦您把", "输入给我",
)
# Other things an agent may ask for in the same breath (请勿透露验证码，麻烦提供一下订单号).
OTHER_OBJECTS = ("订单号", "单号", "订单", "照片", "图片", "截图", "视频", "地址", "姓名", "凭证", "手机号", "型号")
NEGATIONS = (
    "不", "别", "勿", "无需", "无须", "没必要", "谨防", "防止", "避免", "以免", "任何人", "他人", "诈骗", "骗子",
)
# Idioms that contain 不 without negating a request (能不能提供一下验证码).
_NOT_NEGATIONS = re.compile(r"能不能|可不可以|是不是|要不要|方不方便|方便不|好不好|行不行|会不会|不好意思|要不然|不然|不客气|对不起|收不到|不到账")
# What may stand around a bare request that refers back to the secret (还请您提供一下哈 / 麻烦发给我).
_FILLERS = re.compile(r"方便的话|方便|的话|如果|麻烦|请|您|你|还|再|一下|下|哦|哈|呢|吧|呀|啊|谢谢|可以|能|吗|亲|给|我|们|收到|后|就|好|的|了")
_PURPOSE = re.compile(r"[我这]?(?:帮|为|给)(?:您|你)(?!发)")
_NOT_RECEIVED = re.compile(r"收不到|没收到|未收到|没有收到")
_SENTENCES = re.compile(r"[^。！？!?\n；;]+")
_CLAUSES = re.compile(r"[^，,、~～ ]+")


def _alternation(words: Iterable[str], extra: str = "") -> re.Pattern:
    parts = [re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w]
    if extra:
        parts.append(extra)
    return re.compile("|".join(parts), re.IGNORECASE)


def _case_variants(chars: Iterable[str]) -> dict[str, str]:
    """For each character, every character ``re.IGNORECASE`` matches to it: k, K and the Kelvin sign K for k."""
    chars = set(chars)
    variants = _cased_variants("".join(sorted(c for c in chars if c.lower() != c or c.upper() != c)))
    return {c: variants.get(c, c) for c in chars}  # an uncased character, as every Han one, matches only itself


@lru_cache(maxsize=None)
def _cased_variants(cased: str) -> dict[str, str]:
    # Finding them scans every code point (0.05 s); the answer changes only with Python's version, whose
    # entries the disk cache keeps apart.
    def derive() -> dict[str, str]:
        everything = _every_character()
        return {c: "".join(re.findall(re.escape(c), everything, re.IGNORECASE)) for c in cased}

    def valid(value) -> bool:
        return (isinstance(value, dict) and sorted(value) == sorted(cased)
                and all(isinstance(v, str) and c in v for c, v in value.items()))

    return cached("case-variants", cased, derive, valid) if cased else {}


def _every_character() -> str:
    # Asking the regex engine itself, over every code point, is the one sure way to get its case rules.
    return array.array("I", range(0x110000)).tobytes().decode("utf-32-le", "surrogatepass")


def _quick_gate(words: Iterable[str]) -> re.Pattern:
    """A fast first test for a case-insensitive alternation of words: a text it rejects contains none of them.

    It asks for one of the words' first characters, in any case IGNORECASE accepts, then the rest of
    one of the words. Starting with a case-sensitive character class lets the regex engine skip
    straight to those characters instead of trying the whole alternation at every position.
    """
    words = sorted({w for w in words if w}, key=len, reverse=True)
    firsts = sorted({v for variants in _case_variants(w[0] for w in words).values() for v in variants})
    rests = "|".join(re.escape(w[1:]) for w in words)
    return re.compile(f"[{''.join(map(re.escape, firsts))}](?i:{rests})")


class SecretRequestMatcher:
    """Finds an agent asking for a password or a verification code, not warning against sharing one."""

    def __init__(self, secret_words: Iterable[str] = (), request_words: Iterable[str] = ()):
        self.secret = _alternation([*SECRET_WORDS, *secret_words], f"{_SECRET_BARE}|{_SECRET_DIGITS}")
        # None for a text that surely asks for nothing, or for messages joined none of which asks (see _agent_text).
        # 密码: _SECRET_BARE; 短信 / 手机 / 收到的: the first words of _SECRET_DIGITS.
        self.maybe = _quick_gate([*SECRET_WORDS, *secret_words, "密码", "短信", "手机", "收到的"]).search
        self.request = _alternation([*REQUEST_WORDS, *request_words], _REQUEST_GIVING)
        self.negation = _alternation(NEGATIONS)
        self.other = _alternation(OTHER_OBJECTS)

    def _negated(self, clause: str) -> bool:
        return bool(self.negation.search(_NOT_NEGATIONS.sub("", clause)))

    def asks(self, text: str) -> bool:
        """True when some sentence of the text asks the reader for a password or a verification code."""
        if not self.maybe(text) or not self.secret.search(text):
            return False
        for sentence in _SENTENCES.findall(text):
            if not self.secret.search(sentence):
                continue
            clauses = _CLAUSES.findall(sentence)
            secret_clause_ok = False  # a secret named, not under a negation, earlier in the sentence
            for clause in clauses:
                has_secret = bool(self.secret.search(clause))
                if has_secret and self_service(clause):
                    secret_clause_ok = False  # 用服务密码登录营业厅: how to use it, not a request
                    continue
                negated = self._negated(clause)
                if has_secret and negated:
                    secret_clause_ok = False
                    continue
                if has_secret and self.request.search(clause):
                    return True
                if has_secret:
                    secret_clause_ok = not _NOT_RECEIVED.search(clause)
                    continue
                # 验证码收到后，麻烦发给我: the request comes in the next clause and asks for nothing else.
                if secret_clause_ok and not negated and self._bare_request(clause):
                    return True
                secret_clause_ok = False
        return False

    def _bare_request(self, clause: str) -> bool:
        # What the agent will do with it (发过来我帮您改地址) names no other thing asked for.
        asked = _PURPOSE.split(clause, 1)[0]
        if not self.request.search(clause) or self.other.search(asked):
            return False
        rest = _FILLERS.sub("", self.request.sub("", asked))
        return len(rest.strip("!！~～.。 ")) <= 2


class PrivacySettings:
    """The merged ``privacy`` section, compiled once per shop."""

    def __init__(self, config: dict[str, Any]):
        section = config.get("privacy") or {}
        # Rules with equal settings find the same candidates: they share them per conversation under this key.
        self.key = json.dumps(section, ensure_ascii=False, sort_keys=True)
        self.enabled = {name: True for name in DETECTORS}
        self.enabled.update(section.get("detect") or {})
        try:
            self.detector = Detector(
                extra_context_words={"order": section.get("order_words") or (), "card": section.get("card_words") or ()},
                allowed_numbers=section.get("allowed_numbers") or (),
                shop_address_words=[*SHOP_ADDRESS_WORDS, *(section.get("shop_address_words") or ())],
            )
        except Exception as exc:  # a bad regex from a shop's file: say which setting
            raise ValueError(f"privacy.allowed_numbers: not a valid regular expression: {exc}") from None
        self.secrets = SecretRequestMatcher(section.get("secret_words") or (), section.get("request_words") or ())


_AGENT_TEXT = "privacy.agent_text"


def _agent_text(conversation: Conversation) -> str:
    """The conversation's agent messages in one text: a prefilter that finds nothing in it rules them all out.

    The prefilters are regex searches whose only look-around is for a digit just before a match: what
    they find in a message they find in the whole, since the \\x00 joining the messages is no digit.
    Nor do they match \\x00: a match rarely spans two messages.
    """
    text = conversation.memo.get(_AGENT_TEXT)
    if text is None:
        text = conversation.memo[_AGENT_TEXT] = "\x00".join(
            [m.text for m in conversation.messages if m.role == "agent" and m.text]
        )
    return text


def _evidence(text: str, data: list[Datum], focus: Datum | None = None) -> str:
    """The message around the datum, with every personal datum masked."""
    masked = mask_text(apply_masks(text, data))
    masked = " ".join(masked.split())
    if len(masked) <= EVIDENCE_CHARS:
        return masked
    if focus is not None:
        # Where the datum sits in the masked text: roughly where it sat in the original.
        centre = int(len(masked) * focus.start / max(1, len(text)))
        lo = max(0, min(centre - EVIDENCE_CHARS // 2, len(masked) - EVIDENCE_CHARS))
        return ("…" if lo else "") + masked[lo:lo + EVIDENCE_CHARS] + ("…" if lo + EVIDENCE_CHARS < len(masked) else "")
    return masked[:EVIDENCE_CHARS] + "…"


class _DatumRule(Rule):
    category: ClassVar[str] = "privacy_leak"
    severity: ClassVar[str] = "critical"
    red_line: ClassVar[bool] = True
    config_schema: ClassVar[dict[str, Any]] = {"privacy": SECTION_SCHEMA}
    kind: ClassVar[str] = ""
    reason_text: ClassVar[str] = ""
    expected_text: ClassVar[str] = ""

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.settings = PrivacySettings(self.config)
        self.active = self.settings.enabled.get(self.kind, True)
        self.kinds = frozenset({self.kind})
        # A string: its hash is computed once, a tuple's at every look-up.
        self._candidates_key = "privacy.candidates " + self.settings.key

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        if not self.active:
            return []
        scanned = conversation.memo.get(self._candidates_key)
        if scanned is None:
            scanned = self._candidates(conversation)
        if not scanned:
            return []
        found = []
        messages = conversation.messages
        select, kinds = self.settings.detector.select, self.kinds
        for index, candidates in scanned:
            m = messages[index]
            data = not_the_customers(m.text, select(candidates, kinds))
            if data:
                found.append(self.finding(
                    conversation, m.index, _evidence(m.text, data, data[0]),
                    f"{self.reason_text}（{data[0].masked}）" if self.kind != ADDRESS else self.reason_text,
                    self.expected_text,
                ))
        return found

    def _candidates(self, conversation: Conversation) -> list[tuple[int, list]]:
        """Agent messages with possible personal data, looked for once for PV01-PV04 together."""
        detector = self.settings.detector
        if detector.prefilter(_agent_text(conversation)) is None:
            found = []
        else:
            candidates = detector.candidates
            found = [
                (m.index, c) for m in conversation.messages if m.role == "agent" and m.text and (c := candidates(m.text))
            ]
        conversation.memo[self._candidates_key] = found
        return found


class PhoneNumberLeak(_DatumRule):
    """The agent writes out a customer's full mobile number.

    A mobile number (11 digits 1[3-9]x, also with spaces, dashes or +86) in an agent
    message. Masked numbers (138****5678), order and tracking numbers, 400/800 hotlines and
    the shop's own numbers (``privacy.allowed_numbers``) are fine, and so are an example in
    a how-to (例如 13812345678 这种格式) and a customer giving their own number.

    Bad:
        customer: 帮我看看收件信息
        agent: 收件人手机17712345678，地址没变对吗

    Good:
        customer: 我的电话是13698765432
        agent: 收到，您的号码是136****5432对吧
    """

    id = "PV01"
    name = "泄露客户手机号"
    kind = PHONE
    reason_text = "客服在聊天中完整发送了手机号"
    expected_text = "不要在聊天中完整发送客户手机号，如需核对请使用掩码 138****5678"


class IdNumberLeak(_DatumRule):
    """The agent writes out a mainland ID number.

    An 18-character ID with a real region, a real birth date and the GB 11643 check
    character, or a 15-digit old-form ID, in an agent message (order numbers excepted).

    Bad:
        customer: 实名信息对吗
        agent: 您登记的身份证是11010519491231002X
    Good:
        customer: 实名信息对吗
        agent: 您登记的身份证是110105********002X
    """

    id = "PV02"
    name = "泄露客户身份证号"
    kind = ID_NUMBER
    reason_text = "客服在聊天中完整发送了身份证号"
    expected_text = "不要在聊天中发送客户身份证号，如需核对只说后四位"


class BankCardLeak(_DatumRule):
    """The agent writes out a bank card number.

    16-19 digits that pass the Luhn check or start like a UnionPay card (62...), or any
    16-19 digits right after 卡号 / 银行卡 / 账号. Order numbers (订单号 + 18-19 digits) are not cards.

    Bad:
        customer: 退款到哪张卡
        agent: 退到您尾号的这张卡 6222021234567890128
    Good:
        customer: 退款到哪张卡
        agent: 退到您尾号0128的银行卡
    """

    id = "PV03"
    name = "泄露客户银行卡号"
    kind = BANK_CARD
    reason_text = "客服在聊天中完整发送了银行卡号"
    expected_text = "不要在聊天中发送客户银行卡号，如需核对只说卡号后四位"


class AddressLeak(_DatumRule):
    """The agent writes out a full address down to the door number.

    A street or estate followed by a door number (文三路100号, 幸福小区5栋) or building
    parts in a row (3栋2单元501室). Province, city or district alone is fine, and so are
    the shop's own return address (退货地址 ...) and the address of a place of business
    named before or right after it (门店地址：..., ...1300弄62号电信营业厅).

    Bad:
        customer: 地址帮我确认下
        agent: 浙江省杭州市西湖区文三路100号3栋2单元501室，对吗
    Good:
        customer: 地址帮我确认下
        agent: 浙江省杭州市西湖区的地址对吗，详细地址请您在订单里核对
    """

    id = "PV04"
    name = "泄露客户详细地址"
    kind = ADDRESS
    reason_text = "客服在聊天中发送了精确到门牌号的详细地址"
    expected_text = "不要在聊天中发送客户的详细地址，如需核对只说省市区，请客户在订单中自行确认"


class SecretRequest(Rule):
    """The agent asks the customer for a password or an SMS verification code.

    提供一下验证码 / 把密码发我 / 验证码是多少 / 短信里的那串数字发我 / yzm发我 fire; warnings,
    explanations and instructions to use it do not: 我们不会索要验证码, 请勿向任何人透露验证码,
    验证码是系统发送的, 可用服务密码登录网上营业厅查询. Product words such as 密码锁 are not secrets.

    Bad:
        customer: 退款到哪张卡
        agent: 麻烦提供下您的银行卡号和开户行密码
    Good:
        customer: 能给我发一下验证码吗
        agent: 验证码是系统发送的，我们客服看不到也不会索要哦
    """

    id = "PV05"
    name = "索要密码或验证码"
    category = "privacy_leak"
    severity = "critical"
    red_line = True
    config_schema = {"privacy": SECTION_SCHEMA}

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        self.settings = PrivacySettings(self.config)
        self.active = self.settings.enabled.get("secret_request", True)

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        if not self.active:
            return []
        if self.settings.secrets.maybe(_agent_text(conversation)) is None:
            return []
        asks = self.settings.secrets.asks
        return [
            self.finding(
                conversation, m.index, _evidence(m.text, []),
                "客服向客户索要密码或短信验证码",
                "任何情况下都不要索要客户的密码或验证码，请引导客户在官方页面自行操作",
            )
            for m in conversation.messages
            if m.role == "agent" and m.text and asks(m.text)
        ]


@hookimpl
def register_rules(register):
    for rule in (PhoneNumberLeak, IdNumberLeak, BankCardLeak, AddressLeak, SecretRequest):
        register(rule)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("privacy.yaml"))
