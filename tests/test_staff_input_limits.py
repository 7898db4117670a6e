"""Staff input at the edges of the calendar (issue 17, defect 4): one clear sentence each."""

from __future__ import annotations

import logging

import pytest

from bot.core.datetimes import parse_local_datetime
from bot.features.skm.service import Period
from tests.test_volunteers import cli

FAR = "9999-12-31T23:59:59-23:59"


@pytest.mark.parametrize("text", ["0000-Q1", "9999-12", "9999-Q4", "0000-01", "1899-12"])
def test_impossible_periods_are_refused(text):
    with pytest.raises(ValueError, match="not a period"):
        Period.parse(text)


def test_ordinary_periods_still_parse():
    assert Period.parse("2026-Q4").last_day.isoformat() == "2026-12-31"
    assert Period.parse("2100-12").last_day.isoformat() == "2100-12-31"


@pytest.mark.parametrize("text", ["0000-Q1", "9999-12"])
async def test_ikm_with_an_impossible_period_is_one_sentence(admin, caplog, text):
    caplog.set_level(logging.INFO)
    replies = await admin.send(f"/ikm {text}")
    assert len(replies) == 1
    assert "periode" in replies[0].text.lower() and "2026-Q4" in replies[0].text
    assert "gangguan" not in replies[0].text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("period", ["0000-Q1", "9999-12"])
def test_cli_skm_report_with_an_impossible_period(app, monkeypatch, settings, capsys, period):
    code, _, err = cli(monkeypatch, settings, capsys, "skm", "report", "--period", period)
    assert code == 2 and "not a period" in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_a_date_beyond_the_calendar_is_not_read(settings):
    assert parse_local_datetime(FAR, settings.tz) is None
    assert parse_local_datetime("9999-12-31 23:59", settings.tz) is None
    assert parse_local_datetime("2030-01-01T08:00+07:00", settings.tz) is not None


def test_cli_reminder_at_the_end_of_the_calendar(monkeypatch, settings, capsys):
    code, _, err = cli(monkeypatch, settings, capsys, "reminders", "add", "--text", "x",
                       "--at", FAR)
    assert code == 2 and "cannot read the date-time" in err and err.count("\n") == 1
    assert "Traceback" not in err


async def test_chat_reminder_at_the_end_of_the_calendar(admin, caplog):
    caplog.set_level(logging.INFO)
    await admin.send("/pengingat")
    await admin.click("Pengingat baru")
    await admin.send("Rapat")
    await admin.click("Semua relawan")
    await admin.click("Semua kabupaten/kota")
    await admin.click("Sekali")
    replies = await admin.send(FAR)
    assert len(replies) == 1 and "tidak dapat kami baca" in replies[0].text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
