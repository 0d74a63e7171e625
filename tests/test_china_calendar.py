"""China's calendar in working hours: statutory holidays and 调休 workdays, the shop's own dates winning."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import audit, conversation, rows, write_jsonl
from qc_engine.text.workhours import WorkingHours

TZ = "Asia/Shanghai"
SPRING_FESTIVAL = date(2026, 2, 17)  # 初一, a Tuesday
TIAOXIU_SATURDAY = date(2026, 2, 14)  # a Saturday worked in exchange for the Spring Festival days


def open_hours(hours: WorkingHours, day: date) -> float:
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TZ)).timestamp()
    return hours.open_seconds(start, start + 86400, TZ) / 3600


OFFICE = {"weekdays": "09:00-18:00", "weekend": "10:00-16:00"}


def test_a_statutory_holiday_is_kept_like_a_sunday_by_default():
    hours = WorkingHours.from_config(OFFICE)
    assert open_hours(hours, SPRING_FESTIVAL) == 6  # Sunday's hours, not Tuesday's 9
    assert open_hours(WorkingHours.from_config({**OFFICE, "calendar": "none"}), SPRING_FESTIVAL) == 9
    assert open_hours(hours, date(2026, 3, 3)) == 9  # an ordinary Tuesday


def test_holiday_hours_and_a_shop_closed_for_the_festival():
    assert open_hours(WorkingHours.from_config({**OFFICE, "holidays": "closed"}), SPRING_FESTIVAL) == 0
    assert open_hours(WorkingHours.from_config({**OFFICE, "holidays": "12:00-14:00"}), SPRING_FESTIVAL) == 2


def test_a_tiaoxiu_saturday_counts_as_a_weekday():
    hours = WorkingHours.from_config(OFFICE)
    assert open_hours(hours, TIAOXIU_SATURDAY) == 9
    assert open_hours(hours, date(2026, 2, 7)) == 6  # an ordinary Saturday
    assert open_hours(WorkingHours.from_config({**OFFICE, "calendar": "none"}), TIAOXIU_SATURDAY) == 6


def test_the_shops_own_dates_win():
    hours = WorkingHours.from_config({**OFFICE, "holidays": "closed", "closed_dates": [TIAOXIU_SATURDAY.isoformat()],
                                      "open_dates": [SPRING_FESTIVAL.isoformat()]})
    assert open_hours(hours, TIAOXIU_SATURDAY) == 0
    assert open_hours(hours, SPRING_FESTIVAL) == 9


def test_a_year_the_calendar_does_not_know_follows_the_weekly_hours():
    hours = WorkingHours.from_config(OFFICE)
    assert open_hours(hours, date(2099, 1, 1)) == 9  # a Thursday


def _rule_file(tmp_path, extra: str):
    path = tmp_path / "shop.yaml"
    path.write_text("version: 1\nshops: [山野茶庄]\nworking_hours:\n  default: \"09:00-24:00\"\n" + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize("extra, slow", [("  holidays: closed\n", False), ("", True), ("  holidays: closed\n  calendar: none\n", True)])
def test_a_shop_closed_for_the_spring_festival_is_not_slow(tmp_path, db_path, extra, slow):
    day = SPRING_FESTIVAL.isoformat()
    conv = conversation("cny", day=day, lines=(("10:00:00", "customer", "在吗，春节发货吗"), ("10:40:00", "agent", "您好，节后发货")))
    audit([write_jsonl(tmp_path / "d.jsonl", [conv])], db_path, rule_files=[_rule_file(tmp_path, extra)])
    latency = rows(db_path, "select rule_id from findings where category = 'latency'")
    assert bool(latency) is slow


def test_rule_files_accept_the_calendar_settings(tmp_path):
    from click.testing import CliRunner

    from qc_engine.cli import cli

    good = _rule_file(tmp_path, "  calendar: china\n  holidays: \"10:00-18:00\"\n  open_dates: [\"2026-02-17\"]\n")
    assert CliRunner().invoke(cli, ["rules", "validate", str(good)]).exit_code == 0
    bad = _rule_file(tmp_path, "  calendar: lunar\n")
    assert CliRunner().invoke(cli, ["rules", "validate", str(bad)]).exit_code != 0
