"""Forbidden-phrase rules FP01-FP05, through the public audit interface, with the default lists."""
import json
import time
from pathlib import Path

import pytest

from qc_engine.audit.engine import audit_conversation
from qc_engine.model import RawRecord
from qc_engine.ingest.normalize import to_conversation
from qc_engine.rulefiles.files import RuleFileError
from qc_engine.testing import conversation_from_lines, fresh_registry, ruleset_for

REGISTRY = fresh_registry()
DEFAULTS = ruleset_for(registry=REGISTRY)
DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"


def findings(lines, ruleset=DEFAULTS):
    result = audit_conversation(conversation_from_lines(lines), ruleset)
    assert not result.errors, result.errors
    return [f for f in result.findings if f.category == "forbidden_phrase"]


def fired(text, ruleset=DEFAULTS):
    """Rule ids that fire on one agent message answering a customer."""
    return sorted({f.rule_id for f in findings(["customer: 你好", f"agent: {text}"], ruleset)})


def shop_rules(tmp_path, text):
    path = tmp_path / "shop.yaml"
    path.write_text("version: 1\n" + text, encoding="utf-8")
    return ruleset_for(rule_files=[path], registry=REGISTRY)


# --- the devset contract -------------------------------------------------------------------------

@pytest.mark.skipif(not (DEVSET / "conversations.jsonl").exists(), reason="devset not beside the repo")
def test_devset_forbidden_phrase_labels():
    expected = json.loads((DEVSET / "expected.json").read_text(encoding="utf-8"))
    for line in (DEVSET / "conversations.jsonl").read_text(encoding="utf-8").splitlines():
        conv = to_conversation(RawRecord(json.loads(line), "devset"))
        result = audit_conversation(conv, DEFAULTS)
        got = sorted({f.message_index for f in result.findings if f.category == "forbidden_phrase"})
        assert got == expected[conv.conversation_id]["forbidden_phrase"], conv.conversation_id


@pytest.mark.parametrize("text, rule", [
    ("我们这款是业内最好的茶，全网独一无二", "FP01"),
    ("可以的，扣扣 778899 联系我", "FP02"),
    ("问那么多干嘛，等着就是了", "FP03"),
    ("爱买不买，随便你", "FP03"),
])
def test_devset_messages_fire(text, rule):
    assert fired(text) == [rule]


# --- what fires, by rule -------------------------------------------------------------------------

FIRES = {
    "FP01": ["我们家是全网最低价，放心买", "这款是行业第一品牌的品质", "这是我们店最好的茶叶了", "全网销量第一，闭眼入",
             "这个价格史上最低价，错过就没了", "我们的茶是国家级品质", "顶级工艺，效果最佳", "绝对是最便宜的了",
             "全网最低价格", "NO.1的品质", "这款性价比最高", "独家配方，别家没有", "亲，这已经是最优惠的价格了",
             "我们家的狗粮是全国销量冠军", "这款猫砂最受欢迎",
             "全国销量第一名", "中国最大的茶叶品牌"],
    "FP02": ["加我微信tea12345，给您便宜点", "方便的话加个威信fuli12345，拉您进福利群", "QQ123456789，私下转账更便宜",
             "您加我 wx cs12345 吧，这边不方便说", "v信shop12345，发您优惠链接", "直接支付宝转账给我就行",
             "我的微信号是tea12345", "企鹅号 12345678", "加我好友，有优惠", "我们私下交易吧，便宜点", "vx12345",
             "您有微信吗", "加个微信不？", "不如加个微信吧", "有事扣扣我"],
    "FP03": ["你烦不烦啊", "自己不会看详情页吗", "听不懂吗，说了好几遍了", "有病吧", "买不起就别问了", "滚",
             "你是不是傻", "催什么催", "不买拉倒", "呵呵，那你去别家买吧", "你是不是有毛病"],
    "FP04": ["这个不归我管", "这不是我们的问题，你去找快递", "跟我们没关系", "我也没办法，你自己看着办",
             "不关我的事，找售后去", "你自己去问快递", "找快递去", "您自己去问吧", "这个我管不了",
             "我只是客服，做不了主"],
    "FP05": ["五星好评返现5元哦", "晒图返现3元"],
}


@pytest.mark.parametrize("rule, text", [(r, t) for r, texts in FIRES.items() for t in texts])
def test_fires(rule, text):
    assert rule in fired(text)


# --- traps: ordinary wording that contains a listed word ---------------------------------------

QUIET = [
    # 最 / 第一 as ordinary words
    "最近快递有点慢，请耐心等待", "最近一批刚检测过，放心", "发货后会第一时间通知您", "第一次购买可以领新人券哦",
    "收到货最好先拍照留证", "开封后最好一个月内用完", "您最好今天下单", "第二件半价", "这款冰箱最低温度可以到零下20度",
    "最好的办法是重新下单", "最新款已经上架", "最快明天到", "这个尺码最大", "第一步先点退款", "唯一的办法就是退货重拍",
    "这款是特级红茶", "100%纯棉的", "这个药不是万能的",
    # 微信 / QQ / v / 私下 as ordinary words, or refused
    "平台暂不支持微信支付，可以用支付宝或者花呗", "您可以关注我们的微信公众号", "QQ音乐会员不是我们家的",
    "亲，我们不支持私下交易哦，请在平台下单", "亲，私下交易没有保障，请在平台内下单", "平台不允许加微信哦",
    "请勿相信任何让您加微信的人", "加VIP会员有折扣", "v领口的款式", "这款V8发动机模型", "型号是VX-200吗？",
    "退款会原路退回支付宝", "请加，微信支付也行", "信号不好的话重启一下", "加个购物车领券",
    "详情见 https://shop.example.com/vx/item?id=1", "您是说加微信吗？我们不能加微信哦", "加微信？不行的哦亲，平台不允许",
    "我们没有微信，都在平台沟通", "微信我们暂时不支持哦", "在“微信”-“我”-“卡包”里查看",
    # near misses of abuse and blame
    "这款滚筒洗衣机有现货", "去死皮膏效果很好", "USB接口是通用的", "颜色随便你选", "猫咪有病的话建议先就医",
    "这个垃圾袋很结实", "我帮您去问一下仓库", "我这边帮您联系快递核实一下", "这个问题归售后部门管，我帮您转接",
    "这是快递的问题，我们会负责到底的", "您也可以自己联系快递员", "着急什么的都可以理解",
    "如果不是我们的问题，运费需要您承担", "SB-100型号有货", "他妈妈买的那款也有货",
    # review requests
    "亲，满意的话麻烦给个五星好评哦", "我们会为您补发",
]


@pytest.mark.parametrize("text", QUIET)
def test_traps_do_not_fire(text):
    assert fired(text) == []


# --- evasions --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "加 薇 信 tea12345 返现5元", "加-微-信 tea12345", "加.V shop123", "加\u200b微\u200d信", "ＶＸ：tea12345",
    "➕V 12345 领券", "wei xin: abc12345", "加，微，信：abc12345", "扣扣 778899 联系我", "加 V 信",
    "Ｑ Ｑ：12345678", "加ⓥⓧ", "加“微”“信”tea123",
])
def test_off_platform_evasions_are_seen_through(text):
    assert "FP02" in fired(text)


@pytest.mark.parametrize("text", ["這款全網最低價", "我們是行業第一品牌", "全 网 最 低 价"])
def test_traditional_and_spaced_absolute_terms(text):
    assert "FP01" in fired(text)


# --- the finding itself ----------------------------------------------------------------------------

def test_one_finding_per_message_and_rule_with_evidence_as_written():
    fs = findings(["customer: 能便宜吗", "agent: 加 薇 信 tea12345，私聊，支付宝转账也行", "agent: 您好"])
    assert [(f.rule_id, f.message_index) for f in fs] == [("FP02", 1)]
    f = fs[0]
    assert f.evidence == "加 薇 信"
    assert "加薇信" in f.reason and "off_platform" in f.reason
    assert f.severity == "critical" and f.red_line is True
    assert f.expected and f.agent.endswith("小美")


def test_overlapping_hits_give_one_evidence_span():
    (f,) = findings(["customer: 怎么样", "agent: 全網最低價格"])
    assert f.evidence == "全網最低價格"
    assert f.rule_id == "FP01" and f.severity == "major"


def test_each_offending_message_and_rule_is_its_own_finding():
    fs = findings(["customer: 在吗", "agent: 全网最低价", "customer: 哦", "agent: 爱买不买，你自己去问快递"])
    assert sorted((f.rule_id, f.message_index) for f in fs) == [("FP01", 1), ("FP03", 3), ("FP04", 3)]


def test_customer_and_bot_messages_are_not_the_agents_violation(tmp_path):
    lines = ["customer: 加我微信tea12345，私下交易，爱买不买", "bot: 全网最低价，加vx有优惠", "agent: 亲，请在平台下单哦"]
    assert findings(lines) == []
    with_bots = shop_rules(tmp_path, "forbidden_phrases:\n  check_bots: true\n")
    assert sorted({(f.rule_id, f.message_index) for f in findings(lines, with_bots)}) == [("FP01", 1), ("FP02", 1)]


# --- shop rule files -------------------------------------------------------------------------------

def test_shop_adds_phrases_regexes_with_per_phrase_severity(tmp_path):
    rules = shop_rules(tmp_path, """
forbidden_phrases:
  lists:
    - name: 本店禁用语
      title: 店铺禁用语
      severity: minor
      phrases: [亲爱的宝宝, {phrase: 包退包换, severity: critical}]
      regexes: [{pattern: '满\\d+返\\d+', name: 满返话术}]
""")
    (f,) = findings(["customer: 在吗", "agent: 亲爱的宝宝，在的"], rules)
    assert (f.rule_id, f.severity, f.evidence) == ("FP05", "minor", "亲爱的宝宝")
    (f,) = findings(["customer: 能退吗", "agent: 包 退 包 换"], rules)
    assert f.severity == "critical"
    (f,) = findings(["customer: 有活动吗", "agent: 满 100 返 20"], rules)
    assert "满返话术" in f.reason and f.evidence == "满 100 返 20"
    assert fired("亲，在的") == []  # only that shop's rule set changed


def test_shop_adds_to_a_default_list_by_name(tmp_path):
    rules = shop_rules(tmp_path, "forbidden_phrases:\n  lists:\n    - {name: off_platform, phrases: [钉钉联系]}\n")
    assert fired("钉钉联系我", rules) == ["FP02"]
    assert "FP02" in fired("加我微信tea12345", rules)  # the default entries are still there


def test_allowlist_wins_over_deny_entries(tmp_path):
    rules = shop_rules(tmp_path, "forbidden_phrases:\n  allow: [最优惠, 极品]\n")
    assert fired("这已经是最优惠的价格了") == ["FP01"]
    assert fired("这已经是最优惠的价格了", rules) == []
    assert fired("极品大红袍", rules) == []
    assert fired("全网最低价", rules) == ["FP01"]


def test_list_allow_only_applies_to_its_list(tmp_path):
    rules = shop_rules(tmp_path, """
forbidden_phrases:
  lists:
    - {name: 本店禁用语, phrases: [全网最低价], allow: [全网最低价]}
""")
    assert fired("全网最低价", rules) == ["FP01"]


def test_variants_expand_placeholders(tmp_path):
    rules = shop_rules(tmp_path, """
forbidden_phrases:
  variants:
    钉钉: [钉钉, 丁丁, dingding]
  lists:
    - {name: 本店禁用语, rule: FP02, phrases: ["加{钉钉}"]}
""")
    assert fired("加 丁 丁", rules) == ["FP02"]
    assert fired("加dingding", rules) == ["FP02"]


def test_invalid_regex_is_a_clear_start_up_error_of_its_rule_only(tmp_path):
    rules = shop_rules(tmp_path, "forbidden_phrases:\n  lists:\n    - {name: 坏规则, regexes: ['加(微信']}\n")
    assert len(rules.setup_errors) == 1
    error = rules.setup_errors[0]
    assert "FP05" in error and "加(微信" in error and "坏规则" in error
    assert {c.rule.id for c in rules.rules} >= {"FP01", "FP02", "FP03", "FP04"}
    assert fired("全网最低价", rules) == ["FP01"]


def test_unknown_variant_is_a_start_up_error(tmp_path):
    rules = shop_rules(tmp_path, "forbidden_phrases:\n  lists:\n    - {name: x, rule: FP03, phrases: ['{没有}']}\n")
    assert any("FP03" in e and "{没有}" in e for e in rules.setup_errors)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)+$", "(a|a)+$"])
def test_catastrophic_regex_finishes_fast(tmp_path, pattern):
    rules = shop_rules(tmp_path, f"""
forbidden_phrases:
  regex_timeout_ms: 20
  lists:
    - {{name: 慢规则, regexes: ['{pattern}']}}
""")
    conv = conversation_from_lines(["customer: 在吗"] + ["agent: " + "a" * 60 + "! 全网最低价"] * 3)
    started = time.perf_counter()
    result = audit_conversation(conv, rules)
    assert time.perf_counter() - started < 5  # without a time limit (a|aa)+$ would run for ages
    # Other rules are not affected: FP01 still reports each message.
    assert [f.message_index for f in result.findings if f.rule_id == "FP01"] == [1, 2, 3]


def test_regex_timeout_is_reported_as_an_error_of_its_rule(tmp_path):
    rules = shop_rules(tmp_path, """
forbidden_phrases:
  regex_timeout_ms: 20
  lists:
    - {name: 慢规则, regexes: ['(a|aa)+$']}
""")
    result = audit_conversation(conversation_from_lines(["customer: 在吗", "agent: " + "a" * 60 + "b"]), rules)
    (error,) = result.errors
    assert error.rule_id == "FP05"
    assert "(a|aa)+$" in error.error and "慢规则" in error.error and "message 1" in error.error


def test_rule_file_section_is_strict(tmp_path):
    with pytest.raises(RuleFileError, match="phrase_list"):
        shop_rules(tmp_path, "forbidden_phrases:\n  lists:\n    - {name: x, phrase_list: [a]}\n")
    with pytest.raises(RuleFileError, match="FP09"):
        shop_rules(tmp_path, "forbidden_phrases:\n  lists:\n    - {name: x, rule: FP09, phrases: [a]}\n")


def test_rule_severity_setting_applies_to_entries_without_their_own(tmp_path):
    rules = shop_rules(tmp_path, "rules:\n  FP04:\n    severity: minor\n")
    assert {f.severity for f in findings(["customer: 快递不动", "agent: 不归我管"], rules)} == {"minor"}
