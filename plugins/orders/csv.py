"""Order loader for a generic CSV/XLSX export: one order a row, columns named by default or by a column map."""
from __future__ import annotations

from pathlib import Path

from qc_engine import hookimpl
from qc_engine.orders import ORDER_FIELDS, OrderFileError, OrderLoader
from qc_engine.orders.tabular import head_header, iter_records

# Headers recognised without a column map (compared case-insensitively).
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "order_id": ("order_id", "order_no", "order", "订单号", "订单编号"),
    "buyer": ("buyer", "buyer_nick", "customer", "买家", "买家昵称", "客户"),
    "shop": ("shop", "store", "店铺", "店铺名称"),
    "created_at": ("created_at", "created", "order_time", "下单时间", "创建时间"),
    "paid_at": ("paid_at", "paid", "pay_time", "付款时间", "支付时间"),
    "amount": ("amount", "paid_amount", "total", "金额", "实付金额"),
    "status": ("status", "order_status", "状态", "订单状态"),
}
REQUIRED = ("order_id", "buyer", "created_at")
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


def _locate(cells: list[str], column_map: dict[str, str]) -> dict[str, str]:
    """Order field -> header in this file: the column map first, then the default names."""
    by_lower = {c.lower(): c for c in cells if c}
    found = {}
    for name in ORDER_FIELDS:
        wanted = (column_map[name],) if name in column_map else DEFAULT_HEADERS[name]
        header = next((by_lower[w.lower()] for w in wanted if w.lower() in by_lower), None)
        if header:
            found[name] = header
    return found


class CsvOrderLoader(OrderLoader):
    name = "orders_csv"
    description = "generic order CSV/XLSX: order_id, buyer, shop, created_at, paid_at, amount, status (or a column map)"

    def sniff(self, path: Path, head: bytes) -> float:
        if path.suffix.lower() not in SUFFIXES:
            return 0.0
        located = _locate(head_header(path, head), {})
        # Files with other headers may still be ours through a column map: a low score lets load() explain.
        return 0.8 if all(n in located for n in REQUIRED) else 0.2

    def load(self, path, options):
        column_map = dict(options.columns or {})

        def is_header(cells):
            return all(n in _locate(cells, column_map) for n in REQUIRED)

        columns: dict[str, str] | None = None
        try:
            for line, row in iter_records(path, is_header):
                if columns is None:
                    columns = _locate(list(row), column_map)
                record = {name: row.get(header) for name, header in columns.items()}
                record["line"] = line
                yield record
        except OrderFileError:
            wanted = ", ".join(f"{n} ({column_map.get(n, '/'.join(DEFAULT_HEADERS[n][:2]))})" for n in REQUIRED)
            raise OrderFileError(f"no header row with the columns {wanted}; name them with a column map") from None


@hookimpl
def register_order_loaders(register):
    register(CsvOrderLoader)
