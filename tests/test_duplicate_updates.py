"""Telegram delivers an update again when it got no timely answer (issue 17, defect 6).

The repeat must be dropped before any handler runs: no doubled answer, no doubled side effect,
also after a restart. Polling and webhook updates both go through Application.process_update,
where the check lives.
"""

from __future__ import annotations

import time

from telegram import Update

from bot.offline.client import ChatClient
from tests.conftest import choose_language


def raw_message(person: ChatClient, update_id: int, text: str) -> dict:
    mid = person.fake.next_message_id(person.chat_id)
    fields = {"message_id": mid, "date": int(time.time()), "chat": person.chat,
              "from": person.user, "text": text}
    if text.startswith("/"):
        fields["entities"] = [{"type": "bot_command", "offset": 0,
                               "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": fields}


async def test_a_repeated_update_is_answered_once(resident, fake):
    data = raw_message(resident, 5000, "/bantuan")
    first = await resident.feed(data)
    assert len(first) == 1
    again = await resident.feed(data)
    assert again == []
    assert len(await resident.send("/bantuan")) == 1  # a new update is still answered


async def test_a_repeat_after_a_restart_is_dropped_too(make_app, fake, clock):
    app = await make_app()
    person = await choose_language(ChatClient(app, fake, user_id=1001), "id")
    data = raw_message(person, 6000, "/status")
    assert await person.feed(data)
    await app.shutdown()
    restarted = await make_app()
    again = ChatClient(restarted, fake, user_id=1001)
    assert await again.feed(data) == []
    assert await again.send("/bantuan")


async def test_the_memory_of_update_ids_is_bounded(app, fake, clock):
    from bot.features.dedupe.handlers import dedupe
    from bot.features.dedupe.service import DedupeService

    service = dedupe(app)
    person = ChatClient(app, fake, user_id=1001)
    for n in range(30):
        await app.process_update(Update.de_json(raw_message(person, 10_000 + n, "halo"),
                                                app.bot))
    await service.close()  # written behind: wait for the last batch
    repo = service.repo
    assert await repo.count() == 30
    await repo.prune(clock(), keep=10)
    assert await repo.count() == 10
    small = DedupeService(repo, clock, keep=10)
    await small.load()
    assert small.admit(10_000)  # forgotten: would be handled again
    assert not small.admit(10_029)
    for n in range(20):
        assert small.admit(20_000 + n)
    assert small.admit(10_029)  # pushed out of the window of 10 in memory


async def test_a_second_console_session_on_the_same_database_is_answered(settings):
    """The console numbers its updates itself: a new session must not reuse old numbers."""
    import io

    from bot.offline.console import run_console

    for _ in range(2):
        out = io.StringIO()
        await run_console(settings, user_id=77, stdin=io.StringIO("/bantuan\n/quit\n"),
                          stdout=out)
        assert "Ini bot layanan" in out.getvalue()
