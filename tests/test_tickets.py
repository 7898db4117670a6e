"""Ask an officer: a resident's question reaches staff, the answer comes back in the chat."""

from __future__ import annotations

import asyncio

import pytest

from bot.features.tickets.jobs import OUTBOX_JOB, REMIND_JOB
from bot.features.tickets.service import MAX_OPEN
from bot.features.tickets.text import mask_numbers, wording
from bot.offline.client import ChatClient
from tests.broadcast_kit import add_volunteer, texts_to
from tests.conftest import ADMIN_ID, choose_language

OPERATOR = 7001
QUESTION = "Bu, anak saya sakit, apakah bisa dibantu biaya berobat?"


def svc(app):
    return app.services.tickets


async def job(app, name):
    (found,) = app.job_queue.get_jobs_by_name(name)
    await found.run(app)


@pytest.fixture
async def operator(app, client):
    await app.services.staff.add_member(None, OPERATOR, "operator")
    return await choose_language(client(OPERATOR, first_name="Opi", language_code="id"), "id")


async def ask(person, text=QUESTION, start="/tanya"):
    await person.send(start)
    return await person.send(text)


async def test_menu_entry_and_the_whole_story(resident, admin, fake):
    replies = await resident.send("/menu")
    assert await resident.tr("Ask an officer") in replies[-1].labels()
    await resident.tap("Ask an officer")
    prompt = resident.last_reply().text
    assert "jam kerja" in prompt and "WIB" in prompt and "NIK" in prompt
    replies = await resident.send(QUESTION)
    confirm = replies[-1].text
    assert "#1" in confirm and "Kantor sedang buka" in confirm  # Monday 08:00 WIB

    # the administrator was notified, with the question and a button to open it
    notice = texts_to(fake, ADMIN_ID)[-1]
    assert "Pertanyaan baru #1" in notice and QUESTION in notice

    inbox = await admin.send("/kotak")
    assert "#1" in inbox[-1].text and "Bahasa Indonesia" in inbox[-1].text
    await admin.click(r"#1")
    assert QUESTION in admin.last_reply().text
    await admin.tap("Reply")
    await admin.send("Bisa, silakan datang ke Puskesmas dengan KIS Anda.")
    assert "sudah dikirim ke warga" in admin.last_reply().text

    answer = resident.last_reply()
    assert answer.text.startswith("Jawaban dari petugas untuk pertanyaan Anda #1")
    assert "Bisa, silakan datang ke Puskesmas dengan KIS Anda." in answer.text
    assert answer.labels() == [await resident.tr("Answered, close it"),
                               await resident.tr("Add to my question")]

    await resident.tap("Answered, close it")
    assert "ditutup" in resident.last_reply().text
    await resident.tap("It helped")
    assert "Terima kasih atas penilaian" in resident.last_reply().text
    ticket = await svc(resident.app).repo.get(1)
    assert ticket.status == "closed" and ticket.rating == "helped"
    actions = [r["action"] for r in await resident.app.services.store.audit.recent(20)]
    assert {"ticket.open", "ticket.reply", "ticket.close", "ticket.rate"} <= set(actions)


async def test_javanese_resident_reads_krama(resident_jv, admin):
    await resident_jv.send("/tanya")
    assert "Mangga serat pitakenan" in resident_jv.last_reply().text
    await resident_jv.send("Kula badhe nyuwun pirsa bab bantuan griya")
    assert "Matur nuwun" in resident_jv.last_reply().text
    await admin.send("/kotak")
    assert "Basa Jawa" in admin.last_reply().text
    await admin.click(r"#1")
    await admin.tap("Reply")
    await admin.send("Sumangga dhateng kantor desa.")
    answer = resident_jv.last_reply()
    assert answer.text.startswith("Wangsulan saking petugas")
    assert "Sampun" in answer.labels()


async def test_request_in_words_starts_the_question(resident_jv, resident):
    for person, text in ((resident, "mau bicara dengan petugas"),
                         (resident, "bisa ngobrol sama orang dinas?"),
                         (resident_jv, "kula badhe matur kaliyan petugas"),
                         (resident_jv, "Tanglet petugas")):
        await person.send(text)
        prompt = person.last_reply().text
        assert "Tulis pertanyaan Anda" in prompt or "Mangga serat pitakenan" in prompt, text
        await person.send("/batal")


async def test_not_understood_and_no_record_offer_the_button(resident):
    replies = await resident.send("resep rawon")
    assert await resident.tr("Ask an officer") in replies[-1].labels()
    await resident.tap("Ask an officer")
    assert "Tulis pertanyaan Anda" in resident.last_reply().text


async def test_nik_is_masked_before_staff_see_it(resident, admin, fake):
    await ask(resident, "NIK saya 3578 0101 0190 0002, kenapa belum cair?")
    assert "menyembunyikan nomor 16 digit" in resident.last_reply().text
    notice = texts_to(fake, ADMIN_ID)[-1]
    assert "3578********0002" in notice and "0101" not in notice
    stored = (await svc(resident.app).repo.messages(1))[0].text
    assert "0101 0190" not in stored
    assert mask_numbers("3578010101900002")[0] == "3578********0002"


async def test_bad_input_changes_nothing(resident, admin):
    await resident.send("/tanya")
    await resident.send_message(sticker={"file_id": "s1", "file_unique_id": "s1", "width": 1,
                                         "height": 1, "is_animated": False,
                                         "is_video": False, "type": "regular"})
    assert "tulis pertanyaan Anda sebagai teks" in resident.last_reply().text
    await resident.send("x" * 5000)
    assert "terlalu panjang" in resident.last_reply().text
    await resident.send("   ")
    assert await svc(resident.app).repo.listing(None) == []
    await resident.send("/batal")
    # a forged ticket button, and a resident trying staff commands
    msg = resident.last_reply()
    replies = await resident.press(msg, "tiket:tutup:999")
    assert await svc(resident.app).repo.get(999) is None
    for command in ("/kotak", "/belum_terjawab"):
        assert "tidak mengenal perintah" in (await resident.send(command))[-1].text
    replies = await resident.press(msg, "kotak:buka:1")
    assert "tidak mengenal perintah" in replies[-1].text
    assert len(await resident.app.services.store.audit.recent(50, "ticket.")) == 0


async def test_limits_per_person(resident, clock):
    for n in range(MAX_OPEN):
        await ask(resident, f"pertanyaan nomor {n}")
    await resident.send("/tanya")
    assert "sudah punya 3 pertanyaan" in resident.last_reply().text
    assert len(await svc(resident.app).repo.listing(None)) == MAX_OPEN
    await svc(resident.app).reply(ADMIN_ID, 1, "Dijawab.")  # answered ones do not count
    replies = await ask(resident, "pertanyaan keempat")
    assert any("nomor #4" in m.text for m in replies)
    await svc(resident.app).reply(ADMIN_ID, 2, "Dijawab.")
    await ask(resident, "pertanyaan kelima")
    await svc(resident.app).reply(ADMIN_ID, 3, "Dijawab.")
    await resident.send("/tanya")
    assert "sudah mengirim 5 pertanyaan" in resident.last_reply().text
    clock.advance(hours=25)
    await resident.send("/tanya")
    assert "Tulis pertanyaan Anda" in resident.last_reply().text


async def test_two_officers_answering_at_once(resident, admin, operator):
    await ask(resident)
    for officer in (admin, operator):
        await officer.send("/kotak")
        await officer.click(r"#1")
        await officer.tap("Reply")
    await admin.send("Jawaban pertama.")
    await operator.send("Jawaban kedua.")
    assert "TIDAK dikirim" in operator.last_reply().text
    answers = [m.text for m in resident.replies if "Jawaban dari petugas" in (m.text or "")]
    assert len(answers) == 1 and "Jawaban pertama." in answers[0]


async def test_reply_adds_to_the_ticket_and_closed_ticket_refuses(resident, admin, fake):
    replies = await ask(resident)
    confirmation = replies[-1]
    await resident.send_message(text="Tambahan: anak saya umur 5 tahun.",
                                reply_to_message=confirmation.to_api())
    assert "ditambahkan ke pertanyaan #1" in resident.last_reply().text
    assert "Tambahan: anak saya umur 5 tahun." in texts_to(fake, ADMIN_ID)[-1]
    assert len(await svc(resident.app).repo.messages(1)) == 2
    await svc(resident.app).close(ADMIN_ID, 1)
    await resident.send_message(text="satu lagi", reply_to_message=confirmation.to_api())
    assert "sudah ditutup" in resident.last_reply().text
    assert len(await svc(resident.app).repo.messages(1)) == 2


async def test_restart_between_reply_recorded_and_sent_sends_once(resident, admin, fake,
                                                                   make_app):
    await ask(resident)
    service = svc(resident.app)

    def crash(stage):
        if stage == "recorded":
            raise asyncio.CancelledError  # kill -9 right after the commit

    service.fault = crash
    await admin.send("/kotak")
    await admin.click(r"#1")
    await admin.tap("Reply")
    with pytest.raises(asyncio.CancelledError):
        await admin.send("Jawaban setelah restart.")
    assert not any("Jawaban setelah restart." in (m.text or "") for m in resident.replies)

    app2 = await make_app()
    await job(app2, OUTBOX_JOB)
    await job(app2, OUTBOX_JOB)  # a second round sends nothing more
    got = [m for m in fake.chat(resident.user_id) if "Jawaban setelah restart." in (m.text or "")]
    assert len(got) == 1
    rows = await svc(app2).repo.outbox_of(1)
    assert [r["possible_duplicate"] for r in rows if r["kind"] == "answer"] == [0]


async def test_crash_during_the_send_is_flagged(resident, admin, fake, make_app):
    await ask(resident)
    service = svc(resident.app)
    await service.reply(ADMIN_ID, 1, "Jawaban yang terbang.")

    def crash(stage):
        if stage == "sent":
            raise asyncio.CancelledError  # sent, but killed before it was marked

    service.fault = crash
    with pytest.raises(asyncio.CancelledError):
        await job(resident.app, OUTBOX_JOB)
    app2 = await make_app()
    await job(app2, OUTBOX_JOB)
    rows = await svc(app2).repo.outbox_of(1)
    answer = [r for r in rows if r["kind"] == "answer"]
    assert answer[0]["status"] == "sent" and answer[0]["possible_duplicate"] == 1
    assert (await svc(app2).outbox_counts())["duplicates"] >= 1


async def test_unanswered_ticket_is_raised_once_in_working_hours(resident, admin, clock, fake):
    await ask(resident)
    app = resident.app
    clock.advance(hours=3)                       # 11:00 WIB: 3 working hours
    await job(app, REMIND_JOB)
    assert not any("menunggu" in t and "jam kerja" in t for t in texts_to(fake, ADMIN_ID))
    clock.advance(hours=2)                       # 13:00 WIB: 5 working hours
    await job(app, REMIND_JOB)
    await job(app, REMIND_JOB)
    reminders = [t for t in texts_to(fake, ADMIN_ID) if "tanpa jawaban" in t]
    assert len(reminders) == 1 and "#1" in reminders[0]
    await ask(resident, "pertanyaan kedua yang lebih baru")
    inbox = (await admin.send("/kotak"))[-1].text
    assert inbox.index("⏰ #1") < inbox.index("#2")


async def test_closing_teaches_the_matcher_at_once(resident, admin, fake):
    phrase = "bantuan buat tukang becak kapan cair"
    before = await resident.send(phrase)
    assert "tidak menemukan program" in before[0].text
    await ask(resident, phrase)
    await admin.send("/kotak")
    await admin.click(r"#1")
    await admin.tap("Close")
    assert "Tentang apa pertanyaannya" in admin.last_reply().text
    await admin.click("^PKH$")
    await admin.tap("When it is paid")
    assert "Dipelajari" in admin.last_reply().text
    after = await resident.send(phrase)
    assert after[0].text.startswith("PKH") or "Keluarga Harapan" in after[0].text
    learned = await svc(resident.app).learned()
    assert [(x.target, x.added_by) for x in learned] == [("pkh:schedule", ADMIN_ID)]
    assert "pkh:schedule" in await svc(resident.app).export_learned()


async def test_learned_phrases_come_back_after_a_restart(resident, admin, make_app, fake):
    await svc(resident.app).record_unanswered("kapan duit tukang becak turun", "id",
                                              "not_understood")
    await svc(resident.app).learn_from_question(ADMIN_ID, 1, "permakanan")
    app2 = await make_app()
    # after the restart the resident's question is answered with the program staff taught
    siti = ChatClient(app2, fake, user_id=resident.user_id, first_name="Siti")
    replies = await siti.send("kapan duit tukang becak turun")
    assert replies[0].text.startswith(app2.services.programs.programs["permakanan"].name.id)


async def test_unanswered_questions_are_scrubbed_counted_and_mapped(resident, admin):
    for text in ("Jadwal kereta api?", "resep rawon", "jadwal kereta api 0812345678"):
        await resident.send(text)
    replies = await admin.send("/belum_terjawab")
    listing = replies[-1].text
    assert "(2×, id)" in listing and "0812345678" not in listing and "***" in listing
    assert str(resident.user_id) not in listing
    rows = await resident.app.services.db.fetchall("SELECT * FROM unanswered_questions")
    assert not any("0812345678" in str(tuple(r)) or str(resident.user_id) in str(tuple(r))
                   for r in rows)
    await admin.click(r"^1\. ")
    await admin.tap("talk to an officer")
    assert "artinya" in admin.last_reply().text
    listing = (await admin.send("/belum_terjawab"))[-1].text
    assert "kereta" not in listing and "rawon" in listing
    assert wording("Jadwal kereta api?") == wording("jadwal  kereta api 0812345678")


async def test_volunteer_region_is_shown_to_staff(app, client, admin, fake):
    await add_volunteer(app, 4242, "tksk", "3578")
    person = client(4242, first_name="Rani", language_code="id")  # language chosen already
    await ask(person)
    assert "Kota Surabaya" in texts_to(fake, ADMIN_ID)[-1]


async def test_staff_notices_go_in_the_bulk_lane_answers_do_not(resident, admin, monkeypatch):
    limiter = resident.app.bot.rate_limiter
    lanes: list[tuple[int, str]] = []
    original = limiter.process_request

    async def recording(callback, args, kwargs, endpoint, data, rate_limit_args):
        if endpoint == "sendMessage":
            lane = (rate_limit_args or {}).get("lane", "interactive")
            lanes.append((int(data["chat_id"]), lane))
        return await original(callback, args, kwargs, endpoint, data, rate_limit_args)

    monkeypatch.setattr(limiter, "process_request", recording)
    await ask(resident)
    assert (ADMIN_ID, "bulk") in lanes
    await svc(resident.app).reply(ADMIN_ID, 1, "Jawaban.")
    await job(resident.app, OUTBOX_JOB)
    assert (resident.user_id, "interactive") in lanes
    assert (resident.user_id, "bulk") not in lanes


async def test_hand_over(resident, admin, operator, fake):
    await ask(resident)
    await admin.send("/kotak")
    await admin.click(r"#1")
    await admin.tap("Hand over")
    await admin.click(str(OPERATOR))
    assert "dialihkan kepada 7001" in admin.last_reply().text
    assert "dialihkan kepada Anda" in texts_to(fake, OPERATOR)[-1]


async def test_status_no_record_offers_the_button(resident):
    from tests.status_kit import look_up

    text = await look_up(resident, "3578014101900002", "Siti Aminah")
    assert "3578********0002" in text
    assert await resident.tr("Ask an officer") in resident.last_reply().labels()
    await resident.tap("Ask an officer")
    assert "Tulis pertanyaan Anda" in resident.last_reply().text


# -- the command line -----------------------------------------------------------------------------
def _seed(db_path) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bot.features.staff.service import StaffService
    from bot.features.tickets.hours import WorkingHours
    from bot.features.tickets.service import TicketService
    from bot.features.volunteers.service import VolunteerService
    from bot.repos import Store
    from bot.storage.db import Database

    async def go():
        db = Database(db_path)
        await db.connect()
        store = Store(db)
        now = dt.datetime.now(dt.UTC)
        staff = StaffService(store, {ADMIN_ID}, lambda: now)
        volunteers = VolunteerService(store, staff, lambda: now, [])
        service = TicketService(store, staff, volunteers, lambda: now,
                                WorkingHours({}, ZoneInfo("Asia/Jakarta")),
                                program_keys=frozenset({"pkh"}))
        await service.open_ticket(1001, "id", "Kapan PKH cair? NIK 3578014101900002")
        for _ in range(3):
            await service.record_unanswered("jadwal kereta api", "id", "not_understood")
        await db.close()

    asyncio.run(go())


def test_cli_lists_shows_replies_closes_and_exports(tmp_path, monkeypatch, capsys):
    import json

    from bot.cli import main

    db_path = tmp_path / "cli.sqlite3"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    monkeypatch.setenv("ADMIN_IDS", str(ADMIN_ID))
    _seed(db_path)

    def run(*argv):
        with pytest.raises(SystemExit) as exc:
            main(list(argv))
        out, err = capsys.readouterr()
        return exc.value.code, out, err

    code, out, _ = run("tickets", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == [1]
    assert "3578********0002" in rows[0]["question"]
    code, out, _ = run("tickets", "reply", "1", "PKH tahap 4 cair November.")
    assert code == 0 and "recorded" in out
    code, out, _ = run("tickets", "show", "1")
    assert "PKH tahap 4 cair November." in out and "outbox answer -> 1001: pending" in out
    code, out, _ = run("tickets", "close", "1", "--target", "pkh:schedule")
    assert code == 0 and "learned as pkh:schedule" in out
    code, out, err = run("tickets", "reply", "1", "lagi")
    assert code == 2 and "already closed" in err and "Traceback" not in err
    code, out, err = run("tickets", "show", "abc")
    assert code == 2 and "must be a number" in err
    code, out, _ = run("tickets", "export-learned")
    assert "pkh:schedule" in out and "Kapan PKH cair?" in out
    code, out, _ = run("questions", "unanswered", "--since", "7d")
    assert out.startswith("3\tid\tjadwal kereta api")
    code, out, err = run("questions", "unanswered", "--since", "seminggu")
    assert code == 2 and "--since" in err


async def test_a_photo_question_reaches_staff_as_a_photo(resident, admin, fake):
    await resident.send("/tanya")
    await resident.send_photo(b"\x89PNG fake", caption="Rumah saya rusak kena angin")
    assert "#1" in resident.last_reply().text
    photos = [c for c in fake.calls if c.method == "sendPhoto"
              and int(c.params.get("chat_id", 0)) == ADMIN_ID]
    assert len(photos) == 1 and "Rumah saya rusak kena angin" in photos[0].params["caption"]
    replies = await admin.send("/menu")
    assert await admin.tr("Questions from residents") in replies[-1].labels()
    await admin.tap("Questions from residents")
    assert "#1" in admin.last_reply().text


async def test_a_reply_to_the_officers_answer_reopens_the_ticket(resident, admin, fake):
    await ask(resident)
    await svc(resident.app).reply(ADMIN_ID, 1, "Silakan ke kantor desa.")
    await job(resident.app, OUTBOX_JOB)
    answer = resident.last_reply()
    assert "Silakan ke kantor desa." in answer.text
    await resident.send_message(text="Kantor desanya tutup, bagaimana?",
                                reply_to_message=answer.to_api())
    assert "ditambahkan ke pertanyaan #1" in resident.last_reply().text
    assert (await svc(resident.app).repo.get(1)).status == "open"
    inbox = (await admin.send("/kotak"))[-1].text
    assert "#1" in inbox
    # a reply to any other bot message is an ordinary question, not a ticket addition
    menu = (await resident.send("/menu"))[-1]
    replies = await resident.send_message(text="syarat PKH apa saja?",
                                          reply_to_message=menu.to_api())
    assert replies[-1].text.startswith("PKH")


async def test_concurrent_replies_with_the_same_view_send_one(resident, admin, operator):
    await ask(resident)
    service = svc(resident.app)
    version = (await service.repo.get(1)).version
    results = await asyncio.gather(
        service.reply(ADMIN_ID, 1, "Jawaban A.", version),
        service.reply(OPERATOR, 1, "Jawaban B.", version), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["TicketError", "int"]
    assert [e.code for e in results if not isinstance(e, int)] == ["changed"]
    rows = [r for r in await service.repo.outbox_of(1) if r["kind"] == "answer"]
    assert len(rows) == 1
    denied = await resident.app.services.store.audit.recent(20, "ticket.reply")
    assert sorted(d["outcome"] for d in denied) == ["changed", "ok"]


def test_working_hours_count_only_office_time():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bot.features.tickets.hours import WorkingHours

    wib = ZoneInfo("Asia/Jakarta")
    hours = WorkingHours({"mon": "08:00-16:00", "fri": "08:00-15:00"}, wib)
    friday = dt.datetime(2026, 11, 6, 14, 0, tzinfo=wib)
    monday = dt.datetime(2026, 11, 9, 10, 0, tzinfo=wib)
    assert hours.elapsed(friday, monday) == dt.timedelta(hours=3)
    saturday = dt.datetime(2026, 11, 7, 9, 0, tzinfo=wib)
    assert not hours.is_open(saturday)
    assert hours.next_open(saturday) == dt.datetime(2026, 11, 9, 8, 0, tzinfo=wib)


async def test_on_a_weekend_the_resident_is_told_when_the_office_opens(resident, clock):
    clock.advance(days=5)                        # Saturday 7 November, 08:00 WIB
    await resident.send("/tanya")
    replies = await resident.send("Apakah ada bantuan untuk korban banjir?")
    text = replies[-1].text
    assert "Kantor sedang tutup" in text and "Sen, 9 Nov 2026 08.00 WIB" in text


async def test_buttons_are_clicked_by_msgid_so_a_new_wording_breaks_no_flow(resident, admin,
                                                                            monkeypatch):
    """A translator rewords two labels; the flow, clicked by msgid, goes on as before. (The
    catalog is shared by gettext's cache: monkeypatch puts the wording back.)"""
    catalog = resident.app.services.i18n.translator("id")._catalog._catalog
    monkeypatch.setitem(catalog, "Ask an officer", "Hubungi petugas kami")
    monkeypatch.setitem(catalog, "Reply", "Jawab pertanyaan")
    await resident.send("/menu")
    assert "Hubungi petugas kami" in resident.last_reply().labels()
    await resident.tap("Ask an officer")
    await resident.send(QUESTION)
    await admin.send("/kotak")
    await admin.click(r"#1")
    await admin.tap("Reply")
    await admin.send("Bisa, silakan datang ke Puskesmas.")
    assert "Bisa, silakan datang ke Puskesmas." in resident.last_reply().text
    with pytest.raises(LookupError):
        await resident.tap("No such button anywhere")
