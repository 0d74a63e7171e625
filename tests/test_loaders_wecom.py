"""The WeCom msgaudit loader: chats by pair and pause, roles by id, media, recalls and broken lines."""
import json

from qc_engine.ingest.loaders import detect_loader
from qc_plugins.loaders.jsonl import JsonlLoader
from qc_plugins.loaders.wecom import WecomLoader
from renderers import load_all, write

T0 = 1795140000000  # 2026-11-20 10:00:00 in Shanghai


def msg(n, sender, to, seconds, text=None, **extra):
    base = {"msgid": f"id{n}", "action": "send", "from": sender, "tolist": [to], "roomid": "", "msgtime": T0 + seconds * 1000,
            "msgtype": "text", "text": {"content": text or f"消息{n}"}}
    base.update(extra)
    return json.dumps(base, ensure_ascii=False)


LINES = [
    msg(1, "wmCustomerA", "qingqing", 0, "你好，在吗"),
    msg(2, "qingqing", "wmCustomerA", 20, "您好，在的"),
    msg(3, "woCustomerB", "xiaomei", 30, "发货了吗"),
    json.dumps({"msgid": "id4", "action": "switch", "time": T0 + 31000, "user": "xiaomei"}),
    msg(5, "xiaomei", "woCustomerB", 40, msgtype="image", image={"md5sum": "x"}),
    msg(6, "qingqing", "wmCustomerA", 50, action="recall", msgtype="revoke", revoke={"pre_msgid": "id2"}),
    "{not json",
    msg(8, "autobot", "woCustomerB", 60, "亲，已发货"),
    msg(9, "wmCustomerA", "qingqing", 3 * 3600, "我又来了"),
    msg(10, "qingqing", "", 3 * 3600 + 5, "群里说一下", roomid="wrRoom1", tolist=["wmCustomerA", "xiaomei"]),
]


def load(tmp_path, **options):
    path = write(tmp_path / "msgaudit.log", "\n".join(LINES) + "\n")
    return load_all(WecomLoader(), path, shop="潮流数码旗舰店", bots=frozenset({"autobot"}), **options)


def test_chats_are_grouped_by_pair_and_split_by_pauses(tmp_path):
    records, rejected = load(tmp_path)
    assert [(r.line, r.reason.split(":")[0]) for r in rejected] == [(7, "line 7")]
    by_line = {r.line: r.data for r in records}
    assert sorted(by_line) == [1, 3, 9, 10]
    a = by_line[1]
    assert a["customer"] == "wmCustomerA" and a["shop"] == "潮流数码旗舰店" and a["platform"] == "wecom"
    assert [(m["ts"], m["role"], m["text"]) for m in a["messages"]] == [
        ("2026-11-20T10:00:00+08:00", "customer", "你好，在吗"), ("2026-11-20T10:00:20+08:00", "agent", "您好，在的")]
    b = by_line[3]
    assert [(m["role"], m.get("type", "text"), m["text"]) for m in b["messages"]] == [
        ("customer", "text", "发货了吗"), ("agent", "image", ""), ("bot", "text", "亲，已发货")]
    assert by_line[9]["messages"][0]["text"] == "我又来了"
    assert by_line[10]["conversation_id"].startswith("wecom:潮流数码旗舰店:wrRoom1:")


def test_recalls_are_kept_on_request_and_the_pause_is_an_option(tmp_path):
    records, _ = load(tmp_path, extra={"keep_recalls": True, "session_gap_minutes": 600})
    a = next(r.data for r in records if r.line == 1)
    assert [m.get("type", "text") for m in a["messages"]] == ["text", "text", "recall", "text"]


def test_sniff_takes_msgaudit_lines_and_leaves_our_jsonl_alone(tmp_path):
    loaders = [WecomLoader(), JsonlLoader()]
    path = write(tmp_path / "a.jsonl", "\n".join(LINES) + "\n")
    assert detect_loader(path, loaders).name == "wecom"
    ours = write(tmp_path / "b.jsonl", '{"conversation_id": "c1", "shop": "s", "messages": [{"msgid": 1, "msgtime": 2}]}\n')
    assert detect_loader(ours, loaders).name == "jsonl"
