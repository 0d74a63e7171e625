"""Order loader for the Taobao/Tmall seller-center order report (订单报表), CSV or XLSX, UTF-8 or GBK."""
from __future__ import annotations

from pathlib import Path

from qc_engine import hookimpl
from qc_engine.orders import OrderLoader
from qc_engine.orders.tabular import head_header, iter_records

# Order field -> the headers seller-center exports have used for it, best first. Only these columns are read:
# 收货人姓名, 收货地址, 联系手机, 买家支付宝账号 and the like never leave the file.
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("订单编号", "主订单编号", "订单号"),
    "buyer": ("买家会员名", "买家昵称", "买家会员ID"),
    "shop": ("店铺名称",),
    "created_at": ("订单创建时间", "创建时间", "下单时间"),
    "paid_at": ("订单付款时间", "付款时间", "支付时间"),
    "amount": ("买家实际支付金额", "实付金额", "订单实付金额", "总金额"),
    "status": ("订单状态",),
}
REQUIRED = ("order_id", "buyer", "created_at")


def _locate(cells: list[str]) -> dict[str, str]:
    """Order field -> the header present in this export."""
    present = set(cells)
    found = {}
    for name, aliases in COLUMNS.items():
        header = next((a for a in aliases if a in present), None)
        if header:
            found[name] = header
    return found


def _is_header(cells: list[str]) -> bool:
    return all(name in _locate(cells) for name in REQUIRED)


class TaobaoOrderLoader(OrderLoader):
    name = "orders_taobao"
    description = "Taobao/Tmall seller-center order report (订单编号, 买家会员名, 订单状态 ...), CSV or XLSX"

    def sniff(self, path: Path, head: bytes) -> float:
        cells = head_header(path, head)
        return 0.95 if _is_header(cells) and {"买家会员名", "买家昵称"} & set(cells) else 0.0

    def load(self, path, options):
        columns: dict[str, str] | None = None
        for line, row in iter_records(path, _is_header):
            if columns is None:
                columns = _locate(list(row))
            record = {name: row.get(header) for name, header in columns.items()}
            record["line"] = line
            yield record


@hookimpl
def register_order_loaders(register):
    register(TaobaoOrderLoader)
