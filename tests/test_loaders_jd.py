"""The JD 咚咚 chat-log loader on realistic logs, their variations and their broken parts."""
from qc_engine.ingest.loaders import detect_loader
from qc_plugins.loaders.csv import CsvLoader
from qc_plugins.loaders.jd_dongdong import JdDongdongLoader
from qc_plugins.loaders.wangwang import WangwangLoader
from renderers import load_all, write

START = "/*****************以下为一通会话************************************/"
END = "/*****************会话结束************************************/"
LOG = f"""{START}
j****db 2026-11-20 10:12:01
你好，这款耳机支持降噪吗
潮流数码旗舰店-京小智 2026-11-20 10:12:02
您好，我是智能客服京小智，正在为您转接人工客服

潮流数码旗舰店-小李 2026-11-20 10:12:40
您好，支持主动降噪的
续航大约30小时

j****db 2026-11-20 10:13:05
好的
{END}
{START}
 z***8 2026-11-20 11:00:00
发票怎么开
 潮流数码旗舰店-小王 2026-11-20 11:00:30
下单时选择电子发票即可
会话结束_时间：2026-11-20 11:05:00
{START}
a***m 2026-11-20 12:00:00
在吗
潮流数码旗舰店-小李 2026-11-20 12:00:61
在的
{END}
{START}
q****1 2026-11-20 13:00:00
这单怎么还没发货
{START}
w****9 2026-11-20 14:00:00
退货地址是哪里
jimi 2026-11-20 14:00:01
亲，退货请在订单页申请哦
潮流数码旗舰店-小王 2026-11-20 14:00:50
您好，我帮您查一下
{END}
{START}
k***s 2026-11-20 15:00:00
还在吗
"""


def load(tmp_path, text=LOG, encoding="gb18030", **options):
    path = write(tmp_path / "jd_chat.txt", text, encoding, "\r\n")
    return load_all(JdDongdongLoader(), path, **options)


def test_sessions_become_conversations_with_roles_times_and_multi_line_text(tmp_path):
    records, _ = load(tmp_path)
    first = records[0].data
    assert first["conversation_id"] == "jd:潮流数码旗舰店:j****db:2026-11-20T10:12:01"
    assert (first["shop"], first["platform"], first["customer"]) == ("潮流数码旗舰店", "jd", "j****db")
    assert [(m["role"], m["ts"]) for m in first["messages"]] == [
        ("customer", "2026-11-20T10:12:01"), ("bot", "2026-11-20T10:12:02"),
        ("agent", "2026-11-20T10:12:40"), ("customer", "2026-11-20T10:13:05")]
    assert first["messages"][2]["text"] == "您好，支持主动降噪的\n续航大约30小时"
    assert first["messages"][1]["text"] == "您好，我是智能客服京小智，正在为您转接人工客服"
    second = records[1].data  # leading spaces and the 会话结束_时间 end line
    assert [(m["role"], m["sender"]) for m in second["messages"]] == [("customer", "z***8"), ("agent", "潮流数码旗舰店:小王")]
    third = records[2].data
    assert [m["role"] for m in third["messages"]] == ["customer", "bot", "agent"]
    assert [r.line for r in records] == [1, 14, 29]


def test_broken_time_and_truncated_sessions_are_rejected_with_their_line(tmp_path):
    records, rejected = load(tmp_path)
    assert [r.line for r in rejected] == [23, 26, 37]
    assert "broken time" in rejected[0].reason and "2026-11-20 12:00:61" in rejected[0].raw
    assert "truncated" in rejected[1].reason and "line 29" in rejected[1].reason
    assert "truncated" in rejected[2].reason and "file ends" in rejected[2].reason
    assert len(records) == 3


def test_logs_without_end_markers_are_read_whole(tmp_path):
    text = "\n".join(line for line in LOG.splitlines() if "会话结束" not in line) + "\n"
    records, rejected = load(tmp_path, text)
    assert len(rejected) == 1 and "broken time" in rejected[0].reason
    assert [r.data["customer"] for r in records] == ["j****db", "z***8", "q****1", "w****9", "k***s"]


def test_agents_without_the_shop_prefix_and_the_shop_option(tmp_path):
    text = f"""{START}
顾客甲 2026-11-20 09:00:00
你好
小李 2026-11-20 09:00:20
您好
{END}
{START}
b****x 2026-11-20 09:10:00
在吗
小李 2026-11-20 09:10:20
在的
{END}
"""
    records, _ = load(tmp_path, text, "utf-8", shop="潮流数码旗舰店")
    assert [[m["role"] for m in r.data["messages"]] for r in records] == [["customer", "agent"], ["customer", "agent"]]
    assert {r.data["shop"] for r in records} == {"潮流数码旗舰店"}
    records, _ = load(tmp_path, text, "utf-8", agents=frozenset({"小李"}))
    assert [m["role"] for m in records[0].data["messages"]] == ["customer", "agent"]


def test_sniff_claims_jd_logs_only(tmp_path):
    loaders = [WangwangLoader(), JdDongdongLoader(), CsvLoader()]
    path = write(tmp_path / "jd.txt", LOG, "utf-16")
    assert detect_loader(path, loaders).name == "jd_dongdong"
    other = write(tmp_path / "ww.txt", "shop:a\n" + "=" * 64 + "\n单聊\n" + "=" * 64 + "\n")
    assert JdDongdongLoader().sniff(other, other.read_bytes()) == 0.0


def test_text_that_mentions_the_end_of_a_session_stays_text(tmp_path):
    text = f"{START}\nj****db 2026-11-20 10:00:00\n会话结束了吗\n潮流数码旗舰店-小李 2026-11-20 10:00:10\n还没有哦\n{END}\n"
    records, rejected = load(tmp_path, text, "utf-8")
    assert rejected == [] and [m["text"] for m in records[0].data["messages"]] == ["会话结束了吗", "还没有哦"]
