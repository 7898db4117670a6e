"""Announcements staff can control: corrections from the preview, a test send, the footer,
scheduling (surviving a restart), stopping (also across a crash) and the dated list."""

from __future__ import annotations

import asyncio

from bot.features.broadcasts.model import Draft
from tests.broadcast_kit import (
    add_subscriber,
    add_volunteer,
    send_and_wait,
    service,
    start_broadcast,
    texts_to,
)
from tests.conftest import ADMIN_ID

NEWS = "Penyaluran BPNT tahap 5 mulai Kamis."
FIXED = "Penyaluran BPNT tahap 5 mulai Jumat."


async def audit(app, action: str) -> list[dict]:
    return await app.services.store.audit.recent(50, action_prefix=action)


async def test_a_typo_is_fixed_from_the_preview(admin, resident, resident_jv, app, fake):
    await start_broadcast(admin, NEWS, javanese="Woro-woro BPNT dinten Kemis.")
    await admin.tap("Edit text")
    await admin.send(FIXED)
    await admin.tap("Continue")
    assert "Kirim sekarang?" in admin.last_reply().text      # straight back to the preview
    await admin.tap("Edit Javanese text")
    await admin.send("Woro-woro BPNT dinten Jumuwah.")
    await admin.tap("Continue")
    await send_and_wait(admin)
    assert texts_to(fake, 1001)[-1] == FIXED
    assert NEWS not in texts_to(fake, 1001)
    assert texts_to(fake, 1002)[-1] == "Woro-woro BPNT dinten Jumuwah."


async def test_the_audience_is_changed_from_the_preview(admin, resident, app, fake):
    await add_volunteer(app, 2001, "tksk", "3578")
    await start_broadcast(admin, NEWS)
    assert "3 penerima" in admin.last_reply().text           # Siti, the admin, the volunteer
    await admin.tap("Change audience")
    await admin.tap("All volunteers")
    assert "1 penerima" in admin.last_reply().text
    await send_and_wait(admin)
    assert texts_to(fake, 2001)[-1] == NEWS
    assert NEWS not in texts_to(fake, 1001)


async def test_send_to_me_first_reaches_only_the_operator(admin, resident, app, fake):
    await start_broadcast(admin, NEWS)
    replies = await admin.tap("Send to me first")
    assert replies[0].text == NEWS
    assert "hanya dikirim kepada Anda" in replies[-1].text
    assert await admin.tr("Send") in replies[-1].labels()  # and Send is right there
    assert NEWS not in texts_to(fake, 1001)
    assert len(await audit(app, "broadcast.test")) == 1
    await send_and_wait(admin)
    assert texts_to(fake, 1001)[-1] == NEWS


async def test_the_footer_tells_each_recipient_how_to_stop(admin, resident, resident_jv, app,
                                                           fake):
    await start_broadcast(admin, NEWS)
    assert "berhenti berlangganan di akhir pesan: tidak" in admin.last_reply().text
    replies = await admin.tap("Add footer")
    assert any("Ketik /berhenti" in m.text for m in replies)  # the preview shows it
    assert await admin.tr("Remove footer") in admin.last_reply().labels()
    await send_and_wait(admin)
    assert texts_to(fake, 1001)[-1] == \
        NEWS + "\n\nTidak ingin menerima pengumuman lagi? Ketik /berhenti."
    assert texts_to(fake, 1002)[-1] == \
        NEWS + "\n\nBoten kersa nampi woro-woro malih? Mangga serat /berhenti."


async def test_stop_on_the_progress_message_sends_nothing_further(admin, app, fake):
    for uid in range(5000, 5030):
        await add_subscriber(app, uid)
    svc = service(app)
    svc.batch = 2
    original = svc.sender
    gate, busy = asyncio.Event(), asyncio.Event()
    started = 0

    async def held(chat_id, message):  # the first 3 go out, then Telegram "hangs"
        nonlocal started
        started += 1
        if started >= 5:
            busy.set()
        if started > 3:
            await gate.wait()
        return await original(chat_id, message)

    svc.sender = held
    await start_broadcast(admin, NEWS)
    await admin.tap("Send")
    broadcast_id = (await svc.repo.latest()).id
    await busy.wait()
    stop = asyncio.create_task(admin.tap("Stop sending"))
    while (await svc.repo.get(broadcast_id)).status != "cancelled":  # noqa: ASYNC110
        await asyncio.sleep(0)
    handed = started                  # already handed to Telegram: these finish
    gate.set()
    await stop
    await svc.wait(broadcast_id)
    assert started == handed          # nothing further was even tried
    report = await svc.report(broadcast_id)
    assert 5 <= handed <= 7           # at most the rows in flight (< 2 batches)
    assert (report.status, report.sent, report.cancelled, report.left) == \
        ("cancelled", handed, 31 - handed, 0)
    delivered = [c for c in fake.calls_to("sendMessage") if c.params.get("text") == NEWS
                 and c.params.get("chat_id") != ADMIN_ID]     # the admin saw the preview
    assert len(delivered) == handed
    assert (f"{handed} dari 31 orang sudah menerimanya; {31 - handed} orang tidak akan "
            "menerimanya") in admin.last_reply().text
    [entry] = await audit(app, "broadcast.stop")
    assert entry["actor_id"] == ADMIN_ID
    text = (await admin.send(f"/siaran_status {broadcast_id}"))[0].text
    assert "telah dihentikan" in text and f"dihentikan: {31 - handed}" in text


async def test_a_stop_in_a_crash_window_sends_nothing_after_the_restart(app, fake, make_app):
    for uid in range(6000, 6010):
        await add_subscriber(app, uid)
    svc = service(app)
    broadcast_id = await svc.create(ADMIN_ID, Draft(NEWS))
    await svc.repo.claim(broadcast_id, 2, app.services.clock())   # 2 in flight ...
    stopped, _ = await svc.cancel(ADMIN_ID, broadcast_id)        # ... the stop ...
    assert stopped                                               # ... and kill -9
    app2 = await make_app()
    svc2 = service(app2)
    assert not svc2.running(broadcast_id)
    report = await svc2.report(broadcast_id)
    assert (report.sent, report.cancelled, report.failed, report.unknown) == (0, 8, 2, 2)
    assert not [c for c in fake.calls_to("sendMessage") if c.params.get("text") == NEWS]


async def test_schedule_survives_a_restart_and_sends_at_its_time(admin, resident, app, fake,
                                                                 make_app, clock):
    await start_broadcast(admin, NEWS)
    await admin.tap("Schedule")
    replies = await admin.send("besok pagi")
    assert "tidak dapat kami baca" in replies[-1].text
    replies = await admin.send("01-11-2026 09:00")
    assert "paling cepat satu menit" in replies[-1].text
    replies = await admin.send("09:00")                       # it is 08:00 WIB now
    assert "dijadwalkan pada Sen, 2 Nov 2026 09.00 WIB" in replies[-1].text
    assert await admin.tr("Cancel this broadcast") in replies[-1].labels()
    svc = service(app)
    broadcast_id = (await svc.repo.latest()).id
    assert [j.name for j in app.job_queue.get_jobs_by_name(f"broadcast:scheduled:"
                                                             f"{broadcast_id}")]
    assert NEWS not in texts_to(fake, 1001)
    listing = (await admin.send("/siaran_status"))[-1]
    assert f"#{broadcast_id} · Sen, 2 Nov 2026 09.00 WIB · oleh {ADMIN_ID} · terjadwal" in \
        listing.text and "terkirim" not in listing.text
    assert await admin.tr("Stop #{id}", id=broadcast_id) in listing.labels()
    await app.shutdown()

    clock.advance(hours=2)                                    # down past 09:00
    app2 = await make_app()
    [job] = app2.job_queue.get_jobs_by_name(f"broadcast:scheduled:{broadcast_id}")
    await add_subscriber(app2, 3050)                          # joined while it waited
    await job.run(app2)
    svc2 = service(app2)
    await svc2.wait(broadcast_id)
    report = await svc2.report(broadcast_id)
    assert (report.status, report.sent, report.total) == ("done", 3, 3)
    assert texts_to(fake, 1001)[-1] == NEWS and texts_to(fake, 3050)[-1] == NEWS
    await job.run(app2)                                       # a second run sends nothing
    assert texts_to(fake, 1001).count(NEWS) == 1
    actions = [e["action"] for e in await audit(app2, "broadcast.")]
    assert "broadcast.schedule" in actions and "broadcast.start" in actions


async def test_a_scheduled_broadcast_is_cancelled_before_it_starts(admin, resident, app, fake,
                                                                   make_app):
    await start_broadcast(admin, NEWS)
    await admin.tap("Schedule")
    await admin.send("10:00")
    svc = service(app)
    broadcast_id = (await svc.repo.latest()).id
    await admin.send("/siaran_status")
    replies = await admin.tap("Stop #{id}", id=broadcast_id)   # from the dated list
    assert "dibatalkan. Tidak ada yang dikirim" in replies[-1].text
    assert not app.job_queue.get_jobs_by_name(f"broadcast:scheduled:{broadcast_id}") or all(
        j.removed for j in app.job_queue.get_jobs_by_name(f"broadcast:scheduled:{broadcast_id}"))
    assert not await svc.start_scheduled(broadcast_id)        # even if a job fired now
    app2 = await make_app()
    assert not app2.job_queue.get_jobs_by_name(f"broadcast:scheduled:{broadcast_id}")
    assert NEWS not in texts_to(fake, 1001)
    again = await admin.tap("Cancel this broadcast")
    assert "sudah dihentikan sebelumnya" in again[-1].text


async def test_the_status_list_is_dated_and_paged(admin, app, fake):
    svc = service(app)
    for n in range(1, 11):
        await svc.create(ADMIN_ID, Draft(f"Pengumuman nomor {n}\nbaris kedua"))
    replies = await admin.send("/siaran_status")
    text_message = replies[-1]
    text = text_message.text
    assert text.startswith("Siaran 1-8 dari 10")
    assert "#10 · Sen, 2 Nov 2026 08.00 WIB · oleh 9001" in text
    assert "“Pengumuman nomor 10”" in text and "baris kedua" not in text
    assert "#2 ·" not in text
    replies = await admin.tap("Next »")
    assert replies[-1].text.startswith("Siaran 9-10 dari 10") and "#1 ·" in replies[-1].text
    assert await admin.tr("« Previous") in replies[-1].labels()
    assert replies[-1].message_id == text_message.message_id  # the page is edited in place


async def test_only_staff_can_stop(app, fake, client, resident):
    await add_subscriber(app, 6100)
    svc = service(app)
    broadcast_id = await svc.create(ADMIN_ID, Draft(NEWS))
    stranger = client(1001)
    msg = resident.last_reply()
    await stranger.press(msg, f"bc:stop:{broadcast_id}")      # a forged button
    assert (await svc.repo.get(broadcast_id)).status == "sending"
