"""Tickets on the one delivery engine: staff notices in the bulk lane with the engine's rules
(a 429 is resent after the pause, a 403 marks the officer blocked and is never retried), the
resident's answer in the reply lane, and each new-ticket notice only to the staff whose region
covers the ticket. Through the real Application on the fake Bot API."""

from __future__ import annotations

from bot.features.tickets.jobs import OUTBOX_JOB, REMIND_JOB
from bot.offline.api import ApiError
from tests.broadcast_kit import VirtualTime, add_volunteer, sends_to, texts_to
from tests.conftest import ADMIN_ID, choose_language
from tests.test_delivery import lanes
from tests.test_tickets import ask, job, svc

SURABAYA, MALANG = "3578", "3507"
PROVINCE_OP, SURABAYA_OP, MALANG_OP = 7001, 7002, 7003


async def staff(app):
    members = app.services.staff
    await members.add_member(None, PROVINCE_OP, "operator")
    await members.add_member(None, SURABAYA_OP, "operator", region_code=SURABAYA)
    await members.add_member(None, MALANG_OP, "operator", region_code=MALANG)


def told_of_new(fake, chat_id: int, number: int) -> bool:
    return any(f"#{number}" in t and QUESTION_WORD in t for t in texts_to(fake, chat_id))


QUESTION_WORD = "berobat"


async def test_a_new_ticket_reaches_only_the_staff_whose_region_covers_it(app, client, fake):
    await staff(app)
    await add_volunteer(app, 1201, "tksk", SURABAYA)          # a resident known in Surabaya
    known = client(1201, first_name="Wati")
    await ask(known, "Bagaimana cara mendaftar bantuan berobat?")
    assert (await svc(app).repo.get(1)).region_code == SURABAYA
    got = {uid for uid in (ADMIN_ID, PROVINCE_OP, SURABAYA_OP, MALANG_OP)
           if told_of_new(fake, uid, 1)}
    assert got == {ADMIN_ID, PROVINCE_OP, SURABAYA_OP}

    unknown = await choose_language(client(1202, first_name="Budi"), "id")  # no kab/kota
    await ask(unknown, "Apakah ada bantuan berobat untuk lansia?")
    assert (await svc(app).repo.get(2)).region_code is None
    got = {uid for uid in (ADMIN_ID, PROVINCE_OP, SURABAYA_OP, MALANG_OP)
           if told_of_new(fake, uid, 2)}
    assert got == {ADMIN_ID, PROVINCE_OP}


async def test_additions_and_reminders_follow_the_same_region_rule(app, client, fake, clock):
    await staff(app)
    await add_volunteer(app, 1201, "tksk", MALANG)
    resident = client(1201, first_name="Wati")
    confirmation = (await ask(resident, "Kapan bantuan berobat cair?"))[-1]
    await resident.send_message(text="Tambahan: untuk ibu saya.",
                                reply_to_message=confirmation.to_api())
    for uid, expected in ((MALANG_OP, True), (SURABAYA_OP, False), (ADMIN_ID, True)):
        assert any("untuk ibu saya" in t for t in texts_to(fake, uid)) is expected, uid
    clock.advance(hours=5)                                    # past the working-hours reminder
    before = {uid: len(texts_to(fake, uid)) for uid in (MALANG_OP, SURABAYA_OP)}
    await job(app, REMIND_JOB)
    assert len(texts_to(fake, MALANG_OP)) > before[MALANG_OP]
    assert len(texts_to(fake, SURABAYA_OP)) == before[SURABAYA_OP]


async def test_a_429_on_a_staff_notice_is_resent_after_the_pause_in_the_bulk_lane(
        app, resident, admin, fake):
    vt = VirtualTime().install(app.bot.rate_limiter)
    seen = lanes(app)
    hits: list[int] = []

    def flood(method, params):
        if method == "sendMessage" and int(params.get("chat_id", 0)) == ADMIN_ID and not hits:
            hits.append(1)
            return ApiError(429, "Too Many Requests: retry after 5", retry_after=5)
        return None

    fake.fail_when(flood)
    start = len(seen)
    await ask(resident)
    tries = [c for c in sends_to(fake, ADMIN_ID) if "#1" in str(c.params.get("text"))]
    assert [c.error is not None for c in tries] == [True, False]   # refused, then resent
    assert vt.waits and vt.waits[0] == 5                           # every lane paused
    notice_lanes = [lane for lane in seen[start:] if lane == "bulk"]
    assert len(notice_lanes) == 2                                  # both tries in the bulk lane
    report = await svc(app).outbox_report()
    assert (report.sent, report.failed, report.left) == (1, 0, 0)


async def test_the_answer_goes_in_the_reply_lane(app, resident, admin, fake):
    await ask(resident)
    seen = lanes(app)
    await svc(app).reply(ADMIN_ID, 1, "Silakan datang ke kantor desa.")
    start = len(seen)
    await job(app, OUTBOX_JOB)
    assert "Silakan datang ke kantor desa." in resident.last_reply().text
    assert seen[start:] == ["interactive"]


async def test_a_403_marks_the_officer_blocked_and_is_never_retried(app, resident, admin, fake):
    await staff(app)
    fake.blocked.add(PROVINCE_OP)                 # this officer blocked the bot
    await ask(resident)
    rows = [r for r in await svc(app).repo.outbox_of(1) if r["user_id"] == PROVINCE_OP]
    assert [(r["status"], r["error"]) for r in rows] == [("blocked", "blocked")]
    assert (await app.services.store.subscribers.get(PROVINCE_OP)).blocked
    assert told_of_new(fake, ADMIN_ID, 1)        # the others got it
    tries = len(sends_to(fake, PROVINCE_OP))
    await job(app, OUTBOX_JOB)
    await job(app, OUTBOX_JOB)
    assert len(sends_to(fake, PROVINCE_OP)) == tries == 1
    report = await svc(app).outbox_report()
    assert report.blocked == 1 and report.left == 0
