"""The SKM survey as residents take it: both languages, search, back, double taps, old
buttons, repeats, deep links, cancel, and resuming after a restart or a crash."""

from __future__ import annotations

import json
import sqlite3

from bot.offline.client import ChatClient
from tests.conftest import choose_language
from tests.skm_kit import choose, complete_survey, find_step_button, seed

UNSUR_ID = ["Sesuai", "Mudah", "Cepat", "Gratis", "Sangat sesuai", "Kompeten",
            "Sopan dan ramah", "Dikelola dengan baik", "Baik"]
UNSUR_JV = ["Jumbuh", "Gampil sanget", "Kirang rikat", "Gratis (tanpa wragad)", "Jumbuh",
            "Kompeten", "Sopan lan grapyak sanget", "Dipunkelola kanthi sae", "Sae"]


def db_rows(settings, sql, params=()):
    with sqlite3.connect(settings.database_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def answers_of(settings, user_id):
    rows = db_rows(settings, "SELECT a.unsur, a.score FROM skm_answers a JOIN skm_responses r "
                             "ON r.id = a.response_id WHERE r.user_id = ?", (user_id,))
    return {r["unsur"]: r["score"] for r in rows}


def draft_of(settings, user_id):
    rows = db_rows(settings, "SELECT * FROM skm_drafts WHERE user_id = ? ORDER BY id DESC "
                             "LIMIT 1", (user_id,))
    return rows[0] if rows else None


async def test_full_survey_in_indonesian(resident, settings, fake):
    replies = await resident.send("/survei")
    first = replies[-1]
    assert "sembilan pertanyaan" in first.text
    assert "Halaman 1 dari 4" in first.text
    assert "Kantor Dinsos Jatim" in first.labels()
    await resident.tap("Next ›")
    assert "Halaman 2 dari 4" in resident.last_reply().text
    await resident.click("PSTW Pasuruan")
    assert "Layanan apa yang Anda terima" in resident.last_reply().text
    await resident.click("Informasi, konsultasi")
    for n, label in enumerate(UNSUR_ID, 1):
        msg = resident.last_reply()
        assert f"Pertanyaan {n} dari 9" in msg.text
        assert "Bagaimana" in msg.text
        assert len(msg.labels()) == 5  # four answers and Back
        await resident.click(label)
    assert "Tentang Anda (1 dari 4)" in resident.last_reply().text
    for label in ("Perempuan", "30–39 tahun", "SMA/SMK", "Wirausaha"):
        await resident.click(label)
    assert "Langkah terakhir" in resident.last_reply().text
    suggestion = "Antrean <b>lama</b> & ruang tunggu panas"
    replies = await resident.send(suggestion)
    thanks = replies[-1].text
    assert "Terima kasih! Jawaban Anda tentang UPT Pelayanan Sosial Tresna Werdha Pasuruan" \
        in thanks
    assert "Oktober–Desember 2026" in thanks and "Jum, 1 Jan 2027" in thanks
    assert answers_of(settings, 1001) == {"U1": 3, "U2": 3, "U3": 3, "U4": 4, "U5": 4, "U6": 3,
                                          "U7": 3, "U8": 4, "U9": 3}
    [row] = db_rows(settings, "SELECT * FROM skm_responses WHERE user_id = 1001")
    assert row["unit_code"] == "PSTW-PSR" and row["period"] == "2026-Q4"
    assert row["month"] == "2026-11" and row["service"] == "info"
    assert (row["gender"], row["age"], row["education"], row["occupation"]) == \
        ("P", "30-39", "SMA", "Wirausaha")
    assert row["suggestion"] == suggestion  # as written, not escaped
    assert json.loads(row["respondent"])["gender"] == "P"
    # every survey button fits Telegram's 64-byte limit
    for call in fake.calls:
        markup = call.params.get("reply_markup") or {}
        for r in markup.get("inline_keyboard", []):
            assert all(len(b["callback_data"].encode()) <= 64 for b in r)


async def test_full_survey_in_javanese_from_the_menu(resident_jv, settings):
    await resident_jv.send("/menu")
    replies = await resident_jv.tap("Rate our service (survey)")
    assert "Matur nuwun sampun kersa ngisi" in replies[-1].text
    await resident_jv.send("jember")
    await resident_jv.click("PSTW Jember")
    assert "Layanan menapa" in resident_jv.last_reply().text
    await resident_jv.click("Pangaduan")
    for n, label in enumerate(UNSUR_JV, 1):
        msg = resident_jv.last_reply()
        assert f"Pitakenan {n} saking 9" in msg.text
        assert "Kados pundi pamanggih panjenengan" in msg.text
        assert msg.labels()[-1] == await resident_jv.tr("‹ Back")
        await resident_jv.click(label)
    for label in ("Jaler", "60 taun utawi langkung", "SD mangandhap", "Sanesipun"):
        await resident_jv.click(label)
    replies = await resident_jv.tap("No suggestion, finish")
    assert "Matur nuwun! Wangsulan panjenengan babagan UPT Pelayanan Sosial Tresna Werdha " \
           "Jember sampun kacathet." in replies[-1].text
    assert answers_of(settings, 1002) == {"U1": 3, "U2": 4, "U3": 2, "U4": 4, "U5": 3,
                                          "U6": 3, "U7": 4, "U8": 4, "U9": 3}
    [row] = db_rows(settings, "SELECT * FROM skm_responses WHERE user_id = 1002")
    assert row["suggestion"] is None and row["service"] == "complaint"
    assert row["gender"] == "L" and row["age"] == "60+" and row["language"] == "jv"


async def test_units_are_found_by_typed_name_with_typos(resident):
    await resident.send("/survei")
    replies = await resident.send("tresna werdha banyuwangy")
    assert replies[-1].labels()[0] == "PSTW Banyuwangi"
    assert await resident.tr("Show all units") in replies[-1].labels()
    replies = await resident.send("pasuruan")
    assert {"PSTW Pasuruan", "RSBD Pasuruan", "RSBL Pasuruan"} <= set(replies[-1].labels())
    replies = await resident.tap("Show all units")
    assert "Halaman 1 dari 4" in replies[-1].text
    replies = await resident.send("qqqq zzzz")
    assert "tidak menemukan unit" in replies[-1].text
    assert "Halaman 1 dari 4" in replies[-1].text
    await resident.click("Kantor Dinsos Jatim")
    assert "Unit: Dinas Sosial Provinsi Jawa Timur" in resident.last_reply().text


async def test_typing_during_the_questions_repeats_the_question(resident):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    await choose(resident, "service", "info")
    replies = await resident.send("sudah bagus")
    assert "Silakan jawab dengan tombol" in replies[-1].text
    assert "Pertanyaan 1 dari 9" in replies[-1].text


async def test_back_corrects_the_previous_answer(resident, settings):
    await resident.send("/survei")
    await choose(resident, "unit", "RSBN-MLG")
    await choose(resident, "service", "aid")
    await resident.click("Sesuai")
    await resident.click("Mudah")
    assert "Pertanyaan 3 dari 9" in resident.last_reply().text
    await resident.tap("‹ Back")
    msg = resident.last_reply()
    assert "Pertanyaan 2 dari 9" in msg.text
    assert "✓ Mudah" in msg.labels()  # the earlier answer is shown, ready to be corrected
    await resident.click("Sangat mudah")
    assert "Pertanyaan 3 dari 9" in resident.last_reply().text
    for n in range(3, 10):
        await choose(resident, f"U{n}", "3")
    for key, value in {"gender": "P", "age": "20-29", "education": "S1",
                       "occupation": "PNS"}.items():
        await choose(resident, key, value)
    await resident.tap("‹ Back")  # from the suggestion back to the occupation
    assert "Pekerjaan utama" in resident.last_reply().text
    await resident.click("Lainnya")
    await resident.tap("No suggestion, finish")
    answers = answers_of(settings, 1001)
    assert answers["U1"] == 3 and answers["U2"] == 4
    [row] = db_rows(settings, "SELECT occupation FROM skm_responses WHERE user_id = 1001")
    assert row["occupation"] == "Lainnya"


async def test_back_from_the_service_returns_to_the_unit_list(resident):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    await resident.tap("‹ Back")
    assert "✓ Kantor Dinsos Jatim" in resident.last_reply().labels()


async def test_a_double_tap_records_one_answer(resident, settings, fake):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    await choose(resident, "service", "info")
    msg, data = find_step_button(resident, "U1", "3")
    _, other = find_step_button(resident, "U1", "1")
    await resident.press(msg, data)
    answered = len(fake.calls_to("answerCallbackQuery"))
    replies = await resident.press(msg, data)  # the second tap of a double tap
    assert replies == []  # nothing sent, nothing edited
    note = fake.calls_to("answerCallbackQuery")[answered]
    assert note.params["text"] == "Anda sudah menjawab pertanyaan ini."
    await resident.press(msg, other)  # a late tap on another answer of the same question
    draft = draft_of(settings, 1001)
    assert draft["step"] == "U2"
    assert json.loads(draft["data"])["U1"] == 3
    assert "Pertanyaan 2 dari 9" in resident.last_reply().text


async def test_buttons_of_an_old_survey_are_refused_politely(resident, settings, fake):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    old_msg, old_data = find_step_button(resident, "service", "info")
    await resident.send("/batal")
    assert draft_of(settings, 1001)["status"] == "cancelled"
    before = len(fake.calls_to("answerCallbackQuery"))
    replies = await resident.press(old_msg, old_data)
    assert replies == []
    note = fake.calls_to("answerCallbackQuery")[before]
    assert "sudah selesai atau dibatalkan" in note.params["text"]
    assert draft_of(settings, 1001)["status"] == "cancelled"
    # forged or foreign data changes nothing either
    for data in ("skm:a:99999:U1:3", "skm:b:99999:U1", "skm:p:1:x", "skm:zzz"):
        assert await resident.press(old_msg, data) == []
    assert db_rows(settings, "SELECT * FROM skm_responses") == []


async def test_an_answer_the_question_does_not_offer_is_refused(resident, settings, fake):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    await choose(resident, "service", "info")
    msg, data = find_step_button(resident, "U1", "4")
    before = len(fake.calls_to("answerCallbackQuery"))
    await resident.press(msg, data[:-1] + "9")
    assert fake.calls_to("answerCallbackQuery")[before].params["text"] == \
        "Silakan pilih salah satu tombol."
    assert draft_of(settings, 1001)["step"] == "U1"


async def test_another_persons_survey_buttons_do_nothing(resident, client, settings):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    msg, data = find_step_button(resident, "service", "info")
    budi = await choose_language(client(1003, language_code="id"), "id")
    assert await budi.press(msg, data) == []
    assert draft_of(settings, 1001)["step"] == "service"


async def test_one_response_per_unit_per_quarter_and_repeats_are_counted(resident, settings,
                                                                         clock):
    await complete_survey(resident, "PSTW-PSR")
    replies = await resident.send("/survei")
    assert "sembilan pertanyaan" in replies[-1].text  # a fresh survey, not a resume
    replies = await choose(resident, "unit", "PSTW-PSR")
    text = replies[-1].text
    assert "Anda sudah mengisi survei untuk UPT Pelayanan Sosial Tresna Werdha Pasuruan" in text
    assert "Jum, 1 Jan 2027" in text
    repeats = db_rows(settings, "SELECT * FROM skm_repeats")
    assert [(r["user_id"], r["unit_code"], r["period"]) for r in repeats] == \
        [(1001, "PSTW-PSR", "2026-Q4")]
    # another unit in the same quarter is fine
    await complete_survey(resident, "PSTW-JBG")
    # the same unit next quarter is fine
    clock.advance(days=61)
    await complete_survey(resident, "PSTW-PSR")
    rows = db_rows(settings, "SELECT unit_code, period FROM skm_responses ORDER BY id")
    assert [(r["unit_code"], r["period"]) for r in rows] == [
        ("PSTW-PSR", "2026-Q4"), ("PSTW-JBG", "2026-Q4"), ("PSTW-PSR", "2027-Q1")]


async def test_a_repeat_caught_only_at_submission_is_counted_too(resident, client, settings,
                                                                 app):
    """Two surveys of the same unit started before either was sent: the second is refused."""
    await resident.send("/survei")
    await choose(resident, "unit", "RSBG-TBN")
    # meanwhile the same person's earlier survey of that unit was stored (another device)
    await seed(app.services.store, 1001, "RSBG-TBN", [4] * 9)
    replies = await complete_survey(resident, "RSBG-TBN", start=False)
    assert "Anda sudah mengisi survei" in replies[-1].text
    assert len(db_rows(settings, "SELECT * FROM skm_repeats")) == 1
    assert len(db_rows(settings, "SELECT * FROM skm_responses")) == 1


async def test_deep_link_starts_with_the_unit_chosen(client, settings):
    siti = await choose_language(client(1001, language_code="id"), "id")
    replies = await siti.send("/start skm_PSBR-BJN")
    assert "Unit: UPT Pelayanan Sosial Bina Remaja Bojonegoro" in replies[-1].text
    assert "Layanan apa" in replies[-1].text
    await complete_survey(siti, "PSBR-BJN", start=False)
    replies = await siti.send("/start skm_psbr-bjn")  # lower case works too: a repeat now
    assert "Anda sudah mengisi survei" in replies[-1].text
    replies = await siti.send("/start skm_NOPE")
    assert "unit yang tidak kami kenal" in replies[-1].text
    assert "Halaman 1 dari 4" in replies[-1].text
    replies = await siti.send("/start")  # the plain /start leaves the survey for the menu
    assert "Apa yang ingin Anda lakukan" in replies[-1].text
    replies = await siti.send("/start")
    assert "Selamat datang kembali" in replies[-1].text


async def test_deep_link_works_for_a_first_time_user(client):
    budi = client(1005, language_code="jv")
    replies = await budi.send("/start skm_RSBN-MLG")
    assert "Unit: UPT Rehabilitasi Sosial Bina Netra Malang" in replies[-1].text
    assert "Layanan menapa" in replies[-1].text


async def test_cancel_keeps_nothing_and_the_next_survey_starts_fresh(resident, settings):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    await choose(resident, "service", "info")
    await choose(resident, "U1", "4")
    replies = await resident.send("/batal")
    assert "Dibatalkan. Tidak ada yang disimpan." in replies[-1].text
    assert db_rows(settings, "SELECT * FROM skm_responses") == []
    replies = await resident.send("/survei")
    assert "sembilan pertanyaan" in replies[-1].text
    assert "Halaman 1 dari 4" in replies[-1].text


async def test_a_too_long_suggestion_is_asked_again(resident, settings):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    await choose(resident, "service", "info")
    for n in range(1, 10):
        await choose(resident, f"U{n}", "4")
    for key, value in {"gender": "L", "age": "<20", "education": "SMP",
                       "occupation": "Swasta"}.items():
        await choose(resident, key, value)
    replies = await resident.send("x" * 1200)
    assert "terlalu panjang (1200 karakter)" in replies[-1].text
    assert db_rows(settings, "SELECT * FROM skm_responses") == []
    replies = await resident.send("Terima kasih, petugas ramah.")
    assert "Terima kasih! Jawaban Anda" in replies[-1].text


async def test_survey_resumes_after_an_application_restart(make_app, fake, settings):
    app = await make_app()
    siti = await choose_language(ChatClient(app, fake, 1001, language_code="id"), "id")
    await siti.send("/survei")
    await choose(siti, "unit", "PPSAA-NJK")
    await choose(siti, "service", "rehab")
    await choose(siti, "U1", "2")
    await choose(siti, "U2", "4")
    question = siti.last_reply()
    await app.shutdown()

    app2 = await make_app()
    siti2 = ChatClient(app2, fake, 1001, language_code="id")
    assert "Pertanyaan 3 dari 9" in question.text
    msg, data = find_step_button(siti2, "U3", "3")
    replies = await siti2.press(msg, data)  # the button still on screen works
    assert "Pertanyaan 4 dari 9" in replies[-1].text
    replies = await siti2.send("/survei")  # and /survei shows where we are
    assert "mari lanjutkan survei Anda" in replies[-1].text
    assert "Pertanyaan 4 dari 9" in replies[-1].text
    for n in range(4, 10):
        await choose(siti2, f"U{n}", "1")
    for key, value in {"gender": "P", "age": "40-49", "education": "SD",
                       "occupation": "Lainnya"}.items():
        await choose(siti2, key, value)
    await siti2.send("Lebih cepat lagi")
    assert answers_of(settings, 1001) == {"U1": 2, "U2": 4, "U3": 3, "U4": 1, "U5": 1,
                                          "U6": 1, "U7": 1, "U8": 1, "U9": 1}


async def test_survey_resumes_after_a_crash(make_app, fake, settings):
    """No shutdown, as after kill -9: the next message finds the same question."""
    app = await make_app()
    siti = await choose_language(ChatClient(app, fake, 1001, language_code="id"), "id")
    await siti.send("/survei")
    await choose(siti, "unit", "DINSOS")
    await choose(siti, "service", "info")
    for n in range(1, 6):
        await choose(siti, f"U{n}", "3")
    app2 = await make_app()  # the crashed one is simply abandoned
    siti2 = ChatClient(app2, fake, 1001, language_code="id")
    replies = await siti2.send("halo")
    assert "Pertanyaan 6 dari 9" in replies[-1].text
    draft = json.loads(draft_of(settings, 1001)["data"])
    assert [draft[f"U{n}"] for n in range(1, 6)] == [3, 3, 3, 3, 3]
    await app.services.close()


async def test_a_survey_left_for_days_starts_over(resident, settings, clock, fake):
    await resident.send("/survei")
    await choose(resident, "unit", "DINSOS")
    old_msg, old_data = find_step_button(resident, "service", "info")
    clock.advance(days=4)
    replies = await resident.send("/survei")
    assert "sembilan pertanyaan" in replies[-1].text and "Halaman 1 dari 4" in replies[-1].text
    statuses = [r["status"] for r in db_rows(settings, "SELECT status FROM skm_drafts ORDER BY id")]
    assert statuses == ["expired", "open"]
    assert await resident.press(old_msg, old_data) == []  # its buttons are refused


async def test_simultaneous_taps_are_counted_once_by_the_service(app):
    """Even without the per-user ordering, the draft moves only from the step it was at."""
    import asyncio

    from bot.features.skm.service import Outcome

    svc = app.services.survey
    draft = (await svc.begin(4242, "DINSOS")).draft
    await svc.answer(4242, draft.id, "service", "info")
    results = await asyncio.gather(*[svc.answer(4242, draft.id, "U1", str(v))
                                     for v in (4, 1, 2, 3, 4)])
    outcomes = [r.outcome for r in results]
    assert outcomes.count(Outcome.ACCEPTED) == 1
    assert set(outcomes) == {Outcome.ACCEPTED, Outcome.ALREADY}
    winner = results[outcomes.index(Outcome.ACCEPTED)]
    stored = await app.services.store.skm.draft(draft.id)
    assert stored.step == "U2" and stored.data["U1"] == winner.draft.data["U1"]
