"""Sales figures end to end: chats audited, a Taobao order export imported, figures checked by hand."""
import json
import sqlite3

import pytest
from click.testing import CliRunner

from qc_engine.cli import cli
from qc_engine.orders import OrdersOptions, apply_orders
from qc_engine.store import open_db

from conftest import audit, rows, write_jsonl

SHOP = "山野茶庄"
A, B, BOT = f"{SHOP}:青青", f"{SHOP}:小白", f"{SHOP}:店小蜜"
SENDERS = {"A": A, "B": B, "bot": BOT}
ROLE = {"A": "agent", "B": "agent", "bot": "bot", "c": "customer"}

# Personal data in the export that must never reach the store.
NAMES = ("张三丰", "李四光", "王小明", "赵敏敏", "周芷若", "钱学林", "孙悟净", "吴用之", "郑成公")
PHONES = ("13912345678", "13800001111", "15011112222", "18633334444", "13655556666", "13777778888", "15899990000",
          "18122223333", "13544445555")
ADDRESSES = ("浙江省杭州市西湖区文三路100号", "上海市浦东新区张江路88弄", "北京市海淀区中关村大街1号",
             "广东省深圳市南山区科技园南路", "江苏省南京市鼓楼区中山北路9号", "四川省成都市武侯区天府大道",
             "湖北省武汉市洪山区珞喻路", "福建省厦门市思明区环岛路", "山东省青岛市市南区香港中路")
ALIPAY = "zhangsanfeng@example.com"


def chat(cid, customer, lines, day="2026-11-20"):
    return {
        "conversation_id": cid, "shop": SHOP, "platform": "taobao", "customer": customer,
        "messages": [
            {"ts": f"{day}T{t}", "role": ROLE[who], "sender": customer if who == "c" else SENDERS[who], "text": text}
            for t, who, text in lines
        ],
    }


DAY_CHATS = [
    chat("c-a", "buyer_a", [("10:00:00", "c", "在吗"), ("10:00:10", "A", "您好，在的")]),
    # Transferred from 青青 to 小白: the order comes after 小白's reply, so 小白 gets it; both served an inquiry.
    chat("c-b", "buyer_b", [("11:00:00", "c", "这款有货吗"), ("11:00:10", "A", "有的"), ("11:10:00", "c", "能便宜点吗"),
                            ("11:20:00", "B", "我帮您申请一下优惠")]),
    chat("c-c", "buyer_c", [("14:00:00", "c", "发什么快递"), ("14:00:20", "B", "默认中通")]),
    chat("c-d", "buyer_d", [("15:00:00", "c", "保质期多久"), ("15:00:20", "B", "18个月")]),
    chat("c-e", "buyer_e", [("16:00:00", "c", "可以开发票吗"), ("16:00:20", "A", "可以的")]),
    chat("c-f", "buyer_f", [("16:30:00", "c", "包邮吗"), ("16:30:20", "B", "满99包邮")]),
    chat("c-g", "buyer_g", [("17:00:00", "c", "在吗"), ("17:00:01", "bot", "您好，我是店小蜜")]),
    chat("c-i", "buyer_i", [("18:00:00", "c", "还有优惠吗"), ("18:00:20", "A", "领券减5元")]),
]

# (order id as exported, buyer, amount, status, created, paid)
ORDERS = [
    ('="3000000000000000001"', "buyer_a", "100.00", "交易成功", "2026-11-20 10:30:00", "2026-11-20 10:31:00"),
    ("\t3000000000000000002", "buyer_b", "200.00", "买家已付款，等待卖家发货", "2026-11-20 11:30:00", "2026-11-20 11:31:00"),
    ("3000000000000000003", "buyer_c", "50.00", "卖家已发货，等待买家确认", "2026-11-21 20:00:00", "2026-11-21 20:05:00"),
    ("3000000000000000004", "buyer_d", "70.00", "交易成功", "2026-11-22 09:00:00", "2026-11-22 09:01:00"),  # after window
    ("3000000000000000005", "buyer_e", "80.00", "交易关闭", "2026-11-20 16:30:00", "2026-11-20 16:31:00"),  # refunded+closed
    ("3000000000000000006", "buyer_f", "90.00", "退款中", "2026-11-20 16:40:00", "2026-11-20 16:41:00"),
    ("3000000000000000007", "buyer_g", "60.00", "交易成功", "2026-11-20 17:10:00", "2026-11-20 17:11:00"),  # bot only
    ("3000000000000000008", "buyer_h", "300.00", "交易成功", "2026-11-20 12:00:00", "2026-11-20 12:01:00"),  # silent
    ("3000000000000000009", "buyer_i", "40.00", "等待买家付款", "2026-11-20 18:30:00", ""),
]
HEADER = ["订单编号", "买家会员名", "买家支付宝账号", "收货人姓名", "联系手机", "收货地址", "买家实际支付金额", "订单状态",
          "订单创建时间", "订单付款时间", "宝贝标题", "店铺名称"]


def taobao_csv(path, orders=ORDERS, encoding="utf-8"):
    lines = [",".join(HEADER)]
    for i, (oid, buyer, amount, status, created, paid) in enumerate(orders):
        status = f'"{status}"' if "，" in status or "," in status else status
        lines.append(",".join([oid, buyer, ALIPAY, NAMES[i], PHONES[i], ADDRESSES[i], amount, status, created, paid,
                               "明前龙井 250g", SHOP]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.fixture
def audited_db(tmp_path, db_path):
    audit([write_jsonl(tmp_path / "day.jsonl", DAY_CHATS)], db_path)
    return db_path


def sales(db, day="2026-11-20"):
    return {agent: rest for agent, *rest in rows(
        db, "select agent, inquiries, ordered, paid, paid_amount, conversion_rate, avg_order_value from agent_daily"
            " where shop = ? and day = ? order by agent", SHOP, day)}


EXPECTED_A = [4, 3, 1, 100.0, 0.25, 100.0]  # a, b, e, i asked; a, e, i ordered; only a paid
EXPECTED_B = [4, 3, 2, 250.0, 0.5, 125.0]  # b, c, d, f asked; b, c, f ordered; b and c paid


def test_hand_computed_day_from_a_taobao_export(tmp_path, audited_db):
    summary = apply_orders(audited_db, [taobao_csv(tmp_path / "orders.csv")])
    assert summary.orders == 9 and summary.rejected == 0
    figures = sales(audited_db)
    assert set(figures) == {A, B}, "the bot and silent orders are never credited to an agent"
    assert figures[A] == pytest.approx(EXPECTED_A)
    assert figures[B] == pytest.approx(EXPECTED_B)
    (shop_day,) = rows(audited_db, "select inquiries, ordered, paid, paid_amount, conversion_rate, avg_order_value,"
                                   " silent_orders, silent_paid, silent_paid_amount from shop_sales_daily"
                                   " where shop = ? and day = '2026-11-20'", SHOP)
    assert shop_day == pytest.approx([7, 6, 3, 350.0, 3 / 7, 350.0 / 3, 1, 1, 300.0])
    # buyer_d's order came after the window: on its own day it counts as a silent order.
    assert rows(audited_db, "select silent_orders from shop_sales_daily where day = '2026-11-22'") == [(1,)]


def test_gbk_export_gives_the_same_figures(tmp_path, audited_db):
    apply_orders(audited_db, [taobao_csv(tmp_path / "orders.csv", encoding="gbk")])
    assert sales(audited_db)[B] == pytest.approx(EXPECTED_B)
    assert rows(audited_db, "select count(*) from orders where shop = ?", SHOP) == [(9,)]


def test_order_numbers_lose_their_excel_guards(tmp_path, audited_db):
    apply_orders(audited_db, [taobao_csv(tmp_path / "orders.csv")])
    ids = {r[0] for r in rows(audited_db, "select order_id from orders")}
    assert "3000000000000000001" in ids and "3000000000000000002" in ids


def test_no_name_phone_or_address_from_the_export_lands_anywhere(tmp_path, audited_db):
    bad = list(ORDERS) + [("not-a-number", "", "abc", "交易成功", "someday", "")]  # a rejected row too
    apply_orders(audited_db, [taobao_csv(tmp_path / "orders.csv", orders=bad[:9])])
    apply_orders(audited_db, [taobao_csv(tmp_path / "more.csv", orders=bad[9:])])
    con = sqlite3.connect(audited_db)
    dump = "\n".join(con.iterdump())
    con.close()
    assert "3000000000000000001" in dump  # the dump does hold the orders
    secrets = NAMES + PHONES + ADDRESSES + (ALIPAY, PHONES[0][:3] + "****" + PHONES[0][-4:], "西湖区", "明前龙井")
    leaked = [s for s in secrets if s in dump]
    assert not leaked


def test_reimport_is_idempotent_and_keeps_other_agent_daily_columns(tmp_path, audited_db):
    db = open_db(audited_db)
    with db.conn:
        db.conn.execute("insert into agent_daily (shop, agent, day, conversations, rounds) values (?, ?, ?, 5, 12)"
                        " on conflict (shop, agent, day) do update set conversations = 5, rounds = 12",
                        (SHOP, A, "2026-11-20"))
    db.close()
    export = taobao_csv(tmp_path / "orders.csv")
    apply_orders(audited_db, [export])
    apply_orders(audited_db, [export])
    assert sales(audited_db)[A] == pytest.approx(EXPECTED_A)
    assert rows(audited_db, "select conversations, rounds from agent_daily where agent = ? and day = '2026-11-20'", A) == [(5, 12)]
    assert rows(audited_db, "select count(*) from orders") == [(9,)]


def test_orders_imported_before_the_audit_are_applied_by_the_audit(tmp_path, db_path):
    apply_orders(db_path, [taobao_csv(tmp_path / "orders.csv")])
    summary = audit([write_jsonl(tmp_path / "day.jsonl", DAY_CHATS)], db_path)
    apply_orders(db_path, [], run_id=summary.run_id)  # what `qc audit --orders` does after storing the chats
    assert sales(db_path)[A] == pytest.approx(EXPECTED_A)


def test_shop_settings_count_refunds_and_shorten_the_window(tmp_path, audited_db):
    rule_file = tmp_path / "shop.yaml"
    rule_file.write_text(f"shops: [{SHOP}]\norders:\n  window_days: 0\n  count_refunds_as_paid: true\n", encoding="utf-8")
    apply_orders(audited_db, [taobao_csv(tmp_path / "orders.csv")], OrdersOptions(rule_files=[rule_file]))
    # buyer_f's refunding order now counts as paid; buyer_c's next-day order is now outside the window.
    assert sales(audited_db)[B] == pytest.approx([4, 2, 2, 290.0, 0.5, 145.0])


def test_a_shop_without_orders_keeps_empty_sales_columns(tmp_path, audited_db):
    other = [("3000000000000000099", "buyer_x", "10", "交易成功", "2026-11-20 10:00:00", "2026-11-20 10:01:00")]
    path = tmp_path / "other.csv"
    taobao_csv(path, other)
    path.write_text(path.read_text(encoding="utf-8").replace(SHOP, "别的店"), encoding="utf-8")
    apply_orders(audited_db, [path])
    assert rows(audited_db, "select count(*) from agent_daily where shop = ?", SHOP)[0][0] > 0  # service figures
    assert rows(audited_db, "select count(*) from agent_daily where shop = ? and (inquiries is not null"
                " or paid is not null or conversion_rate is not null)", SHOP) == [(0,)]


def test_cli_imports_and_prints_the_shop_day(tmp_path, audited_db):
    result = CliRunner().invoke(cli, ["orders", "import", str(taobao_csv(tmp_path / "orders.csv")), "--db", str(audited_db)])
    assert result.exit_code == 0, result.output
    assert "Imported 9 orders" in result.output and "询单 7" in result.output and "静默下单 1" in result.output
    assert sales(audited_db)[A] == pytest.approx(EXPECTED_A)


def test_cli_errors_are_one_line(tmp_path, db_path):
    runner = CliRunner()
    missing = runner.invoke(cli, ["orders", "import", str(tmp_path / "nope.csv"), "--db", str(db_path)])
    assert missing.exit_code != 0 and "no such order file" in missing.output and "Traceback" not in missing.output
    junk = tmp_path / "notes.csv"
    junk.write_text("hello,world\n1,2\n", encoding="utf-8")
    result = runner.invoke(cli, ["orders", "import", str(junk), "--db", str(db_path)])
    assert result.exit_code != 0 and "no order could be read" in result.output
    bad_map = runner.invoke(cli, ["orders", "import", str(junk), "--db", str(db_path), "--column", "colour=x"])
    assert bad_map.exit_code != 0 and "FIELD=HEADER" in bad_map.output


def test_rejected_rows_keep_only_a_reason(tmp_path, db_path):
    bad = [("3000000000000000011", "buyer_z", "12", "交易成功", "yesterday-ish", "")]
    apply_orders(db_path, [taobao_csv(tmp_path / "orders.csv", orders=bad)])
    ((reason, raw, line),) = rows(db_path, "select reason, raw, line from rejected")
    assert "time" in reason and raw == "" and line == 2
    assert json.dumps(reason, ensure_ascii=False).find(NAMES[0]) == -1
