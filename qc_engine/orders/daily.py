"""Refreshing a shop's sales figures in `agent_daily` and `shop_sales_daily` from the stored chats and orders."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import sqlite_utils

from qc_engine.store import write_transaction
from qc_engine.text.personal_data import mask_text
from qc_engine.orders.conversion import Contact, OrderFact, SalesResult, compute_sales
from qc_engine.orders.settings import SalesSettings

CHUNK = 500  # values per IN (...): below SQLite's variable limit
LOOKBACK_DAYS = 31  # an order created this long before a chat can still be paid during it (催付)
SALES_COLUMNS = ("inquiries", "ordered", "paid", "paid_amount", "conversion_rate", "avg_order_value")

_UPSERT_AGENT = (
    f"INSERT INTO agent_daily (shop, agent, day, {', '.join(SALES_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    f" ON CONFLICT(shop, agent, day) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in SALES_COLUMNS)}"
)
_RESET_AGENT = (
    "UPDATE agent_daily SET inquiries = 0, ordered = 0, paid = 0, paid_amount = 0, conversion_rate = NULL,"
    " avg_order_value = NULL WHERE shop = ? AND day = ?"
)
_SHOP_COLUMNS = (
    "shop", "day", "inquiries", "ordered", "paid", "paid_amount", "conversion_rate", "avg_order_value",
    "silent_orders", "silent_paid", "silent_paid_amount", "updated_at",
)
_UPSERT_SHOP = f"INSERT OR REPLACE INTO shop_sales_daily ({', '.join(_SHOP_COLUMNS)}) VALUES ({', '.join('?' * len(_SHOP_COLUMNS))})"


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def shift_day(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _contacts(db: sqlite_utils.Database, shop: str, first: str, last: str) -> tuple[list[Contact], dict[str, list[str]]]:
    """One Contact per customer and day (their conversations of the day merged), and each customer's conversations."""
    sql = (
        "SELECT c.conversation_id, c.customer, c.agents, "
        " (SELECT m.ts FROM messages m WHERE m.conversation_id = c.conversation_id AND m.role = 'customer'"
        "  ORDER BY m.message_index LIMIT 1) AS first_ts"
        " FROM conversations c WHERE c.shop = ? AND c.day BETWEEN ? AND ?"
    )
    merged: dict[tuple[str, str], list] = {}
    conversations: dict[str, list[str]] = {}
    for cid, customer, agents_json, first_ts in db.conn.execute(sql, (shop, first, last)):
        conversations.setdefault(customer, []).append(cid)
        if not first_ts:
            continue  # the customer never wrote: an outbound message is not an inquiry
        day, ts = first_ts[:10], _epoch(first_ts)
        agents = set(json.loads(agents_json or "[]"))
        entry = merged.get((customer, day))
        if entry is None:
            merged[(customer, day)] = [ts, agents]
        else:
            entry[0] = min(entry[0], ts)
            entry[1] |= agents
    contacts = [Contact(customer, day, ts, frozenset(agents)) for (customer, day), (ts, agents) in merged.items()]
    return contacts, conversations


def _orders(db: sqlite_utils.Database, shop: str, first: str, last: str) -> list[OrderFact]:
    sql = (
        "SELECT order_id, buyer_key, created_at, paid_at, amount, status FROM orders"
        " WHERE shop = ? AND created_at >= ? AND created_at < ?"
    )
    return [
        OrderFact(oid, buyer, _epoch(created), created[:10], _epoch(paid) if paid else None, amount or 0.0, status or "")
        for oid, buyer, created, paid, amount, status in db.conn.execute(sql, (shop, first, shift_day(last, 1)))
    ]


def _replies(db: sqlite_utils.Database, conversation_ids: list[str]) -> dict[str, list[tuple[float, str]]]:
    """Each customer's human replies (time, agent), agent names as in conversations.agents."""
    replies: dict[str, list[tuple[float, str]]] = {}
    for chunk in _chunks(conversation_ids):
        sql = (
            "SELECT c.customer, c.agents, m.ts, m.sender FROM messages m JOIN conversations c"
            " ON c.conversation_id = m.conversation_id"
            f" WHERE m.role = 'agent' AND m.conversation_id IN ({', '.join('?' * len(chunk))})"
        )
        names: dict[str, dict[str, str]] = {}
        for customer, agents_json, ts, sender in db.conn.execute(sql, chunk):
            # messages.sender is masked; conversations.agents keeps the names agent rows are keyed by.
            by_masked = names.get(agents_json)
            if by_masked is None:
                by_masked = names[agents_json] = {mask_text(a): a for a in json.loads(agents_json or "[]")}
            replies.setdefault(customer, []).append((_epoch(ts), by_masked.get(sender, sender)))
    return replies


def compute_shop_days(db: sqlite_utils.Database, shop: str, days: set[str], settings: SalesSettings) -> SalesResult:
    """The sales figures of some of a shop's days, from what the store holds."""
    first, last = min(days), max(days)
    contacts, conversations = _contacts(db, shop, shift_day(first, -settings.window_days - 1), shift_day(last, settings.window_days + 1))
    orders = _orders(db, shop, shift_day(first, -LOOKBACK_DAYS), shift_day(last, settings.window_days + 1))
    buyers = {o.buyer_key for o in orders}
    wanted = [cid for customer in buyers for cid in conversations.get(customer, ())]
    return compute_sales(contacts, _replies(db, wanted), orders, days, settings)


def write_shop_days(db: sqlite_utils.Database, shop: str, result: SalesResult) -> None:
    """Replace the sales columns of these days: other columns of agent_daily rows are left as they are."""
    now = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    with write_transaction(db.conn):
        for day in result.shop:
            db.conn.execute(_RESET_AGENT, (shop, day))
        db.conn.executemany(_UPSERT_AGENT, [
            (shop, agent, day, f.inquiries, f.ordered, f.paid, f.paid_amount, f.conversion_rate, f.avg_order_value)
            for (agent, day), f in sorted(result.agents.items()) if day in result.shop
        ])
        db.conn.executemany(_UPSERT_SHOP, [
            (shop, day, f.inquiries, f.ordered, f.paid, f.paid_amount, f.conversion_rate, f.avg_order_value,
             f.silent_orders, f.silent_paid, f.silent_paid_amount, now)
            for day, f in sorted(result.shop.items())
        ])


def refresh_sales(db: sqlite_utils.Database, shop: str, days: set[str], settings: SalesSettings) -> SalesResult:
    """Recompute and store a shop's sales figures for the given local days."""
    result = SalesResult()
    for run in _runs_of_days(days):
        part = compute_shop_days(db, shop, run, settings)
        write_shop_days(db, shop, part)
        result.agents.update(part.agents)
        result.shop.update(part.shop)
    return result


def _runs_of_days(days: set[str]) -> list[set[str]]:
    """Days split into runs of consecutive days, so far-apart days do not load everything in between."""
    runs: list[set[str]] = []
    previous = None
    for day in sorted(days):
        if previous is None or shift_day(previous, 1) != day:
            runs.append(set())
        runs[-1].add(day)
        previous = day
    return runs
