"""The 旺旺/千牛 消息管理器 txt loader on realistic exports, their variations and their broken parts."""
from qc_engine.ingest.loaders import detect_loader
from qc_plugins.loaders.csv import CsvLoader
from qc_plugins.loaders.jd_dongdong import JdDongdongLoader
from qc_plugins.loaders.jsonl import JsonlLoader
from qc_plugins.loaders.wangwang import WangwangLoader
from renderers import load_all, write

RULE = "=" * 64
EXPORT = f"""山野茶庄:青青
{RULE}
                              单聊
{RULE}
----------------------------tb_lucky88----------------------------
tb_lucky88(2026-11-20 09:58:02):  在吗？这个大红袍还有货吗
山野茶庄:服务助手(2026-11-20 09:58:03):  亲，欢迎光临山野茶庄～人工客服马上为您服务
山野茶庄:青青(2026-11-20 09:58:40):  您好，在的
大红袍现货充足，今天下单明天发货
有什么可以帮您？
tb_lucky88(2026-11-20 09:59:15):  好的(๑•̀ㅂ•́)و✧ 那我拍了：两罐
山野茶庄:青青(2026-11-20 09:59:30):  好的亲

----------------------------茶(友)小王----------------------------
茶(友)小王(2026-11-20 14:03:09):  发什么快递
山野茶庄:阿杰(2026-11-20 14:05:10):  默认中通哦
----------------------------坏掉的买家----------------------------
坏掉的买家(2026-11-20 15:00:00):  你好
山野茶庄:阿杰(2026-13-45 15:00:09):  您好
坏掉的买家(2026-11-20 15:01:00):  ？
----------------------------没说话的买家----------------------------
-------------------断掉的块头
乱码(2026-11-20 16:00:00):  xx
----------------------------momo_cat----------------------------
momo_cat(2026-11-20 20:00:00):  在吗
山野茶庄:青青(2026-11-20 20:00:30):  在的
momo_cat(2026-11-21 19:00:00):  昨天那单到了吗
山野茶庄:小美(2026-11-21 19:00:20):  亲，已经签收了哦
{RULE}
                              群聊
{RULE}
----------------------------山野茶庄VIP群----------------------------
山野茶庄:青青(2026-11-20 11:00:00):  新品上架啦
tea_fan(2026-11-20 11:02:00):  多少钱
"""


def load(tmp_path, text=EXPORT, encoding="gb18030", **options):
    path = write(tmp_path / "消息记录.txt", text, encoding, "\r\n")
    return load_all(WangwangLoader(), path, **options)


def test_buyer_blocks_become_conversations_with_roles_times_and_multi_line_text(tmp_path):
    records, _ = load(tmp_path)
    first = records[0].data
    assert first["conversation_id"] == "taobao:山野茶庄:tb_lucky88:2026-11-20T09:58:02"
    assert (first["shop"], first["platform"], first["customer"]) == ("山野茶庄", "taobao", "tb_lucky88")
    assert [(m["role"], m["ts"]) for m in first["messages"]] == [
        ("customer", "2026-11-20T09:58:02"), ("bot", "2026-11-20T09:58:03"), ("agent", "2026-11-20T09:58:40"),
        ("customer", "2026-11-20T09:59:15"), ("agent", "2026-11-20T09:59:30")]
    assert first["messages"][2]["text"] == "您好，在的\n大红袍现货充足，今天下单明天发货\n有什么可以帮您？"
    assert first["messages"][3]["text"] == "好的(๑•̀ㅂ•́)و✧ 那我拍了：两罐"
    assert first["messages"][4]["text"] == "好的亲"  # the blank line before the next block is not text
    assert records[0].line == 5
    second = records[1].data
    assert second["customer"] == "茶(友)小王" and [m["role"] for m in second["messages"]] == ["customer", "agent"]


def test_broken_parts_are_rejected_with_their_line_and_the_rest_is_read(tmp_path):
    records, rejected = load(tmp_path)
    assert [(r.line, r.reason.split(":")[0]) for r in rejected] == [(19, "line 19"), (21, "line 21"), (22, "line 22")]
    assert "broken time" in rejected[0].reason and "line 17" in rejected[0].reason
    assert "no messages" in rejected[1].reason
    assert "broken buyer header" in rejected[2].reason
    assert "2026-13-45" in rejected[0].raw
    customers = [r.data["customer"] for r in records]
    assert customers == ["tb_lucky88", "茶(友)小王", "momo_cat", "momo_cat", "tea_fan"]


def test_a_long_pause_in_a_buyer_block_starts_a_new_conversation(tmp_path):
    records, _ = load(tmp_path)
    momo = [r for r in records if r.data["customer"] == "momo_cat"]
    assert [r.line for r in momo] == [24, 27]
    assert [m["text"] for m in momo[1].data["messages"]] == ["昨天那单到了吗", "亲，已经签收了哦"]
    records, _ = load(tmp_path, extra={"session_gap_hours": 0})
    assert len([r for r in records if r.data["customer"] == "momo_cat"]) == 1


def test_group_chat_roles_come_from_the_shop_prefix(tmp_path):
    records, _ = load(tmp_path)
    group = records[-1].data
    assert [m["role"] for m in group["messages"]] == ["agent", "customer"]
    assert group["customer"] == "tea_fan"


def test_time_first_variant_and_options(tmp_path):
    text = """导出账号
2026-11-20 10:00:00 buyer_01:
有没有小包装
2026-11-20 10:00:20 店小蜜:
亲，有的哦
2026-11-20 10:01:00 小美:
有50克的
"""
    text = f"{RULE}\n单聊\n{RULE}\n" + "-" * 28 + "buyer_01" + "-" * 28 + "\n" + text.split("\n", 1)[1]
    records, rejected = load(tmp_path, text, "utf-8-sig", shop="萌宠用品店", agents=frozenset({"小美"}))
    assert rejected == []
    data = records[0].data
    assert data["shop"] == "萌宠用品店"
    assert [(m["role"], m["sender"], m["text"]) for m in data["messages"]] == [
        ("customer", "buyer_01", "有没有小包装"), ("bot", "店小蜜", "亲，有的哦"), ("agent", "小美", "有50克的")]


def test_undecodable_bytes_reject_only_their_conversation(tmp_path):
    good = EXPORT.encode("gb18030")
    broken = good.replace("茶(友)小王(2026-11-20 14:03:09):  发什么快递".encode("gb18030"), "茶(友)小王(2026-11-20 14:03:09):  发".encode("gb18030") + b"\xff\xff")
    path = tmp_path / "bad.txt"
    path.write_bytes(broken.replace(b"\n", b"\r\n"))
    records, rejected = load_all(WangwangLoader(), path)
    assert any(r.line == 15 and "GB18030" in r.reason.upper() for r in rejected)
    assert "茶(友)小王" not in [r.data["customer"] for r in records]
    assert len(records) == 4


def test_latin1_file_is_reported_not_read_as_mojibake(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(("Caf\xe9 cr\xe8me\n" + RULE + "\n").encode("latin-1") * 20)
    records, rejected = load_all(WangwangLoader(), path)
    assert records == [] and len(rejected) == 1 and "not text in UTF-8" in rejected[0].reason


def test_sniff_claims_wangwang_exports_and_nothing_else(tmp_path):
    loaders = [WangwangLoader(), JdDongdongLoader(), CsvLoader(), JsonlLoader()]
    path = write(tmp_path / "a.txt", EXPORT, "gb18030", "\r\n")
    assert detect_loader(path, loaders).name == "wangwang"
    other = write(tmp_path / "b.csv", "conversation_id,shop,ts,role,sender,text\nc1,s,2026-11-20 10:00:00,customer,b,hi\n")
    assert WangwangLoader().sniff(other, other.read_bytes()) == 0.0


def test_lines_of_dashes_and_colons_inside_messages_stay_text(tmp_path):
    text = f"""山野茶庄:青青
{RULE}
单聊
{RULE}
----------------------------buyer-01----------------------------
buyer-01(2026-11-20 10:00:00):  价格: 100? (含税)
山野茶庄:青青(2026-11-20 10:00:30):  套餐如下
------------------------------------------
A 套餐 ---------- 88元
2026-11-21 发货
"""
    records, rejected = load(tmp_path, text, "utf-8")
    assert rejected == [] and len(records) == 1
    msgs = records[0].data["messages"]
    assert [m["text"] for m in msgs] == ["价格: 100? (含税)", "套餐如下\n" + "-" * 42 + "\nA 套餐 ---------- 88元\n2026-11-21 发货"]
