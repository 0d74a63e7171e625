"""Personal data: checksums, masking everything the store keeps, and the privacy-leak rules PV01-PV05."""
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qc_engine.audit.engine import audit_conversation
from qc_engine.text.checksums import id_check_char, id_number_valid, is_mobile, luhn_valid
from qc_engine.text.personal_data import ADDRESS, BANK_CARD, CODE, ID_NUMBER, PHONE, find_personal_data, mask_text
from qc_engine.rulefiles.files import RuleFileError
from qc_engine.testing import conversation_from_lines, fresh_registry, ruleset_for
from qc_plugins.rules.privacy.secrets import SecretRequestMatcher

REGISTRY = fresh_registry()
RULESET = ruleset_for(registry=REGISTRY)


def privacy_hits(lines, ruleset=RULESET):
    """{(rule id, message index)} of the privacy findings on a conversation given as lines."""
    result = audit_conversation(conversation_from_lines(lines), ruleset)
    assert not result.errors
    return {(f.rule_id, f.message_index) for f in result.findings if f.category == "privacy_leak"}


def agent_says(text, ruleset=RULESET):
    return {rule for rule, idx in privacy_hits(["customer: 你好", f"agent: {text}"], ruleset) if idx == 1}


def write_rule_file(tmp_path, body):
    path = tmp_path / "shop.yaml"
    path.write_text("version: 1\nshops: [测试店]\n" + body, encoding="utf-8")
    return path


# --- checksums ---------------------------------------------------------------------------------


def make_id(region="110105", born="19491231", seq="002"):
    first17 = region + born + seq
    return first17 + id_check_char(first17)


def make_card(prefix="622202", length=19):
    body = (prefix + "1234567890123456789")[: length - 1]
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def test_gb11643_check_character_of_the_standard_example():
    assert id_check_char("11010519491231002") == "X"
    assert id_number_valid("11010519491231002X") and id_number_valid("11010519491231002x")
    assert not id_number_valid("110105194912310021")  # wrong check character
    assert id_number_valid("110105194912310021", check_sum=False)


def test_id_needs_a_real_region_and_a_real_birth_date():
    assert not id_number_valid(make_id(born="19490231"))  # 31 February
    assert not id_number_valid(make_id(region="990105"))
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).strftime("%Y%m%d")
    assert not id_number_valid(make_id(born=tomorrow))
    assert id_number_valid("110105491231002")  # old 15-digit form, born 1949-12-31
    assert not id_number_valid("110105491331002")  # month 13


def test_luhn():
    assert luhn_valid("4111111111111111") and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112") and not luhn_valid("") and not luhn_valid("41111x")
    assert luhn_valid(make_card())


def test_mobile_numbers():
    assert is_mobile("13812345678") and is_mobile("19912345678")
    assert not is_mobile("12812345678") and not is_mobile("1381234567") and not is_mobile("23812345678")


# --- masking -----------------------------------------------------------------------------------

MASKED = [
    ("我的电话是13698765432，有问题打给我", "我的电话是136****5432，有问题打给我"),
    ("电话 138 1234 5678 或 139-8765-4321", "电话 138****5678 或 139****4321"),
    ("+86 13812345678", "+86 138****5678"),
    ("+8613812345678", "+86138****5678"),
    ("全角１３８１２３４５６７８", "全角138****5678"),
    ("身份证11010519491231002X", "身份证110105********002X"),
    ("卡号 6222 0212 3456 7890 128", "卡号 ***************0128"),
    ("浙江省杭州市西湖区文三路100号3栋2单元501室，谢谢", "浙江省杭州市西湖区****，谢谢"),
    ("【淘宝】您的验证码为358812，5分钟内有效", "【淘宝】您的验证码为******，5分钟内有效"),
    ("验证码：4096", "验证码：******"),
    ("好的亲，明天下午3点前发货，128元包邮", "好的亲，明天下午3点前发货，128元包邮"),
    # four digits first (a year, a door number), the datum after them
    ("2026年的新单，电话13812345678", "2026年的新单，电话138****5678"),
    ("2026号3栋2单元501室", "****"),
]


@pytest.mark.parametrize("raw, masked", MASKED)
def test_mask_text(raw, masked):
    assert mask_text(raw) == masked


@pytest.mark.parametrize("text", [
    "您的号码是136****5432对吧", "订单号：3623415530071234567", "顺丰单号SF1234567890123", "客服热线400-820-8820",
    "2026-01-05 10:30:00", "型号SM-G9980，价格5999元", "7月3号发货，地铁2号线", "您的地址是浙江省杭州市西湖区",
    "", "没有数字的一句话",
])
def test_mask_text_leaves_what_is_not_personal(text):
    assert mask_text(text) == text


def test_mask_text_accepts_non_text():
    assert mask_text(None) is None


han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
# Filler around a datum: Han characters, punctuation, spaces and letters, but no digits to fuse with it.
filler = st.text(alphabet=st.one_of(han, st.sampled_from(list("，。！？ 、:：abcXYZ"))), max_size=30)
phones = st.builds(lambda p, rest: p + rest, st.sampled_from(["13", "15", "17", "18", "19"]),
                   st.text(alphabet="0123456789", min_size=9, max_size=9))
id_numbers = st.builds(
    lambda region, day, seq: make_id(region, day.strftime("%Y%m%d"), seq),
    st.sampled_from(["110105", "310104", "440305", "510107", "330106"]),
    st.dates(datetime.date(1930, 1, 1), datetime.date(2010, 12, 31)),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)
cards = st.builds(lambda prefix, length, body: make_card(prefix + body, length),
                  st.sampled_from(["622202", "621700", "622848", "436742", "518710"]),
                  st.integers(16, 19), st.text(alphabet="0123456789", min_size=12, max_size=12))


def spaced(number, style):
    if style == "dash" and len(number) == 11:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == "space":
        return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    return number


@settings(max_examples=300, deadline=None)
@given(filler, st.one_of(phones, id_numbers, cards), st.sampled_from(["plain", "dash", "space"]), filler)
def test_no_raw_datum_survives_mask_text(before, datum, style, after):
    text = before + "，" + spaced(datum, style) + "，" + after
    masked = mask_text(text)
    assert datum not in masked.replace(" ", "").replace("-", "")
    assert datum[-4:] in masked.replace(" ", "")  # enough kept to recognise it


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(han, st.sampled_from(list("0123456789 -*号栋单元室路码验证Xx，。"))), max_size=60))
def test_mask_text_is_idempotent(text):
    once = mask_text(text)
    assert mask_text(once) == once


@settings(max_examples=200, deadline=None)
@given(filler, st.one_of(phones, id_numbers, cards), filler)
def test_masking_a_datum_twice_changes_nothing(before, datum, after):
    once = mask_text(f"{before}，{datum}，{after}")
    assert mask_text(once) == once


def test_find_personal_data_names_each_kind():
    text = f"手机13812345678，身份证{make_id()}，卡号{make_card()}，地址文三路100号，验证码 123456"
    assert [d.kind for d in find_personal_data(text)] == [PHONE, ID_NUMBER, BANK_CARD, ADDRESS, CODE]


def test_a_huge_message_is_masked():
    text = "您好" * 200_000 + "13812345678" + "好的" * 1000
    assert "13812345678" not in mask_text(text)


# --- the rules ---------------------------------------------------------------------------------

ID_NUMBER_EXAMPLE = make_id("440305", "19900307", "123")
CARD_EXAMPLE = make_card("622202", 19)

FIRES = [
    ("PV01", "收件人手机17712345678，地址没变对吗"),  # devset d07
    ("PV01", "您留的电话是 138 1234 5678 对吗"),
    ("PV01", "联系电话：+86-139-8765-4321"),
    ("PV01", "给您备注了，手机号15912345678"),
    ("PV02", f"您实名登记的身份证号是{ID_NUMBER_EXAMPLE}"),
    ("PV02", "身份证11010519491231002X已经核对"),
    ("PV03", f"退款会原路退回到您的银行卡{CARD_EXAMPLE}"),
    ("PV03", "卡号6217 0012 3456 7890 123 对吗"),
    ("PV04", "浙江省杭州市西湖区文三路100号3栋2单元501室，对吗"),
    ("PV04", "给您改成北京市朝阳区建国路88号了"),
    ("PV04", "收货地址是幸福小区5栋2单元301室"),
    ("PV05", "麻烦提供下您的银行卡号和开户行密码"),  # devset d12
    ("PV05", "提供一下验证码"),
    ("PV05", "把密码发我"),
    ("PV05", "您收到的验证码是多少"),
    ("PV05", "这边给您手机发送了一条验证码，还请您提供一下，谢谢"),
    ("PV05", "能不能把支付密码告诉我"),
    ("PV05", "验证码收到后，麻烦发给我"),
]

QUIET = [
    "您好亲，收到，您的号码是136****5432对吧",  # devset d08
    "您好亲，验证码是系统发送的，我们客服看不到也不会索要哦",  # devset d11
    "我们不会索要验证码",
    "请勿向任何人透露验证码",
    "为了您的账户安全，请不要把密码告诉任何人",
    "请勿向任何人透露验证码，麻烦提供一下订单号",
    "请在付款页面输入支付密码完成付款",
    "我们会以短信告知您验证码，请在页面填写",
    "如果收不到验证码，麻烦告诉我一下",
    "我们的密码锁支持指纹和密码两种方式，您可以提供一下门的厚度吗",
    "您的订单号是3623415530071234567，已经发货了",
    "订单号：6222021234567890128",
    "顺丰单号SF1234567890123，明天到",
    "中通快递78123456789012",
    "有问题请拨打400-820-8820或800-820-8820",
    "手机尾号5678的那个号码对吗",
    "卡号尾号0128的卡",
    "身份证110105********002X",
    "6222 **** **** 0128",
    "这款现在1380元，满199减20",
    "2026-01-05 10:30:00 之前下单当天发",
    "型号SM-G9980，序列号R58N12345678901",
    "您的地址是浙江省杭州市西湖区对吗",
    "7月3号发货，12号前能到",
    "从地铁2号线出来，3号门就是",
    "退货地址：浙江省杭州市余杭区文一西路1000号3号楼，电话13800001111",
    "我们实体店在南京路100号，欢迎来逛",
]


@pytest.mark.parametrize("rule, text", FIRES)
def test_rule_fires(rule, text):
    assert rule in agent_says(text)


@pytest.mark.parametrize("text", QUIET)
def test_not_a_leak(text):
    assert agent_says(text) == set()


def test_customer_giving_their_own_data_is_not_the_agents_leak():
    lines = [
        "customer: 我的电话是13698765432，有问题打给我",
        f"customer: 身份证{ID_NUMBER_EXAMPLE}，卡号{CARD_EXAMPLE}",
        "customer: 地址是文三路100号3栋，验证码发你了 123456",
        "agent: 您好亲，收到，您的号码是136****5432对吧",
    ]
    assert privacy_hits(lines) == set()


def test_bots_are_not_judged():
    assert privacy_hits(["customer: 在吗", "bot: 您的手机号13812345678已绑定"]) == set()


def test_one_finding_per_message_and_rule_with_masked_evidence():
    result = audit_conversation(conversation_from_lines(
        ["customer: 帮我核对", "agent: 手机13812345678，备用15912345678，卡号" + CARD_EXAMPLE]), RULESET)
    privacy = [f for f in result.findings if f.category == "privacy_leak"]
    assert sorted(f.rule_id for f in privacy) == ["PV01", "PV03"]
    for f in privacy:
        assert f.severity == "critical" and f.red_line and f.message_index == 1
        for raw in ("13812345678", "15912345678", CARD_EXAMPLE):
            assert raw not in f.evidence and raw not in f.reason
    phone = next(f for f in privacy if f.rule_id == "PV01")
    assert "138****5678" in phone.evidence and "手机号" in phone.reason
    assert phone.expected == "不要在聊天中完整发送客户手机号，如需核对请使用掩码 138****5678"
    assert result.red_line and result.score == 0


def test_address_evidence_keeps_the_district_only():
    result = audit_conversation(conversation_from_lines(
        ["customer: 地址对吗", "agent: 浙江省杭州市西湖区文三路100号3栋2单元501室"]), RULESET)
    (finding,) = [f for f in result.findings if f.rule_id == "PV04"]
    assert finding.evidence == "浙江省杭州市西湖区****"


# --- the privacy section of a shop's rule file -------------------------------------------------


def test_a_shop_allows_its_own_numbers(tmp_path):
    path = write_rule_file(tmp_path, 'privacy:\n  allowed_numbers: ["1380000\\\\d{4}"]\n')
    ruleset = ruleset_for(rule_files=[path], registry=REGISTRY)
    assert agent_says("有事打我们售后13800001234", ruleset) == set()
    assert agent_says("您的手机13812345678", ruleset) == {"PV01"}


def test_a_shop_switches_a_detector_off_and_adds_words(tmp_path):
    path = write_rule_file(tmp_path, (
        "privacy:\n  detect: {address: false}\n  order_words: [售后凭据]\n"
        "  secret_words: [支付口令]\n  shop_address_words: [自提点]\n"
    ))
    ruleset = ruleset_for(rule_files=[path], registry=REGISTRY)
    assert agent_says("浙江省杭州市西湖区文三路100号", ruleset) == set()
    assert agent_says("售后凭据13812345678", ruleset) == set()
    assert agent_says("麻烦把支付口令发我", ruleset) == {"PV05"}
    assert agent_says("售后凭据13812345678", RULESET) == {"PV01"}


def test_secret_words_are_found_in_any_case():
    matcher = SecretRequestMatcher(secret_words=["Kode"])
    assert matcher.asks("麻烦把KODE发给我") and matcher.asks("麻烦把\u212aode发给我")  # K: the Kelvin sign
    assert matcher.asks("请提供一下卡背面的CVV")
    assert not matcher.asks("麻烦把code发给我")


def test_unknown_keys_in_the_privacy_section_are_refused(tmp_path):
    path = write_rule_file(tmp_path, "privacy:\n  detectors: {phone: false}\n")
    with pytest.raises(RuleFileError, match="privacy"):
        ruleset_for(rule_files=[path], registry=REGISTRY)


def test_a_bad_allowed_number_regex_is_reported_not_raised(tmp_path):
    path = write_rule_file(tmp_path, 'privacy:\n  allowed_numbers: ["(138"]\n')
    ruleset = ruleset_for(rule_files=[path], registry=REGISTRY)
    assert any("privacy.allowed_numbers" in e for e in ruleset.setup_errors)
    assert not {r.rule.id for r in ruleset.rules} & {"PV01", "PV02", "PV03", "PV04", "PV05"}


def test_case_variants_come_from_the_regex_engine_and_the_disk_cache_keeps_them(tmp_path, monkeypatch):
    from qc_plugins.rules.privacy import secrets as plugin

    monkeypatch.setenv("QC_ENGINE_CACHE_DIR", str(tmp_path))
    plugin._cased_variants.cache_clear()
    fresh = plugin._case_variants("kS密")
    assert fresh == {"k": "Kk\u212a", "S": "Ss\u017f", "密": "密"}  # with the Kelvin sign and the long s
    assert list(tmp_path.glob("case-variants-*"))
    plugin._cased_variants.cache_clear()
    monkeypatch.setattr(plugin, "_every_character", lambda: "")  # a second derivation would find nothing
    assert plugin._case_variants("kS密") == fresh
    plugin._cased_variants.cache_clear()
