"""The 千牛 web full-text loader (CSV and XLSX): chat cells with sender and time lines, noise dropped."""
import csv
import io

from openpyxl import Workbook

from qc_engine.ingest.loaders import detect_loader
from qc_plugins.loaders.csv import CsvLoader
from qc_plugins.loaders.qianniu_web import QianniuWebLoader
from renderers import essentials, load_all, render_qianniu_web_rows, write

CHAT = ("请在客户端查看原始聊天记录，网页版无法展示\n"
        "tea_fan\n23:59:50\n在吗\x07\n"
        "山野茶庄:服务助手\n23:59:51\n亲，客服明天9点上班\n"
        "山野茶庄:青青\n00:00:20\n您好\n还在吗\n"
        "没有更多内容了")


def rows_to_csv(rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def test_chat_cells_become_conversations(tmp_path):
    text = rows_to_csv([["买家", "日期", "聊天内容"], ["tea_fan", "2026-11-20", CHAT], ["x", "2026-11-20", "没有时间的内容"]])
    records, rejected = load_all(QianniuWebLoader(), write(tmp_path / "web.csv", text, "gb18030"))
    data = records[0].data
    assert (data["shop"], data["customer"], records[0].line) == ("山野茶庄", "tea_fan", 2)
    assert [(m["ts"], m["role"], m["text"]) for m in data["messages"]] == [
        ("2026-11-20T23:59:50", "customer", "在吗"), ("2026-11-20T23:59:51", "bot", "亲，客服明天9点上班"),
        ("2026-11-21T00:00:20", "agent", "您好\n还在吗")]
    assert [(r.line, "no HH:MM:SS" in r.reason) for r in rejected] == [(14, True)]


def test_time_before_sender_layout_and_xlsx(tmp_path):
    chat = "10:00:00\nbuyer9\n有货吗\n10:00:30\n山野茶庄:小禾\n有的"
    book = Workbook()
    sheet = book.active
    sheet.append(["客户昵称", "日期", "聊天内容"])
    sheet.append(["buyer9", "2026-11-20", chat])
    path = tmp_path / "web.xlsx"
    book.save(path)
    assert detect_loader(path, [QianniuWebLoader(), CsvLoader()]).name == "qianniu_web"
    records, rejected = load_all(QianniuWebLoader(), path)
    assert rejected == []
    assert [(m["ts"], m["role"], m["sender"], m["text"]) for m in records[0].data["messages"]] == [
        ("2026-11-20T10:00:00", "customer", "buyer9", "有货吗"), ("2026-11-20T10:00:30", "agent", "山野茶庄:小禾", "有的")]


def test_rendered_conversations_load_back(tmp_path):
    convs = [{"shop": "山野茶庄", "customer": "c1", "messages": [
        {"ts": "2026-11-20T09:00:00", "role": "customer", "sender": "c1", "text": "你好"},
        {"ts": "2026-11-20T09:00:05", "role": "bot", "sender": "山野茶庄:店小蜜", "text": "欢迎\n光临"},
        {"ts": "2026-11-20T09:01:00", "role": "agent", "sender": "山野茶庄:青青", "text": "[商品] 福鼎白茶 ¥138"}]}]
    records, _ = load_all(QianniuWebLoader(), write(tmp_path / "w.csv", rows_to_csv(render_qianniu_web_rows(convs)), "utf-8-sig"))
    assert [essentials(r.data) for r in records] == [essentials(c) for c in convs]
    assert records[0].data["messages"][2]["type"] == "goods_card"
