"""Reading order exports into the `orders` table: only order id, buyer key, shop, times, amount and status."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from qc_engine.ingest.loaders import iter_input_files
from qc_engine.model import Rejected
from qc_engine.ingest.loaders import detect_loader
from qc_engine.store import write_transaction
from qc_engine.text.personal_data import mask_text
from qc_engine.orders.api import Order, OrderFileError, OrderLoadOptions, RegisteredOrderLoader, clean_order
from qc_engine.orders.fields import FieldError
from qc_engine.orders.settings import SettingsBook

BATCH = 1000
ORDER_COLUMNS = ("order_id", "shop", "buyer_key", "created_at", "paid_at", "amount", "status", "source_file", "run_id")
_INSERT = f"INSERT OR REPLACE INTO orders ({', '.join(ORDER_COLUMNS)}) VALUES ({', '.join('?' * len(ORDER_COLUMNS))})"
_REJECT = "INSERT INTO rejected (run_id, source_file, line, offset, reason, raw) VALUES (?, ?, ?, NULL, ?, '')"


@dataclass
class ImportSummary:
    files: int = 0
    orders: int = 0
    rejected: int = 0
    skipped_files: list[str] = field(default_factory=list)
    # shop -> local days its imported orders were created or paid on: the figures to refresh
    order_days: dict[str, set[str]] = field(default_factory=dict)


def _order_row(order: Order, source_file: str, run_id: int | None) -> tuple:
    return (
        order.order_id, order.shop, order.buyer_key, order.created_at.isoformat(),
        order.paid_at.isoformat() if order.paid_at else None, order.amount, order.status, source_file, run_id,
    )


def _note_days(summary: ImportSummary, order: Order) -> None:
    days = summary.order_days.setdefault(order.shop, set())
    days.add(order.created_at.date().isoformat())
    if order.paid_at:
        days.add(order.paid_at.date().isoformat())


def import_orders(
    db: sqlite_utils.Database,
    paths: list[Path],
    loaders: list[RegisteredOrderLoader],
    settings: SettingsBook,
    options: OrderLoadOptions,
    run_id: int | None = None,
) -> ImportSummary:
    """Load every order file (format detected) into the store; unusable rows go to `rejected` without raw text."""
    summary = ImportSummary()
    rows: list[tuple] = []
    rejects: list[tuple] = []

    def flush() -> None:
        with write_transaction(db.conn):
            if rows:
                db.conn.executemany(_INSERT, rows)
            if rejects:
                db.conn.executemany(_REJECT, rejects)
        rows.clear()
        rejects.clear()

    for path in iter_input_files(list(paths)):
        loader = detect_loader(path, [r.loader for r in loaders])
        if loader is None:
            summary.skipped_files.append(str(path))
            continue
        summary.files += 1
        source = str(path)
        try:
            for item in loader.load(path, options):
                if isinstance(item, Rejected):
                    # Loaders' raw text may hold names or phones: only the reason is kept.
                    rejects.append((run_id, source, item.line, mask_text(item.reason)))
                    continue
                try:
                    order = clean_order(item, settings.timezone_of, options.shop, options.customer_key)
                except FieldError as exc:
                    rejects.append((run_id, source, item.get("line"), mask_text(str(exc))))
                    continue
                rows.append(_order_row(order, source, run_id))
                _note_days(summary, order)
                summary.orders += 1
                if len(rows) + len(rejects) >= BATCH:
                    summary.rejected += len(rejects)
                    flush()
        except Exception as exc:  # noqa: BLE001 - a loader bug loses the rest of that file, not the import
            # Only our own file errors are known not to quote the file; others keep just their type.
            detail = str(exc) if isinstance(exc, OrderFileError) else type(exc).__name__
            rejects.append((run_id, source, None, mask_text(f"{loader.name} order loader stopped reading this file: {detail}")))
        summary.rejected += len(rejects)
        flush()
    return summary
