"""`qc report`: the pages, CSV files and workbook show the store's figures, masked, escaped, per shop."""
import csv
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qc_engine.cli import cli
from qc_engine.reports import build_reports
from qc_engine.reports.tables import cleaned, write_csv
from qc_engine.review.verdicts import add_manual_finding, record_verdict
from qc_engine.review.rollup import rebuild_agent_daily
from qc_engine.store import open_db

from test_rollup import DAY, OTHER_SHOP, PHONE, SHOP, chat, day_of_chats, build_store, finding_id

HOSTILE = "<script>alert('x')</script>我们是全网最低价"


def report_chats():
    chats = day_of_chats()
    chats.append(chat("x1", SHOP, "小禾", ["在吗", HOSTILE, "好", "感谢您的咨询，祝您生活愉快"], minute=5))
    return chats


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("reports"), report_chats())


@pytest.fixture
def db_path(store, tmp_path):
    copy = tmp_path / "qc.db"
    copy.write_bytes(store.read_bytes())
    return copy


def run_report(db_path: Path, out: Path, *extra) -> str:
    lang = [] if "--lang" in extra else ["--lang", "zh"]
    result = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--out", str(out), *lang, *map(str, extra)])
    assert result.exit_code == 0, result.output
    return result.output


def all_text(out: Path) -> str:
    """Every report file as text, the workbook's XML included."""
    parts = []
    for path in out.rglob("*"):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                parts.extend(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def agents_csv(out: Path) -> dict[str, dict]:
    with open(out / "csv" / "agents.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    return {r[2]: dict(zip(rows[0], r)) for r in rows[1:]}


def test_every_page_and_download_is_written_and_linked(db_path, tmp_path):
    out = tmp_path / "out"
    text = run_report(db_path, out, "--date", DAY)
    assert "index.html" in text
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#]+)"', index)
    assert {"team.html", "sample.html", f"qc-report-{DAY}.xlsx", "csv/agents.csv"} <= set(links)
    for link in links:
        assert (out / link).is_file(), link
    assert len(list((out / "shops").glob("*.html"))) == 2
    assert len(list((out / "agents").glob("*.html"))) == 3
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and "@media print" in html
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html


def test_figures_match_the_store(db_path, tmp_path):
    out = tmp_path / "out"
    run_report(db_path, out)
    db = open_db(db_path)
    stored = {r["agent"]: r for r in db.query("select * from agent_daily where day = ?", [DAY])}
    shown = agents_csv(out)
    assert set(shown) == set(stored)
    for agent, row in stored.items():
        assert float(shown[agent]["平均得分"]) == pytest.approx(row["score_avg"])
        assert int(shown[agent]["接待数"]) == row["conversations"]
    wb = load_workbook(out / f"qc-report-{DAY}.xlsx")
    shops = {r[1]: r for r in wb["店铺日报"].iter_rows(min_row=2, values_only=True)}
    count = db.execute("select count(*) from conversations where shop = ? and day = ?", [SHOP, DAY]).fetchone()[0]
    assert shops[SHOP][2] == count
    findings = [r for r in wb["问题明细"].iter_rows(min_row=2, values_only=True)]
    assert len(findings) == db.execute("select count(*) from findings where day = ?", [DAY]).fetchone()[0]


def test_an_overturned_finding_changes_the_next_report(db_path, tmp_path):
    run_report(db_path, tmp_path / "before")
    before = float(agents_csv(tmp_path / "before")[f"{SHOP}:青青"]["平均得分"])
    db = open_db(db_path)
    fid = finding_id(db, "a2", "FP01")
    record_verdict(db, fid, "overturned", "比价属实", "王质检")
    run_report(db_path, tmp_path / "after")
    after = float(agents_csv(tmp_path / "after")[f"{SHOP}:青青"]["平均得分"])
    assert after == pytest.approx(before + 5 / 3, abs=0.01)
    sheet = next((tmp_path / "after" / "agents").glob("*青青*.html")).read_text(encoding="utf-8")
    review_log = sheet.split("复核记录", 1)[1]
    assert "FP01" in review_log and "王质检" in review_log and "比价属实" in review_log
    assert "FP01" not in sheet.split("复核记录", 1)[0]  # no longer among the findings that count


def test_manual_findings_show_apart_from_automatic_ones(db_path, tmp_path):
    add_manual_finding(open_db(db_path), "b1", "script_adherence", "没有推荐搭配商品", message_index=1, points=3, reviewer="王质检")
    run_report(db_path, tmp_path / "out")
    sheet = next((tmp_path / "out" / "agents").glob("*小禾*.html")).read_text(encoding="utf-8")
    assert "人工质检发现" in sheet and "没有推荐搭配商品" in sheet and "系统判定" in sheet


def test_a_shop_report_has_only_that_shops_data(db_path, tmp_path):
    out = tmp_path / "out"
    run_report(db_path, out, "--shop", OTHER_SHOP)
    text = all_text(out)
    assert OTHER_SHOP in text
    assert SHOP not in text and "青青" not in text


def test_no_unmasked_personal_data_and_chat_text_is_escaped(db_path, tmp_path):
    out = tmp_path / "out"
    run_report(db_path, out)
    text = all_text(out)
    assert PHONE not in text and "138****5678" in text
    assert not any("<script" in page.read_text(encoding="utf-8") for page in out.rglob("*.html"))
    sheet = next((out / "agents").glob("*小禾*.html")).read_text(encoding="utf-8")
    assert "&lt;script&gt;" in sheet


def test_coaching_sheet_puts_the_top_three_first_with_context(db_path, tmp_path):
    out = tmp_path / "out"
    run_report(db_path, out)
    sheet = next((out / "agents").glob("*青青*.html")).read_text(encoding="utf-8")
    assert sheet.index("今天最需要改进的三件事") < sheet.index("质检得分") < sheet.index("问题明细")
    top = sheet.split('<ol class="top3">', 1)[1].split("</ol>", 1)[0]
    assert top.count("<li>") == 2 and top.index("隐私泄露") < top.index("违规用语")  # red line first
    assert 'class="flag"' in sheet and "<svg" in sheet
    assert "不要使用绝对化用语" in sheet  # what the rule expected instead


def test_english_reports(db_path, tmp_path):
    out = tmp_path / "out"
    run_report(db_path, out, "--lang", "en")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Team overview" in index and 'lang="en"' in index


def test_reports_for_an_empty_store_or_unknown_day_fail_in_one_line(db_path, tmp_path):
    result = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--date", "2030-01-01", "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "no conversations on 2030-01-01" in result.output
    result = CliRunner().invoke(cli, ["report", "--db", str(tmp_path / "missing.db"), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "no store" in result.output


def test_spreadsheet_formulas_in_chat_text_stay_text(tmp_path):
    paths = write_csv(tmp_path, cleaned({"t": (["a", "b"], [["=HYPERLINK(\"http://x\")", 3]])}))
    with open(paths["t"], encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "3"]


def test_build_reports_twice_drops_pages_it_made_that_are_no_longer_there_and_nothing_else(db_path, tmp_path):
    out = tmp_path / "out"
    kept = [out / "agents" / "my-notes.html", out / "csv" / "mine.csv", out / "shops" / "x.txt"]
    for path in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine", encoding="utf-8")
    first = build_reports(open_db(db_path), out, DAY)
    assert first.day == DAY and first.shops == sorted([SHOP, OTHER_SHOP])
    other = [p for p in first.pages if p.parent.name in ("agents", "shops") and OTHER_SHOP in p.read_text(encoding="utf-8")
             and SHOP not in p.read_text(encoding="utf-8")]
    assert other
    second = build_reports(open_db(db_path), out, DAY, shop=SHOP)
    assert second.shops == [SHOP]
    assert not any(p.exists() for p in other)  # made by the first report, not by this one
    assert all(p.exists() for p in second.pages + second.csv_files + [second.xlsx])
    assert all(p.read_text(encoding="utf-8") == "mine" for p in kept)


def test_a_report_that_fails_leaves_the_previous_one_in_place(db_path, tmp_path, monkeypatch):
    import qc_engine.reports as reports

    out = tmp_path / "out"
    first = build_reports(open_db(db_path), out, DAY)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reports.html, "team_page", broken)
    with pytest.raises(RuntimeError):
        build_reports(open_db(db_path), out, DAY, shop=SHOP)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert first.xlsx.exists()


def test_a_shop_report_of_another_day_leaves_no_stale_workbook(db_path, tmp_path):
    import sqlite3

    con = sqlite3.connect(db_path)
    con.execute("update conversations set day = '2026-11-19' where rowid = (select min(rowid) from conversations)")
    shop, = con.execute("select shop from conversations where day = '2026-11-19'").fetchone()
    con.commit()
    con.close()
    out = tmp_path / "shop"
    old = build_reports(open_db(db_path), out, "2026-11-19", shop=shop)
    new = build_reports(open_db(db_path), out, DAY, shop=shop)
    assert new.xlsx.exists() and not old.xlsx.exists()


def test_datasette_canned_queries_run_on_a_store(db_path):
    import sqlite3

    import yaml

    from conftest import ROOT

    meta = yaml.safe_load((ROOT / "docs" / "datasette-metadata.yaml").read_text(encoding="utf-8"))
    rebuild_agent_daily(open_db(db_path))  # what every audit does at its end
    con = sqlite3.connect(db_path)
    for name, query in meta["databases"]["qc"]["queries"].items():
        rows = con.execute(query["sql"], {"day": DAY, "conversation_id": "a2"}).fetchall()
        assert rows or name == "review_log" or name == "todays_sample", name
