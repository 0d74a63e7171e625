"""The working-hours calendar: parsing, open time between instants, next opening, across zones."""
from datetime import datetime

import pytest
from hypothesis import given, settings, strategies as st
from jsonschema import Draft202012Validator

from qc_engine.text.workhours import WorkingHours, parse_spans, schema

SH = "Asia/Shanghai"


def at(text: str, tz: str = SH) -> float:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp()


DEFAULT = WorkingHours.from_config(None)
WITH_BREAK = WorkingHours.from_config({"default": "09:00-12:00, 13:30-24:00", "sat": "10:00-22:00", "sun": "closed"})


def test_spans_are_parsed_sorted_and_merged():
    assert parse_spans("13:30-24:00, 09:00-12:00") == ((540, 720), (810, 1440))
    assert parse_spans("09:00-12:00，11:00-13:00") == ((540, 780),)
    assert parse_spans("closed") == ()
    assert parse_spans(" 9:00 ~ 18:00 ") == ((540, 1080),)


@pytest.mark.parametrize("bad", ["", "9-18", "18:00-09:00", "09:00-25:00", "09:61-10:00", "09:00-09:00", "早上"])
def test_malformed_spans_are_refused(bad):
    with pytest.raises(ValueError):
        parse_spans(bad)


def test_schema_accepts_calendars_and_refuses_typos():
    validator = Draft202012Validator(schema())
    assert not list(validator.iter_errors({"default": "09:00-12:00, 13:30-24:00", "sun": "closed", "closed_dates": ["2026-02-17"]}))
    assert list(validator.iter_errors({"sunday": "closed"}))
    assert list(validator.iter_errors({"default": "9 to 5"}))


def test_default_is_nine_to_midnight_every_day():
    assert DEFAULT.is_open(at("2026-01-05T09:00:00"), SH)
    assert not DEFAULT.is_open(at("2026-01-05T08:59:59"), SH)
    assert DEFAULT.is_open(at("2026-01-05T23:59:59"), SH)
    assert not DEFAULT.is_open(at("2026-01-06T00:00:00"), SH)


def test_open_seconds_counts_only_open_time():
    # 00:40 to 09:00:10: only the ten seconds after opening count.
    assert DEFAULT.open_seconds(at("2026-11-20T00:40:00"), at("2026-11-20T09:00:10"), SH) == 10
    # Across the lunch break: 10 s before it, 25 s after it.
    assert WITH_BREAK.open_seconds(at("2026-01-05T11:59:50"), at("2026-01-05T13:30:25"), SH) == 35
    # Over a night: 23:59:00 to 09:01:00 next day is one minute before midnight and one after opening.
    assert DEFAULT.open_seconds(at("2026-01-05T23:59:00"), at("2026-01-06T09:01:00"), SH) == 120
    assert DEFAULT.open_seconds(at("2026-01-05T12:00:00"), at("2026-01-05T11:00:00"), SH) == 0


def test_weekday_entries_override_the_default():
    # 2026-01-10 is a Saturday (10:00-22:00), 2026-01-11 a Sunday (closed).
    assert not WITH_BREAK.is_open(at("2026-01-10T09:30:00"), SH)
    assert WITH_BREAK.next_opening(at("2026-01-10T09:30:00"), SH) == at("2026-01-10T10:00:00")
    assert WITH_BREAK.next_opening(at("2026-01-10T22:30:00"), SH) == at("2026-01-12T09:00:00")
    assert WITH_BREAK.open_seconds(at("2026-01-11T00:00:00"), at("2026-01-12T00:00:00"), SH) == 0


def test_weekdays_weekend_and_closed_dates():
    hours = WorkingHours.from_config({"weekdays": "09:00-18:00", "weekend": "closed", "fri": "09:00-12:00",
                                      "closed_dates": ["2026-01-07"]})
    assert hours.spans_on(datetime(2026, 1, 5).date()) == ((540, 1080),)
    assert hours.spans_on(datetime(2026, 1, 7).date()) == ()
    assert hours.spans_on(datetime(2026, 1, 9).date()) == ((540, 720),)
    assert hours.spans_on(datetime(2026, 1, 10).date()) == ()


def test_next_opening_and_add_open_seconds():
    t = at("2026-01-05T11:59:50")
    assert WITH_BREAK.next_opening(t, SH) == t
    assert WITH_BREAK.next_opening(at("2026-01-05T12:10:00"), SH) == at("2026-01-05T13:30:00")
    assert WITH_BREAK.add_open_seconds(t, 30, SH) == at("2026-01-05T13:30:20")
    never = WorkingHours.from_config({"default": "closed"})
    assert never.next_opening(t, SH) is None and never.add_open_seconds(t, 1, SH) is None
    assert not never.ever_open


def test_hours_are_local_to_the_zone_given():
    berlin = "Europe/Berlin"
    # 09:00 in Berlin is 16:00 in Shanghai in winter: the same instant is open there, closed here.
    t = at("2026-01-05T08:30:00", berlin)
    assert not DEFAULT.is_open(t, berlin) and DEFAULT.is_open(t, SH)
    assert DEFAULT.open_seconds(t, at("2026-01-05T09:00:30", berlin), berlin) == 30


def test_daylight_saving_day_has_one_hour_less_of_night_not_of_opening():
    berlin = "Europe/Berlin"  # clocks go 02:00 -> 03:00 on 2026-03-29
    day_open = DEFAULT.open_seconds(at("2026-03-29T00:00:00", berlin), at("2026-03-30T00:00:00", berlin), berlin)
    assert day_open == 15 * 3600


instants = st.integers(min_value=int(at("2026-01-01T00:00:00")), max_value=int(at("2026-02-15T00:00:00")))
calendars = st.sampled_from([DEFAULT, WITH_BREAK, WorkingHours.from_config({"default": "00:00-24:00"}),
                             WorkingHours.from_config({"default": "closed", "wed": "08:15-08:16"})])
zones = st.sampled_from([SH, "Europe/Berlin", "America/New_York"])


@settings(max_examples=150, deadline=None)
@given(calendars, zones, instants, instants, instants)
def test_open_time_is_additive_non_negative_and_within_wall_time(hours, tz, x, y, z):
    a, b, c = sorted((x, y, z))
    ab, bc, ac = hours.open_seconds(a, b, tz), hours.open_seconds(b, c, tz), hours.open_seconds(a, c, tz)
    assert ab >= 0 and bc >= 0
    assert ab + bc == pytest.approx(ac)
    assert ac <= c - a
    assert hours.open_seconds(c, a, tz) == 0


@settings(max_examples=100, deadline=None)
@given(calendars, zones, instants, st.integers(min_value=1, max_value=200000))
def test_add_open_seconds_inverts_open_seconds(hours, tz, start, seconds):
    end = hours.add_open_seconds(start, seconds, tz)
    if end is not None:
        assert hours.open_seconds(start, end, tz) == pytest.approx(seconds)
        opening = hours.next_opening(start, tz)
        assert opening is not None and hours.open_seconds(start, opening, tz) == 0


def _open_seconds_day_by_day(hours, start, end, tz):
    """Reference: walk every local day from start to end and sum its overlaps."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    total, day = 0.0, datetime.fromtimestamp(start, ZoneInfo(tz)).date()
    last = datetime.fromtimestamp(end, ZoneInfo(tz)).date()
    while day <= last:
        for a, b in hours.intervals_on(day, tz):
            if min(b, end) > max(a, start):
                total += min(b, end) - max(a, start)
        day += timedelta(days=1)
    return total


@settings(max_examples=200, deadline=None)
@given(calendars, st.lists(st.tuples(zones, instants, st.integers(min_value=0, max_value=30 * 3600)), min_size=1, max_size=6))
def test_open_seconds_is_the_day_by_day_sum_whatever_was_asked_before(hours, queries):
    # Consecutive queries, in one zone or alternating zones, short waits within a day or across nights.
    for tz, start, wait in queries:
        assert hours.open_seconds(start, start + wait, tz) == _open_seconds_day_by_day(hours, start, start + wait, tz)
