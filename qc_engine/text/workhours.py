"""A shop's working-hours calendar: when it is open, and how much open time lies between two instants.

A calendar is written in a rule file's ``working_hours`` section as strings, so that a
shop file replaces a default day instead of adding to it::

    working_hours:
      default: "09:00-12:00, 13:30-24:00"   # every day without an entry of its own
      weekdays: "09:00-18:00"               # mon-fri, unless the day has its own entry
      sat: "10:00-22:00"
      sun: closed
      closed_dates: ["2026-02-17"]          # days the shop is closed (quote the dates in YAML)
      open_dates: ["2026-02-21"]            # days it opens its weekday hours whatever else says
      calendar: china                       # default: China's statutory holidays and 调休 workdays count
      holidays: "10:00-18:00"               # hours on statutory holidays (default: Sunday's hours)

With ``calendar: china`` (the default) a statutory holiday (法定节假日, from the chinese-calendar
package) is kept like a Sunday, or with the ``holidays`` hours when given (``closed`` for a shop that
closes), and a 调休 weekend day that is a working day is kept with the weekday hours (``weekdays``,
else ``default``). The shop's own ``closed_dates`` and ``open_dates`` win over the calendar; years
the package does not know yet follow the weekly hours. ``calendar: none`` ignores the calendar.

Times are the shop's local time; ``24:00`` is the end of the day. A span that runs
past midnight is written as two spans on the two days. Instants are epoch seconds
and the zone is an IANA name, so daylight-saving shifts are handled by ``zoneinfo``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from qc_engine.ingest.normalize import zone

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = "09:00-24:00"
DEFAULT_CALENDAR = "china"
# How far ahead next_opening/add_open_seconds look before deciding the shop never opens.
MAX_LOOKAHEAD_DAYS = 400

_TIME = r"(\d{1,2})[:：](\d{2})"
_SPAN = re.compile(rf"^\s*{_TIME}\s*[-–—~至]\s*{_TIME}\s*$")
_SEPARATORS = re.compile(r"[,，;；、]")
# For the rule-file schema: one span, or several separated by commas, or "closed".
SPANS_PATTERN = (
    r"^\s*(?:closed|休息|(?:\d{1,2}[:：]\d{2}\s*[-–—~至]\s*\d{1,2}[:：]\d{2})"
    r"(?:\s*[,，;；、]\s*\d{1,2}[:：]\d{2}\s*[-–—~至]\s*\d{1,2}[:：]\d{2})*)\s*$"
)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"

Span = tuple[int, int]  # minutes since local midnight, start < end <= 1440


def parse_spans(text: str) -> tuple[Span, ...]:
    """'09:00-12:00, 13:30-24:00' as sorted, merged minute spans; 'closed' as none; ValueError if malformed."""
    text = (text or "").strip()
    if text.lower() in ("closed", "休息"):
        return ()
    spans: list[Span] = []
    for part in _SEPARATORS.split(text):
        m = _SPAN.match(part)
        if not m:
            raise ValueError(f"not a time span like 09:00-18:00: {part.strip()!r}")
        h1, m1, h2, m2 = map(int, m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start > 1440 or end > 1440:
            raise ValueError(f"not a time of day (00:00-24:00): {part.strip()!r}")
        if end <= start:
            raise ValueError(
                f"span {part.strip()!r} must end after it starts; a span past midnight is two spans, e.g. 20:00-24:00 and 00:00-02:00 the next day"
            )
        spans.append((start, end))
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class WorkingHours:
    """A weekly calendar (Monday first) with closed dates; all queries take the zone of the instants."""

    weekly: tuple[tuple[Span, ...], ...]
    closed_dates: frozenset[date] = frozenset()
    open_dates: frozenset[date] = frozenset()
    workday: tuple[Span, ...] = ()  # the hours of a working day, for open_dates and 调休 weekend days
    holiday: tuple[Span, ...] | None = None  # the hours of a statutory holiday; None: the calendar is not used

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> "WorkingHours":
        """The calendar a rule-file ``working_hours`` section describes (default 09:00-24:00 every day)."""
        section = section or {}
        default = parse_spans(section.get("default", DEFAULT_HOURS))
        weekdays = parse_spans(section["weekdays"]) if "weekdays" in section else default
        weekend = parse_spans(section["weekend"]) if "weekend" in section else default
        weekly = []
        for i, key in enumerate(DAY_KEYS):
            fallback = weekdays if i < 5 else weekend
            weekly.append(parse_spans(section[key]) if key in section else fallback)
        closed = frozenset(date.fromisoformat(d) for d in section.get("closed_dates") or ())
        opened = frozenset(date.fromisoformat(d) for d in section.get("open_dates") or ())
        holiday = None
        if section.get("calendar", DEFAULT_CALENDAR) == "china":
            holiday = parse_spans(section["holidays"]) if "holidays" in section else weekly[6]
        return cls(tuple(weekly), closed, opened, weekdays, holiday)

    @property
    def ever_open(self) -> bool:
        return any(self.weekly)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """The open spans of one local calendar day."""
        if day in self.closed_dates:
            return ()
        if day in self.open_dates:
            return self.workday
        if self.holiday is not None:
            kind = china_day(day)
            if kind == "holiday":
                return self.holiday
            if kind == "workday":
                return self.workday
        return self.weekly[day.weekday()]

    def intervals_on(self, day: date, tz: str) -> tuple[tuple[float, float], ...]:
        """The open intervals of one local day as epoch seconds."""
        return self._day(day, tz)[2]

    def _day(self, day: date, tz: str) -> tuple[float, float, tuple[tuple[float, float], ...]]:
        # (local midnight, next local midnight, open intervals), cached: a day's chats ask about the same few days.
        cache = self._day_cache
        hit = cache.get((day, tz))
        if hit is None:
            if len(cache) > 8192:
                cache.clear()
            hit = cache[(day, tz)] = (_local_midnight(day, tz), _local_midnight(day + timedelta(days=1), tz),
                                      _intervals(self, day, tz))
        return hit

    @property
    def _day_cache(self) -> dict:
        # Per calendar, so lookups hash a (date, zone) pair rather than the whole calendar.
        try:
            return self.__dict__["_days"]
        except KeyError:
            cache: dict = {}
            object.__setattr__(self, "_days", cache)
            return cache

    # The latest day asked for, as (zone, day_at's answer): one chat's waits nearly always lie within one day,
    # and a day's chats within a few, so most queries skip the date lookups.
    _recent = None  # not annotated: a cache, not a field of the calendar

    def day_at(self, t: float, tz: str) -> tuple[float, float, tuple[tuple[float, float], ...]]:
        """The local day of an instant as (midnight, next midnight, open intervals), all epoch seconds."""
        recent = self._recent
        if recent is not None and recent[0] == tz:
            day = recent[1]
            if day[0] <= t < day[1]:
                return day
        day = self._day(_local_date(t, tz), tz)
        object.__setattr__(self, "_recent", (tz, day))
        return day

    def open_seconds(self, start: float, end: float, tz: str) -> float:
        """Seconds of open time between two instants (0 when end is not after start)."""
        if end <= start:
            return 0.0
        lo, hi, intervals = self.day_at(start, tz)
        if not lo <= start < end <= hi:
            return self._open_seconds_by_day(start, end, tz)
        # Within one local day only that day's intervals can overlap: the same sum as the walk below.
        total = 0.0
        for a, b in intervals:
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += hi - lo
        return total

    def _open_seconds_by_day(self, start: float, end: float, tz: str) -> float:
        total = 0.0
        day, last = _local_date(start, tz), _local_date(end, tz)
        while day <= last:
            for a, b in self.intervals_on(day, tz):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def is_open(self, t: float, tz: str) -> bool:
        """Whether the shop is open at the instant (opening time included, closing time excluded)."""
        return any(a <= t < b for a, b in self.intervals_on(_local_date(t, tz), tz))

    def next_opening(self, t: float, tz: str) -> float | None:
        """The instant itself when open, else the next opening; None when it does not open within a year."""
        day = _local_date(t, tz)
        for _ in range(MAX_LOOKAHEAD_DAYS):
            for a, b in self.intervals_on(day, tz):
                if b > t:
                    return max(a, t)
            day += timedelta(days=1)
        return None

    def add_open_seconds(self, start: float, seconds: float, tz: str) -> float | None:
        """The first instant by which ``seconds`` of open time have passed since ``start`` (None: never)."""
        if seconds <= 0:
            return start
        remaining = seconds
        day = _local_date(start, tz)
        for _ in range(MAX_LOOKAHEAD_DAYS):
            for a, b in self.intervals_on(day, tz):
                lo = max(a, start)
                if b <= lo:
                    continue
                if b - lo >= remaining:
                    return lo + remaining
                remaining -= b - lo
            day += timedelta(days=1)
        return None

    def end_of_day(self, t: float, tz: str) -> float:
        """The next local midnight after the instant."""
        return self.day_at(t, tz)[1]


def china_day(day: date) -> str | None:
    """"holiday" for a statutory holiday (法定节假日), "workday" for a weekend day made a working day (调休),
    None for an ordinary day or a year the chinese-calendar package does not know yet."""
    import chinese_calendar  # the published calendar, updated by the package each year

    if day in chinese_calendar.holidays:
        return "holiday"
    if day in chinese_calendar.workdays and day.weekday() >= 5:
        return "workday"
    return None


_DAY_BUCKET = 900  # every zone's offset is a multiple of 15 minutes, so a local midnight never falls inside a bucket
_day_cache: dict[tuple[str, int], date] = {}


def _local_date(t: float, tz: str) -> date:
    key = (tz, int(t // _DAY_BUCKET))
    day = _day_cache.get(key)
    if day is None:
        if len(_day_cache) > 200_000:
            _day_cache.clear()
        day = _day_cache[key] = datetime.fromtimestamp(key[1] * _DAY_BUCKET, zone(tz)).date()
    return day


def _local_midnight(day: date, tz: str) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=zone(tz)).timestamp()


def _instant(day: date, minutes: int, tz: str) -> float:
    if minutes >= 1440:
        return _local_midnight(day + timedelta(days=1), tz)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone(tz)).timestamp()


def _intervals(hours: WorkingHours, day: date, tz: str) -> tuple[tuple[float, float], ...]:
    # Cached because a day's chats ask about the same few days over and over.
    out = []
    for start, end in hours.spans_on(day):
        a, b = _instant(day, start, tz), _instant(day, end, tz)
        if b > a:  # a span swallowed by a daylight-saving gap has no length
            out.append((a, b))
    return tuple(out)


def schema() -> dict[str, Any]:
    """JSON Schema of the ``working_hours`` rule-file section."""
    spans = {"type": "string", "maxLength": 200, "pattern": SPANS_PATTERN,
             "description": "Open spans in shop time, e.g. \"09:00-12:00, 13:30-24:00\", or \"closed\"."}
    props: dict[str, Any] = {key: spans for key in ("default", "weekdays", "weekend", *DAY_KEYS)}
    props["closed_dates"] = {
        "type": "array", "maxItems": 3660, "description": "Dates the shop is closed, \"YYYY-MM-DD\" (quoted in YAML).",
        "items": {"type": "string", "pattern": DATE_PATTERN},
    }
    props["open_dates"] = {
        "type": "array", "maxItems": 3660,
        "description": "Dates the shop opens its weekday hours whatever the calendar says, \"YYYY-MM-DD\".",
        "items": {"type": "string", "pattern": DATE_PATTERN},
    }
    props["calendar"] = {
        "enum": ["china", "none"],
        "description": "china (default): statutory holidays keep the holidays hours and 调休 weekend workdays the "
                       "weekday hours; none: the weekly hours only.",
    }
    props["holidays"] = {**spans, "description": "Open spans on statutory holidays, or \"closed\". Default: Sunday's hours."}
    return {
        "type": "object",
        "additionalProperties": False,
        "description": "The shop's working hours (default 09:00-24:00 every day). Day entries win over weekdays/weekend, which win over default.",
        "properties": props,
    }
