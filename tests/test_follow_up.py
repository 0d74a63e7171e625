"""The follow-up list (回访名单) and the share of an agent's conversations at high customer-experience risk."""
from openpyxl import load_workbook

from conftest import audit, conversation, rows, write_jsonl
from qc_engine.reports import build_reports, load_report_data
from qc_engine.reports.data import follow_up_list
from qc_engine.reports.html import follow_up_anchor
from qc_engine.review.rollup import rebuild_agent_daily
from qc_engine.review.verdicts import record_verdict
from qc_engine.store import open_db

DAY = "2026-11-20"
FURIOUS = (("10:00:00", "customer", "我的快递到底什么时候到？？？已经等了一个星期了"),
           ("10:00:30", "agent", "亲，非常抱歉给您带来不便，请您耐心等待"),
           ("10:01:30", "customer", "问题根本没解决，再不给说法我就投诉，给差评！！"),
           ("10:02:00", "agent", "亲，非常抱歉给您带来不便，请您耐心等待"),
           ("10:03:00", "customer", "垃圾店铺，骗子，我要申请平台介入"))
ANGRY = (("11:00:00", "customer", "怎么还没发货？？？等了一个星期了"),
         ("11:00:30", "agent", "亲，非常抱歉，请您耐心等待"),
         ("11:01:30", "customer", "问题根本没解决，我要投诉，给差评！！"))
CALM = (("12:00:00", "customer", "这款茶叶有现货吗"), ("12:00:20", "agent", "您好亲，有现货的，今天下单今天发"),
        ("12:00:50", "customer", "好的，谢谢"))


def _day(tmp_path, db_path):
    convs = [conversation("furious", lines=FURIOUS), conversation("angry", lines=ANGRY)]
    convs += [conversation(f"calm{i}", lines=CALM) for i in range(3)]
    other = conversation("other-shop", shop="潮流数码旗舰店", lines=ANGRY)
    audit([write_jsonl(tmp_path / "d.jsonl", convs + [other])], db_path)
    return open_db(db_path)


def test_the_list_puts_the_highest_risk_first_per_shop_with_the_reason_in_a_line(tmp_path, db_path):
    db = _day(tmp_path, db_path)
    entries = follow_up_list(db, DAY)
    tea = [e for e in entries if e["shop"] == "山野茶庄"]
    assert [e["conversation_id"] for e in tea] == ["furious", "angry"]
    assert [e["rank"] for e in tea] == [1, 2] and tea[0]["risk"] > tea[1]["risk"] >= 0.5
    for e in tea:
        assert e["why"] and "\n" not in e["why"] and not e["why"].startswith("不满风险")
        assert e["agent"] == "山野茶庄:青青" and e["conversation_key"] is not None
    assert [e["conversation_id"] for e in follow_up_list(db, DAY, "潮流数码旗舰店")] == ["other-shop"]


def test_agent_daily_has_the_share_of_conversations_at_high_risk_and_a_review_takes_one_off(tmp_path, db_path):
    db = _day(tmp_path, db_path)
    rebuild_agent_daily(db)
    assert rows(db_path, "select high_risk, high_risk_rate from agent_daily where shop = '山野茶庄'") == [(2, 0.4)]
    (fid,), = rows(db_path, "select finding_id from findings where rule_id = 'CX01' and conversation_id = 'angry'")
    record_verdict(db, fid, "overturned", "客户后来确认已解决", "王质检")
    rebuild_agent_daily(db)
    assert rows(db_path, "select high_risk, high_risk_rate from agent_daily where shop = '山野茶庄'") == [(1, 0.2)]
    assert [e["conversation_id"] for e in follow_up_list(db, DAY, "山野茶庄")] == ["furious"]


def test_the_reports_show_the_list_link_each_conversation_and_name_them_on_the_coaching_sheet(tmp_path, db_path):
    db = _day(tmp_path, db_path)
    summary = build_reports(db, tmp_path / "out", DAY, lang="zh")
    page = (tmp_path / "out" / "followup.html").read_text(encoding="utf-8")
    anchor = follow_up_anchor("furious")
    assert "回访名单" in page and f'id="{anchor}"' in page and f'href="followup.html#{anchor}"' in page
    assert page.index("furious") < page.index(">angry<")
    assert "平台介入" in page  # the end of the conversation is shown with its entry
    sheet = next(p for p in summary.pages if "agent-" in p.name and "青青" in p.name and "山野茶庄" in p.name)
    coaching = sheet.read_text(encoding="utf-8")
    assert "需回访的高风险会话" in coaching and f"../followup.html#{anchor}" in coaching
    team = (tmp_path / "out" / "team.html").read_text(encoding="utf-8")
    assert "高风险占比" in team and "40.0%" in team
    wb = load_workbook(summary.xlsx)
    ws = wb["回访名单"]
    header = [c.value for c in ws[1]]
    listed = [dict(zip(header, [c.value for c in row])) for row in ws.iter_rows(min_row=2)]
    assert [r["会话"] for r in listed if r["店铺"] == "山野茶庄"] == ["furious", "angry"]
    agents = wb["客服"]
    head = [c.value for c in agents[1]]
    assert "高风险占比" in head and "高风险会话" in head


def test_a_day_without_high_risk_has_an_empty_list(tmp_path, db_path):
    audit([write_jsonl(tmp_path / "d.jsonl", [conversation("calm", lines=CALM)])], db_path)
    data = load_report_data(open_db(db_path), DAY)
    assert data.follow_up == []
    assert rows(db_path, "select high_risk, high_risk_rate from agent_daily") == [(0, 0.0)]
