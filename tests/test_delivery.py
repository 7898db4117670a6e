"""The delivery engine: one rule per Bot API answer for every bulk send, its own outbox
(enqueue/flush/cancel/report), reminders and status notifications on it, and 429s during
replies. Through the real Application on the fake Bot API."""

from __future__ import annotations

import datetime as dt

from bot.delivery.sender import Outgoing
from bot.offline.api import ApiError
from bot.offline.client import ChatClient
from tests.broadcast_kit import (
    VirtualTime,
    add_subscriber,
    send_and_wait,
    sends_to,
    start_broadcast,
)
from tests.conftest import ADMIN_ID, choose_language
from tests.status_kit import SITI, SITI_NIK, look_up, run_import, write_csv
from tests.test_status_lookup import drain, records  # noqa: F401 (records: a fixture)
from tests.test_volunteers import svc as reminders
from tests.test_volunteers import volunteer


def lanes(app) -> list[str]:
    """Record the lane of every Bot API call with a chat id."""
    seen: list[str] = []
    limiter = app.bot.rate_limiter
    original = limiter.process_request

    async def spy(callback, args, kwargs, endpoint, data, rate_limit_args):
        if "chat_id" in data:
            seen.append((rate_limit_args or {}).get("lane", "interactive"))
        return await original(callback, args, kwargs, endpoint, data, rate_limit_args)

    limiter.process_request = spy
    return seen


async def test_enqueue_flush_report_and_cancel(app, fake):
    for uid in (3001, 3002, 3003):
        await add_subscriber(app, uid)
    fake.blocked.add(3002)
    engine = app.services.delivery

    async def render(user_id: int, payload: dict) -> list[Outgoing]:
        return [Outgoing(f"Tiket #{payload['ticket']} menunggu jawaban.")]

    engine.register("staff.notice", render)
    assert await engine.enqueue("staff.notice", "t:7", [3001, 3002, 3003], {"ticket": 7}) == 3
    assert await engine.enqueue("staff.notice", "t:7", [3001], {"ticket": 7}) == 0  # once
    await engine.enqueue("staff.notice", "t:8", [3001, 3003], {"ticket": 8})
    assert await engine.cancel("staff.notice", "t:8") == 2
    flushed = await engine.flush("staff.notice", "t:7")
    assert (flushed.sent, flushed.blocked) == (2, 1)
    report = await engine.report("staff.notice", "t:7")
    assert report.as_dict() == {"total": 3, "sent": 2, "failed": 0, "blocked": 1,
                                "cancelled": 0, "left": 0, "unknown": 0, "duplicates": 0,
                                "retries_429": 0}
    assert (await engine.report("staff.notice", "t:8")).cancelled == 2
    await engine.flush()
    assert [m.text for m in fake.chat(3001)] == ["Tiket #7 menunggu jawaban."]
    assert (await app.services.store.subscribers.get(3002)).blocked     # the 403 marked them


async def test_rows_in_flight_at_a_crash_are_sent_again_and_flagged(make_app, fake):
    app = await make_app()
    await add_subscriber(app, 3001)
    engine = app.services.delivery
    await engine.enqueue("staff.notice", "t:9", [3001], {"ticket": 9})
    await engine.repo.claim(10, app.services.clock())        # claimed, then the crash
    await app.shutdown()
    again = await make_app()
    engine = again.services.delivery

    async def render(user_id: int, payload: dict) -> list[Outgoing]:
        return [Outgoing("Tiket #9")]

    engine.register("staff.notice", render)
    job = again.job_queue.get_jobs_by_name("delivery:drain")[0]
    await job.run(again)
    assert [m.text for m in fake.chat(3001)] == ["Tiket #9"]
    report = await engine.report("staff.notice", "t:9")
    assert (report.sent, report.duplicates) == (1, 1)


async def test_a_403_on_a_reminder_blocks_the_volunteers_reminders(app, fake, clock):
    await volunteer(app, fake, 2001)
    siti = await volunteer(app, fake, 2002)
    fake.blocked.add(2002)
    first = await reminders(app).create(ADMIN_ID, text="Apel pagi",
                                        at=clock() + dt.timedelta(minutes=1))
    result = await reminders(app).fire(first.id, clock() + dt.timedelta(minutes=1))
    assert result.counts == {"sent": 1, "blocked": 1}
    assert (await app.services.store.subscribers.get(2002)).blocked
    clock.advance(hours=1)
    second = await reminders(app).create(ADMIN_ID, text="Rapat",
                                         at=clock() + dt.timedelta(minutes=1))
    assert await reminders(app).audience(second) == [2001]        # not even tried again
    # Writing to the bot again renews the subscription.
    fake.blocked.clear()
    clock.advance(minutes=5)
    await siti.send("/tugas")
    assert await reminders(app).audience(second) == [2001, 2002]


async def test_reminders_go_in_the_bulk_lane_and_a_429_is_resent(app, fake, clock):
    await volunteer(app, fake, 2001)
    vt = VirtualTime().install(app.bot.rate_limiter)
    seen = lanes(app)
    hits: list[int] = []

    def flood(method, params):
        if method == "sendMessage" and params.get("chat_id") == 2001 and not hits:
            hits.append(1)
            return ApiError(429, "Too Many Requests: retry after 4", retry_after=4)
        return None

    fake.fail_when(flood)
    r = await reminders(app).create(ADMIN_ID, text="Apel", at=clock() + dt.timedelta(minutes=1))
    result = await reminders(app).fire(r.id, clock() + dt.timedelta(minutes=1))
    assert result.counts == {"sent": 1}
    assert [c.error is not None for c in sends_to(fake, 2001)[-2:]] == [True, False]
    assert vt.waits and vt.waits[0] == 4                  # every lane paused retry_after
    assert seen == ["bulk", "bulk"]


async def test_status_notifications_leave_the_reply_lane(records, resident, app,  # noqa: F811
                                                         settings, clock, tmp_path, fake):
    await look_up(resident, SITI_NIK, "Siti Aminah")
    await resident.click("Kabari saya jika berubah")
    await run_import(write_csv(tmp_path, [SITI.replace("TERSALUR", "GAGAL")], name="x.csv"),
                     settings, clock)
    VirtualTime().install(app.bot.rate_limiter)
    hits: list[int] = []

    def flood(method, params):
        if method == "sendMessage" and "telah berubah" in str(params.get("text")) and not hits:
            hits.append(1)
            return ApiError(429, "Too Many Requests: retry after 3", retry_after=3)
        return None

    fake.fail_when(flood)
    seen = lanes(app)
    await drain(app)
    tries = [c for c in sends_to(fake, 1001) if "telah berubah" in str(c.params.get("text"))]
    assert [c.error is not None for c in tries] == [True, False]   # refused, then resent
    assert seen == ["bulk", "bulk"]


async def test_a_429_during_replies_pauses_and_the_reply_still_arrives(app, fake):
    resident = await choose_language(ChatClient(app, fake, user_id=1001), "id")
    vt = VirtualTime().install(app.bot.rate_limiter)
    hits: list[int] = []

    def flood(method, params):
        if method == "sendMessage" and params.get("chat_id") == 1001 and not hits:
            hits.append(1)
            return ApiError(429, "Too Many Requests: retry after 6", retry_after=6)
        return None

    fake.fail_when(flood)
    replies = await resident.send("/bantuan")
    assert replies and replies[-1].text                     # answered after the pause
    assert vt.waits and vt.waits[0] == 6
    assert app.bot.rate_limiter.pauses == 1


async def test_a_429_mid_broadcast_pauses_every_lane_then_both_go_on(admin, resident, app,
                                                                      fake):
    """Telegram's 429 during a broadcast: the limiter pauses every lane for retry_after (a
    reply waiting then waits too: tests/test_ratelimit.py), the same row is resent, nobody is
    skipped, and replies are answered at once afterwards."""
    for uid in range(3100, 3110):
        await add_subscriber(app, uid)
    vt = VirtualTime().install(app.bot.rate_limiter)
    hits: list[int] = []

    def flood(method, params):
        if method == "sendMessage" and params.get("chat_id") == 3105 and not hits:
            hits.append(1)
            return ApiError(429, "Too Many Requests: retry after 9", retry_after=9)
        return None

    fake.fail_when(flood)
    await start_broadcast(admin, "Siaran uji")
    broadcast_id = await send_and_wait(admin)
    report = await app.services.broadcasts.report(broadcast_id)
    assert (report.sent, report.total, report.retries_429) == (12, 12, 1)
    assert 9 in vt.waits and app.bot.rate_limiter.pauses == 1
    assert [c.error is not None for c in sends_to(fake, 3105)] == [True, False]
    before = vt.now
    replies = await resident.send("/bantuan")                 # after the pause: at once
    assert replies and vt.now == before
