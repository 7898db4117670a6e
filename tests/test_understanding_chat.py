"""Understanding residents through the real bot: requests in words, follow-ups, the fallback,
a NIK typed outside the status check, learned phrases."""

from __future__ import annotations

import logging

import pytest

from bot.offline.client import ChatClient
from tests.status_kit import SITI, SITI_NIK, run_import, write_csv


@pytest.fixture
async def records(app, settings, clock, tmp_path):
    await run_import(write_csv(tmp_path, [SITI]), settings, clock)


def data_of(message, label: str) -> str:
    return dict(message.buttons())[label]


# -- requests in words ------------------------------------------------------------------------
async def test_greeting_gets_a_greeting_and_the_menu(resident, resident_jv):
    for person, text, hello in ((resident, "Assalamualaikum min", "Halo, selamat datang"),
                                (resident, "selamat pagi kak", "Halo, selamat datang"),
                                (resident_jv, "Sugeng enjing", "Sugeng rawuh")):
        replies = await person.send(text)
        assert len(replies) == 1 and replies[0].text.startswith(hello), text
        assert "tidak menemukan" not in replies[0].text
        assert len(replies[0].labels()) >= 4          # the main menu's buttons


async def test_a_greeting_with_a_question_answers_the_question(resident):
    replies = await resident.send("halo min, syarat pkh plus apa?")
    assert replies[0].text.startswith("PKH Plus")


async def test_thanks_in_both_languages(resident, resident_jv):
    assert (await resident.send("makasih kak"))[0].text.startswith("Sama-sama")
    assert (await resident_jv.send("matur nuwun sanget"))[0].text.startswith("Sami-sami")


async def test_status_check_in_words_starts_the_check(records, resident, resident_jv, fake):
    replies = await resident.send("cek bansos saya dong min")
    assert "16 angka" in replies[0].text
    replies = await resident.send(SITI_NIK)                 # taken by the status check
    assert "3578********0002" in replies[0].text
    replies = await resident.send("Siti Aminah")
    assert "Data bantuan untuk NIK 3578********0002" in replies[-1].text
    replies = await resident_jv.send("priksa bantuan kula")
    assert "NIK" in replies[0].text and "16" in replies[0].text


async def test_survey_and_volunteer_registration_in_words(resident_jv, resident):
    survey = await resident_jv.send("badhe ngisi survei")
    assert survey and "survei" in survey[0].text.lower()
    # the survey conversation now has the person: /batal ends it like any conversation
    assert "dipunbatalaken" in (await resident_jv.send("/batal"))[-1].text
    registration = await resident.send("daftar relawan")
    assert registration and "relawan" in registration[0].text.lower()
    assert registration[0].labels()          # the role buttons of the registration


async def test_language_switch_in_words(resident):
    replies = await resident.send("nganggo basa Jawa mawon")
    assert "Basa Jawa" in replies[0].text
    replies = await resident.send("syarat pkh plus apa")
    assert "Syarat nampi" in replies[0].text   # now answered in Javanese
    replies = await resident.send("ganti bahasa")
    assert "Bahasa Indonesia" in replies[0].labels()


async def test_why_did_my_aid_stop(resident_jv, resident):
    replies = await resident.send("kok PKH saya tidak keluar lagi ya")
    text = replies[0].text
    assert "DTSEN" in text and "kuota" in text
    assert data_of(replies[0], "Cek status bantuan") == "menu:status"
    assert data_of(replies[0], "Tanya petugas") == "tiket:baru"
    replies = await resident_jv.send("bansosku kok mandheg")
    assert "DTSEN" in replies[0].text
    assert data_of(replies[0], "Tanglet petugas") == "tiket:baru"


async def test_asking_for_an_officer(resident):
    """A wish to talk to a person opens the question to an officer (the tickets feature)."""
    replies = await resident.send("mau bicara dengan petugas")
    assert "Tulis pertanyaan Anda untuk petugas" in replies[0].text


# -- follow-ups -------------------------------------------------------------------------------
async def test_follow_up_asks_an_aspect_of_the_last_answer(resident, resident_jv):
    assert (await resident.send("wrse itu apa"))[0].text.startswith("WRSE")
    text = (await resident.send("nominalnya?"))[0].text
    assert text.startswith("WRSE") and "Bentuk bantuan" in text
    text = (await resident.send("kalau kube?"))[0].text
    assert text.startswith("KUBE") and "Bentuk bantuan" in text    # the aspect carries over
    assert (await resident_jv.send("PKH punika menapa?"))[0].text.startswith("PKH")
    text = (await resident_jv.send("Wonten jadwalipun?"))[0].text
    assert text.startswith("PKH") and "Jadwal" in text


async def test_follow_up_is_forgotten_after_half_an_hour(resident, clock):
    await resident.send("aspd itu apa")
    clock.advance(minutes=31)
    text = (await resident.send("nominalnya?"))[0].text
    assert not text.startswith("ASPD") and "tidak menemukan program" in text


async def test_a_card_button_sets_the_context(resident):
    await resident.send("/program")
    await resident.click("BPNT/Sembako")
    text = (await resident.send("cairnya kapan?"))[0].text
    assert text.startswith("BPNT") and "Jadwal" in text


async def test_follow_up_memory_survives_a_restart(resident, make_app, fake, app):
    await resident.send("simlontar itu apa")
    await app.shutdown()                      # a clean restart: the stop hook writes it
    again = await make_app()
    same = ChatClient(again, fake, user_id=1001)
    text = (await same.send("syaratnya apa?"))[0].text
    assert text.startswith("Simlontar") and "Siapa yang berhak" in text


async def test_follow_up_memory_is_written_by_the_job(resident, app, settings):
    import sqlite3

    await resident.send("simlontar itu apa")
    job = app.job_queue.get_jobs_by_name("programs-follow-ups")[0]
    await job.run(app)
    with sqlite3.connect(settings.database_path) as db:
        (data,) = db.execute("SELECT data FROM ptb_user_data WHERE user_id = 1001").fetchone()
    assert '"p":"simlontar"' in data


# -- paraphrases and the fallback ----------------------------------------------------------------
async def test_situations_described_in_words(resident, resident_jv):
    assert (await resident.send("saya sering dipukul suami, takut pulang"))[0].text.startswith(
        "Shelter")
    assert (await resident.send("warung saya tersapu banjir bandang"))[0].text.startswith(
        "Penanganan bencana")
    assert (await resident_jv.send("dompet kula ical wonten setasiun, mboten saged wangsul")
            )[0].text.startswith("Simlontar")


async def test_weak_evidence_offers_the_closest_programs(resident):
    replies = await resident.send("butuh modal buat usaha jualan gorengan")
    assert replies[0].text.startswith("Maksud Anda")
    labels = replies[0].labels()
    offered = [x for x in labels if x not in ("Tidak ada yang sesuai", "Tanya petugas")]
    assert 2 <= len(offered) <= 3 and set(offered) <= {"WRSE", "KUBE", "Kemiskinan Ekstrem",
                                                       "Kewirausahaan eks PM"}
    assert "Tanya petugas" in labels and "Tidak ada yang sesuai" in labels
    replies = await resident.click(offered[0])
    assert "Sumber:" in replies[-1].text and "Bentuk bantuan" in replies[-1].text


async def test_out_of_scope_is_never_answered_with_a_program(resident):
    for question in ("harga emas hari ini berapa", "rego beras nang pasar piro saiki?",
                     "cara bikin sim c"):
        replies = await resident.send(question)
        assert "tidak menemukan program" in replies[0].text, question
        assert "Maksud Anda" not in replies[0].text
        assert data_of(replies[0], "Tanya petugas") == "tiket:baru"


async def test_log_names_concepts_and_program_never_the_text(resident, caplog):
    with caplog.at_level(logging.DEBUG, logger="bot.features.programs.understanding"):
        await resident.send("rumah kami roboh karena gempa semalam")
    lines = [r.getMessage() for r in caplog.records
             if r.name == "bot.features.programs.understanding"]
    assert any("bencana" in line and "disaster" in line for line in lines)
    assert not any("roboh" in line or "semalam" in line for line in lines)


# -- a NIK outside the status check ------------------------------------------------------------
@pytest.mark.parametrize("typed", [SITI_NIK, "3578.0141.0190.0002",
                                   "cek status 3578-0141-0190-0002"])
async def test_nik_outside_the_check_is_deleted_and_taken(records, resident, fake, typed):
    replies = await resident.send(typed)
    nik_message_id = max(mid for (chat, mid), m in fake.messages.items()
                         if chat == 1001 and not m.from_bot)
    assert nik_message_id in [int(c.params["message_id"]) for c in fake.calls_to("deleteMessage")]
    assert "3578********0002" in replies[0].text and "nama lengkap" in replies[0].text
    assert "program" not in replies[0].text.lower()
    replies = await resident.send("Siti Aminah")        # no need to type the NIK again
    assert "Data bantuan untuk NIK 3578********0002" in replies[-1].text
    assert not any(SITI_NIK in (m.text or "") for m in fake.chat(1001))


@pytest.mark.parametrize("typed", [f"{SITI_NIK} Siti Aminah", f"NIK: {SITI_NIK}, nama Siti Aminah",
                                   f"Hj. Siti Aminah {SITI_NIK}"])
async def test_nik_and_name_in_one_message_are_looked_up_at_once(records, resident, fake, typed):
    replies = await resident.send(typed)
    assert fake.calls_to("deleteMessage")
    assert "Data bantuan untuk NIK 3578********0002" in replies[-1].text
    assert not any(SITI_NIK in (m.text or "") for m in fake.chat(1001))


async def test_an_invalid_nik_outside_the_check_is_deleted_too(records, resident, fake):
    replies = await resident.send("9999999999999999")
    assert fake.calls_to("deleteMessage")
    assert "bukan NIK yang valid" in replies[0].text


# -- staff teach a phrase ------------------------------------------------------------------------
async def test_a_learned_phrase_is_understood_at_once(resident, app):
    assert "tidak menemukan program" in (await resident.send("program gemilang"))[0].text
    understanding = app.services.understanding
    understanding.learn("pkh_plus:benefit", "program gemilang", "jv")
    text = (await resident.send("program gemilang"))[0].text
    assert text.startswith("PKH Plus") and "Bentuk bantuan" in text
    understanding.learn("request:officer", "pengen curhat", "jv")
    assert "Tulis pertanyaan Anda untuk petugas" in (await resident.send("pengen curhat"))[0].text
    with pytest.raises(ValueError):
        understanding.learn("no_such_program", "apa saja", "id")
