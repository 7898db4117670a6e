"""A database written by the main before the feature packages (commit 34f4aa4) opens, migrates
and keeps working: people who were half-way through a conversation go on where they were.

tests/fixtures/db_made_by_34f4aa4.db was written by that commit's own code through its chat: two
disbursement records, an approved volunteer, a survey answer, a weekly reminder, a broadcast
sent, a second administrator, and three conversations left open: Siti after typing her NIK in
/status, operator 9002 in /siaran at "add a Javanese version?" (stored then as the number 1),
and administrator 9001 in /staf at "type the id" (also stored as 1).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.offline.client import ChatClient
from bot.storage.db import migration_scripts

OLD_DB = Path(__file__).parent / "fixtures" / "db_made_by_34f4aa4.db"


@pytest.fixture
async def upgraded(settings, make_app):
    shutil.copyfile(OLD_DB, settings.database_path)
    return await make_app()


async def test_the_old_database_is_migrated_to_the_newest_schema(upgraded):
    version = await upgraded.services.db.fetchval("PRAGMA user_version")
    assert version == migration_scripts()[-1][0]
    assert await upgraded.services.db.fetchval("PRAGMA integrity_check") == "ok"


async def test_conversations_stored_with_numbers_get_their_named_states(upgraded):
    rows = await upgraded.services.db.fetchall(
        "SELECT name, state FROM ptb_conversations ORDER BY name")
    assert {r["name"]: r["state"] for r in rows} == {
        "broadcast": '"bc_jv_ask"', "staff": '"staff_ask_id"', "status_lookup": '"status_name"'}


async def test_the_administrator_goes_on_in_staff_where_they_were(upgraded, fake):
    admin = ChatClient(upgraded, fake, user_id=9001, first_name="Admin")
    replies = await admin.send("4242")
    assert any("4242" in (m.text or "") for m in replies)
    assert any("Operator" in m.labels() for m in replies)
    await admin.click("Operator")
    replies = await admin.click("Seluruh provinsi")
    assert "4242 sekarang menjadi operator, seluruh provinsi" in replies[0].text


async def test_the_operator_goes_on_in_the_broadcast_where_they_were(upgraded, fake):
    operator = ChatClient(upgraded, fake, user_id=9002, first_name="Opi")
    # plain text is no walk-away; any message of the bot in that chat then carries the press
    # of "Lewati" (no Javanese version), as if on the question shown before the upgrade
    shown = await operator.send("halo")
    replies = await operator.press(shown[-1], "bc:jv:skip")
    assert any("Kepada siapa" in (m.text or "") or "Semua pelanggan" in str(m.buttons())
               for m in replies)


async def test_the_resident_goes_on_in_the_status_check_after_her_nik(upgraded, fake):
    siti = ChatClient(upgraded, fake, user_id=1001, first_name="Siti")
    replies = await siti.send("Siti Aminah")
    assert "sudah disalurkan (TERSALUR)" in replies[-1].text


async def test_what_was_stored_is_still_there(upgraded, fake):
    services = upgraded.services
    assert [r.text for r in await services.reminders.active()] == ["Rapat koordinasi TKSK"]
    assert await services.volunteers.is_approved(1002)
    report = await services.broadcasts.report(1)
    assert report is not None and report.status == "done" and report.sent == report.total
    survey = await services.survey.report(services.survey.current_period(), None, suggestions=0)
    assert survey.overall.respondents == 1
    assert await services.staff.role(9002) == "admin"
