"""Conversation state and user data survive a restart, and a crash loses at most one step."""

from __future__ import annotations

import sqlite3

from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.app import OFFLINE_TOKEN, build_application
from bot.core.ui import conversation_fallbacks
from bot.offline.client import ChatClient
from tests.conftest import add_first

ASK_NAME, ASK_CITY = range(2)


def add_test_conversation(app) -> None:
    async def begin(update, context):
        await context.bot.send_message(update.effective_chat.id, "name?")
        return ASK_NAME

    async def got_name(update, context):
        context.user_data["name"] = update.message.text
        await context.bot.send_message(update.effective_chat.id, "city?")
        return ASK_CITY

    async def got_city(update, context):
        await context.bot.send_message(
            update.effective_chat.id, f"{context.user_data['name']} from {update.message.text}")
        return ConversationHandler.END

    add_first(app, ConversationHandler(
        entry_points=[CommandHandler("daftar_uji", begin)],
        states={ASK_NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_name)],
                ASK_CITY: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_city)]},
        fallbacks=conversation_fallbacks(), persistent=True, name="test_conversation"))


async def started(settings, fake, clock):
    app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN,
                            rate_limit=False, clock=clock)
    add_test_conversation(app)
    await app.initialize()
    return app


async def test_conversation_resumes_after_a_clean_restart(settings, fake, clock):
    app = await started(settings, fake, clock)
    siti = ChatClient(app, fake, 1001)
    await siti.send("/daftar_uji")
    await siti.send("Siti")
    await app.shutdown()

    app2 = await started(settings, fake, clock)
    try:
        siti2 = ChatClient(app2, fake, 1001)
        replies = await siti2.send("Surabaya")
        assert replies[-1].text == "Siti from Surabaya"
    finally:
        await app2.shutdown()


async def test_a_crash_loses_nothing_already_answered(settings, fake, clock):
    """No shutdown (as after kill -9): what was answered is already on disk."""
    app = await started(settings, fake, clock)
    siti = ChatClient(app, fake, 1001)
    await siti.send("/daftar_uji")
    await siti.send("Siti")
    with sqlite3.connect(settings.database_path) as conn:
        state = conn.execute("SELECT state FROM ptb_conversations WHERE name = ?",
                             ("test_conversation",)).fetchone()
        data = conn.execute("SELECT data FROM ptb_user_data WHERE user_id = 1001").fetchone()
    assert state == (str(ASK_CITY),)
    assert '"name":"Siti"' in data[0]

    app2 = await started(settings, fake, clock)  # the crashed one is simply abandoned
    try:
        replies = await ChatClient(app2, fake, 1001).send("Malang")
        assert replies[-1].text == "Siti from Malang"
    finally:
        await app2.shutdown()
        await app.services.close()


async def test_cancel_ends_the_conversation(settings, fake, clock):
    app = await started(settings, fake, clock)
    try:
        siti = ChatClient(app, fake, 1001)
        await siti.send("/daftar_uji")
        replies = await siti.send("/batal")
        assert "Dibatalkan" in replies[-1].text
        replies = await siti.send("Siti")  # no longer inside the conversation
        assert all(m.text != "city?" for m in replies)
    finally:
        await app.shutdown()


async def test_language_choice_survives_restart(make_app, fake):
    app = await make_app()
    budi = ChatClient(app, fake, 1002, language_code="id")
    await budi.send("/start")
    await budi.click("Basa Jawa")
    await app.shutdown()
    app2 = await make_app()
    replies = await ChatClient(app2, fake, 1002, language_code="id").send("/bantuan")
    assert "Kula punika bot layanan" in replies[0].text


async def test_migrations_are_applied_once_and_recorded(settings):
    from bot.storage.db import Database, migration_scripts

    db = Database(settings.database_path)
    await db.connect()
    latest = migration_scripts()[-1][0]
    assert await db.fetchval("PRAGMA user_version") == latest
    assert await db.fetchval("PRAGMA journal_mode") == "wal"
    assert await db.migrate() == latest  # nothing left to apply, nothing re-applied
    await db.close()


async def test_a_deep_link_inside_another_conversation_reaches_its_feature(resident, app):
    """A resident half-way through volunteer registration scans a unit's survey QR code."""
    code = app.services.content.units[0].code
    await resident.send("/relawan")
    await resident.click("TKSK")
    replies = await resident.send(f"/start skm_{code}")
    assert replies, "the deep link got no answer"
    texts = " ".join(m.text or "" for m in replies)
    assert app.services.content.units[0].name.split()[-1] in texts  # the survey of that unit
    # the registration conversation was ended, not left dangling under the survey
    rows = await app.services.db.fetchall(
        "SELECT name FROM ptb_conversations WHERE key LIKE '%1001%'")
    assert [r["name"] for r in rows] == ["skm_survey"]


async def test_walking_away_from_a_conversation_ends_it(resident):
    """Half-way through registration (the bot waits for a typed kab/kota), the resident opens
    the programs menu and types a question: it is answered as a question."""
    await resident.send("/relawan")
    await resident.click("TKSK")
    await resident.click("Program bantuan")  # on the main menu still in the chat
    replies = await resident.send("syarat pkh plus apa aja")
    assert replies and replies[0].text.startswith("PKH Plus")


async def test_a_command_elsewhere_ends_the_conversation(resident):
    await resident.send("/status")
    await resident.send("/program")
    replies = await resident.send("aspd brp sebulan")
    assert replies and replies[0].text.startswith("ASPD")


async def test_the_conversation_keeps_its_own_buttons_and_commands(resident, app):
    """The guard must not end a conversation on its own buttons or on re-entry."""
    await resident.send("/cek")
    await resident.click("Lewati pertanyaan ini")
    replies = await resident.send("/cek")  # re-entry, handled by the conversation itself
    assert replies
    replies = await resident.click("Lewati pertanyaan ini")
    assert any("Pertanyaan 2 dari" in (m.text or "") for m in replies)
