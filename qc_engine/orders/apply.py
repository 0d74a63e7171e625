"""Importing order exports and refreshing the sales figures they and an audit's chats touch."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from qc_engine.lang import _
from qc_engine.model import DEFAULT_TIMEZONE
from qc_engine.store.customers import customer_key_function
from qc_engine.plugins import load_plugins
from qc_engine.plugins import collect
from qc_engine.store import open_db
from qc_engine.orders.api import OrderLoadOptions
from qc_engine.orders.conversion import ShopDayFigures
from qc_engine.orders.daily import shift_day, refresh_sales
from qc_engine.orders.importer import import_orders
from qc_engine.orders.settings import SettingsBook


class OrdersError(Exception):
    """Arguments that make an order import impossible; the CLI shows the message on one line."""


@dataclass
class OrdersOptions:
    """What `qc orders import` and `qc audit --orders` pass (an AuditOptions works too)."""

    rule_files: list[Path] = field(default_factory=list)
    plugin_files: list[Path] = field(default_factory=list)
    timezone: str = DEFAULT_TIMEZONE
    shop: str | None = None
    order_columns: dict[str, str] = field(default_factory=dict)  # generic CSV: field -> column header
    customer_salt: str | None = None  # the same salt as the audits', when customers are stored hashed


@dataclass
class OrdersSummary:
    files: int = 0
    orders: int = 0
    rejected: int = 0
    skipped_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    figures: dict[tuple[str, str], ShopDayFigures] = field(default_factory=dict)  # (shop, day) -> shop totals


def _days_with_data(db: sqlite_utils.Database, shop: str, days: set[str]) -> set[str]:
    first, last = min(days), max(days)
    present = {d for (d,) in db.conn.execute(
        "SELECT DISTINCT day FROM conversations WHERE shop = ? AND day BETWEEN ? AND ?", (shop, first, last))}
    present |= {d for (d,) in db.conn.execute(
        "SELECT DISTINCT substr(created_at, 1, 10) FROM orders WHERE shop = ? AND created_at >= ? AND created_at < ?",
        (shop, first, shift_day(last, 1)))}
    return days & present


def _affected_days(db, settings: SettingsBook, order_days: dict[str, set[str]], run_id: int | None) -> dict[str, set[str]]:
    """Per shop, the days whose figures may change: inquiries an order can convert, and an audit's chat days."""
    affected: dict[str, set[str]] = {}
    for shop, days in order_days.items():
        window = settings.for_shop(shop).window_days
        affected.setdefault(shop, set()).update(shift_day(d, -k) for d in days for k in range(window + 1))
    if run_id is not None:
        for shop, day in db.conn.execute("SELECT DISTINCT shop, day FROM conversations WHERE run_id = ?", (run_id,)):
            window = settings.for_shop(shop).window_days
            affected.setdefault(shop, set()).update(shift_day(day, k) for k in range(window + 1))
    # Shops without any order export are left alone: no orders is not the same as zero sales.
    with_orders = {s for s in affected if db.conn.execute("SELECT 1 FROM orders WHERE shop = ? LIMIT 1", (s,)).fetchone()}
    return {s: _days_with_data(db, s, d) for s, d in affected.items() if s in with_orders and d}


def apply_orders(db: sqlite_utils.Database | str | Path, order_files: list[Path], options: Any = None,
                 run_id: int | None = None) -> OrdersSummary:
    """Import order exports (may be none) and refresh the sales figures of the days they and run ``run_id`` touch."""
    options = options or OrdersOptions()
    missing = [str(p) for p in order_files if not Path(p).exists()]
    if missing:
        raise OrdersError(_("no such order file or folder: {paths}").format(paths=", ".join(missing)))
    own_db = not isinstance(db, sqlite_utils.Database)
    database = open_db(db) if own_db else db
    try:
        if not order_files and database.execute("SELECT 1 FROM orders LIMIT 1").fetchone() is None:
            return OrdersSummary()  # no orders now nor before: no sales figures to refresh
        plugins = load_plugins(getattr(options, "plugin_files", ()))
        registry = collect(plugins)
        loaders = registry.order_loaders
        summary = OrdersSummary(problems=[f"plugin {f.name} failed to load: {f.error}" for f in plugins.failures]
                                + registry.problems_of("register_order_loaders"))
        if order_files and not loaders:
            raise OrdersError(_("no order-export loader is available; is qc-engine installed correctly?"))
        settings = SettingsBook(registry, getattr(options, "rule_files", ()),
                                getattr(options, "timezone", DEFAULT_TIMEZONE))
        load_options = OrderLoadOptions(
            timezone=getattr(options, "timezone", DEFAULT_TIMEZONE), shop=getattr(options, "shop", None),
            columns={**settings.general.columns, **(getattr(options, "order_columns", None) or {})},
            customer_key=customer_key_function(getattr(options, "customer_salt", None)),
        )
        imported = import_orders(database, [Path(p) for p in order_files], loaders, settings, load_options, run_id)
        summary.files, summary.orders, summary.rejected = imported.files, imported.orders, imported.rejected
        summary.skipped_files = imported.skipped_files
        for shop, days in _affected_days(database, settings, imported.order_days, run_id).items():
            result = refresh_sales(database, shop, days, settings.for_shop(shop))
            summary.figures.update(((shop, day), f) for day, f in result.shop.items())
        return summary
    finally:
        if own_db:
            database.close()
