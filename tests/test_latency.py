"""Latency rules LT01-LT03 and the response figures, through the public audit interface."""
import json
from pathlib import Path

import pytest

from qc_engine.audit.engine import audit_conversation
from qc_engine.ingest.normalize import to_conversation
from qc_engine.model import RawRecord
from qc_engine.testing import conversation_from_lines, fresh_registry, ruleset_for

REGISTRY = fresh_registry()
DEFAULTS = ruleset_for(registry=REGISTRY)
DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"


def audit(lines, ruleset=DEFAULTS, start="2026-01-05T10:00:00", tz="Asia/Shanghai", agent=None):
    return audit_conversation(conversation_from_lines(lines, start=start, tz=tz, agent=agent), ruleset)


def latency(result):
    return sorted((f.rule_id, f.message_index) for f in result.findings if f.category == "latency")


def figures(result, agent=""):
    return {k: v for k, v in result.figures().get(agent, {}).items() if k in FIGURE_NAMES}


FIGURE_NAMES = {"rounds", "answered_rounds", "response_time_sum", "first_response_time", "first_response_sum",
                "first_response_count", "slowest_response", "rounds_within_3min", "slow_rounds", "unanswered_rounds",
                "agent_messages", "customer_messages"}


def shop_rules(tmp_path, text):
    path = tmp_path / "shop.yaml"
    path.write_text("version: 1\n" + text, encoding="utf-8")
    return ruleset_for(rule_files=[path], registry=REGISTRY)


# --- the devset contract -------------------------------------------------------------------------

def test_d04_first_response_after_200_s_is_slow():
    r = audit(["customer: 猫粮什么时候到", "agent(+200s): 您好亲，明天到", "customer(+30s): 好的", "agent(+8s): 感谢您的耐心等待，再见"],
              start="2026-11-20T11:30:00")
    assert latency(r) == [("LT01", 0)]
    assert r.findings[0].agent.endswith("小美")


def test_d05_bot_at_1_s_human_at_16_s_is_on_time():
    r = audit(["customer: 你好", "bot(+1s): 您好，我是智能助手", "agent(+15s): 您好，欢迎光临", "customer(+30s): 猫砂有活动吗",
               "agent(+20s): 现在满99减10哦", "customer(+30s): 好的谢谢", "agent(+6s): 不客气"])
    assert latency(r) == []
    assert figures(r)["first_response_time"] == 16


def test_d06_message_while_closed_starts_the_clock_at_nine():
    r = audit(["customer: 狗绳有大号吗", "agent(+30010s): 您好亲，早上好，有大号的"], start="2026-11-20T00:40:00")
    assert latency(r) == []
    assert figures(r)["first_response_time"] == 10


def test_d13_later_round_after_240_s_is_slow():
    r = audit(["customer: 这款茶能泡几次", "agent(+12s): 您好亲", "agent(+10s): 一般可以泡七八次", "customer(+45s): 那价格呢",
               "agent(+240s): 亲，现在是128元一盒", "customer(+30s): 好", "agent(+8s): 感谢咨询，再见"])
    assert latency(r) == [("LT02", 3)]


def test_d14_last_customer_message_never_answered():
    r = audit(["customer: 茶具送吗", "agent(+10s): 亲，欢迎光临", "agent(+12s): 买两盒送一个小茶杯", "customer(+40s): 那我下单了"],
              start="2026-11-20T18:00:00")
    assert latency(r) == [("LT03", 3)]
    lt03 = next(f for f in r.findings if f.rule_id == "LT03")
    assert lt03.severity == "major" and lt03.agent.endswith("小美")


@pytest.mark.skipif(not (DEVSET / "conversations.jsonl").exists(), reason="devset not beside the repo")
def test_devset_latency_labels():
    expected = json.loads((DEVSET / "expected.json").read_text(encoding="utf-8"))
    for line in (DEVSET / "conversations.jsonl").read_text(encoding="utf-8").splitlines():
        conv = to_conversation(RawRecord(json.loads(line), "devset"))
        result = audit_conversation(conv, DEFAULTS)
        fired = any(f.category == "latency" for f in result.findings)
        assert fired == expected[conv.conversation_id]["latency"], conv.conversation_id


# --- boundaries ----------------------------------------------------------------------------------

@pytest.mark.parametrize("delay, fires", [(30, False), (31, True)])
def test_first_response_boundary(delay, fires):
    r = audit(["customer: 在吗", f"agent(+{delay}s): 您好亲，在的"])
    assert latency(r) == ([("LT01", 0)] if fires else [])


@pytest.mark.parametrize("delay, fires", [(90, False), (91, True)])
def test_later_round_boundary(delay, fires):
    r = audit(["customer: 在吗", "agent(+5s): 您好亲", "customer(+20s): 有红色吗", "customer(+30s): 要M码",
               f"agent(+{delay - 30}s): 有的亲"])
    # The round starts at the first unanswered message, not the last one.
    assert latency(r) == ([("LT02", 2)] if fires else [])


def test_each_slow_round_is_a_finding_on_the_message_that_opened_it():
    r = audit(["customer: 在吗", "agent(+40s): 您好", "customer(+5s): 有货吗", "agent(+100s): 有",
               "customer(+5s): 发什么快递", "agent(+10s): 中通", "customer(+5s): 几天到", "agent(+200s): 两天"])
    assert latency(r) == [("LT01", 0), ("LT02", 2), ("LT02", 6)]
    f = figures(r)
    assert f["rounds"] == 4 and f["slow_rounds"] == 3 and f["slowest_response"] == 200
    assert f["response_time_sum"] == 350 and f["rounds_within_3min"] == 3


def test_bot_and_system_messages_do_not_answer():
    r = audit(["customer: 在吗", "bot(+2s): 您好，我是店小蜜", "system(+2s): 客服已接入", "agent(+40s): 您好亲"])
    assert latency(r) == [("LT01", 0)]


def test_bot_answers_when_the_shop_counts_bots(tmp_path):
    rules = shop_rules(tmp_path, "latency: {count_bots_as_response: true}\n")
    assert latency(audit(["customer: 在吗", "bot(+2s): 您好，我是店小蜜", "agent(+40s): 您好亲"], rules)) == []


def test_shop_standards_replace_the_defaults(tmp_path):
    rules = shop_rules(tmp_path, "latency: {first_response_seconds: 60, response_seconds: 20}\n")
    r = audit(["customer: 在吗", "agent(+50s): 您好亲", "customer(+5s): 有货吗", "agent(+25s): 有"], rules)
    assert latency(r) == [("LT02", 2)]


def test_lunch_break_and_weekday_hours(tmp_path):
    rules = shop_rules(tmp_path, 'working_hours: {default: "09:00-12:00, 13:30-24:00", sat: "10:00-22:00", sun: closed}\n')
    # 10 s before the break and 15 s after it.
    assert latency(audit(["customer: 在吗", "agent(+5425s): 您好"], rules, start="2026-01-05T11:59:50")) == []
    assert latency(audit(["customer: 在吗", "agent(+5440s): 您好"], rules, start="2026-01-05T11:59:50")) == [("LT01", 0)]
    # Saturday opens at 10:00; with the default calendar 09:30 would already be open.
    assert latency(audit(["customer: 在吗", "agent(+1820s): 您好"], rules, start="2026-01-10T09:30:00")) == []
    assert latency(audit(["customer: 在吗", "agent(+1820s): 您好"], start="2026-01-10T09:30:00")) == [("LT01", 0)]
    # Sunday is closed: answered on Monday at 09:00:20.
    assert latency(audit(["customer: 在吗", "agent(+75620s): 您好"], rules, start="2026-01-11T12:00:00")) == []


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/Los_Angeles"])
def test_working_hours_are_the_conversation_zone(tz):
    # 08:20 local is closed: the answer at 09:00:31 local is 31 s late, at 09:00:30 on time.
    r = audit(["customer: 在吗", "agent(+2431s): 您好"], start="2026-01-05T08:20:00", tz=tz)
    assert latency(r) == [("LT01", 0)]
    r = audit(["customer: 在吗", "agent(+2430s): 您好"], start="2026-01-05T08:20:00", tz=tz)
    assert latency(r) == []


# --- unanswered rounds ---------------------------------------------------------------------------

def test_message_just_before_closing_is_carried_over_not_missed():
    assert latency(audit(["customer: 在吗"], start="2026-01-05T23:59:50")) == []
    assert latency(audit(["customer: 在吗"], start="2026-01-05T23:58:00")) == [("LT03", 0)]


def test_unanswered_message_sent_while_closed_is_missed_when_the_shop_opened_that_day():
    assert latency(audit(["customer: 在吗"], start="2026-01-05T00:40:00")) == [("LT03", 0)]


def test_bare_acknowledgement_after_an_answer_needs_no_reply():
    base = ["customer: 有货吗", "agent(+5s): 您好亲，有货的，感谢咨询"]
    for ack in ("好的谢谢", "嗯嗯", "OK👍", "好的[微笑]", "謝謝", "拜拜"):
        assert latency(audit(base + [f"customer(+20s): {ack}"])) == [], ack
    for real in ("那什么时候发货", "好的，那发顺丰", "[图片]", "你好"):
        assert latency(audit(base + [f"customer(+20s): {real}"])) == [("LT03", 2)], real


def test_acknowledgement_of_an_agent_question_needs_action_unless_it_declines():
    asked = ["customer: 能改地址吗", "agent(+5s): 您好亲，需要帮您备注吗？"]
    assert latency(audit(asked + ["customer(+20s): 好的"])) == [("LT03", 2)]
    assert latency(audit(["customer: 有货吗", "agent(+5s): 您好，有的。还有其他问题吗？", "customer(+20s): 没有了，谢谢"])) == []


def test_shop_can_make_every_message_need_a_reply(tmp_path):
    rules = shop_rules(tmp_path, "latency: {acknowledgements_need_reply: true}\n")
    assert latency(audit(["customer: 有货吗", "agent(+5s): 您好亲，有的", "customer(+20s): 好的"], rules)) == [("LT03", 2)]


def test_bot_only_conversation_is_unanswered_and_attributed_to_nobody():
    r = audit(["customer: 在吗", "bot(+1s): 您好，我是店小蜜，请问有什么可以帮您"])
    assert latency(r) == [("LT03", 0)]
    assert r.findings[0].agent == ""


def test_findings_name_the_agent_who_answered_after_a_transfer():
    conv = conversation_from_lines(["customer: 在吗", "agent(+5s): 您好"], agent="店:小美")
    later = conversation_from_lines(["customer: 退货怎么弄", "agent(+200s): 我来处理"], agent="店:阿强")
    import msgspec

    conv.messages += [msgspec.structs.replace(m, index=m.index + 2, ts=m.ts + 60) for m in later.messages]
    r = audit_conversation(conv, DEFAULTS)
    slow = [f for f in r.findings if f.rule_id == "LT02"]
    assert [(f.message_index, f.agent) for f in slow] == [(2, "店:阿强")]
    assert figures(r, "店:阿强")["slow_rounds"] == 1 and figures(r, "店:小美")["first_response_count"] == 1


# --- figures -------------------------------------------------------------------------------------

def test_figures_add_up_per_agent_and_for_the_conversation():
    r = audit(["customer: 在吗", "customer(+3s): 有人吗", "agent(+10s): 您好", "agent(+3s): 在的", "customer(+20s): 有货吗",
               "agent(+200s): 有", "customer(+5s): 好的", "customer(+5s): 几天到"])
    conv = figures(r)
    assert conv == {"rounds": 3, "answered_rounds": 2, "response_time_sum": 213, "first_response_time": 13,
                    "slowest_response": 200, "rounds_within_3min": 1, "slow_rounds": 1, "unanswered_rounds": 1,
                    "agent_messages": 3, "customer_messages": 5}
    agent = figures(r, r.conversation.messages[2].sender)
    assert agent["first_response_sum"] == 13 and agent["first_response_count"] == 1
    assert agent["customer_messages"] == 5 and agent["agent_messages"] == 3


def test_figures_come_once_even_when_a_rule_of_the_family_is_off(tmp_path):
    rules = shop_rules(tmp_path, "rules: {LT01: {enabled: false}}\n")
    r = audit(["customer: 在吗", "agent(+50s): 您好"], rules)
    assert latency(r) == []
    assert figures(r)["rounds"] == 1  # summed: twice would be 2
    assert figures(audit(["customer: 在吗"]))["customer_messages"] == 1


def test_bad_working_hours_in_a_shop_file_name_the_place(tmp_path):
    from qc_engine.rulefiles.files import RuleFileError

    with pytest.raises(RuleFileError, match="working_hours/sun"):
        shop_rules(tmp_path, "working_hours: {sun: 'all day'}\n")
