"""Cleaning the values of an order export: order numbers, money, local times and statuses."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import regex

# Normalized order statuses stored in orders.status.
UNPAID, PAID, SHIPPED, COMPLETED, REFUNDING, REFUNDED, CLOSED, OTHER = (
    "unpaid", "paid", "shipped", "completed", "refunding", "refunded", "closed", "other",
)
STATUSES = (UNPAID, PAID, SHIPPED, COMPLETED, REFUNDING, REFUNDED, CLOSED, OTHER)

# Checked in order: the first keyword found in the export's status text decides.
# Refund words come first because Tmall writes e.g. "交易关闭（退款成功）".
_STATUS_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("退款中", REFUNDING), ("退款申请", REFUNDING), ("售后中", REFUNDING),
    ("退款成功", REFUNDED), ("已退款", REFUNDED), ("全额退款", REFUNDED),
    ("付款以前", CLOSED), ("交易关闭", CLOSED), ("已关闭", CLOSED), ("已取消", CLOSED), ("订单取消", CLOSED),
    ("等待买家付款", UNPAID), ("待付款", UNPAID), ("未付款", UNPAID),
    ("交易成功", COMPLETED), ("已完成", COMPLETED), ("已签收", COMPLETED), ("确认收货", COMPLETED),
    ("卖家已发货", SHIPPED), ("部分发货", SHIPPED), ("已发货", SHIPPED), ("待收货", SHIPPED),
    ("买家已付款", PAID), ("已付款", PAID), ("待发货", PAID), ("已支付", PAID),
)
_ENGLISH_STATUSES = {
    "unpaid": UNPAID, "pending": UNPAID, "wait_buyer_pay": UNPAID, "created": UNPAID,
    "paid": PAID, "wait_seller_send_goods": PAID,
    "shipped": SHIPPED, "wait_buyer_confirm_goods": SHIPPED, "sent": SHIPPED,
    "completed": COMPLETED, "complete": COMPLETED, "success": COMPLETED, "trade_finished": COMPLETED, "done": COMPLETED,
    "refunding": REFUNDING, "refund_pending": REFUNDING,
    "refunded": REFUNDED, "refund": REFUNDED,
    "closed": CLOSED, "cancelled": CLOSED, "canceled": CLOSED, "trade_closed": CLOSED, "trade_closed_by_taobao": CLOSED,
}

_EXCEL_WRAPPED = regex.compile(r'^="?(.*?)"?$')
_SCIENTIFIC = regex.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_MONEY_NOISE = regex.compile(r"[\s,，¥￥元RMB]", regex.I)
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d",
                 "%Y%m%d%H%M%S", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M")
_BLANK = {"", "-", "--", "null", "none", "nan", "n/a", "0000-00-00 00:00:00", "0000-00-00"}


class FieldError(ValueError):
    """A value that cannot be used; the message says which and why, without personal data."""


def cell_text(value) -> str:
    """A cell as trimmed text (numbers from spreadsheets without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().strip("\t\ufeff").strip()


def clean_order_id(value) -> str:
    """The order number without Excel guards (="...", a leading tab or apostrophe); FieldError if mangled."""
    if isinstance(value, float) and value >= 2**53:
        raise FieldError("order number was turned into a rounded number by Excel; export it as text")
    text = cell_text(value)
    match = _EXCEL_WRAPPED.match(text)
    if match:
        text = match.group(1)
    text = text.strip().lstrip("'`").strip().strip('"').strip()
    if not text:
        raise FieldError("no order number")
    if _SCIENTIFIC.match(text):
        raise FieldError("order number was turned into scientific notation (1.2E+18) by Excel; export it as text")
    if len(text) > 64:
        raise FieldError("order number is longer than 64 characters")
    return text


def parse_amount(value) -> float:
    """Money as a float: '¥1,234.50' -> 1234.5; blank -> 0.0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = float(value)
    else:
        text = _MONEY_NOISE.sub("", cell_text(value))
        if text.lower() in _BLANK:
            return 0.0
        try:
            amount = float(text)
        except ValueError:
            raise FieldError("amount is not a number") from None
    if amount != amount or amount in (float("inf"), float("-inf")) or amount < 0:
        raise FieldError("amount is not a positive number")
    return round(amount, 2)


def parse_local_time(value, tz: ZoneInfo) -> datetime | None:
    """A time from the export (text, or a spreadsheet datetime) in the shop's zone; None when blank."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        text = cell_text(value)
        if text.lower() in _BLANK:
            return None
        dt = None
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    dt = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if dt is None:
            raise FieldError("time is not in a known format (expected like 2026-11-20 10:15:32)")
    if dt.tzinfo is None:
        return dt.replace(tzinfo=tz)
    return dt.astimezone(tz)


def normalize_status(value) -> str:
    """One of STATUSES from the export's status text (Chinese or English); '' when blank."""
    text = cell_text(value)
    if not text:
        return ""
    key = text.lower().replace(" ", "_")
    if key in _ENGLISH_STATUSES:
        return _ENGLISH_STATUSES[key]
    for word, status in _STATUS_KEYWORDS:
        if word in text:
            return status
    return OTHER
