"""The one style for dates, times, money and decimals that people read (bot/core)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.core.datetimes import (
    format_clock,
    format_day,
    format_hhmm,
    format_month,
    format_months,
    format_near,
    format_when,
)
from bot.core.numbers import format_money, format_number

JAKARTA = ZoneInfo("Asia/Jakarta")
CHRISTMAS_8AM = dt.datetime(2026, 12, 25, 1, 0, tzinfo=dt.UTC)  # 08.00 WIB, a Friday


def test_a_moment_reads_with_weekday_date_time_and_zone():
    assert format_when(CHRISTMAS_8AM, "id", JAKARTA) == "Jum, 25 Des 2026 08.00 WIB"
    assert format_when(CHRISTMAS_8AM, "jv", JAKARTA) == "Jemuwah, 25 Des 2026 08.00 WIB"


def test_javanese_weekdays_are_javanese_every_day_of_a_week():
    names = [format_day(dt.date(2026, 12, 21) + dt.timedelta(days=i), "jv").split(",")[0]
             for i in range(7)]
    assert names == ["Senen", "Selasa", "Rebo", "Kemis", "Jemuwah", "Setu", "Ngahad"]
    assert format_day(dt.date(2026, 12, 27), "id") == "Min, 27 Des 2026"


def test_the_zone_is_the_office_zone_not_utc():
    makassar = ZoneInfo("Asia/Makassar")
    assert format_clock(CHRISTMAS_8AM, makassar) == "09.00 WITA"
    assert format_when(CHRISTMAS_8AM, "id", makassar) == "Jum, 25 Des 2026 09.00 WITA"
    late = dt.datetime(2026, 12, 24, 23, 30, tzinfo=dt.UTC)  # 06.30 WIB on the 25th
    assert format_when(late, "id", JAKARTA).startswith("Jum, 25 Des 2026")
    assert format_hhmm(7, 5, JAKARTA) == "07.05 WIB"


def test_near_shows_only_the_clock_today():
    now = CHRISTMAS_8AM + dt.timedelta(hours=3)
    assert format_near(CHRISTMAS_8AM, now, "id", JAKARTA) == "08.00 WIB"
    assert format_near(CHRISTMAS_8AM, now + dt.timedelta(days=1), "jv", JAKARTA) == (
        "Jemuwah, 25 Des 2026 08.00 WIB")


def test_months_and_periods():
    assert format_month(dt.date(2026, 9, 1), "id") == "September 2026"
    assert format_months(dt.date(2026, 7, 1), dt.date(2026, 9, 30), "jv") == "Juli–September 2026"
    assert format_months(dt.date(2026, 12, 1), dt.date(2027, 2, 28), "id") == (
        "Desember 2026–Februari 2027")


def test_money_and_decimals():
    assert format_money(1_500_000) == "Rp1.500.000"
    assert format_money(200_000.4) == "Rp200.000"
    assert format_number(79.944, "id", 2) == "79,94"
    assert format_number(79.944, "jv", 2) == "79,94"
    assert format_number(3500, "id") == "3.500"
