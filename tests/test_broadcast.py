"""Broadcasts through the chat: audiences, preview and cancel, languages, Telegram's errors,
progress and the final report, /siaran_status and the CLI."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.cli import main
from bot.features.broadcasts.model import Audience, Draft
from bot.offline.api import ApiError
from tests.broadcast_kit import (
    VirtualTime,
    add_subscriber,
    add_volunteer,
    send_and_wait,
    sends_to,
    service,
    start_broadcast,
    texts_to,
)
from tests.conftest import ADMIN_ID

NEWS = "Penyaluran PKH tahap 4 mulai Senin, 9 November."


async def test_operator_broadcasts_to_all_subscribers(admin, resident, resident_jv, app, fake,
                                                      client):
    await add_subscriber(app, 3001, language=None, tg_language="en")  # never chose a language
    await start_broadcast(admin, NEWS)
    preview = admin.last_reply()
    assert "Penerima: semua pelanggan" in preview.text
    assert "4 penerima" in preview.text          # Siti, Budi, 3001 and the admin
    assert preview.labels() == [await admin.tr(m) for m in (
        "Send", "Send to me first", "Edit text", "Add Javanese version", "Change audience",
        "Add footer", "Schedule", "Cancel")]
    assert NEWS in texts_to(fake, ADMIN_ID)      # the preview shows the message itself
    assert NEWS not in texts_to(fake, 1001)      # nothing sent before Kirim

    broadcast_id = await send_and_wait(admin)
    for person in (1001, 1002, 3001):
        assert texts_to(fake, person).count(NEWS) == 1
    report = await service(app).report(broadcast_id)
    assert (report.total, report.sent, report.failed, report.blocked, report.left) == \
        (4, 4, 0, 0, 0)
    assert report.status == "done"
    final = admin.last_reply().text
    assert f"Siaran #{broadcast_id} selesai." in final and "Terkirim: 4 dari 4" in final
    audit = await app.services.store.audit.recent(action_prefix="broadcast.")
    assert [a["action"] for a in audit] == ["broadcast.done", "broadcast.create"]
    assert audit[1]["actor_id"] == ADMIN_ID


async def test_cancel_at_the_preview_sends_nothing(admin, resident, app, fake):
    await start_broadcast(admin, NEWS)
    replies = await admin.tap("Cancel")
    assert "Tidak ada yang dikirim" in replies[0].text
    assert NEWS not in texts_to(fake, 1001)
    assert await service(app).repo.latest() is None
    # the old preview's Send button does nothing now
    msg, data = admin.find_button(await admin.tr("Send"))
    await admin.press(msg, data)
    assert await service(app).repo.latest() is None


async def test_batal_command_cancels_while_writing(admin, resident, app, fake):
    await admin.send("/siaran")
    await admin.send(NEWS)
    replies = await admin.send("/batal")
    assert "Dibatalkan" in replies[0].text
    assert await service(app).repo.latest() is None


async def test_javanese_version_reaches_javanese_speakers(admin, resident, resident_jv, app,
                                                          fake):
    await add_subscriber(app, 3002, language=None, tg_language="jv")  # Telegram says Javanese
    jv = "Penyaluran PKH tahap 4 dipunwiwiti dinten Senin, 9 November."
    await start_broadcast(admin, NEWS, javanese=jv)
    preview = admin.last_reply().text
    assert "3 di antaranya" not in preview and "menerima versi bahasa Jawa" in preview
    assert "Di antaranya, 2 menerima versi bahasa Jawa." in preview
    await send_and_wait(admin)
    assert texts_to(fake, 1002)[-1] == jv and NEWS not in texts_to(fake, 1002)
    assert texts_to(fake, 3002) == [jv]
    assert texts_to(fake, 1001)[-1] == NEWS and jv not in texts_to(fake, 1001)


async def test_without_a_javanese_version_everyone_gets_indonesian(admin, resident_jv, app,
                                                                   fake):
    await start_broadcast(admin, NEWS)
    await send_and_wait(admin)
    assert texts_to(fake, 1002)[-1] == NEWS


async def test_unsubscribed_and_blocked_people_get_nothing(admin, resident, app, fake):
    await add_subscriber(app, 3003, subscribed=False)
    await add_subscriber(app, 3004)
    await app.services.subscribers.set_blocked(3004, True)
    await add_volunteer(app, 3005, "tksk", "3578")
    await app.services.subscribers.set_subscribed(3005, False)   # a volunteer who said /berhenti
    await add_volunteer(app, 3006, "tksk", "3578")
    await start_broadcast(admin, NEWS)
    assert "3 penerima" in admin.last_reply().text   # Siti, the admin and volunteer 3006
    await send_and_wait(admin)
    for person in (3003, 3004, 3005):
        assert sends_to(fake, person) == []
    svc = service(app)
    people = await svc.recipients(Audience("volunteers", role="tksk"))
    assert [uid for uid, _ in people] == [3006]


async def test_each_volunteer_audience(app):
    await add_volunteer(app, 4001, "tksk", "3578")
    await add_volunteer(app, 4002, "tksk", "3507", language="jv")
    await add_volunteer(app, 4003, "tagana", "3578")
    await add_volunteer(app, 4004, "psm", "3578", status="pending")
    await add_subscriber(app, 4005)                             # not a volunteer
    svc = service(app)

    async def who(**kw):
        return [uid for uid, _ in await svc.recipients(Audience("volunteers", **kw))]

    assert await who() == [4001, 4002, 4003]
    assert await who(role="tksk") == [4001, 4002]
    assert await who(region="3578") == [4001, 4003]
    assert await who(role="tksk", region="3507") == [4002]
    assert await who(role="psm") == []
    assert dict(await svc.recipients(Audience("volunteers")))[4002] == "jv"
    everyone = [uid for uid, _ in await svc.recipients(Audience())]
    assert everyone == [4001, 4002, 4003, 4004, 4005]


async def test_role_and_region_pickers(admin, app, fake):
    await add_volunteer(app, 4001, "tksk", "3578")
    await add_volunteer(app, 4002, "tksk", "3507")
    await add_volunteer(app, 4003, "tagana", "3578")
    await start_broadcast(admin, NEWS, audience="Volunteers by role")
    await admin.tap("TKSK (sub-district social welfare worker)")
    picker = admin.last_reply()
    assert await admin.tr("All kab/kota") in picker.labels() and "Kota Surabaya" in picker.labels()
    assert len(picker.labels()) == 39
    await admin.click("Kota Surabaya")
    preview = admin.last_reply().text
    assert "relawan: TKSK di Kota Surabaya" in preview
    assert "1 penerima" in preview
    await send_and_wait(admin)
    assert texts_to(fake, 4001) == [NEWS]
    assert sends_to(fake, 4002) == [] and sends_to(fake, 4003) == []

    await start_broadcast(admin, "Rapat relawan Malang", audience="Volunteers by kab/kota")
    await admin.click("Kab. Malang")
    assert "relawan di Kab. Malang" in admin.last_reply().text
    await send_and_wait(admin)
    assert texts_to(fake, 4002) == ["Rapat relawan Malang"]


async def test_an_empty_audience_asks_again(admin, app):
    await start_broadcast(admin, NEWS, audience="Volunteers by kab/kota")
    replies = await admin.click("Kota Batu")
    assert "Tidak ada yang akan menerimanya" in replies[-1].text
    assert await admin.tr("All subscribers") in replies[-1].labels()


async def test_forged_region_button_is_refused(admin, app):
    await start_broadcast(admin, NEWS, audience="Volunteers by kab/kota")
    msg = admin.last_reply()
    replies = await admin.press(msg, "bc:reg:3599")
    assert await admin.tr("Send") not in [label for m in replies for label in m.labels()]


async def test_429_pauses_everything_and_retries_the_same_row(admin, resident, app, fake):
    sleep = VirtualTime().install(app.bot.rate_limiter)
    hits = []

    def flood(method, params):
        if method == "sendMessage" and params.get("chat_id") == 1001 and not hits:
            hits.append(1)
            return ApiError(429, "Too Many Requests: retry after 7", retry_after=7)
        return None

    fake.fail_when(flood)
    await start_broadcast(admin, NEWS)
    broadcast_id = await send_and_wait(admin)
    assert texts_to(fake, 1001).count(NEWS) == 1
    attempts = [c for c in sends_to(fake, 1001) if c.params.get("text") == NEWS]
    assert [c.error is not None for c in attempts] == [True, False]  # refused, then sent
    assert sleep.waits and sleep.waits[0] == pytest.approx(7)  # every lane paused retry_after
    report = await service(app).report(broadcast_id)
    assert (report.sent, report.failed, report.retries_429) == (2, 0, 1)
    assert "diperlambat 1 kali" in admin.last_reply().text


async def test_403_marks_the_subscriber_blocked_and_is_never_retried(admin, resident, app,
                                                                     fake):
    fake.blocked.add(1001)
    await start_broadcast(admin, NEWS)
    broadcast_id = await send_and_wait(admin)
    assert len([c for c in sends_to(fake, 1001) if NEWS in str(c.params)]) == 1
    report = await service(app).report(broadcast_id)
    assert (report.sent, report.blocked, report.failed) == (1, 1, 0)
    sub = await app.services.store.subscribers.get(1001)
    assert sub.blocked
    assert "Memblokir bot: 1" in admin.last_reply().text
    # and the next broadcast does not even try
    fake.blocked.clear()
    await start_broadcast(admin, "Kedua")
    assert "1 penerima" in admin.last_reply().text


async def test_400_chat_not_found_fails_without_retry(admin, app, fake):
    await add_subscriber(app, 3010)

    def gone(method, params):
        if method == "sendMessage" and params.get("chat_id") == 3010:
            return ApiError(400, "Bad Request: chat not found")
        return None

    fake.fail_when(gone)
    await start_broadcast(admin, NEWS)
    broadcast_id = await send_and_wait(admin)
    assert len(sends_to(fake, 3010)) == 1
    rows = {r["user_id"]: r for r in await service(app).repo.outbox(broadcast_id)}
    assert rows[3010]["status"] == "failed" and rows[3010]["error"] == "chat_not_found"
    assert not (await app.services.store.subscribers.get(3010)).blocked


async def test_timeouts_are_retried_a_few_times_then_failed(admin, app, fake):
    backoffs = VirtualTime()
    app.services.delivery.sleep = backoffs.sleep   # no real waiting between the retries
    await add_subscriber(app, 3011)   # times out twice, then gets it
    await add_subscriber(app, 3012)   # always times out
    seen: dict[int, int] = {}

    def slow(method, params):
        chat = params.get("chat_id")
        if method == "sendMessage" and chat in (3011, 3012):
            seen[chat] = seen.get(chat, 0) + 1
            if chat == 3012 or seen[chat] <= 2:
                raise httpx.ReadTimeout("timed out")
        return None

    fake.fail_when(slow)
    await start_broadcast(admin, NEWS)
    broadcast_id = await send_and_wait(admin)
    rows = {r["user_id"]: r for r in await service(app).repo.outbox(broadcast_id)}
    assert rows[3011]["status"] == "sent" and seen[3011] == 3
    assert rows[3012]["status"] == "failed" and seen[3012] == 4   # 1 + 3 retries
    assert rows[3012]["error"] == "timeout" and rows[3012]["outcome_unknown"] == 1
    assert rows[3011]["outcome_unknown"] == 0
    assert sorted(backoffs.waits) == [0.5, 0.5, 1.0, 1.0, 2.0]   # backoff doubles each time


async def test_progress_message_is_edited_and_a_final_report_sent(admin, app, fake):
    for uid in range(5000, 5040):
        await add_subscriber(app, uid)
    svc = service(app)
    svc.progress_every = 0   # edit at every step (the real bot: at most every 3 s)
    svc.batch = 5
    await start_broadcast(admin, NEWS)
    await admin.tap("Send")
    progress = admin.last_reply()
    assert "sedang dikirim" in progress.text or "selesai" in progress.text
    await svc.wait((await svc.repo.latest()).id)
    edits = [c for c in fake.calls_to("editMessageText")
             if c.params.get("message_id") == progress.message_id]
    assert len(edits) >= 3
    lefts = [int(c.params["text"].split("Tersisa: ")[1].split("\n")[0]) for c in edits]
    assert lefts == sorted(lefts, reverse=True) and lefts[-1] == 0
    assert any("Kecepatan:" in c.params["text"] for c in edits)
    final = admin.last_reply()
    assert final.message_id != progress.message_id
    assert "selesai" in final.text and "Terkirim: 41 dari 41" in final.text


async def test_status_command_and_the_cli(admin, resident, app, fake, monkeypatch, settings,
                                          capsys):
    replies = await admin.send("/siaran_status")
    assert "Belum ada siaran" in replies[0].text
    await start_broadcast(admin, NEWS)
    broadcast_id = await send_and_wait(admin)
    text = (await admin.send("/siaran_status"))[0].text      # the dated list
    assert f"#{broadcast_id} · Sen, 2 Nov 2026 08.00 WIB · oleh {ADMIN_ID} · selesai" in text
    assert f"“{NEWS.splitlines()[0][:59]}" in text and "terkirim 2 dari 2" in text
    text = (await admin.send(f"/siaran_status {broadcast_id}"))[0].text
    assert f"Siaran #{broadcast_id} selesai." in text and "Terkirim: 2 dari 2" in text
    assert "Tidak ada siaran #99" in (await admin.send("/siaran_status 99"))[0].text
    assert "Cara pakai" in (await admin.send("/siaran_status abc"))[0].text

    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    with pytest.raises(SystemExit) as exc:
        await asyncio.to_thread(main, ["broadcast", "status", str(broadcast_id), "--json"])
    assert exc.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["id"], data["sent"], data["total"], data["status"]) == \
        (broadcast_id, 2, 2, "done")
    with pytest.raises(SystemExit) as exc:
        await asyncio.to_thread(main, ["broadcast", "status"])
    assert f"broadcast #{broadcast_id}: done" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        await asyncio.to_thread(main, ["broadcast", "status", "42"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip() == "dinsos-bot: there is no broadcast #42"


async def test_photo_with_caption(admin, resident, app, fake):
    fake.files["pic1"] = b"\x89PNG fake"
    await admin.send("/siaran")
    await admin.send_message(photo=[{"file_id": "pic1", "file_unique_id": "u1", "width": 10,
                                     "height": 10}], caption="Jadwal posyandu lansia")
    await admin.tap("Continue")
    await admin.tap("Skip")
    await admin.tap("All subscribers")
    await send_and_wait(admin)
    got = fake.chat(1001)[-1]
    assert got.kind == "photo" and got.caption == "Jadwal posyandu lansia"
    call = sends_to(fake, 1001)[-1]
    assert call.method == "sendPhoto" and call.params["photo"] == "pic1"


async def test_draft_service_validates(app):
    svc = service(app)
    with pytest.raises(Exception) as err:
        await svc.create(ADMIN_ID, Draft("   "))
    assert getattr(err.value, "code", None) == "empty"
    with pytest.raises(Exception) as err:
        Audience.from_dict({"kind": "volunteers", "role": "'; DROP"})
    assert getattr(err.value, "code", None) == "bad_audience"


async def test_a_draft_survives_a_restart(admin, resident, app, fake, make_app):
    await admin.send("/siaran")
    await admin.send(NEWS)
    app2 = await make_app()                     # the bot restarts while the operator writes
    admin.app = app2
    await admin.tap("Continue")
    await admin.tap("Skip")
    await admin.tap("All subscribers")
    assert "2 penerima" in admin.last_reply().text
    await send_and_wait(admin)
    assert texts_to(fake, 1001)[-1] == NEWS


async def test_the_staff_menu_button_starts_an_announcement(admin, resident):
    await admin.send("/menu")
    replies = await admin.tap("Send an announcement")
    assert "Pengumuman baru" in replies[-1].text
    menu = (await resident.send("/menu"))[0]
    assert await resident.tr("Send an announcement") not in menu.labels()
    help_text = (await resident.send("/bantuan"))[0].text
    assert "/siaran" not in help_text and "/staf" not in help_text
    assert "/siaran_status" in (await admin.send("/bantuan"))[0].text
