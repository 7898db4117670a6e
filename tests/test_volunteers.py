"""Volunteers: registration and approval, reminders on time, across restarts, done and snooze."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.clock import iso
from bot.features.reminders.schedule import ReminderError, normalize_cron
from bot.features.volunteers.service import match_regions
from bot.offline.api import ApiError
from bot.offline.client import ChatClient
from tests.conftest import ADMIN_ID, choose_language

WIB = dt.timezone(dt.timedelta(hours=7))


def svc(app):
    return app.services.reminders


async def volunteer(app, fake, user_id, role="tksk", region="3578", lang="id"):
    """An approved volunteer who has started the bot in `lang`."""
    person = await choose_language(ChatClient(app, fake, user_id=user_id,
                                              first_name=f"V{user_id}", language_code=lang),
                                   lang)
    store = app.services.store.volunteers
    await store.request(user_id, role, region, f"Relawan {user_id}", None, app.services.clock())
    await store.decide(user_id, "approved", ADMIN_ID, app.services.clock())
    await store.mark_notified(user_id, app.services.clock())
    return person


def reminders_to(fake, chat_id):
    return [m for m in fake.chat(chat_id) if m.text and m.text.startswith("🔔")]


async def run_job(app, name):
    jobs = app.job_queue.get_jobs_by_name(name)
    assert len(jobs) == 1, [j.name for j in app.job_queue.jobs()]
    await jobs[0].run(app)


# -- registration -------------------------------------------------------------------------------
async def test_registration_and_approval_in_indonesian(client, admin, fake, app):
    siti = await choose_language(client(1001, first_name="Siti"), "id")
    replies = await siti.send("/relawan")
    assert "Pendamping PKH" in " ".join(replies[0].labels())
    await siti.click("Pendamping PKH")
    replies = await siti.send("sby")
    assert "Kota Surabaya" in replies[0].text and "kecamatan" in replies[0].text
    replies = await siti.send("tenggilis mejoy")  # a typo, forgiven
    assert "Tenggilis Mejoyo" in replies[0].text
    replies = await siti.click("Pakai: Siti")
    assert replies[0].keyboard() == ["Bagikan nomor telepon saya", "Lewati"]
    replies = await siti.send_message(contact={"phone_number": "6281234567890",
                                               "first_name": "Siti", "user_id": 1001})
    assert "telah dikirim ke kantor" in replies[0].text
    assert replies[0].reply_markup == {"remove_keyboard": True}
    vol = await app.services.store.volunteers.get(1001)
    assert (vol.role, vol.region_code, vol.kecamatan_code, vol.phone, vol.status) == \
        ("pkh", "3578", "357824", "+6281234567890", "pending")
    request = admin.last_reply()
    assert "Siti" in request.text and "Kota Surabaya" in request.text
    assert request.labels() == ["Setujui", "Tolak", "Semua yang menunggu"]
    assert "Kecamatan: Tenggilis Mejoyo" in request.text
    await admin.click("Setujui")
    assert (await app.services.store.volunteers.get(1001)).status == "approved"
    assert "telah disetujui" in siti.last_reply().text
    assert "Keputusan: Disetujui" in admin.last_reply().text
    # a second press (another operator, a stale button) changes nothing and tells nobody again
    before = len(siti.replies)
    await admin.press(request, "vol:no:1001")
    assert (await app.services.store.volunteers.get(1001)).status == "approved"
    assert len(siti.replies) == before
    audit = await app.services.store.audit.recent(action_prefix="volunteer.approve")
    assert audit and audit[0]["actor_id"] == ADMIN_ID


async def test_registration_in_javanese_with_ambiguous_region_and_skip(client, admin, app):
    budi = await choose_language(client(1002, first_name="Budi", language_code="jv"), "jv")
    await budi.send("/relawan")
    await budi.click("Tagana")
    replies = await budi.send("malang")
    assert "Ingkang pundi" in replies[0].text
    assert replies[0].labels() == ["Kab. Malang", "Kota Malang"]
    await budi.click("Kab. Malang")
    await budi.click("Saindenging kab/kota")  # Tagana: the whole kab/kota
    await budi.send("Budi Santoso")
    replies = await budi.send("Liwati")
    assert "matur nuwun" in replies[0].text.lower()
    vol = await app.services.store.volunteers.get(1002)
    assert (vol.role, vol.region_code, vol.name, vol.phone) == \
        ("tagana", "3507", "Budi Santoso", None)
    await admin.click("Tolak")
    assert "alasannya" in admin.last_reply().text          # a reason first, then the decision
    await admin.click("Data belum lengkap")
    told = budi.last_reply().text
    assert "boten dipunsarujuki" in told                    # in Budi's language, Javanese
    assert "Alesanipun: Data panjenengan dereng jangkep" in told
    vol = await app.services.store.volunteers.get(1002)
    assert (vol.status, vol.reason_code) == ("rejected", "details")


async def test_contact_of_someone_else_is_refused(client, app):
    siti = await choose_language(client(1001, first_name="Siti"), "id")
    await siti.send("/relawan")
    await siti.click("TKSK")
    await siti.send("kab malang")
    await siti.send("kepanjen")
    await siti.send("Siti Aminah")
    replies = await siti.send_message(contact={"phone_number": "62811", "first_name": "X",
                                               "user_id": 4242})
    assert "nomor Anda sendiri" in replies[0].text
    assert await app.services.store.volunteers.get(1001) is None


async def test_non_staff_cannot_approve(client, app, resident):
    await app.services.store.volunteers.request(1003, "psm", "3515", "Ani", None,
                                               app.services.clock())
    msg = resident.last_reply()
    await resident.press(msg, "vol:ok:1003")
    assert (await app.services.store.volunteers.get(1003)).status == "pending"


def test_region_matching(settings):
    from bot.content import load_content

    regions = load_content(settings.content_dir).regions

    def codes(text):
        return [r.code for r in match_regions(text, regions)]

    assert codes("sby") == ["3578"]
    assert codes("Surabaya") == ["3578"]
    assert codes("surbaya") == ["3578"]
    assert codes("kota malang") == ["3573"]
    assert codes("Kab. Malang") == ["3507"]
    assert sorted(codes("malang")) == ["3507", "3573"]
    assert codes("Banyuwangi") == ["3510"]
    assert codes("jakarta") == []


# -- reminders: audiences and schedules ---------------------------------------------------------
async def test_every_audience(app, fake, clock):
    await volunteer(app, fake, 2001, "tksk", "3578")
    await volunteer(app, fake, 2002, "pkh", "3578")
    await volunteer(app, fake, 2003, "tksk", "3507")
    s = svc(app)
    at = clock() + dt.timedelta(hours=1)
    cases = [(None, None, {2001, 2002, 2003}), ("tksk", None, {2001, 2003}),
             (None, "3578", {2001, 2002}), ("tksk", "3507", {2003})]
    for role, region, want in cases:
        r = await s.create(ADMIN_ID, text=f"untuk {role} {region}", role=role,
                           region_code=region, at=at)
        await s.fire(r.id, at)
        got = {uid for uid in (2001, 2002, 2003)
               if any(f"untuk {role} {region}" in m.text for m in reminders_to(fake, uid))}
        assert got == want, (role, region)


async def test_one_off_on_time_through_its_job(app, fake, clock):
    await volunteer(app, fake, 2001)
    s = svc(app)
    at = dt.datetime(2026, 11, 2, 10, 0, 0, tzinfo=WIB)
    r = await s.create(ADMIN_ID, text="Rapat koordinasi jam 10", at=at)
    from bot.features.reminders.jobs import register_jobs

    await register_jobs(app)
    job = app.job_queue.get_jobs_by_name(f"reminder:{r.id}")[0]
    assert job.data == {"id": r.id, "at": iso(at)}
    assert job.job.trigger.run_date == at  # accurate to the second, in WIB
    clock.now = at.astimezone(dt.UTC)
    await job.run(app)
    msgs = reminders_to(fake, 2001)
    assert len(msgs) == 1 and "Rapat koordinasi" in msgs[0].text
    assert msgs[0].labels() == ["Selesai", "Ingatkan 1 jam lagi"]
    assert (await s.get(r.id)).status == "done"
    assert not app.job_queue.get_jobs_by_name(f"reminder:{r.id}")


@pytest.mark.parametrize("kind,cron,first,second", [
    ("daily", "30 7 * * *", (2026, 11, 3, 7, 30), (2026, 11, 4, 7, 30)),
    ("weekly", "0 8 * * 1,4", (2026, 11, 5, 8, 0), (2026, 11, 9, 8, 0)),
    ("monthly", "0 9 15 * *", (2026, 11, 15, 9, 0), (2026, 12, 15, 9, 0)),
])
async def test_each_recurrence_kind(app, fake, clock, kind, cron, first, second):
    await volunteer(app, fake, 2001)
    s = svc(app)
    clock.advance(minutes=31)  # 08:31 WIB Monday: today's 07:30 and 08:00 have passed
    r = await s.create(ADMIN_ID, text=f"tugas {kind}", cron=cron)
    for n, when in enumerate((first, second), 1):
        moment = dt.datetime(*when, tzinfo=WIB)
        assert s.next_occurrence(r) == moment
        job = app.job_queue.get_jobs_by_name(f"reminder:{r.id}")
        if not job:
            from bot.features.reminders.jobs import schedule_reminder

            schedule_reminder(app, r)
            job = app.job_queue.get_jobs_by_name(f"reminder:{r.id}")
        assert len(job) == 1 and job[0].job.trigger.run_date == moment
        clock.now = moment.astimezone(dt.UTC)
        await job[0].run(app)
        assert len(reminders_to(fake, 2001)) == n
        clock.advance(seconds=1)


def test_cron_weekdays_are_standard_cron():
    assert normalize_cron("0 7 * * 0") == "0 7 * * sun"
    assert normalize_cron("0 7 * * 1-5") == "0 7 * * mon,tue,wed,thu,fri"
    with pytest.raises(ReminderError):
        normalize_cron("0 7 * *")


# -- exactly once, restarts and downtime --------------------------------------------------------
async def test_three_restarts_no_duplicate_jobs_or_sends(make_app, fake, clock):
    app = await make_app()
    await volunteer(app, fake, 2001)
    r = await svc(app).create(ADMIN_ID, text="Harian", cron="0 9 * * *")
    from bot.features.reminders.jobs import register_jobs

    await register_jobs(app)
    await register_jobs(app)
    assert len(app.job_queue.get_jobs_by_name(f"reminder:{r.id}")) == 1
    clock.now = dt.datetime(2026, 11, 2, 9, 0, tzinfo=WIB).astimezone(dt.UTC)
    await run_job(app, f"reminder:{r.id}")
    apps = [app]
    for _ in range(3):
        await apps[-1].shutdown()
        clock.advance(minutes=5)
        apps.append(await make_app())
        latest = apps[-1]
        assert len(latest.job_queue.get_jobs_by_name(f"reminder:{r.id}")) == 1
        assert len(latest.job_queue.get_jobs_by_name("reminders:sync")) == 1
        await run_job(latest, "reminders:sync")
        assert await svc(latest).fire(r.id, clock.now.replace(minute=0)) is None
    assert len(reminders_to(fake, 2001)) == 1


async def test_due_during_downtime_within_grace_is_sent_once(make_app, fake, clock):
    app = await make_app()
    await volunteer(app, fake, 2001)
    r = await svc(app).create(ADMIN_ID, text="Saat mati", at=clock() + dt.timedelta(hours=2))
    await app.shutdown()
    clock.advance(hours=5)  # due 3 hours ago: within REMINDER_GRACE (6 h)
    for _ in range(3):
        restarted = await make_app()
        await restarted.shutdown()
    assert len(reminders_to(fake, 2001)) == 1
    again = await make_app()
    assert (await svc(again).get(r.id)).status == "done"


async def test_due_beyond_grace_is_recorded_missed_and_shown(make_app, fake, clock, capsys):
    app = await make_app()
    await volunteer(app, fake, 2001)
    once = await svc(app).create(ADMIN_ID, text="Terlambat", at=clock() + dt.timedelta(hours=1))
    daily = await svc(app).create(ADMIN_ID, text="Pagi", cron="0 7 * * *")
    await app.shutdown()
    clock.advance(days=3, hours=2)  # Thursday 10:00: the one-off is 3 days late
    app = await make_app()
    assert not [m for m in reminders_to(fake, 2001) if "Terlambat" in m.text]
    # today's 07:00 is 3 hours late: sent; Tue and Wed 07:00 are recorded as missed
    assert len([m for m in reminders_to(fake, 2001) if "Pagi" in m.text]) == 1
    view = await svc(app).view(ADMIN_ID, daily.id)
    assert len(view.missed) == 2
    assert (await svc(app).get(once.id)).status == "done"
    assert len((await svc(app).view(ADMIN_ID, once.id)).missed) == 1
    admin = await choose_language(ChatClient(app, fake, user_id=ADMIN_ID), "id")
    await admin.send("/pengingat")
    await admin.click(f"#{daily.id}")
    text = admin.last_reply().text
    assert "Terlewat saat bot tidak berjalan: 2" in text and "Sel, 3 Nov 2026 07.00 WIB" in text
    await admin.click(r"^Penerima \(")
    assert "Relawan 2001 (2001): diterima" in admin.last_reply().text


async def test_interrupted_send_is_not_repeated(make_app, fake, clock):
    app = await make_app()
    await volunteer(app, fake, 2001)
    await volunteer(app, fake, 2002)
    r = await svc(app).create(ADMIN_ID, text="Separuh", at=clock() + dt.timedelta(minutes=1))
    repo = app.services.store.reminders
    run_id = await repo.claim(r.id, clock() + dt.timedelta(minutes=1), [2001, 2002], clock())
    first = (await repo.pending(run_id))[0]
    await repo.start_sending(first.id)  # the crash came in the middle of this send
    await app.shutdown()
    app = await make_app()
    assert len(reminders_to(fake, 2002)) == 1
    assert reminders_to(fake, 2001) == []
    view = await svc(app).view(ADMIN_ID, r.id)
    assert {(d.user_id, d.status, d.reason) for d in view.recipients} == \
        {(2001, "failed", "interrupted"), (2002, "sent", None)}


async def test_cancelled_reminder_is_not_sent(app, fake, clock, admin):
    await volunteer(app, fake, 2001)
    r = await svc(app).create(ADMIN_ID, text="Batal", cron="0 9 * * *")
    from bot.features.reminders.jobs import register_jobs

    await register_jobs(app)
    await admin.send("/pengingat")
    await admin.click(f"#{r.id}")
    await admin.click("Batalkan pengingat")
    assert app.job_queue.get_jobs_by_name(f"reminder:{r.id}")  # not before it is confirmed
    await admin.click("Ya, batalkan")
    assert not app.job_queue.get_jobs_by_name(f"reminder:{r.id}")
    clock.now = dt.datetime(2026, 11, 2, 9, 0, tzinfo=WIB).astimezone(dt.UTC)
    assert await svc(app).fire(r.id, clock()) is None
    await run_job(app, "reminders:sync")
    assert reminders_to(fake, 2001) == []


async def test_sync_picks_up_reminders_added_elsewhere(app, fake, clock):
    await volunteer(app, fake, 2001)
    repo = app.services.store.reminders
    r = await repo.create(text="Dari CLI", role=None, region_code=None, kind="cron", at=None,
                          cron="0 9 * * *", now=clock(), created_by=None)
    await run_job(app, "reminders:sync")
    assert len(app.job_queue.get_jobs_by_name(f"reminder:{r.id}")) == 1
    await repo.cancel(r.id, None, clock())
    await run_job(app, "reminders:sync")
    assert not app.job_queue.get_jobs_by_name(f"reminder:{r.id}")


# -- unreachable volunteers -----------------------------------------------------------------------
async def test_blocked_and_never_started_are_shown_with_reason(app, fake, clock):
    await volunteer(app, fake, 2001)
    await volunteer(app, fake, 2002)
    await volunteer(app, fake, 2003)
    fake.blocked.add(2002)
    fake.fail_when(lambda method, p: ApiError(
        403, "Forbidden: bot can't initiate conversation with a user")
        if method == "sendMessage" and int(p.get("chat_id", 0)) == 2003 else None)
    r = await svc(app).create(ADMIN_ID, text="Cek", at=clock() + dt.timedelta(minutes=5))
    result = await svc(app).fire(r.id, clock() + dt.timedelta(minutes=5))
    assert result.counts == {"sent": 1, "blocked": 2}
    view = await svc(app).view(ADMIN_ID, r.id)
    reasons = {d.user_id: (d.status, d.reason) for d in view.recipients}
    assert reasons == {2001: ("sent", None), 2002: ("blocked", "blocked"),
                       2003: ("blocked", "not_started")}
    admin = await choose_language(ChatClient(app, fake, user_id=ADMIN_ID), "id")
    await admin.send("/pengingat")
    await admin.click("Selesai")  # a one-off that was sent is finished
    await admin.click(f"#{r.id}")
    await admin.click(r"^Penerima \(")
    text = admin.last_reply().text
    assert "memblokir bot" in text and "belum pernah memulai bot" in text


# -- done and snooze ------------------------------------------------------------------------------
async def test_done_and_snooze_buttons(make_app, fake, clock):
    app = await make_app()
    siti = await volunteer(app, fake, 2001)
    budi = await volunteer(app, fake, 2002, lang="jv")
    r = await svc(app).create(ADMIN_ID, text="Kirim laporan", at=clock() + dt.timedelta(hours=1))
    clock.advance(hours=1)
    await svc(app).fire(r.id, clock())
    assert reminders_to(fake, 2002)[0].labels() == ["Sampun rampung", "Engetaken 1 jam malih"]
    # someone else's button is refused politely
    msg = reminders_to(fake, 2001)[0]
    await budi.press(msg, msg.buttons()[0][1])
    assert (await app.services.store.reminders.open_tasks(2001))
    await budi.press(msg, "rem:done:999999")
    replies = await siti.click("Selesai")
    assert "Ditandai selesai" in replies[-1].text and replies[-1].labels() == []
    assert not await app.services.store.reminders.open_tasks(2001)
    # Budi snoozes; the second send survives a restart
    delivery_id = reminders_to(fake, 2002)[0].buttons()[0][1].split(":")[-1]
    replies = await budi.click("Engetaken 1 jam malih")
    assert "Kula badhe ngengetaken malih jam 10.00 WIB" in replies[-1].text
    assert len(app.job_queue.get_jobs_by_name(f"snooze:{delivery_id}")) == 1
    await app.shutdown()
    clock.advance(minutes=30)
    app = await make_app()
    snoozes = app.job_queue.jobs(r"^snooze:\d+$")
    assert len(snoozes) == 1
    clock.advance(minutes=30)
    await snoozes[0].run(app)
    await snoozes[0].run(app)  # twice: still one more message
    again = reminders_to(fake, 2002)
    assert len(again) == 2 and "Kirim laporan" in again[-1].text
    budi.app = app
    text = (await budi.send("/tugas"))[0].text
    assert "Kirim laporan" in text
    callback_answers = [c.params.get("text") for c in fake.calls_to("answerCallbackQuery")]
    assert any(a and "boten" in a.lower() for a in callback_answers)


async def test_tasks_for_volunteer_and_refusal_for_others(app, fake, clock, resident):
    siti = await volunteer(app, fake, 2001)
    await svc(app).create(ADMIN_ID, text="Apel pagi", cron="0 7 * * *")
    text = (await siti.send("/tugas"))[0].text
    assert "Apel pagi" in text and "Sel, 3 Nov 2026 07.00 WIB" in text
    assert "/relawan" in (await resident.send("/tugas"))[0].text


async def test_staff_creates_weekly_reminder_in_chat(app, fake, clock, admin):
    await volunteer(app, fake, 2001, "tksk", "3578")
    await admin.send("/pengingat")
    await admin.click("Pengingat baru")
    await admin.send("Kirim data PPKS")
    await admin.click("TKSK")
    await admin.send("surabaya")
    await admin.click("Setiap minggu")
    await admin.click("Senin")
    await admin.click("Kamis")
    await admin.click("Lanjut")
    replies = await admin.send("07:30")
    assert "setiap Senin, Kamis pukul 07.30 WIB" in replies[0].text
    assert "Relawan penerima saat ini: 1" in replies[0].text
    await admin.click("Simpan")
    [r] = await svc(app).active()
    assert (r.role, r.region_code, r.cron) == ("tksk", "3578", "30 7 * * mon,thu")
    assert len(app.job_queue.get_jobs_by_name(f"reminder:{r.id}")) == 1


async def test_staff_one_off_in_the_past_is_refused(app, admin):
    await admin.send("/pengingat")
    await admin.click("Pengingat baru")
    await admin.send("Rapat")
    await admin.click("Semua relawan")
    await admin.click("Semua kabupaten/kota")
    await admin.click("Sekali")
    replies = await admin.send("01-11-2026 08:00")
    assert "sudah lewat" in replies[0].text
    replies = await admin.send("03-11-2026 08:00")
    assert "Sel, 3 Nov 2026 08.00 WIB" in replies[0].text


async def test_reminders_are_staff_only(resident):
    replies = await resident.send("/pengingat")
    assert "tidak mengenal perintah" in replies[0].text.lower()


# -- the command line -----------------------------------------------------------------------------
def cli(monkeypatch, settings, capsys, *argv):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("TIMEZONE", "Asia/Jakarta")
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


@pytest.mark.parametrize("argv,needle", [
    (["--text", "x", "--at", "2020-01-01T08:00"], "in the past"),
    (["--text", "x", "--at", "besok pagi"], "cannot read the date-time"),
    (["--text", "x", "--cron", "0 7 * *"], "5 fields"),
    (["--text", "x", "--cron", "61 7 * * *"], "malformed cron"),
    (["--text", "x", "--cron", "0 7 * * 1", "--role", "dukun"], "unknown role"),
    (["--text", "x", "--cron", "0 7 * * 1", "--region", "Atlantis"], "unknown kab/kota"),
    (["--text", "x", "--cron", "0 7 * * 1", "--region", "malang"], "ambiguous"),
])
def test_cli_bad_input_is_one_line_and_exit_2(monkeypatch, settings, capsys, argv, needle):
    code, _, err = cli(monkeypatch, settings, capsys, "reminders", "add", *argv)
    assert code == 2
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_add_list_cancel_and_approve(monkeypatch, settings, capsys):
    code, out, _ = cli(monkeypatch, settings, capsys, "reminders", "add", "--text", "Apel",
                       "--cron", "0 7 * * 1-5", "--role", "tksk", "--region", "sby")
    assert code == 0 and "reminder #1 added" in out
    code, out, _ = cli(monkeypatch, settings, capsys, "reminders", "list", "--json")
    import json

    [item] = json.loads(out)
    assert (item["cron"], item["role"], item["region_code"]) == \
        ("0 7 * * mon,tue,wed,thu,fri", "tksk", "3578")
    assert cli(monkeypatch, settings, capsys, "reminders", "cancel", "1")[0] == 0
    code, _, err = cli(monkeypatch, settings, capsys, "reminders", "cancel", "1")
    assert code == 2 and "not active" in err
    code, _, err = cli(monkeypatch, settings, capsys, "volunteers", "approve", "777")
    assert code == 2 and "no volunteer registration" in err


async def test_cli_approval_is_told_to_the_volunteer_by_the_bot(app, fake, clock, client):
    siti = await choose_language(client(1001), "id")
    await app.services.store.volunteers.request(1001, "lks", "3509", "Siti", None, clock())
    decision = await app.services.volunteers.decide(None, 1001, True, trusted=True)
    assert decision.result == "ok"
    await run_job(app, "volunteers:decisions")
    await run_job(app, "volunteers:decisions")
    told = [m for m in siti.replies if "telah disetujui" in m.text]
    assert len(told) == 1


async def test_an_unreadable_answer_does_not_stop_the_run(app, fake, clock):
    await volunteer(app, fake, 2001)
    await volunteer(app, fake, 2002)
    r = await svc(app).create(ADMIN_ID, text="Aneh", at=clock() + dt.timedelta(minutes=1))
    original = svc(app).sender

    async def broken(chat_id, message):
        if chat_id == 2001:
            raise TypeError("the API answered something we cannot parse")
        return await original(chat_id, message)

    svc(app).sender = broken
    await svc(app).fire(r.id, clock() + dt.timedelta(minutes=1))
    view = await svc(app).view(ADMIN_ID, r.id)
    assert {(d.user_id, d.status) for d in view.recipients} == {(2001, "failed"), (2002, "sent")}
    assert view.latest.status == "sent"  # the run finished


async def test_done_after_an_interrupted_send_counts(make_app, fake, clock):
    app = await make_app()
    siti = await volunteer(app, fake, 2001)
    r = await svc(app).create(ADMIN_ID, text="Terputus", at=clock() + dt.timedelta(minutes=1))
    await svc(app).fire(r.id, clock() + dt.timedelta(minutes=1))
    repo = app.services.store.reminders
    [row] = (await svc(app).view(ADMIN_ID, r.id)).recipients
    await repo.set_result(row.id, "failed", "interrupted", None, clock())
    await siti.click("Selesai")
    assert (await repo.delivery(row.id)).status == "done"


async def test_staff_creates_monthly_and_daily_reminders_in_chat(app, fake, clock, admin):
    await admin.send("/pengingat")
    await admin.click("Pengingat baru")
    await admin.send("Laporan bulanan")
    await admin.click("Semua relawan")
    await admin.send("kab malang")
    await admin.click("Setiap bulan")
    await admin.click("^15$")
    replies = await admin.send("8.00")
    assert "setiap bulan tanggal 15 pukul 08.00 WIB" in replies[0].text
    assert "Min, 15 Nov 2026 08.00 WIB" in replies[0].text
    await admin.click("Simpan")
    await admin.send("/pengingat")
    await admin.click("Pengingat baru")
    await admin.send("Apel pagi")
    await admin.click("Tagana")
    await admin.click("Semua kabupaten/kota")
    await admin.click("Setiap hari")
    assert "jam dan menit" in (await admin.send("25:00"))[0].text
    await admin.send("06:45")
    await admin.click("Simpan")
    crons = {(r.text, r.role, r.region_code, r.cron) for r in await svc(app).active()}
    assert crons == {("Laporan bulanan", None, "3507", "0 8 15 * *"),
                     ("Apel pagi", "tagana", None, "45 6 * * *")}


async def test_cancel_during_registration_removes_the_phone_keyboard(client, app):
    siti = await choose_language(client(1001, first_name="Siti"), "id")
    await siti.send("/relawan")
    await siti.click("PSM")
    await siti.send("Gresik")
    await siti.send("Siti")
    replies = await siti.send("/batal")
    assert replies[0].reply_markup == {"remove_keyboard": True}
    assert "Dibatalkan" in replies[0].text
    assert await app.services.store.volunteers.get(1001) is None


async def test_one_off_claimed_before_a_crash_is_finished_at_start(make_app, fake, clock):
    app = await make_app()
    await volunteer(app, fake, 2001)
    r = await svc(app).create(ADMIN_ID, text="Sekali saja", at=clock() + dt.timedelta(minutes=1))
    repo = app.services.store.reminders
    await repo.claim(r.id, clock() + dt.timedelta(minutes=1), [2001], clock())  # then: crash
    await app.shutdown()
    clock.advance(minutes=2)
    app = await make_app()
    assert (await svc(app).get(r.id)).status == "done"
    assert len(reminders_to(fake, 2001)) == 1  # the pending row was sent by the resume
