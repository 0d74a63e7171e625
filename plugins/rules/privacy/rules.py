"""The privacy-leak rules: PV01-PV04 personal data an agent writes out, PV05 an agent asking for a secret."""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from qc_engine import Rule
from qc_engine.model import Conversation, Finding
from qc_engine.text.data_context import not_the_customers
from qc_engine.text.personal_data import ADDRESS, BANK_CARD, ID_NUMBER, PHONE, Datum, apply_masks, mask_text
from qc_plugins.rules.privacy.settings import AGENT_TEXT, SECTION_SCHEMA, settings_for

EVIDENCE_CHARS = 40


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
        self.settings = settings_for(self.config)
        self.active = self.settings.enabled.get(self.kind, True)
        self.kinds = frozenset({self.kind})

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        if not self.active:
            return []
        scanned = conversation.derived(self.settings.candidates)
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
        self.settings = settings_for(self.config)
        self.active = self.settings.enabled.get("secret_request", True)

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        if not self.active:
            return []
        if self.settings.secrets.maybe(conversation.derived(AGENT_TEXT)) is None:
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


RULES = (PhoneNumberLeak, IdNumberLeak, BankCardLeak, AddressLeak, SecretRequest)
