"""agent_daily: rebuilt from the audit tables, following human verdicts, never touching the sales columns."""
import json
from pathlib import Path

import pytest

from qc_engine.review.verdicts import add_manual_finding, record_verdict
from qc_engine.review.rollup import rebuild_agent_daily
from qc_engine.run.runner import AuditOptions, run_audit
from qc_engine.store import open_db

DAY = "2026-11-20"
PREVIOUS_DAY = "2026-11-19"
SHOP = "山野茶庄"
OTHER_SHOP = "萌宠用品店"
PHONE = "13812345678"

GOOD = ["在吗", "您好，在的，有什么可以帮您", "好的谢谢", "感谢您的咨询，祝您生活愉快"]
AD_TERM = ["在吗", "您好，我们是全网最低价", "好的谢谢", "感谢您的咨询，祝您生活愉快"]  # FP01, major, 5 points
LURE = ["在吗", "您好，加我微信 abc12345 私聊", "好的谢谢", "感谢您的咨询，祝您生活愉快"]  # FP02, red line
LEAK = [f"我电话{PHONE}", f"您好，您的电话是{PHONE}对吧", "好的谢谢", "感谢您的咨询，祝您生活愉快"]  # PV01, red line


def chat(cid: str, shop: str, agent: str, texts: list[str], day: str = DAY, minute: int = 0) -> dict:
    """A conversation in the JSONL shape: customer and agent take turns, 10 s apart."""
    messages = []
    for i, text in enumerate(texts):
        role = "customer" if i % 2 == 0 else "agent"
        sender = f"buyer_{cid}" if role == "customer" else f"{shop}:{agent}"
        messages.append({"ts": f"{day}T10:{minute:02d}:{i * 10:02d}+08:00", "role": role, "sender": sender, "text": text})
    return {"conversation_id": cid, "shop": shop, "platform": "taobao", "customer": f"buyer_{cid}", "messages": messages}


def day_of_chats() -> list[dict]:
    """Two shops, three agents, two days: known findings in known places."""
    return [
        chat("a1", SHOP, "青青", GOOD), chat("a2", SHOP, "青青", AD_TERM, minute=1), chat("a3", SHOP, "青青", LEAK, minute=2),
        chat("b1", SHOP, "小禾", GOOD), chat("b2", SHOP, "小禾", LURE, minute=1),
        chat("p1", SHOP, "青青", GOOD, day=PREVIOUS_DAY), chat("p2", SHOP, "青青", GOOD, day=PREVIOUS_DAY, minute=1),
        chat("o1", OTHER_SHOP, "豆豆", AD_TERM), chat("o2", OTHER_SHOP, "豆豆", GOOD, minute=1),
    ]


def build_store(tmp_path: Path, chats: list[dict] | None = None) -> Path:
    """Audit the chats into a fresh store and return its path."""
    src = tmp_path / "day.jsonl"
    src.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in (chats or day_of_chats())) + "\n", encoding="utf-8")
    db = tmp_path / "qc.db"
    run_audit(AuditOptions(inputs=[src], db=db, workers=1))
    return db


def finding_id(db, conversation_id: str, rule_id: str) -> str:
    return db.execute("select finding_id from findings where conversation_id = ? and rule_id = ?",
                      [conversation_id, rule_id]).fetchone()[0]


def agent_row(db, agent: str, day: str = DAY, shop: str = SHOP) -> dict:
    rows = list(db.query("select * from agent_daily where shop = ? and agent = ? and day = ?", [shop, f"{shop}:{agent}", day]))
    return rows[0] if rows else {}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("rollup"))


@pytest.fixture
def db(store, tmp_path):
    copy = tmp_path / "qc.db"
    copy.write_bytes(store.read_bytes())
    handle = open_db(copy)
    yield handle
    handle.close()


def test_rollup_matches_the_conversations_table(db):
    assert rebuild_agent_daily(db) == 4
    qing = agent_row(db, "青青")
    scores = [r[0] for r in db.execute("select score from conversations where primary_agent = ? and day = ?",
                                       [f"{SHOP}:青青", DAY]).fetchall()]
    assert qing["conversations"] == 3
    assert qing["score_avg"] == pytest.approx(round(sum(scores) / 3, 2))
    assert qing["score_avg"] == pytest.approx((100 + 95 + 0) / 3, abs=0.01)
    assert qing["red_lines"] == 1
    assert qing["findings"] == db.execute("select count(*) from findings where agent = ? and day = ?",
                                          [f"{SHOP}:青青", DAY]).fetchone()[0]
    assert agent_row(db, "青青", PREVIOUS_DAY)["score_avg"] == 100


def test_response_figures_are_sums_and_ratios_of_the_metrics(db):
    rebuild_agent_daily(db, {(SHOP, DAY)})
    row = agent_row(db, "小禾")
    sums = dict(db.execute(
        "select m.name, sum(m.value) from metrics m join conversations c using (conversation_id)"
        " where m.agent = ? and c.day = ? group by m.name", [f"{SHOP}:小禾", DAY]).fetchall())
    assert row["rounds"] == sums.get("rounds", 0)
    assert row["answered_rounds"] == sums.get("answered_rounds", 0)
    if row["answered_rounds"]:
        assert row["avg_response_time"] == pytest.approx(row["response_time_sum"] / row["answered_rounds"], abs=0.1)
    if row["customer_messages"]:
        assert row["answer_ratio"] == pytest.approx(row["agent_messages"] / row["customer_messages"], abs=0.001)


def test_only_the_requested_days_are_rebuilt(db):
    with db.conn:
        db.execute("delete from agent_daily")  # the audit already built every day it touched
    rebuild_agent_daily(db, {(SHOP, DAY)})
    assert agent_row(db, "豆豆", shop=OTHER_SHOP) == {}
    assert agent_row(db, "青青", PREVIOUS_DAY) == {}
    assert agent_row(db, "青青")["conversations"] == 3


def test_an_overturned_finding_stops_counting_and_a_confirm_brings_it_back(db):
    rebuild_agent_daily(db)
    fid = finding_id(db, "a2", "FP01")
    record_verdict(db, fid, "overturned", "描述属实", "王质检")
    assert agent_row(db, "青青")["score_avg"] == pytest.approx((100 + 100 + 0) / 3, abs=0.01)
    assert db.execute("select count(*) from findings where finding_id = ?", [fid]).fetchone()[0] == 1  # kept in the store
    record_verdict(db, fid, "confirmed", "复查后确认", "李组长")
    assert agent_row(db, "青青")["score_avg"] == pytest.approx((100 + 95 + 0) / 3, abs=0.01)


def test_overturning_the_red_line_restores_the_conversation_score(db):
    record_verdict(db, finding_id(db, "b2", "FP02"), "overturned", "客户要求的官方售后群", "王质检")
    row = agent_row(db, "小禾")
    assert row["red_lines"] == 0
    assert row["score_avg"] > 50


def test_manual_findings_deduct_points_and_count(db):
    rebuild_agent_daily(db)
    before = agent_row(db, "小禾")
    add_manual_finding(db, "b1", "script_adherence", "没有推荐搭配商品", message_index=1, points=6, reviewer="王质检")
    after = agent_row(db, "小禾")
    assert after["findings"] == before["findings"] + 1
    assert after["score_avg"] == pytest.approx(before["score_avg"] - 6 / 2, abs=0.01)


def test_sales_columns_survive_a_rebuild(db):
    rebuild_agent_daily(db)
    db.execute("update agent_daily set inquiries = 7, paid = 3, paid_amount = 99.5 where agent = ?", [f"{SHOP}:青青"])
    db.conn.commit()
    rebuild_agent_daily(db)
    row = agent_row(db, "青青")
    assert (row["inquiries"], row["paid"], row["paid_amount"]) == (7, 3, 99.5)
    assert row["conversations"] == 3


def test_an_agent_gone_after_a_reaudit_loses_the_row_unless_it_has_sales(db):
    rebuild_agent_daily(db)
    db.execute("update agent_daily set inquiries = 2 where agent = ?", [f"{SHOP}:小禾"])
    db.execute("insert into agent_daily (shop, agent, day, conversations) values (?, ?, ?, 5)", [SHOP, f"{SHOP}:离职", DAY])
    db.conn.commit()
    db.execute("delete from conversations where conversation_id in ('b1', 'b2')")
    db.conn.commit()
    rebuild_agent_daily(db, {(SHOP, DAY)})
    assert agent_row(db, "离职") == {}
    gone = agent_row(db, "小禾")
    assert gone["inquiries"] == 2 and gone["conversations"] is None
