"""Reminders staff manage in the chat: a paged list, edit, pause and resume, cancel after a
confirmation, an end date, the last day of the month, a Javanese text, regional operators."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.features.reminders.jobs import register_jobs
from bot.features.reminders.schedule import ReminderError
from bot.features.staff.service import PermissionDenied
from bot.offline.client import ChatClient
from tests.conftest import ADMIN_ID, choose_language
from tests.test_volunteers import WIB, reminders_to, run_job, svc, volunteer

LONG = "Kirim laporan bulanan kegiatan pendampingan ke dinas paling lambat pukul sepuluh pagi"


def at_wib(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WIB).astimezone(dt.UTC)


async def audit(app, prefix):
    return await app.services.store.audit.recent(action_prefix=prefix)


# -- the list pages ---------------------------------------------------------------------------
async def test_many_reminders_page_and_every_one_is_reachable(app, admin, clock):
    ids = []
    for n in range(21):  # the review's list broke at 16-18 of these
        r = await svc(app).create(ADMIN_ID, text=f"{LONG} ({n})", role="tksk",
                                  region_code="3578", cron=f"0 {6 + n % 12} 25 * *")
        ids.append(r.id)
    reached: set[int] = set()
    replies = await admin.send("/pengingat")
    for _ in range(5):
        msg = replies[-1]
        assert len(msg.text) <= 4096
        assert "Halaman" in msg.text
        buttons = [d for _, d in msg.buttons() if d.startswith("remadm:view:")]
        assert 0 < len(buttons) <= 8
        reached |= {int(d.rsplit(":", 1)[1]) for d in buttons}
        if await admin.tr("Next »") not in msg.labels():
            break
        replies = await admin.tap("Next »")
    assert reached == set(ids)
    assert "Halaman 3 dari 3" in admin.last_reply().text
    await admin.tap("« Previous")
    assert "Halaman 2 dari 3" in admin.last_reply().text
    # the oldest one, on the last page, opens
    await admin.tap("Next »")
    await admin.click(f"^#{ids[0]} ")
    assert f"Pengingat #{ids[0]} · aktif" in admin.last_reply().text
    # a forged page number beyond the end shows the last page
    replies = await admin.press(admin.last_reply(), "remadm:p:9999")
    assert "Halaman 3 dari 3" in replies[-1].text


async def test_finished_and_cancelled_reminders_have_their_own_pages(app, admin, clock):
    for n in range(10):
        r = await svc(app).create(ADMIN_ID, text=f"Lama {n}", cron="0 7 * * *")
        await svc(app).cancel(ADMIN_ID, r.id)
    live = await svc(app).create(ADMIN_ID, text="Masih jalan", cron="0 7 * * *")
    replies = await admin.send("/pengingat")
    assert [d for _, d in replies[-1].buttons() if "view" in d] == [f"remadm:view:{live.id}"]
    await admin.tap("Finished ({count})", count=10)
    first = admin.last_reply()
    assert "Halaman 1 dari 2" in first.text and len(
        [d for _, d in first.buttons() if "view" in d]) == 8
    await admin.tap("Next »")
    assert len([d for _, d in admin.last_reply().buttons() if "view" in d]) == 2


# -- edit ---------------------------------------------------------------------------------------
async def test_edit_text_recipients_and_schedule_from_the_card(app, fake, clock, admin):
    await volunteer(app, fake, 2001, "tksk", "3578")
    await volunteer(app, fake, 2002, "pkh", "3507")
    r = await svc(app).create(ADMIN_ID, text="Apel", role="tksk", region_code="3578",
                              cron="0 8 * * *")
    await register_jobs(app)
    await admin.send("/pengingat")
    await admin.click(f"^#{r.id} ")
    await admin.tap("Edit text")
    replies = await admin.send("Apel pagi di kantor kecamatan")
    assert f"perubahan pengingat #{r.id}" in replies[0].text
    await admin.tap("Save")
    assert (await svc(app).get(r.id)).text == "Apel pagi di kantor kecamatan"
    # recipients: PKH in Kab. Malang
    await admin.tap("Open reminder")
    await admin.tap("Edit recipients")
    await admin.tap("PKH facilitator (Pendamping PKH)")
    replies = await admin.send("kab malang")
    assert "Relawan penerima saat ini: 1" in replies[0].text
    await admin.tap("Save")
    got = await svc(app).get(r.id)
    assert (got.role, got.region_code) == ("pkh", "3507")
    # schedule: 08:00 every day becomes Mondays at 09.15; the job moves with it
    await admin.tap("Open reminder")
    await admin.tap("Edit schedule")
    await admin.tap("Every week")
    await admin.tap("Monday")
    await admin.tap("Next")
    replies = await admin.send("09.15")
    assert "setiap Senin pukul 09.15 WIB" in replies[0].text
    replies = await admin.tap("Save")
    assert "Sen, 2 Nov 2026 09.15 WIB" in replies[-1].text  # today, Monday
    [job] = app.job_queue.get_jobs_by_name(f"reminder:{r.id}")
    assert job.data["at"] == "2026-11-02T02:15:00+00:00"
    # a job armed before the edit (another process) does not send at the old time
    clock.now = at_wib(2026, 11, 3, 8, 0)
    assert await svc(app).fire(r.id, clock()) is None
    # the new schedule sends, to the new recipients
    clock.now = at_wib(2026, 11, 2, 9, 15)
    await run_job(app, f"reminder:{r.id}")
    assert [m.text for m in reminders_to(fake, 2002)] == [
        "🔔 Pengingat dari Dinas Sosial\n\nApel pagi di kantor kecamatan"]
    assert reminders_to(fake, 2001) == []
    edits = await audit(app, "reminder.edit")
    assert [e["actor_id"] for e in edits] == [ADMIN_ID] * 3


async def test_bad_edit_changes_nothing(app, admin, clock):
    r = await svc(app).create(ADMIN_ID, text="Rapat", at=clock() + dt.timedelta(days=2))
    await admin.send("/pengingat")
    await admin.click(f"^#{r.id} ")
    await admin.tap("Edit text")
    replies = await admin.send("x" * 1500)
    assert "terlalu panjang" in replies[0].text
    await admin.send("/batal")
    assert (await svc(app).get(r.id)).text == "Rapat"
    with pytest.raises(ReminderError):
        await svc(app).update(ADMIN_ID, r.id, {"at": clock() - dt.timedelta(hours=1)})
    with pytest.raises(ReminderError):
        await svc(app).update(ADMIN_ID, r.id, {"nope": 1})
    assert (await svc(app).get(r.id)).at == (await svc(app).get(r.id)).at
    assert await audit(app, "reminder.edit") == []


# -- pause, resume, restarts ------------------------------------------------------------------
async def test_pause_and_resume_survive_a_restart(make_app, fake, clock):
    app = await make_app()
    await volunteer(app, fake, 2001)
    paused = await svc(app).create(ADMIN_ID, text="Dijeda", cron="0 9 * * *")
    running = await svc(app).create(ADMIN_ID, text="Jalan", cron="0 9 * * *")
    await register_jobs(app)
    admin = await choose_language(ChatClient(app, fake, user_id=ADMIN_ID), "id")
    await admin.send("/pengingat")
    await admin.click(f"^#{paused.id} ")
    replies = await admin.tap("Pause")
    assert "dijeda" in replies[-1].text and await admin.tr("Resume") in replies[-1].labels()
    assert not app.job_queue.get_jobs_by_name(f"reminder:{paused.id}")
    await app.shutdown()
    clock.now = at_wib(2026, 11, 4, 9, 30)  # two 09:00s went by while the bot was down
    app = await make_app()
    assert not app.job_queue.get_jobs_by_name(f"reminder:{paused.id}")
    assert len(app.job_queue.get_jobs_by_name(f"reminder:{running.id}")) == 1
    assert [m.text.split("\n")[-1] for m in reminders_to(fake, 2001)] == ["Jalan"]
    # resumed: from now on; the times in the pause are neither sent nor shown as missed
    admin = ChatClient(app, fake, user_id=ADMIN_ID)
    await admin.send("/pengingat")
    await admin.click(f"^#{paused.id} ")
    replies = await admin.tap("Resume")
    assert "dilanjutkan" in replies[-1].text
    [job] = app.job_queue.get_jobs_by_name(f"reminder:{paused.id}")
    assert job.data["at"] == "2026-11-05T02:00:00+00:00"
    await run_job(app, "reminders:sync")
    assert (await svc(app).view(ADMIN_ID, paused.id)).missed == []
    clock.now = at_wib(2026, 11, 5, 9, 0)
    await job.run(app)
    assert [m.text.split("\n")[-1] for m in reminders_to(fake, 2001)] == ["Jalan", "Dijeda"]
    actions = [e["action"] for e in await audit(app, "reminder.")]
    assert "reminder.pause" in actions and "reminder.resume" in actions


async def test_cancel_asks_first(app, admin, clock):
    r = await svc(app).create(ADMIN_ID, text="Jangan hapus", cron="0 7 * * *")
    await register_jobs(app)
    await admin.send("/pengingat")
    await admin.click(f"^#{r.id} ")
    replies = await admin.tap("Cancel reminder")
    assert "tidak dapat diurungkan" in replies[-1].text
    replies = await admin.tap("No, keep it")
    assert (await svc(app).get(r.id)).status == "active"
    assert app.job_queue.get_jobs_by_name(f"reminder:{r.id}")
    await admin.tap("Cancel reminder")
    replies = await admin.tap("Yes, cancel it")
    assert "dibatalkan" in replies[-1].text
    assert (await svc(app).get(r.id)).status == "cancelled"
    assert not app.job_queue.get_jobs_by_name(f"reminder:{r.id}")
    # the stale confirmation pressed again changes nothing
    replies = await admin.press(replies[-1], f"remadm:cancel:{r.id}")
    assert "tidak aktif" in replies[-1].text


# -- an end date, the last day of the month ------------------------------------------------------
async def test_end_date_and_last_day_of_the_month_in_chat(app, fake, clock, admin):
    await volunteer(app, fake, 2001)
    await admin.send("/pengingat")
    await admin.tap("New reminder")
    await admin.send("Rekap akhir bulan")
    await admin.tap("All volunteers")
    await admin.tap("All kabupaten/kota")
    await admin.tap("Every month")
    await admin.tap("Last day of the month")
    replies = await admin.send("16.00")
    assert "setiap bulan pada hari terakhir pukul 16.00 WIB" in replies[0].text
    assert "Sen, 30 Nov 2026 16.00 WIB" in replies[0].text
    await admin.tap("End date")
    assert "sudah lewat" in (await admin.send("01-11-2026"))[0].text
    replies = await admin.send("31-12-2026")
    assert "sampai Kam, 31 Des 2026" in replies[0].text
    await admin.tap("Save")
    [r] = await svc(app).active()
    assert (r.cron, r.ends_on) == ("0 16 last * *", "2026-12-31")
    clock.now = at_wib(2026, 11, 30, 16, 0)
    await run_job(app, f"reminder:{r.id}")
    [job] = app.job_queue.get_jobs_by_name(f"reminder:{r.id}")
    assert job.data["at"] == "2026-12-31T09:00:00+00:00"
    clock.now = at_wib(2026, 12, 31, 16, 0)
    await job.run(app)
    assert len(reminders_to(fake, 2001)) == 2
    # after its end date it has no job and is finished
    assert not app.job_queue.get_jobs_by_name(f"reminder:{r.id}")
    clock.now = at_wib(2027, 1, 1, 8, 0)
    await run_job(app, "reminders:sync")
    assert (await svc(app).get(r.id)).status == "done"


# -- Javanese -----------------------------------------------------------------------------------
async def test_each_volunteer_gets_the_text_in_their_language(app, fake, clock, admin):
    await volunteer(app, fake, 2001, lang="id")
    await volunteer(app, fake, 2002, lang="jv")
    await admin.send("/pengingat")
    await admin.tap("New reminder")
    await admin.send("Kumpul di balai desa")
    await admin.tap("All volunteers")
    await admin.tap("All kabupaten/kota")
    await admin.tap("Once")
    await admin.send("03-11-2026 08:00")
    await admin.tap("Add Javanese text")
    replies = await admin.send("Kempal wonten ing bale desa")
    assert "Kempal wonten ing bale desa" in replies[0].text
    await admin.tap("Save")
    plain = await svc(app).create(ADMIN_ID, text="Hanya Indonesia",
                                  at=at_wib(2026, 11, 3, 8, 0))
    [with_jv] = [r for r in await svc(app).active() if r.text_jv]
    clock.now = at_wib(2026, 11, 3, 8, 0)
    await svc(app).fire(with_jv.id, clock())
    await svc(app).fire(plain.id, clock())
    assert [m.text.split("\n")[-1] for m in reminders_to(fake, 2001)] == [
        "Kumpul di balai desa", "Hanya Indonesia"]
    assert [m.text.split("\n")[-1] for m in reminders_to(fake, 2002)] == [
        "Kempal wonten ing bale desa", "Hanya Indonesia"]


# -- regional operators -------------------------------------------------------------------------
async def test_a_regional_operator_sees_and_manages_only_their_kab_kota(app, fake, clock):
    staff = app.services.staff
    await staff.add_member(None, 7001, "operator", region_code="3578", name="Bu Sri")
    await staff.add_member(None, 7002, "operator")
    s = svc(app)
    mine = await s.create(ADMIN_ID, text="Surabaya", region_code="3578", cron="0 7 * * *")
    theirs = await s.create(ADMIN_ID, text="Malang", region_code="3507", cron="0 7 * * *")
    province = await s.create(ADMIN_ID, text="Semua", cron="0 7 * * *")
    assert [r.id for r in await s.listing(7001)] == [mine.id]
    assert {r.id for r in await s.listing(7002)} == {mine.id, theirs.id, province.id}
    # every action on a reminder outside the region is refused, and audited
    for rid in (theirs.id, province.id):
        for action in (s.view(7001, rid), s.editable(7001, rid),
                       s.update(7001, rid, {"text": "x"}), s.pause(7001, rid),
                       s.resume(7001, rid), s.cancel(7001, rid)):
            with pytest.raises(PermissionDenied):
                await action
    for region in ("3507", None):
        with pytest.raises(PermissionDenied):
            await s.create(7001, text="x", region_code=region, cron="0 7 * * *")
    with pytest.raises(PermissionDenied):  # moving their own reminder out of the region
        await s.update(7001, mine.id, {"region_code": "3507"})
    denied = [e for e in await audit(app, "reminder.") if e["outcome"] == "denied"]
    assert len(denied) == 2 * 6 + 2 + 1
    assert {(await s.get(x.id)).text for x in (theirs, province)} == {"Malang", "Semua"}
    assert (await s.get(mine.id)).region_code == "3578"
    # inside the region everything works
    assert await s.pause(7001, mine.id) and await s.resume(7001, mine.id)
    assert (await s.update(7001, mine.id, {"text": "Surabaya baru"})).text == "Surabaya baru"
    assert await s.cancel(7001, mine.id)


async def test_a_regional_operator_in_the_chat(app, fake, clock):
    await app.services.staff.add_member(None, 7001, "operator", region_code="3578")
    theirs = await svc(app).create(ADMIN_ID, text="Malang", region_code="3507",
                                   cron="0 7 * * *")
    sri = await choose_language(ChatClient(app, fake, user_id=7001), "id")
    replies = await sri.send("/pengingat")
    assert "Malang" not in replies[-1].text
    # writing one: no kab/kota question, their own is taken
    await sri.tap("New reminder")
    await sri.send("Rapat TKSK Surabaya")
    replies = await sri.tap("TKSK (sub-district social welfare worker)")
    assert "Kota Surabaya" in replies[0].text and replies[-1].text == "Kapan?"
    await sri.tap("Every day")
    await sri.send("07.00")
    await sri.tap("Save")
    [own] = await svc(app).listing(7001)
    assert (own.text, own.region_code) == ("Rapat TKSK Surabaya", "3578")
    # forged buttons for another region's reminder: refused, nothing changes
    msg = sri.last_reply()
    for data in (f"remadm:view:{theirs.id}", f"remadm:rcp:{theirs.id}:0",
                 f"remadm:pause:{theirs.id}", f"remadm:cx:{theirs.id}",
                 f"remadm:cancel:{theirs.id}", f"remadm:ed:text:{theirs.id}"):
        replies = await sri.press(msg, data)
        assert "kabupaten/kota lain" in replies[-1].text, data
    got = await svc(app).get(theirs.id)
    assert (got.status, got.paused, got.text) == ("active", False, "Malang")


# -- the command line -----------------------------------------------------------------------------
def test_cli_javanese_text_end_date_pause_and_resume(monkeypatch, settings, capsys):
    import json

    from tests.test_volunteers import cli

    code, out, _ = cli(monkeypatch, settings, capsys, "reminders", "add", "--text", "Apel",
                       "--text-jv", "Apel enjing", "--cron", "0 7 L * *", "--until",
                       "31-12-2026")
    assert code == 2  # "L" is not crontab here: one line, nothing added
    code, out, _ = cli(monkeypatch, settings, capsys, "reminders", "add", "--text", "Apel",
                       "--text-jv", "Apel enjing", "--cron", "0 7 last * *", "--until",
                       "31-12-2026")
    assert code == 0 and "reminder #1 added" in out
    code, _, err = cli(monkeypatch, settings, capsys, "reminders", "add", "--text", "x",
                       "--cron", "0 7 * * *", "--until", "kemarin")
    assert code == 2 and "end date" in err
    assert cli(monkeypatch, settings, capsys, "reminders", "pause", "1")[0] == 0
    code, _, err = cli(monkeypatch, settings, capsys, "reminders", "pause", "1")
    assert code == 2 and "paused" in err
    [item] = json.loads(cli(monkeypatch, settings, capsys, "reminders", "list", "--json")[1])
    assert (item["text_jv"], item["ends_on"], item["status"], item["next"]) == \
        ("Apel enjing", "2026-12-31", "paused", None)
    assert cli(monkeypatch, settings, capsys, "reminders", "resume", "1")[0] == 0
    [item] = json.loads(cli(monkeypatch, settings, capsys, "reminders", "list", "--json")[1])
    assert item["status"] == "active" and item["next"] is not None


# -- /tugas ---------------------------------------------------------------------------------------
async def test_many_open_tasks_page_and_each_can_be_marked_done(app, fake, clock):
    siti = await volunteer(app, fake, 2001)
    await svc(app).create(ADMIN_ID, text=f"{LONG} besok", cron="0 7 * * *")
    for n in range(12):
        r = await svc(app).create(ADMIN_ID, text=f"{LONG} tugas {n}",
                                  at=clock() + dt.timedelta(minutes=n + 1))
        await svc(app).fire(r.id, clock() + dt.timedelta(minutes=n + 1))
    replies = await siti.send("/tugas")
    seen: set[str] = set()
    for _ in range(4):
        msg = replies[-1]
        assert len(msg.text) <= 1500
        seen |= {d for _, d in msg.buttons() if d.startswith("remtask:done:")}
        if await siti.tr("Next »") not in msg.labels():
            break
        replies = await siti.tap("Next »")
    assert len(seen) == 12 and "Halaman 3 dari 3" in siti.last_reply().text
    await siti.tap("Done: task {n}", n=12)
    assert len(await app.services.reminders.open_tasks(2001)) == 11


async def test_a_task_marked_done_in_tugas_leaves_the_open_list(app, fake, clock):
    siti = await volunteer(app, fake, 2001)
    for n in range(7):  # more than one page of open tasks (newest first)
        r = await svc(app).create(ADMIN_ID, text=f"Tugas nomor {n}",
                                  at=clock() + dt.timedelta(minutes=n + 1))
        await svc(app).fire(r.id, clock() + dt.timedelta(minutes=n + 1))

    def listed(msg) -> list[str]:
        return [line.rsplit(": ", 1)[1] for line in msg.text.splitlines() if line[:1].isdigit()]

    listing = (await siti.send("/tugas"))[-1]
    assert listed(listing) == [f"Tugas nomor {n}" for n in (6, 5, 4, 3, 2)]
    assert "Halaman 1 dari 2" in listing.text
    shown = (await siti.click("Selesai: tugas 2"))[-1]
    assert shown.message_id == listing.message_id            # the list itself, edited
    assert shown.text.startswith("✅ Ditandai selesai. Terima kasih!\n\n")
    assert "Tugas nomor 5" not in shown.text                 # no longer listed as open
    assert listed(shown) == [f"Tugas nomor {n}" for n in (6, 4, 3, 2, 1)]  # the next moved up
    assert "Selesai: tugas 6" not in shown.labels() and "Berikutnya »" in shown.labels()
    assert len(shown.text) <= 1500
    assert sorted(t.text for t in await svc(app).open_tasks(2001)) == \
        [f"Tugas nomor {n}" for n in (0, 1, 2, 3, 4, 6)]
    # the last one on the last page: what is left is shown (the page before)
    page2 = (await siti.click("Berikutnya »"))[-1]
    assert listed(page2) == ["Tugas nomor 0"]
    shown = (await siti.click("Selesai: tugas 6"))[-1]
    assert listed(shown) == [f"Tugas nomor {n}" for n in (6, 4, 3, 2, 1)]
    assert "Halaman" not in shown.text and "Berikutnya »" not in shown.labels()
    # every task done: the list says so, with the thanks
    for _ in range(5):
        shown = (await siti.click("^Selesai: tugas 1$"))[-1]
    assert shown.text == ("✅ Ditandai selesai. Terima kasih!\n\n"
                          "Anda tidak punya pengingat mendatang maupun tugas yang belum selesai.")
    assert not shown.labels()
    assert await svc(app).open_tasks(2001) == []


async def test_an_edit_survives_a_restart_in_the_middle(make_app, fake, clock):
    app = await make_app()
    r = await svc(app).create(ADMIN_ID, text="Lama", cron="0 7 * * *")
    admin = await choose_language(ChatClient(app, fake, user_id=ADMIN_ID), "id")
    await admin.send("/pengingat")
    await admin.click(f"^#{r.id} ")
    await admin.tap("Javanese text")
    await app.shutdown()
    app = await make_app()
    admin = ChatClient(app, fake, user_id=ADMIN_ID)
    replies = await admin.send("Seratan Jawa énggal")
    assert "Seratan Jawa énggal" in replies[0].text
    await admin.tap("Save")
    got = await svc(app).get(r.id)
    assert (got.text, got.text_jv) == ("Lama", "Seratan Jawa énggal")
    assert len(app.job_queue.get_jobs_by_name(f"reminder:{r.id}")) == 1


async def test_the_card_of_the_longest_reminder_fits_one_message(app, fake, clock, admin):
    for n in range(3):
        await volunteer(app, fake, 2001 + n)
    r = await svc(app).create(ADMIN_ID, text="a" * 1400, text_jv="b" * 1400, cron="0 7 * * *")
    old = await app.services.store.reminders.create(  # written before the 1,400 limit
        text="c " * 1750, role=None, region_code=None, kind="cron", at=None,
        cron="0 8 * * *", now=clock(), created_by=None)
    for rid in (r.id, old.id):
        await admin.send("/pengingat")
        replies = await admin.click(f"^#{rid} ")
        assert len(replies[-1].text) <= 4096
        assert replies[-1].text.startswith(f"Pengingat #{rid}")
