"""Order loaders: format detection, Taobao CSV/XLSX exports, the generic CSV and its column map."""
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from qc_engine.orders import OrdersOptions, apply_orders
from qc_engine.ingest.loaders import detect_loader as detect_order_loader
from qc_engine.plugins import collect, load_plugins
from qc_engine.text.personal_data import mask_text

from conftest import rows

TAOBAO_HEADER = ["订单编号", "买家会员名", "收货人姓名", "联系手机", "买家实际支付金额", "订单状态", "订单创建时间", "订单付款时间", "店铺名称"]
TAOBAO_ROW = ["3000000000000000001", "tb_buyer", "张三丰", "13912345678", "128.00", "交易成功",
              "2026-11-20 10:30:00", "2026-11-20 10:31:00", "山野茶庄"]


@pytest.fixture(scope="module")
def loaders():
    registry = collect(load_plugins())
    assert not registry.problems
    return [r.loader for r in registry.order_loaders]


def names(loader):
    return loader.name if loader else None


def write_xlsx(path: Path, header, data, title=None):
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for row in data:
        ws.append(row)
    wb.save(path)
    return path


def test_both_built_in_loaders_are_registered(loaders):
    assert {"orders_taobao", "orders_csv"} <= {l.name for l in loaders}


def test_detection(tmp_path, loaders):
    taobao = tmp_path / "ExportOrderList.csv"
    taobao.write_bytes((",".join(TAOBAO_HEADER) + "\n").encode("gbk"))
    generic = tmp_path / "orders.csv"
    generic.write_text("order_id,buyer,created_at,amount\n1,u,2026-11-20 10:00,5\n", encoding="utf-8")
    chat = tmp_path / "chat.jsonl"
    chat.write_text('{"conversation_id": "x", "messages": []}\n', encoding="utf-8")
    assert names(detect_order_loader(taobao, loaders)) == "orders_taobao"
    assert names(detect_order_loader(generic, loaders)) == "orders_csv"
    assert detect_order_loader(chat, loaders) is None


def test_taobao_xlsx_with_a_title_line_and_spreadsheet_types(tmp_path, db_path):
    row = list(TAOBAO_ROW)
    row[4], row[6], row[7] = 128, datetime(2026, 11, 20, 10, 30), datetime(2026, 11, 20, 10, 31)
    path = write_xlsx(tmp_path / "订单报表.xlsx", TAOBAO_HEADER, [row], title="订单报表 2026-11-20")
    summary = apply_orders(db_path, [path])
    assert (summary.orders, summary.rejected) == (1, 0)
    assert rows(db_path, "select order_id, shop, buyer_key, created_at, paid_at, amount, status from orders") == [
        ("3000000000000000001", "山野茶庄", "tb_buyer", "2026-11-20T10:30:00+08:00", "2026-11-20T10:31:00+08:00",
         128.0, "completed")]


def test_xlsx_order_number_rounded_by_excel_is_rejected_with_a_reason(tmp_path, db_path):
    row = list(TAOBAO_ROW)
    row[0] = 3.000000000000000001e18
    summary = apply_orders(db_path, [write_xlsx(tmp_path / "o.xlsx", TAOBAO_HEADER, [row])])
    assert (summary.orders, summary.rejected) == (0, 1)
    assert "Excel" in rows(db_path, "select reason from rejected")[0][0]


def test_buyer_that_looks_like_a_phone_is_masked_like_the_chat_customer(tmp_path, db_path):
    row = list(TAOBAO_ROW)
    row[1] = "13912345678"
    path = tmp_path / "o.csv"
    path.write_text(",".join(TAOBAO_HEADER) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    apply_orders(db_path, [path])
    ((key,),) = rows(db_path, "select buyer_key from orders")
    assert key == mask_text("13912345678") != "13912345678"


def test_generic_csv_with_a_column_map_and_a_default_shop(tmp_path, db_path):
    path = tmp_path / "erp.csv"
    path.write_text("单号\t客户ID\t下单\t支付\t实收\t状态\n"
                    "A-1\tu1\t2026-11-20 10:00\t2026-11-20 10:05\t¥1,200.00\tpaid\n"
                    "A-2\tu2\t2026-11-20 11:00\t\t0\tunpaid\n", encoding="utf-8")
    columns = {"order_id": "单号", "buyer": "客户ID", "created_at": "下单", "paid_at": "支付", "amount": "实收",
               "status": "状态"}
    summary = apply_orders(db_path, [path], OrdersOptions(shop="山野茶庄", order_columns=columns))
    assert (summary.orders, summary.rejected) == (2, 0)
    assert rows(db_path, "select order_id, shop, paid_at, amount, status from orders order by order_id") == [
        ("A-1", "山野茶庄", "2026-11-20T10:05:00+08:00", 1200.0, "paid"),
        ("A-2", "山野茶庄", None, 0.0, "unpaid")]


def test_generic_csv_without_the_needed_columns_says_which(tmp_path, db_path):
    path = tmp_path / "erp.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    summary = apply_orders(db_path, [path])
    assert summary.orders == 0
    (reason,) = rows(db_path, "select reason from rejected")[0]
    assert "order_id" in reason and "column map" in reason


def test_export_without_shop_needs_the_shop_option(tmp_path, db_path):
    path = tmp_path / "o.csv"
    path.write_text("订单编号,买家会员名,订单创建时间\n1,u,2026-11-20 10:00:00\n", encoding="utf-8")
    assert apply_orders(db_path, [path]).rejected == 1
    assert "--shop" in rows(db_path, "select reason from rejected")[0][0]


def test_a_broken_vendor_loader_does_not_stop_the_others(tmp_path, db_path):
    plugin = tmp_path / "vendor_orders.py"
    plugin.write_text(
        "from qc_engine import hookimpl\nfrom qc_engine.orders import OrderLoader\n"
        "class Boom(OrderLoader):\n    name = 'boom'\n"
        "    def sniff(self, path, head):\n        return 1.0 if path.suffix == '.boom' else 0.0\n"
        "    def load(self, path, options):\n        raise RuntimeError('张三丰 13912345678')\n        yield\n"
        "@hookimpl\ndef register_order_loaders(register):\n    register(Boom)\n", encoding="utf-8")
    boom = tmp_path / "x.boom"
    boom.write_text("whatever", encoding="utf-8")
    summary = apply_orders(db_path, [boom], OrdersOptions(plugin_files=[plugin]))
    assert summary.rejected == 1
    (reason,) = rows(db_path, "select reason from rejected")[0]
    assert "RuntimeError" in reason and "张三丰" not in reason and "1391234" not in reason
