"""Reports as an office uses them: a workbook Excel understands, durations in minutes, coaching order first."""
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from conftest import audit, conversation, write_jsonl
from qc_engine.reports import build_reports
from qc_engine.store import open_db
from qc_engine.text.durations import duration

DAY = "2026-11-20"


def _day(tmp_path, db_path):
    # 青青: high average but a red line (off-platform contact); 阿岚: no red line, slow replies.
    good = [conversation(f"q{i}", lines=(("10:00:00", "customer", "在吗"), ("10:00:05", "agent", "您好，在的")))
            for i in range(6)]
    red = {**conversation("qred", lines=(("11:00:00", "customer", "便宜点"), ("11:00:05", "agent", "加我微信私聊"))),}
    slow = []
    for i in range(3):
        c = conversation(f"s{i}", lines=(("12:00:00", "customer", "这款有货吗"), ("12:20:00", "agent", "您好，有货的")))
        for m in c["messages"]:
            if m["role"] == "agent":
                m["sender"] = "山野茶庄:阿岚"
        slow.append(c)
    audit([write_jsonl(tmp_path / "d.jsonl", good + [red] + slow)], db_path)
    return db_path


@pytest.mark.parametrize("seconds, zh, en", [
    (36, "36 秒", "36 s"), (125, "2 分 5 秒", "2 min 5 s"), (120, "2 分钟", "2 min"), (36008, "10 小时 0 分", "10 h 0 min"),
    (None, "—", "—"),
])
def test_durations_read_in_minutes_and_hours(seconds, zh, en):
    assert duration(seconds, "zh") == zh and duration(seconds, "en") == en


def test_workbook_has_chinese_sheets_filters_and_formatted_numbers(tmp_path, db_path):
    db = open_db(_day(tmp_path, db_path))
    summary = build_reports(db, tmp_path / "out", DAY, lang="zh")
    wb = load_workbook(summary.xlsx)
    assert {"店铺日报", "客服", "问题明细", "抽检清单"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    agents = wb["客服"]
    headers = [c.value for c in agents[1]]
    assert "首次响应" in headers and all(re.search(r"[a-z_]{4,}", h) is None for h in headers)  # no column left in English
    row = [c for c in agents[2]]
    by_header = dict(zip(headers, row))
    assert isinstance(by_header["日期"].value, datetime) and by_header["日期"].number_format == "yyyy-mm-dd"
    assert by_header["3分钟回复率"].number_format == "0.0%"
    first = by_header["首次响应"]
    assert first.number_format == "[h]:mm:ss" and isinstance(first.value, timedelta)  # Excel reads a duration
    english = load_workbook(build_reports(db, tmp_path / "en", DAY, lang="en").xlsx)
    assert {"Shops", "Agents", "Findings"} <= set(english.sheetnames)


def test_latency_findings_say_minutes_not_thousands_of_seconds(tmp_path, db_path):
    db = open_db(_day(tmp_path, db_path))
    reasons = [r for (r,) in db.execute("select reason from findings where category = 'latency'").fetchall()]
    assert reasons and all("分" in r for r in reasons)
    assert not any(re.search(r"\d{3,} 秒", r) for r in reasons)


def test_team_overview_and_index_put_agents_to_coach_first_and_say_why(tmp_path, db_path):
    db = open_db(_day(tmp_path, db_path))
    out = tmp_path / "out"
    build_reports(db, out, DAY, lang="zh")
    team = (out / "team.html").read_text(encoding="utf-8")
    ranking = team.split("需要辅导的在前", 1)[1]
    assert ranking.index("青青") < ranking.index("阿岚")  # a red line comes before a low score
    assert "1 次红线" in ranking and "低于团队平均" in ranking
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index("青青") < index.index("阿岚") and "1 次红线" in index
