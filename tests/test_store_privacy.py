"""Nothing personal lands unmasked in the store, whoever typed it; customers can be stored as salted hashes."""
import re
import sqlite3

from conftest import audit, conversation, write_jsonl

PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
CARD = "6222021234567890128"
NICK = "tea_lover_88"

LINES = [
    ("10:00:00", "customer", f"我的手机是{PHONE}，身份证{ID_NUMBER}"),
    ("10:00:08", "agent", "您好，收到"),
    ("10:00:20", "customer", f"退款打到这张卡 {CARD} 吧"),
    ("10:00:30", "agent", f"好的，尾号{CARD[-4:]}，我们会核实，您的手机号是{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}吗"),
]


def dump(db) -> str:
    con = sqlite3.connect(db)
    out = []
    for (table,) in con.execute("select name from sqlite_master where type in ('table', 'view')"):
        for row in con.execute(f"select * from [{table}]"):
            out.append(" ".join(map(str, row)))
    con.close()
    return "\n".join(out)


def digits_only(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def test_no_raw_personal_data_anywhere_in_the_store(tmp_path, db_path):
    conv = conversation("p1", lines=LINES)
    conv["customer"] = f"买家{PHONE}"
    broken = dict(conv, conversation_id="p2")
    broken["messages"] = [dict(conv["messages"][0], role="boss")]
    audit([write_jsonl(tmp_path / "d.jsonl", [conv, broken])], db_path)
    text = digits_only(dump(db_path))
    for secret in (PHONE, ID_NUMBER, CARD):
        assert secret not in text


def test_customers_can_be_stored_as_salted_hashes(tmp_path, db_path):
    conv = conversation("h1", lines=LINES[:2])
    conv["customer"] = NICK
    for m in conv["messages"]:
        if m["role"] == "customer":
            m["sender"] = NICK
    f = write_jsonl(tmp_path / "d.jsonl", [conv])
    audit([f], db_path, customer_salt="s3cret")
    assert NICK not in dump(db_path)
    con = sqlite3.connect(db_path)
    key = con.execute("select customer from conversations").fetchone()[0]
    senders = {r[0] for r in con.execute("select sender from messages where role = 'customer'")}
    assert key.startswith("c_") and senders == {key}
    other = tmp_path / "other.db"
    audit([f], other, customer_salt="another")
    assert sqlite3.connect(other).execute("select customer from conversations").fetchone()[0] != key


def test_hashed_customers_still_join_their_orders(tmp_path, db_path):
    from qc_engine.orders import OrdersOptions, apply_orders

    conv = conversation("o1", lines=[("10:00:00", "customer", "这款有货吗"), ("10:00:08", "agent", "您好，有的")])
    conv["customer"] = NICK
    for m in conv["messages"]:
        if m["role"] == "customer":
            m["sender"] = NICK
    audit([write_jsonl(tmp_path / "d.jsonl", [conv])], db_path, customer_salt="s3cret")
    export = tmp_path / "orders.csv"
    export.write_text("订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,店铺名称\n"
                      f"3000000000000000001,{NICK},88.00,交易成功,2026-11-20 10:05:00,2026-11-20 10:06:00,山野茶庄\n",
                      encoding="utf-8")
    apply_orders(db_path, [export], OrdersOptions(customer_salt="s3cret"))
    con = sqlite3.connect(db_path)
    assert con.execute("select paid, paid_amount from agent_daily where agent = '山野茶庄:青青'").fetchone() == (1, 88.0)
    assert NICK not in dump(db_path)
