"""One record never costs the day: each hostile record is rejected (or repaired) alone, and the counts add up per file."""
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qc_engine.cli import cli
from qc_engine.ingest.encoding import detect_encoding

from conftest import audit, conversation, rows

HOSTILE_LINES = [
    "[" * 1000,
    '{"conversation_id": ' + "[" * 5000 + "]" * 5000 + "}",
    json.dumps(conversation("far", day="9999-12-31")),
    json.dumps(conversation("zero", day="0001-01-01")),
    json.dumps(conversation("z", lines=(("00:00:00", "customer", "在吗"),), day="0001-01-01")),
    json.dumps({**conversation("tz"), "messages": [{"ts": "9999-12-31T23:59:59-12:00", "role": "agent", "text": "x"}]}),
    "not json",
    "",
]


def good(cid, text="在吗"):
    return json.dumps(conversation(cid, lines=(("10:00:00", "customer", text), ("10:00:08", "agent", "您好"))),
                      ensure_ascii=False)


def counts_per_file(db):
    audited = dict(rows(db, "select source_file, count(*) from conversations group by source_file"))
    rejected = dict(rows(db, "select source_file, count(*) from rejected group by source_file"))
    return audited, rejected


@settings(max_examples=30)
@given(st.lists(st.one_of(st.sampled_from(HOSTILE_LINES), st.just(None)), min_size=1, max_size=12))
def test_hostile_lines_among_good_ones_cost_only_themselves(tmp_path_factory, picks):
    folder = Path(tmp_path_factory.mktemp("day"))
    lines, good_ids = [], []
    for i, pick in enumerate(picks):
        if pick is None:
            good_ids.append(f"g{i}")
            lines.append(good(f"g{i}"))
        else:
            lines.append(pick)
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "qc.db"
    summary = audit([folder / "a.jsonl"], db)
    assert rows(db, "select status from runs") == [("complete",)]
    assert sorted(r[0] for r in rows(db, "select conversation_id from conversations")) == sorted(good_ids)
    assert summary.read == summary.audited + summary.rejected == sum(1 for line in lines if line.strip())


def test_times_a_chat_cannot_have_are_rejected_with_the_reason(tmp_path, db_path):
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join([good("a"), HOSTILE_LINES[2], HOSTILE_LINES[3], HOSTILE_LINES[5]]) + "\n")
    summary = audit([path], db_path)
    assert (summary.audited, summary.rejected) == (1, 3)
    reasons = [r[0] for r in rows(db_path, "select reason from rejected order by line")]
    assert all("ts" in r for r in reasons), reasons
    assert rows(db_path, "select line from rejected order by line") == [(2,), (3,), (4,)]


def test_a_cut_emoji_keeps_its_message(tmp_path, db_path):
    path = tmp_path / "a.jsonl"
    path.write_text(good("a").replace("在吗", "在吗\\ud83d") + "\n" + good("b").replace("在吗", "\\ude00好") + "\n")
    summary = audit([path], db_path)
    assert (summary.audited, summary.rejected) == (2, 0)
    assert sorted(r[0] for r in rows(db_path, "select text from messages where role = 'customer'")) == ["在吗\ufffd", "\ufffd好"]


def test_a_file_name_that_is_not_utf8_is_stored(tmp_path, db_path):
    name = os.fsdecode(b"export-\xff.jsonl")
    path = tmp_path / name
    path.write_text(good("a") + "\nbroken\n", encoding="utf-8")
    summary = audit([tmp_path], db_path)
    assert (summary.audited, summary.rejected) == (1, 1)


def test_reports_survive_control_characters_and_stored_extreme_days(tmp_path, db_path):
    path = tmp_path / "a.jsonl"
    lines = (("10:00:00", "customer", "在吗"), ("10:00:08", "agent", "滚\b你妈\x1b[31m \x00 =1+1"))
    path.write_text("\n".join(json.dumps(conversation(c, lines=lines)) for c in ("a", "b", "c")) + "\n")
    audit([path], db_path)
    con = sqlite3.connect(db_path)
    con.execute("update conversations set day = '9999-12-31' where conversation_id = 'b'")  # as an older version stored them
    con.execute("update conversations set day = '0001-01-01' where conversation_id = 'c'")
    con.commit()
    con.close()
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2026-11-20" in result.output
    for day in ("0001-01-01", "9999-12-31", "2026-13-45"):
        result = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--out", str(out), "--date", day])
        assert result.exit_code != 0 and result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
    assert (out / "qc-report-2026-11-20.xlsx").exists()


def test_the_wecom_archive_goes_on_past_broken_lines(tmp_path, db_path):
    def msg(i, frm, to, text):
        return json.dumps({"msgid": str(i), "action": "send", "from": frm, "tolist": [to], "msgtime": 1763604000000 + i * 1000,
                           "msgtype": "text", "text": {"content": text}}, ensure_ascii=False)
    lines = ["not json", msg(1, "wmA", "zhang", "在吗"), "[" * 1000, '{"msgid": "x", "msgtime": 1e300, "from": "wmA", "tolist": []}',
             json.dumps({"msgid": "y", "msgtime": 1, "from": "wmA", "tolist": [], "msgtype": "text", "text": "flat"}),
             msg(2, "zhang", "wmA", "在的\ud83d"), msg(3, "wmB", "li", "hi")]
    (tmp_path / "w.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    summary = audit([tmp_path / "w.jsonl"], db_path)
    texts = sorted(r[0] for r in rows(db_path, "select text from messages"))
    assert "hi" in texts and "在吗" in texts
    assert summary.read == summary.audited + summary.rejected
    assert summary.rejected >= 3


def test_a_binary_stretch_or_a_foreign_first_line_costs_only_its_lines(tmp_path, db_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "binary.jsonl").write_bytes(good("b1").encode() + b"\n" + bytes(range(256)) * 12 + b"\n" + good("b2").encode() + b"\n")
    (folder / "header.jsonl").write_bytes(b"# exported 2026-11-20\n" + good("h1").encode() + b"\n")
    (folder / "header.txt").write_bytes(b"junk\n" + good("t1").encode() + b"\n")
    stray = good("s1").encode().replace("在吗".encode(), "在吗".encode() + b"\xff")
    (folder / "stray.jsonl").write_bytes(good("s0").encode() + b"\n" + stray + b"\n" + good("s2").encode() + b"\n")
    summary = audit([folder], db_path)
    stored = {r[0] for r in rows(db_path, "select conversation_id from conversations")}
    assert stored == {"b1", "b2", "h1", "t1", "s0", "s2"}
    assert summary.skipped_files == []
    assert not any("\ufffd" in r[0] or "锟" in r[0] for r in rows(db_path, "select text from messages"))
    audited, rejected = counts_per_file(db_path)
    assert rejected[str(folder / "stray.jsonl")] == 1 and audited[str(folder / "stray.jsonl")] == 2


def test_big5_is_read_as_big5(tmp_path, db_path):
    text = "請問這個多少錢，還有貨嗎？我們想買兩個"
    line = json.dumps(conversation("b5", lines=(("10:00:00", "customer", text), ("10:00:08", "agent", "您好，有貨的"))), ensure_ascii=False)
    (tmp_path / "a.jsonl").write_bytes(line.encode("cp950") + b"\n")
    audit([tmp_path / "a.jsonl"], db_path)
    assert rows(db_path, "select text from messages where role = 'customer'") == [(text,)]


@pytest.mark.parametrize("text", ["请问这个多少钱，还有货吗", "請問這個多少錢，還有貨嗎"])
def test_gbk_text_simplified_or_traditional_stays_gbk(text):
    assert detect_encoding(text.encode("gbk") * 20, complete=True) == "gb18030"


def test_utf8_with_one_stray_byte_is_not_read_as_gbk():
    assert detect_encoding("你好".encode() + b"\xff", complete=True) == "utf-8"
    assert detect_encoding("在吗".encode() + b"\x80" + "你好".encode(), complete=True) == "utf-8"


def _workbook(path: Path, chat: str, edit=None, extra: dict | None = None) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["客户昵称", "日期", "聊天内容"])
    sheet.append(["buyer9", "2026-11-20", chat])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, edit(info.filename, data) if edit else data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    plain.unlink()
    return path


CHAT = "10:00:00\nbuyer9\n有货吗\n10:00:30\n山野茶庄:小禾\n有的"


def test_a_workbook_that_claims_the_whole_sheet_is_read_as_it_is(tmp_path, db_path):
    import re

    def lie(name, data):
        return re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data) if name.endswith("sheet1.xml") else data

    folder = tmp_path / "in"
    folder.mkdir()
    _workbook(folder / "web.xlsx", CHAT, lie)
    summary = audit([folder], db_path)
    assert (summary.audited, summary.rejected) == (1, 0)


def test_a_workbook_of_too_many_shared_strings_is_one_rejection(tmp_path, db_path, monkeypatch):
    from qc_engine.ingest import xlsx

    monkeypatch.setattr(xlsx, "MAX_SHARED_STRINGS", 1000)
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si><t>x</t></si>" * 5000 + b"</sst>"
    folder = tmp_path / "in"
    folder.mkdir()
    _workbook(folder / "web.xlsx", CHAT, extra={"xl/sharedStrings.xml": strings})
    summary = audit([folder], db_path)
    assert (summary.audited, summary.rejected) == (0, 1)
    assert "shared strings" in rows(db_path, "select reason from rejected")[0][0]


def test_a_workbook_bomb_is_refused_from_its_sizes(tmp_path, monkeypatch):
    from qc_engine.ingest import xlsx
    from qc_engine.ingest.xlsx import WorkbookError, check_workbook

    monkeypatch.setattr(xlsx, "MAX_SHARED_STRINGS_BYTES", 1024 * 1024)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (3 * 1024 * 1024) + b"</sst>")
    with pytest.raises(WorkbookError):
        check_workbook(path)


def test_a_rerun_replaces_the_rejections_of_the_files_it_reads_again(tmp_path, db_path):
    path = tmp_path / "a.jsonl"
    path.write_text(good("a") + "\nbroken\n" + good("a") + "\n")
    for _ in range(3):
        summary = audit([path], db_path)
        assert (summary.read, summary.audited, summary.rejected) == (3, 1, 2)
    assert rows(db_path, "select count(*) from rejected") == [(2,)]
    path.write_text(good("a") + "\n")
    audit([path], db_path)
    assert rows(db_path, "select count(*) from rejected") == [(0,)]
