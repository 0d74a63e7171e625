"""The sales figures of a shop's days, from contacts (who wrote, who served) and orders. Pure, no I/O."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from qc_engine.orders.fields import CLOSED, COMPLETED, OTHER, PAID, REFUNDED, REFUNDING, SHIPPED, UNPAID
from qc_engine.orders.settings import SalesSettings


@dataclass(slots=True)
class Contact:
    """A customer who wrote to the shop on a day: when first, and which human agents replied that day."""

    customer: str
    day: str  # YYYY-MM-DD, shop local
    first_ts: float  # epoch seconds of the customer's first message that day
    agents: frozenset[str]  # empty: served only by the bot (not an inquiry)


@dataclass(slots=True)
class OrderFact:
    order_id: str
    buyer_key: str
    created_ts: float
    created_day: str  # YYYY-MM-DD, shop local
    paid_ts: float | None
    amount: float
    status: str


@dataclass
class Figures:
    """Counts of distinct customers and the paid amount; the rates derive from them."""

    inquiries: int = 0
    ordered: int = 0
    paid: int = 0
    paid_amount: float = 0.0

    @property
    def conversion_rate(self) -> float | None:
        """询单转化率: paying customers / inquiries (None without inquiries)."""
        return self.paid / self.inquiries if self.inquiries else None

    @property
    def avg_order_value(self) -> float | None:
        """客单价: paid amount / paying customers (None without paying customers)."""
        return self.paid_amount / self.paid if self.paid else None


@dataclass
class ShopDayFigures(Figures):
    """A shop's day: distinct-customer totals (an agent's rows may share customers) and silent orders."""

    silent_orders: int = 0  # 静默下单: orders by buyers who had no conversation with the shop
    silent_paid: int = 0
    silent_paid_amount: float = 0.0


@dataclass
class SalesResult:
    agents: dict[tuple[str, str], Figures] = field(default_factory=dict)  # (agent, day) -> figures
    shop: dict[str, ShopDayFigures] = field(default_factory=dict)  # day -> figures


def counts_as_paid(order: OrderFact, settings: SalesSettings) -> bool:
    """Whether a paid order counts as paid under the shop's settings (refunds and closures default to no)."""
    if order.paid_ts is None or order.status == UNPAID:
        return False
    if order.status in (REFUNDING, REFUNDED):
        return settings.count_refunds_as_paid
    if order.status == CLOSED:
        return settings.count_closed_as_paid
    return order.status in (PAID, SHIPPED, COMPLETED, OTHER, "")


def window_end(day: str, settings: SalesSettings) -> float:
    """Epoch seconds of the end of the conversion window of an inquiry made on ``day``."""
    last = date.fromisoformat(day) + timedelta(days=settings.window_days + 1)
    return datetime.combine(last, time(0), tzinfo=ZoneInfo(settings.timezone)).timestamp()


class _Replies:
    """One customer's human replies in time order, for 'who last replied before this moment'."""

    __slots__ = ("times", "agents")

    def __init__(self, replies: list[tuple[float, str]]):
        replies = sorted(replies)
        self.times = [t for t, _ in replies]
        self.agents = [a for _, a in replies]

    def credited_agent(self, since: float, moment: float, fallback: frozenset[str]) -> str:
        """The last agent to reply in [since, moment]; else the first to reply after since; else one who served."""
        i = bisect_right(self.times, moment) - 1
        if i >= 0 and self.times[i] >= since:
            return self.agents[i]
        j = bisect_right(self.times, since - 1e-9)
        if j < len(self.times):
            return self.agents[j]
        return min(fallback) if fallback else ""


def compute_sales(
    contacts: list[Contact],
    replies: dict[str, list[tuple[float, str]]],
    orders: list[OrderFact],
    days: set[str],
    settings: SalesSettings,
) -> SalesResult:
    """Per agent and day, and per shop day, the inquiries, conversions and paid amounts (see docs/sales-figures.md)."""
    by_buyer: dict[str, list[OrderFact]] = {}
    for o in orders:
        by_buyer.setdefault(o.buyer_key, []).append(o)
    ends = {}
    covered: set[str] = set()  # order ids reached by some conversation (so not silent)
    agent_sets: dict[tuple[str, str], list[set]] = {}
    agent_amounts: dict[tuple[str, str], float] = {}
    shop_sets: dict[str, list[set]] = {}
    shop_amounts: dict[str, float] = {}
    reply_index: dict[str, _Replies] = {}

    for c in contacts:
        end = ends.get(c.day) or ends.setdefault(c.day, window_end(c.day, settings))
        own = by_buyer.get(c.customer, ())
        in_window = []
        for o in own:
            created_in = c.first_ts <= o.created_ts < end
            paid_in = o.paid_ts is not None and c.first_ts <= o.paid_ts < end
            if created_in or paid_in:
                covered.add(o.order_id)
                in_window.append((o, created_in, paid_in and counts_as_paid(o, settings)))
        if not c.agents or c.day not in days:
            continue  # served only by the bot: not an inquiry, and not silent either
        shop = shop_sets.setdefault(c.day, [set(), set(), set()])
        shop[0].add(c.customer)
        for agent in c.agents:
            agent_sets.setdefault((agent, c.day), [set(), set(), set()])[0].add(c.customer)
        if not in_window:
            continue
        index = reply_index.get(c.customer)
        if index is None:
            index = reply_index[c.customer] = _Replies(replies.get(c.customer, []))
        for o, created_in, paid in in_window:
            if not (created_in or paid):
                continue
            # An order created before the chat but paid during it (催付) is credited at its payment.
            moment = o.created_ts if o.created_ts >= c.first_ts else o.paid_ts
            agent = index.credited_agent(c.first_ts, moment, c.agents)
            sets = agent_sets.setdefault((agent, c.day), [set(), set(), set()])
            if created_in:
                sets[1].add(c.customer)
                shop[1].add(c.customer)
            if paid:
                sets[2].add(c.customer)
                shop[2].add(c.customer)
                agent_amounts[(agent, c.day)] = agent_amounts.get((agent, c.day), 0.0) + o.amount
                shop_amounts[c.day] = shop_amounts.get(c.day, 0.0) + o.amount

    result = SalesResult()
    for key, (inq, ordered, paid) in agent_sets.items():
        result.agents[key] = Figures(len(inq), len(ordered), len(paid), round(agent_amounts.get(key, 0.0), 2))
    for day in days:
        inq, ordered, paid = shop_sets.get(day, (set(), set(), set()))
        result.shop[day] = ShopDayFigures(len(inq), len(ordered), len(paid), round(shop_amounts.get(day, 0.0), 2))
    for o in orders:
        if o.order_id in covered or o.created_day not in days:
            continue
        figures = result.shop[o.created_day]
        figures.silent_orders += 1
        if counts_as_paid(o, settings):
            figures.silent_paid += 1
            figures.silent_paid_amount = round(figures.silent_paid_amount + o.amount, 2)
    return result
