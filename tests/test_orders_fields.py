"""Cleaning order-export values: order numbers, money, times, statuses."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc_engine.orders.fields import (
    CLOSED, COMPLETED, OTHER, PAID, REFUNDED, REFUNDING, SHIPPED, STATUSES, UNPAID, FieldError, clean_order_id,
    normalize_status, parse_amount, parse_local_time,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("raw", ['="3012345678901234567"', "\t3012345678901234567", "'3012345678901234567",
                                 " 3012345678901234567 ", '"3012345678901234567"', 3012345678901234567])
def test_order_number_guards_are_removed(raw):
    assert clean_order_id(raw) == "3012345678901234567"


@pytest.mark.parametrize("raw", ["3.01235E+18", "3.012345678901235e18", 3.012345678901235e18, "", None, '=""'])
def test_mangled_or_missing_order_numbers_are_refused(raw):
    with pytest.raises(FieldError):
        clean_order_id(raw)


@given(st.text(alphabet="0123456789ABCDEF-", min_size=1, max_size=40))
def test_order_number_survives_every_guard(order_id):
    for wrapped in (f'="{order_id}"', f"\t{order_id}", f"'{order_id}", order_id):
        try:
            assert clean_order_id(wrapped) == order_id
        except FieldError:
            assert "E" in order_id  # only what looks like scientific notation is refused


@pytest.mark.parametrize("raw, expected", [("128.00", 128.0), ("¥1,234.50", 1234.5), ("￥99", 99.0), ("", 0.0),
                                           (56, 56.0), (12.345, 12.35), ("88元", 88.0)])
def test_amounts(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "-5", "1e400", "inf"])
def test_bad_amounts(raw):
    with pytest.raises(FieldError):
        parse_amount(raw)


@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False))
def test_amount_round_trips_through_export_formats(value):
    text = f"{value:,.2f}"
    assert parse_amount(f"¥{text}") == pytest.approx(float(value))


@pytest.mark.parametrize("raw", ["2026-11-20 10:15:32", "2026/11/20 10:15:32", "2026-11-20T10:15:32",
                                 "2026-11-20T02:15:32Z", "2026-11-20T10:15:32+08:00", datetime(2026, 11, 20, 10, 15, 32)])
def test_times_are_shop_local(raw):
    assert parse_local_time(raw, SHANGHAI) == datetime(2026, 11, 20, 10, 15, 32, tzinfo=SHANGHAI)


@pytest.mark.parametrize("raw", ["", None, "-", "0000-00-00 00:00:00"])
def test_blank_times(raw):
    assert parse_local_time(raw, SHANGHAI) is None


def test_unknown_time_format():
    with pytest.raises(FieldError):
        parse_local_time("20th of November", SHANGHAI)


@pytest.mark.parametrize("raw, expected", [
    ("等待买家付款", UNPAID), ("买家已付款，等待卖家发货", PAID), ("买家已付款,等待卖家发货", PAID),
    ("卖家已发货，等待买家确认", SHIPPED), ("交易成功", COMPLETED), ("交易关闭", CLOSED),
    ("付款以前，卖家或买家主动关闭交易", CLOSED), ("退款中", REFUNDING), ("交易关闭（退款成功）", REFUNDED),
    ("paid", PAID), ("Completed", COMPLETED), ("refunded", REFUNDED), ("预售中", OTHER), ("", ""),
])
def test_statuses(raw, expected):
    assert normalize_status(raw) == expected


@given(st.text(max_size=30))
def test_status_is_always_a_known_code(text):
    assert normalize_status(text) in STATUSES + ("",)
