"""The conversion computation on its own: windows, attribution, silent orders, settings."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from qc_engine.orders import Contact, OrderFact, SalesSettings, compute_sales

TZ = ZoneInfo("Asia/Shanghai")


def ts(text):
    return datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def order(oid, buyer, created, paid=None, amount=10.0, status="completed"):
    return OrderFact(oid, buyer, ts(created), created[:10], ts(paid) if paid else None, amount, status)


def contact(customer, first, agents):
    return Contact(customer, first[:10], ts(first), frozenset(agents))


def test_last_replier_before_the_order_gets_it_not_a_later_one():
    contacts = [contact("u", "2026-11-20T10:00:00", {"A", "B"})]
    replies = {"u": [(ts("2026-11-20T10:01:00"), "A"), (ts("2026-11-20T10:05:00"), "B"), (ts("2026-11-20T10:20:00"), "A")]}
    result = compute_sales(contacts, replies, [order("1", "u", "2026-11-20T10:10:00", "2026-11-20T10:11:00")],
                           {"2026-11-20"}, SalesSettings())
    assert (result.agents[("B", "2026-11-20")].paid, result.agents[("A", "2026-11-20")].paid) == (1, 0)
    assert result.agents[("A", "2026-11-20")].inquiries == 1


def test_order_before_any_reply_goes_to_the_first_agent_who_replied():
    contacts = [contact("u", "2026-11-20T10:00:00", {"B"})]
    replies = {"u": [(ts("2026-11-20T10:30:00"), "B")]}
    result = compute_sales(contacts, replies, [order("1", "u", "2026-11-20T10:10:00", "2026-11-20T10:11:00")],
                           {"2026-11-20"}, SalesSettings())
    assert result.agents[("B", "2026-11-20")].paid == 1


def test_order_created_before_the_chat_and_paid_during_it_is_paid_not_ordered():
    contacts = [contact("u", "2026-11-20T10:00:00", {"A"})]
    replies = {"u": [(ts("2026-11-20T10:01:00"), "A")]}
    result = compute_sales(contacts, replies, [order("1", "u", "2026-11-20T09:00:00", "2026-11-20T10:30:00")],
                           {"2026-11-20"}, SalesSettings())
    a = result.agents[("A", "2026-11-20")]
    assert (a.ordered, a.paid) == (0, 1)
    assert result.shop["2026-11-20"].silent_orders == 0


@pytest.mark.parametrize("window_days, created, counted", [
    (1, "2026-11-21T23:59:59", True), (1, "2026-11-22T00:00:00", False), (0, "2026-11-20T23:59:59", True),
    (0, "2026-11-21T00:00:01", False), (1, "2026-11-20T09:59:59", False),
])
def test_window_edges(window_days, created, counted):
    contacts = [contact("u", "2026-11-20T10:00:00", {"A"})]
    result = compute_sales(contacts, {"u": [(ts("2026-11-20T10:00:05"), "A")]}, [order("1", "u", created, created)],
                           {"2026-11-20"}, SalesSettings(window_days=window_days))
    assert result.shop["2026-11-20"].ordered == int(counted)


@pytest.mark.parametrize("status, flag, paid", [
    ("refunded", {}, 0), ("refunding", {}, 0), ("closed", {}, 0), ("refunded", {"count_refunds_as_paid": True}, 1),
    ("closed", {"count_closed_as_paid": True}, 1), ("unpaid", {"count_closed_as_paid": True}, 0), ("", {}, 1),
])
def test_refunds_and_closures_follow_the_settings(status, flag, paid):
    contacts = [contact("u", "2026-11-20T10:00:00", {"A"})]
    orders = [order("1", "u", "2026-11-20T10:10:00", "2026-11-20T10:11:00", status=status)]
    result = compute_sales(contacts, {"u": [(ts("2026-11-20T10:00:05"), "A")]}, orders, {"2026-11-20"},
                           SalesSettings(**flag))
    assert result.shop["2026-11-20"].paid == paid and result.shop["2026-11-20"].ordered == 1


def test_several_paid_orders_of_one_customer_count_once_with_all_their_money():
    contacts = [contact("u", "2026-11-20T10:00:00", {"A"})]
    orders = [order("1", "u", "2026-11-20T10:10:00", "2026-11-20T10:11:00", 30.0),
              order("2", "u", "2026-11-20T11:10:00", "2026-11-20T11:11:00", 45.5)]
    a = compute_sales(contacts, {"u": [(ts("2026-11-20T10:00:05"), "A")]}, orders, {"2026-11-20"},
                      SalesSettings()).agents[("A", "2026-11-20")]
    assert (a.paid, a.paid_amount, a.avg_order_value, a.conversion_rate) == (1, 75.5, 75.5, 1.0)


def test_bot_only_customers_are_neither_inquiries_nor_silent():
    contacts = [contact("u", "2026-11-20T10:00:00", set())]
    result = compute_sales(contacts, {}, [order("1", "u", "2026-11-20T10:10:00", "2026-11-20T10:11:00")],
                           {"2026-11-20"}, SalesSettings())
    shop = result.shop["2026-11-20"]
    assert (shop.inquiries, shop.paid, shop.silent_orders, result.agents) == (0, 0, 0, {})
    assert shop.conversion_rate is None and shop.avg_order_value is None
