"""The order-loader API: plugins read shops' order exports into plain order records."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator

from qc_engine.model import DEFAULT_TIMEZONE, Rejected
from qc_engine.ingest.normalize import zone
from qc_engine.text.personal_data import mask_text
from qc_engine.orders.fields import FieldError, cell_text, clean_order_id, normalize_status, parse_amount, parse_local_time

# The only keys an order record may carry: nothing else from an export is ever kept.
ORDER_FIELDS = ("order_id", "buyer", "shop", "created_at", "paid_at", "amount", "status")
MAX_SHOP_CHARS = 200
MAX_BUYER_CHARS = 200


class OrderFileError(ValueError):
    """A whole order file that cannot be read; the message never quotes the file's content."""


@dataclass
class OrderLoadOptions:
    """What an order loader may need beyond the file: defaults for what the export does not say."""

    timezone: str = DEFAULT_TIMEZONE
    shop: str | None = None  # shop name when the export has no shop column
    columns: dict[str, str] = field(default_factory=dict)  # order field -> column header, for generic exports
    extra: dict[str, Any] = field(default_factory=dict)
    customer_key: Callable[[str], str] = mask_text  # the same key the audit stores for the customer


class OrderLoader:
    """Base class of every order-export loader.

    ``sniff`` looks at the first bytes of a file and says how sure it is
    (0 = not mine, 1 = certainly mine). ``load`` streams the file and yields,
    per order, a dict with only the keys in ORDER_FIELDS (raw cell values are
    fine: they are cleaned centrally) plus ``line`` (1-based), or a
    ``Rejected`` for a row it cannot use. Loaders must never pass on buyer
    names, phones or addresses: the dict has no place for them.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def sniff(self, path: Path, head: bytes) -> float:
        raise NotImplementedError

    def load(self, path: Path, options: OrderLoadOptions) -> Iterator[dict[str, Any] | Rejected]:
        raise NotImplementedError


@dataclass(slots=True)
class Order:
    """An order as stored: the buyer only as the masked key that joins to conversations.customer."""

    order_id: str
    shop: str
    buyer_key: str
    created_at: datetime
    paid_at: datetime | None
    amount: float
    status: str


@dataclass
class RegisteredOrderLoader:
    loader: OrderLoader
    plugin: str


def clean_order(record: dict[str, Any], timezone_of: Callable[[str], str], default_shop: str | None = None,
                customer_key: Callable[[str], str] = mask_text) -> Order:
    """An Order from a loader's record (naive times in the shop's zone); FieldError says what is unusable."""
    order_id = clean_order_id(record.get("order_id"))
    shop = cell_text(record.get("shop")) or (default_shop or "")
    if not shop:
        raise FieldError("no shop name (the export has no shop column: give the shop with --shop)")
    buyer = cell_text(record.get("buyer"))
    if not buyer:
        raise FieldError("no buyer (买家会员名)")
    if len(shop) > MAX_SHOP_CHARS or len(buyer) > MAX_BUYER_CHARS:
        raise FieldError("shop or buyer longer than 200 characters")
    tz = zone(timezone_of(shop))
    try:
        created = parse_local_time(record.get("created_at"), tz)
        paid = parse_local_time(record.get("paid_at"), tz)
    except FieldError as exc:
        raise FieldError(f"order {order_id}: {exc}") from None
    if created is None:
        raise FieldError(f"order {order_id}: no creation time")
    status = normalize_status(record.get("status"))
    try:
        amount = parse_amount(record.get("amount"))
    except FieldError as exc:
        raise FieldError(f"order {order_id}: {exc}") from None
    return Order(order_id, shop, customer_key(buyer), created, paid, amount, status)
