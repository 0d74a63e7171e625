"""Customer-experience risk (CX01): the figure, the threshold a shop sets, and how well the shipped weights rank."""
from conftest import audit, conversation, rows, write_jsonl

from qc_engine.testing import audit_lines

ANGRY = ["customer: 我的快递到底什么时候到？？？已经等了一个星期了",
         "agent(+30s): 亲，非常抱歉给您带来不便，请您耐心等待",
         "customer(+60s): 问题根本没解决，再不给说法我就投诉，给差评！！"]
CALM = ["customer: 这款茶叶有现货吗", "agent(+20s): 您好亲，有现货的，今天下单今天发", "customer(+30s): 好的，谢谢"]

# Hand-written conversations (not from any corpus): dissatisfied ones first, then satisfied ones.
UNHAPPY = [
    ANGRY,
    ["customer: 你们怎么回事，收到的杯子是碎的", "agent(+60s): 不好意思亲", "customer(+40s): 就一句不好意思？怎么处理？"],
    ["customer: 退款申请了三天了还没处理", "agent(+30s): 亲，已经反馈给相关部门了，请您耐心等待",
     "customer(+20s): 又是耐心等待，我要申请平台介入"],
    ["customer: 客服人呢？？？", "customer(+120s): 有没有人啊", "customer(+300s): 什么服务态度，差评"],
    ["customer: 发错货了，我买的是红色", "agent(+30s): 亲，请您提供一下照片", "customer(+30s): 发了照片了，然后呢",
     "agent(+30s): 亲，请您提供一下照片", "customer(+30s): 你是机器人吗，垃圾"],
    ["customer: 衣服洗一次就掉色了，质量太差了", "agent(+30s): 亲，这个是正常现象哦", "customer(+20s): 正常？太坑了，骗子店铺"],
]
HAPPY = [
    CALM,
    ["customer: 能开发票吗", "agent(+20s): 可以的亲，下单备注抬头就行", "customer(+20s): 好的，明白了"],
    ["customer: 包装破了一点", "agent(+30s): 非常抱歉亲，已经为您补发一个新的，明天到", "customer(+20s): 好的，谢谢，服务真好"],
    ["customer: 什么时候发货", "agent(+10s): 亲，今天下午就发出哦", "customer(+10s): 嗯嗯好的"],
    ["customer: 这个尺码偏大吗", "agent(+20s): 亲，正常尺码，按平时的买就行", "customer(+20s): 好的，那我拍了", "agent(+10s): 感谢支持"],
    ["customer: 收到了，很喜欢，谢谢", "agent(+20s): 不客气亲，祝您生活愉快"],
]


def risk(lines, **kw) -> float:
    return audit_lines(lines, **kw).figures()[""]["dissatisfaction_risk"]


def test_risk_is_a_number_from_0_to_1_and_the_finding_deducts_nothing():
    result = audit_lines(ANGRY)
    assert 0.5 <= result.figures()[""]["dissatisfaction_risk"] <= 1
    cx = [f for f in result.findings if f.rule_id == "CX01"]
    assert len(cx) == 1 and cx[0].category == "customer_experience"
    assert cx[0].points == 0 and cx[0].severity == "info"
    assert "不满风险" in cx[0].reason and "客户" in cx[0].evidence
    assert 0 <= risk(CALM) < 0.5
    assert not [f for f in audit_lines(CALM).findings if f.rule_id == "CX01"]


def test_the_shop_sets_the_threshold_and_the_points(tmp_path):
    shop_file = tmp_path / "shop.yaml"
    shop_file.write_text("version: 1\ncustomer_experience: {threshold: 1}\nrules: {CX01: {points: 3}}\n",
                         encoding="utf-8")
    assert not [f for f in audit_lines(ANGRY, rule_files=[shop_file]).findings if f.rule_id == "CX01"]
    shop_file.write_text("version: 1\ncustomer_experience: {threshold: 0.01}\nrules: {CX01: {points: 3}}\n",
                         encoding="utf-8")
    found = [f for f in audit_lines(ANGRY, rule_files=[shop_file]).findings if f.rule_id == "CX01"]
    assert found and found[0].points == 3


def test_the_shipped_weights_rank_unhappy_customers_first():
    unhappy = [risk(c) for c in UNHAPPY]
    happy = [risk(c) for c in HAPPY]
    pairs = [(u, h) for u in unhappy for h in happy]
    auc = sum(1.0 if u > h else 0.5 if u == h else 0.0 for u, h in pairs) / len(pairs)
    assert auc >= 0.85, (unhappy, happy)


def test_the_figure_is_stored_for_the_conversation(tmp_path, db_path):
    angry = conversation("c1", lines=[("10:00:00", "customer", "怎么还没发货？？？等了一个星期了"),
                                      ("10:00:30", "agent", "亲，非常抱歉，请您耐心等待"),
                                      ("10:01:30", "customer", "问题根本没解决，我要投诉，给差评！！")])
    audit([write_jsonl(tmp_path / "day.jsonl", [angry])], db_path)
    (value,), = rows(db_path, "select value from metrics where conversation_id = 'c1' and agent = ''"
                              " and name = 'dissatisfaction_risk'")
    assert value >= 0.5
    assert rows(db_path, "select category from findings where rule_id = 'CX01'") == [("customer_experience",)]


def _reader_and_terms():
    from qc_engine.audit.ruleset import RuleBook
    from qc_engine.testing import fresh_registry
    rule = next(c.rule for c in RuleBook(fresh_registry()).for_shop("").rules if c.rule.id == "CX01")
    return rule.model.reader, rule.model.terms


def _conv(lines):
    from qc_engine.testing import conversation_from_lines
    return conversation_from_lines(lines)


def test_the_one_pass_reading_finds_the_same_terms_as_listing_every_character_pair():
    from qc_plugins.rules.customer_experience.signals import customer_terms
    reader, terms = _reader_and_terms()
    for lines in [*UNHAPPY, *HAPPY]:
        conv = _conv(lines)
        assert reader.read(conv).terms == set(customer_terms(conv)) & set(terms)


def test_words_are_read_per_message_though_the_messages_are_scanned_together():
    reader, _ = _reader_and_terms()
    # A negation ending one message does not reach the next message's first word.
    s = reader.read(_conv(["customer: 我不", "customer: 投诉你们", "agent: 亲，非常抱歉"]))
    assert s.values.get("threat") and s.messages["threat"] == [1]
    assert not reader.read(_conv(["customer: 我不投诉", "agent: 好的"])).values.get("threat")
    # The longest word wins where words share a start.
    s = reader.read(_conv(["customer: 很不满意", "agent: 抱歉"]))
    assert s.words["anger"] == ["不满意"]


def test_a_shop_chat_threat_of_platform_intervention_is_flagged_and_priors_are_shop_data(tmp_path):
    threat = ["customer: 这个杯子怎么是碎的", "agent: 亲，请提供照片", "customer: 再不处理我就找淘宝介入，给差评"]
    polite = ["customer: 什么时候发货", "agent: 今天发", "customer: 好的谢谢"]
    assert risk(threat) >= 0.5 > risk(polite)
    shop_file = tmp_path / "shop.yaml"
    shop_file.write_text("version: 1\ncustomer_experience: {priors: {threat: 0, threat_last: 0}}\n", encoding="utf-8")
    assert risk(threat, rule_files=[shop_file]) < risk(threat)
