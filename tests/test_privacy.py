"""Personal data lifecycle (issue 17): export and erasure for one person, retention."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3

import pytest

from bot.core.clock import iso
from tests.skm_kit import complete_survey
from tests.status_kit import SITI, SITI_NIK, look_up, run_import, write_csv
from tests.test_volunteers import cli


@pytest.fixture
async def siti_with_data(resident, app, settings, clock, tmp_path):
    """Siti looked up her status, asked to be told of changes and rated a unit."""
    await run_import(write_csv(tmp_path, [SITI]), settings, clock)
    await look_up(resident, SITI_NIK, "Siti Aminah")
    await resident.click("Kabari saya jika berubah")
    await complete_survey(resident, "PSTW-PSR", suggestion="Petugas ramah")
    await app.shutdown()  # the command line works on the stopped bot's database
    return resident


def rows(settings, sql, params=()):
    with sqlite3.connect(settings.database_path) as conn:
        return conn.execute(sql, params).fetchall()


async def test_export_lists_what_we_hold_and_is_audited(siti_with_data, monkeypatch, settings,
                                                        capsys):
    code, out, err = await asyncio.to_thread(cli, monkeypatch, settings, capsys, "privacy",
                                             "export", "--telegram-id", "1001")
    assert code == 0, err
    data = json.loads(out)["tables"]
    assert data["subscribers"][0]["user_id"] == 1001
    assert len(data["status_watches"]) == 1
    assert data["skm_responses"][0]["suggestion"] == "Petugas ramah"
    assert SITI_NIK not in out  # only the keyed hash is held, never the NIK
    assert rows(settings, "SELECT action, target FROM audit_log WHERE action LIKE 'privacy.%'") \
        == [("privacy.export", "1001")]


async def test_erase_keeps_survey_answers_as_anonymous_statistics(siti_with_data, monkeypatch,
                                                                  settings, capsys):
    answers = rows(settings, "SELECT count(*) FROM skm_answers")[0][0]
    code, out, _ = await asyncio.to_thread(cli, monkeypatch, settings, capsys, "privacy",
                                           "erase", "--telegram-id", "1001")
    assert code == 0 and "nothing erased yet" in out
    assert rows(settings, "SELECT count(*) FROM subscribers WHERE user_id = 1001") == [(1,)]
    code, out, err = await asyncio.to_thread(cli, monkeypatch, settings, capsys, "privacy",
                                             "erase", "--telegram-id", "1001", "--yes")
    assert code == 0, err
    assert "erased telegram id 1001" in out
    for table, column in [("subscribers", "user_id"), ("status_watches", "user_id"),
                          ("skm_responses", "user_id"), ("ptb_user_data", "user_id"),
                          ("status_user_attempts", "user_id")]:
        assert rows(settings, f"SELECT count(*) FROM {table} WHERE {column} = 1001") == [(0,)]
    assert rows(settings, "SELECT count(*) FROM audit_log WHERE actor_id = 1001 "
                          "AND action = 'status.lookup'") == [(0,)]
    assert rows(settings, "SELECT count(*) FROM ptb_conversations WHERE key LIKE '%1001%'") \
        == [(0,)]
    (uid,), = rows(settings, "SELECT user_id FROM skm_responses")
    assert uid < 0  # the response stays, cut from the person
    assert rows(settings, "SELECT count(*) FROM skm_answers")[0][0] == answers
    code, out, _ = await asyncio.to_thread(cli, monkeypatch, settings, capsys, "skm", "report",
                                           "--period", "2026-Q4", "--json")
    assert code == 0 and '"respondents": 1' in out
    assert rows(settings, "SELECT action, target FROM audit_log WHERE action = "
                          "'privacy.erase'") == [("privacy.erase", "1001")]


async def test_staff_are_not_erased(admin, app, monkeypatch, settings, capsys):
    await app.shutdown()
    monkeypatch.setenv("ADMIN_IDS", "9001")
    code, _, err = await asyncio.to_thread(cli, monkeypatch, settings, capsys, "privacy",
                                           "erase", "--telegram-id", "9001", "--yes")
    assert code == 2 and "is staff" in err and err.count("\n") == 1


async def test_the_daily_job_applies_retention(resident, app, clock, settings):
    db = app.services.db
    old, recent = clock() - dt.timedelta(days=200), clock() - dt.timedelta(days=10)
    for at in (old, recent):
        await db.execute("INSERT INTO audit_log (at, actor_id, action, outcome) VALUES "
                         "(?, 1001, 'status.lookup', 'found')", (iso(at),))
        await db.execute("INSERT INTO audit_log (at, actor_id, action) VALUES "
                         "(?, 9001, 'staff.add')", (iso(at),))
    await db.execute("INSERT INTO status_watches (user_id, nik_hash, created_at) VALUES "
                     "(1001, x'00', ?), (1002, x'01', ?)",
                     (iso(clock() - dt.timedelta(days=400)), iso(recent)))
    [job] = app.job_queue.get_jobs_by_name("privacy:retention")
    await job.run(app)
    lookups = await db.fetchall("SELECT at FROM audit_log WHERE action = 'status.lookup'")
    assert [r[0] for r in lookups] == [iso(recent)]
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'staff.add'") == 2
    assert await db.fetchval("SELECT count(*) FROM status_watches") == 1
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = "
                             "'privacy.retention'") == 1
