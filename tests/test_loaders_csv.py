"""The generic CSV loader: default and mapped columns, roles from senders, broken rows."""
import pytest

from qc_engine.ingest.loaders import detect_loader
from qc_plugins.loaders.csv import CsvLoader, parse_ts
from qc_plugins.loaders.jsonl import JsonlLoader
from qc_plugins.loaders.qianniu_web import QianniuWebLoader
from qc_plugins.loaders.wangwang import WangwangLoader
from renderers import load_all, write

CSV = """conversation_id,shop,ts,role,sender,text
c1,萌宠用品店,2026-11-20 10:00:00,customer,喵星人,猫粮有试吃装吗
c1,萌宠用品店,2026-11-20 10:00:01,bot,萌宠用品店:店小蜜,亲，欢迎光临～
c1,萌宠用品店,2026-11-20 10:00:40,agent,萌宠用品店:小美,"有的亲
50克一袋，""新客""免费"
c2,萌宠用品店,2026-11-20 10:05:00,customer,狗子爸,在吗
c2,萌宠用品店,2026-11-20 10:05:99,agent,萌宠用品店:小美,在的
c3,萌宠用品店,2026/11/20 10:07:00,顾客,柴柴,多久发货
,萌宠用品店,2026-11-20 10:07:05,agent,萌宠用品店:小美,没有会话号
c3,萌宠用品店,2026-11-20T10:07:30+08:00,客服,萌宠用品店:小美,今天发
c2,萌宠用品店,2026-11-20 10:06:00,customer,狗子爸,？
"""


def load(tmp_path, text=CSV, encoding="utf-8-sig", name="chats.csv", **options):
    return load_all(CsvLoader(), write(tmp_path / name, text, encoding, "\r\n"), **options)


def test_rows_become_conversations_with_roles_times_and_multi_line_text(tmp_path):
    records, _ = load(tmp_path)
    by_id = {r.data["conversation_id"]: r for r in records}
    c1 = by_id["c1"].data
    assert (c1["shop"], c1["customer"]) == ("萌宠用品店", "喵星人")
    assert [(m["ts"], m["role"]) for m in c1["messages"]] == [
        ("2026-11-20T10:00:00", "customer"), ("2026-11-20T10:00:01", "bot"), ("2026-11-20T10:00:40", "agent")]
    assert c1["messages"][2]["text"] == '有的亲\n50克一袋，"新客"免费'
    c3 = by_id["c3"].data  # Chinese role words, slashes and offsets in times, rows not contiguous
    assert [(m["ts"], m["role"]) for m in c3["messages"]] == [
        ("2026-11-20T10:07:00", "customer"), ("2026-11-20T10:07:30+08:00", "agent")]
    assert by_id["c1"].line == 2 and by_id["c3"].line == 8


def test_broken_rows_are_rejected_with_their_line_and_the_rest_is_read(tmp_path):
    records, rejected = load(tmp_path, encoding="gbk")
    assert sorted(r.data["conversation_id"] for r in records) == ["c1", "c3"]
    assert [(r.line, r.reason.split(":")[0]) for r in rejected] == [(9, "line 9"), (7, "line 7")]
    assert "conversation id" in rejected[0].reason
    assert "broken time" in rejected[1].reason and "'c2'" in rejected[1].reason


def test_other_column_names_and_roles_from_sender_patterns(tmp_path):
    text = "会话ID,店铺,发送时间,发送人,消息内容\n" \
           "x1,山野茶庄,1795140000,山野茶庄:青青,您好\n" \
           "x1,山野茶庄,1795140030000,tea_01,在吗\n" \
           "x1,山野茶庄,1795140040,kf-9527,请稍等\n"
    records, rejected = load(tmp_path, text, "utf-8", extra={"csv_role_patterns": {"agent": [r"^kf-"]}})
    assert rejected == []
    msgs = records[0].data["messages"]
    assert [m["role"] for m in msgs] == ["agent", "customer", "agent"]
    assert msgs[0]["ts"] == "2026-11-20T10:00:00+08:00" and msgs[1]["ts"] == "2026-11-20T10:00:30+08:00"
    mapped = "id;when;who;what\ny1;2026-11-20 10:00:00;buyer;hi\n"
    records, rejected = load(tmp_path, mapped, name="m.csv", shop="山野茶庄",
                             extra={"csv_columns": {"conversation_id": "id", "ts": "when", "sender": "who", "text": "what"}})
    assert rejected == [] and records[0].data["shop"] == "山野茶庄"


def test_a_header_without_the_needed_columns_is_reported(tmp_path):
    records, rejected = load(tmp_path, "a,b,text\n1,2,3\n")
    assert records == [] and rejected[0].line == 1 and "conversation_id, ts" in rejected[0].reason


@pytest.mark.parametrize("value, expected", [
    ("2026-11-20 10:00:00", "2026-11-20T10:00:00"), ("2026/1/2 3:04:05", "2026-01-02T03:04:05"),
    ("2026-11-20T10:00:00Z", "2026-11-20T10:00:00+00:00"), ("2026-11-20 10:00:00.250+0800", "2026-11-20T10:00:00.250000+08:00"),
    ("1795140000", "2026-11-20T10:00:00+08:00"),
])
def test_time_formats(value, expected):
    assert parse_ts(value, "Asia/Shanghai") == expected


@pytest.mark.parametrize("value", ["2026-13-01 10:00:00", "yesterday", "2026-11-20 25:00:00", ""])
def test_broken_times(value):
    with pytest.raises(ValueError):
        parse_ts(value, "Asia/Shanghai")


def test_sniff_leaves_qianniu_web_exports_and_jsonl_to_their_loaders(tmp_path):
    loaders = [CsvLoader(), QianniuWebLoader(), WangwangLoader(), JsonlLoader()]
    ours = write(tmp_path / "a.csv", CSV)
    assert detect_loader(ours, loaders).name == "csv"
    qianniu = write(tmp_path / "b.csv", "买家,日期,聊天内容\nbuyer,2026-11-20,\"buyer\n10:00:00\n在吗\"\n", "gbk")
    assert CsvLoader().sniff(qianniu, qianniu.read_bytes()) == 0.0
    jsonl = write(tmp_path / "c.jsonl", '{"conversation_id": "x", "shop": "s", "messages": []}\n')
    assert CsvLoader().sniff(jsonl, jsonl.read_bytes()) == 0.0
