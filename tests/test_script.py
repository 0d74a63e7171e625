"""Script-adherence rules SC01-SC04 through the public audit interface."""
import json
from pathlib import Path

import pytest

from qc_engine.audit.engine import audit_conversation
from qc_engine.model import RawRecord
from qc_engine.ingest.normalize import to_conversation
from qc_engine.testing import conversation_from_lines, fresh_registry, ruleset_for

REGISTRY = fresh_registry()
DEFAULTS = ruleset_for(registry=REGISTRY)
DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"


def script(lines, ruleset=DEFAULTS):
    result = audit_conversation(conversation_from_lines(lines), ruleset)
    assert not result.errors
    return sorted((f.rule_id, f.message_index) for f in result.findings if f.category == "script_adherence")


def shop_rules(tmp_path, text, name="shop.yaml"):
    path = tmp_path / name
    path.write_text("version: 1\n" + text, encoding="utf-8")
    return ruleset_for(rule_files=[path], registry=REGISTRY)


# --- the devset contract -------------------------------------------------------------------------

def test_d10_no_greeting_and_no_closing():
    assert script(["customer: 为什么还没发货", "agent(+10s): 问那么多干嘛，等着就是了", "customer(+30s): 你这态度",
                   "agent(+12s): 爱买不买，随便你"]) == [("SC01", 1), ("SC02", 3)]


def test_d14_unanswered_last_message_means_no_closing():
    assert script(["customer: 茶具送吗", "agent(+10s): 亲，欢迎光临", "agent(+12s): 买两盒送一个小茶杯",
                   "customer(+40s): 那我下单了"]) == [("SC02", 3)]


@pytest.mark.skipif(not (DEVSET / "conversations.jsonl").exists(), reason="devset not beside the repo")
def test_devset_script_labels():
    expected = json.loads((DEVSET / "expected.json").read_text(encoding="utf-8"))
    for line in (DEVSET / "conversations.jsonl").read_text(encoding="utf-8").splitlines():
        conv = to_conversation(RawRecord(json.loads(line), "devset"))
        result = audit_conversation(conv, DEFAULTS)
        fired = any(f.category == "script_adherence" for f in result.findings)
        assert fired == expected[conv.conversation_id]["script_adherence"], conv.conversation_id


# --- greeting ------------------------------------------------------------------------------------

@pytest.mark.parametrize("first", ["您好，欢迎光临", "亲，在的呢", "在的亲", "Hi～", "早上好，请问有什么可以帮您", "您好，歡迎光臨",
                                   "ＨＥＬＬＯ", "有什么问题我可以帮您处理或解决呢?"])
def test_greetings(first):
    assert script(["customer: 在吗", f"agent(+5s): {first}", "agent(+5s): 感谢咨询"]) == []


@pytest.mark.parametrize("first", ["现在的活动是满99减10", "您好像还没付款", "这个要亲自去门店办理", "发货了，this week到",
                                   "父亲节礼盒还有货"])
def test_words_that_only_contain_a_greeting_do_not_greet(first):
    assert script(["customer: 在吗", f"agent(+5s): {first}", "agent(+5s): 感谢咨询"]) == [("SC01", 1)]


def test_only_the_first_agent_message_counts_and_a_bot_greeting_is_not_the_agents():
    assert script(["customer: 在吗", "bot(+1s): 您好，我是店小蜜", "agent(+10s): 有货", "agent(+2s): 您好亲",
                   "agent(+2s): 感谢咨询"]) == [("SC01", 2)]


def test_shop_adds_greetings_and_can_opt_out(tmp_path):
    lines = ["customer: 在吗", "agent(+5s): 宝宝来啦", "agent(+5s): 感谢咨询"]
    assert script(lines) == [("SC01", 1)]
    assert script(lines, shop_rules(tmp_path, "script: {greetings: [宝宝]}\n")) == []
    assert script(lines, shop_rules(tmp_path, "script: {require_greeting: false}\n", "off.yaml")) == []


# --- closing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("last", ["感謝您的光臨", "祝您生活愉快", "不客气哦", "有问题随时联系", "再见啦", "欢迎下次光临"])
def test_closings(last):
    assert script(["customer: 有货吗", "agent(+5s): 您好，有的", "customer(+20s): 那我拍了", f"agent(+5s): {last}"]) == []


def test_customer_thanks_after_the_closing_is_still_a_proper_end():
    assert script(["customer: 有货吗", "agent(+5s): 您好，有的，感谢咨询", "customer(+20s): 好的谢谢"]) == []


def test_answer_without_closing_then_a_bare_ok_is_no_closing():
    assert script(["customer: 有货吗", "agent(+5s): 您好，有的", "customer(+20s): 好的"]) == [("SC02", 1)]


def test_closing_before_a_new_question_does_not_close_the_conversation():
    assert script(["customer: 有货吗", "agent(+5s): 您好，有的，感谢咨询", "customer(+20s): 那发什么快递",
                   "agent(+5s): 中通"]) == [("SC02", 3)]


def test_shop_can_opt_out_of_closings(tmp_path):
    rules = shop_rules(tmp_path, "script: {require_closing: false}\n")
    assert script(["customer: 有货吗", "agent(+5s): 您好，有的"], rules) == []


def test_bot_only_conversation_has_no_greeting_to_judge_but_lacks_a_closing():
    assert script(["customer: 在吗", "bot(+1s): 我是店小蜜，人工客服马上来"]) == [("SC02", 0)]
    assert script(["customer: 在吗", "bot(+1s): 我是店小蜜，人工客服马上来", "customer(+9s): 有货吗"]) == [("SC02", 2)]


def test_closing_finding_names_the_last_agent():
    conv = conversation_from_lines(["customer: 茶具送吗", "agent(+10s): 亲，送的", "customer(+40s): 那我下单了"], agent="店:青青")
    result = audit_conversation(conv, DEFAULTS)
    assert [f.agent for f in result.findings if f.rule_id == "SC02"] == ["店:青青"]


# --- situations (off by default) -----------------------------------------------------------------

COMPLAINT = ["customer: 发货太慢了，我要投诉", "agent(+10s): 您好，已经发了，等着吧", "agent(+5s): 感谢咨询"]


def test_situation_phrases_are_off_by_default():
    assert script(COMPLAINT) == []


def test_complaint_needs_an_apology_when_enabled(tmp_path):
    rules = shop_rules(tmp_path, "rules: {SC03: {enabled: true}}\n")
    assert script(COMPLAINT, rules) == [("SC03", 1)]
    assert script(["customer: 发货太慢了，我要投诉", "agent(+10s): 您好，非常抱歉让您久等", "agent(+5s): 感谢咨询"], rules) == []
    # The apology may come in the agent's second message; a negated complaint needs none.
    assert script(["customer: 太慢了", "agent(+10s): 您好", "agent(+5s): 不好意思，马上催", "agent(+5s): 感谢"], rules) == []
    assert script(["customer: 放心不会给差评的", "agent(+10s): 您好，感谢支持"], rules) == []


def test_shop_defines_its_own_situation(tmp_path):
    rules = shop_rules(tmp_path, "rules: {SC03: {enabled: true}}\nscript:\n  situations:\n"
                                 "    - {name: 退货提醒运费险, customer: [退货], agent: [运费险], within: 1}\n")
    assert script(["customer: 我想退货", "agent(+10s): 您好，可以退的", "agent(+5s): 有运费险，感谢"], rules) == [("SC03", 1)]
    assert script(["customer: 我想退货", "agent(+10s): 您好，有运费险，感谢"], rules) == []


# --- quick-phrase templates (off by default) -----------------------------------------------------

REPEATED = ["customer: 能便宜点吗", "agent(+10s): 亲，本店商品均为正品，品质有保障，请放心购买哦", "customer(+20s): 什么时候发货",
            "agent(+10s): 亲，本店商品均为正品，品质有保障，请放心购买哦", "agent(+5s): 感谢"]


def test_templates_are_off_by_default():
    assert script(REPEATED) == []


def test_repeated_message_is_mechanical_when_enabled(tmp_path):
    rules = shop_rules(tmp_path, "rules: {SC04: {enabled: true}}\n")
    assert script(REPEATED, rules) == [("SC04", 3)]


def test_quick_phrase_file_is_read_relative_to_the_rule_file(tmp_path):
    (tmp_path / "phrases.txt").write_text("# 千牛快捷短语\n亲，稍等\n亲，今天下单今天发货哦\n", encoding="utf-8-sig")
    rules = shop_rules(tmp_path, "rules: {SC04: {enabled: true}}\nscript: {quick_phrases_file: phrases.txt}\n")
    lines = ["customer: 能便宜点吗", "agent(+10s): 亲，今天下单今天发货哦！", "customer(+20s): 包邮吗",
             "agent(+10s): 亲今天下单今天发货哦", "agent(+5s): 感谢"]
    # Short templates (under template_min_chars) count because they are in the library.
    assert script(lines, rules) == [("SC04", 3)]
    assert script(["customer: 在吗", "agent(+5s): 您好亲，稍等，感谢"], rules) == []


def test_missing_quick_phrase_file_is_a_setup_error_not_a_crash(tmp_path):
    rules = shop_rules(tmp_path, "rules: {SC04: {enabled: true}}\nscript: {quick_phrases_file: nope.txt}\n")
    assert any("SC04" in e and "nope.txt" in e for e in rules.setup_errors)


@pytest.mark.parametrize("rule_id", ["SC03", "SC04"])
def test_documented_examples_of_the_rules_that_are_off_by_default(tmp_path, rule_id):
    rules = shop_rules(tmp_path, f"rules: {{{rule_id}: {{enabled: true}}}}\n")
    doc = REGISTRY.rule(rule_id).cls.doc()
    assert any(r == rule_id for r, _ in script(doc.bad, rules))
    assert all(r != rule_id for r, _ in script(doc.good, rules))


def test_insults_that_start_like_a_greeting_do_not_greet():
    assert script(["customer: 在吗", "agent(+5s): 你好意思问？", "agent(+5s): 感谢"]) == [("SC01", 1)]
