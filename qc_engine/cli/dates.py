"""Days by name: --date yesterday, today, -N (N days ago) or YYYY-MM-DD, in the shops' time zone.

A morning job then says ``qc report --date yesterday`` instead of computing the date itself.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import click

from qc_engine.ingest.normalize import zone
from qc_engine.lang import N_, _

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AGO = re.compile(r"^-(\d{1,4})$")
NAMES = {"today": 0, "今天": 0, "yesterday": 1, "昨天": 1}
DATE_HELP = N_("Day: yesterday, today, -N (N days ago) or YYYY-MM-DD, in the shops' time zone.")


def today_in(timezone: str) -> date:
    return datetime.now(zone(timezone)).date()


def resolve_day(text: str | None, timezone: str, today: date | None = None) -> str | None:
    """The day ``text`` names as YYYY-MM-DD (None stays None); click.BadParameter when it names none."""
    if text is None:
        return None
    value = text.strip().lower()
    back = NAMES.get(value)
    if back is None and (m := AGO.match(value)):
        back = int(m.group(1))
    if back is not None:
        return ((today or today_in(timezone)) - timedelta(days=back)).isoformat()
    if DAY.match(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise click.BadParameter(_("{value!r} is not a day; write yesterday, today, -N or a date like 2026-11-20").format(
        value=text), param_hint="--date")
