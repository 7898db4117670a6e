"""The status check forgives and guides (ux review D3, D4, C1): a wrong name keeps the check
open with buttons, periods read as words, bad statuses say what to do next."""

from __future__ import annotations

import pytest

from tests.status_kit import BUDI, BUDI_NIK, SITI, SITI_NIK, run_import, write_csv

GAGAL = f"{SITI_NIK},Siti Aminah,ASPD,2026-09,GAGAL,,Bank Mandiri,Rekening tidak aktif,Surabaya"
DITOLAK = f"{SITI_NIK},Siti Aminah,BPNT,2026-Q3,DITOLAK,,Bank BRI,Tidak terdaftar di DTSEN,Sby"


@pytest.fixture
async def records(app, settings, clock, tmp_path):
    await run_import(write_csv(tmp_path, [SITI, GAGAL, DITOLAK, BUDI]), settings, clock)


async def test_a_wrong_name_keeps_the_check_at_the_name_step(records, resident):
    await resident.send("/status")
    await resident.send(SITI_NIK)
    replies = await resident.send("Sri Wahyuni")
    assert "Kami tidak menemukan data untuk NIK 3578********0002" in replies[-1].text
    assert replies[-1].labels() == [await resident.tr(m) for m in (
        "Type the name again", "Change the NIK", "Ask an officer", "Stop")]
    replies = await resident.send("Siti Aminah")       # the corrected name, no /status again
    assert "Data bantuan untuk NIK 3578********0002" in replies[-1].text


async def test_a_question_at_the_name_step_is_answered_as_a_question(records, resident, app):
    await resident.send("/status")
    await resident.send(SITI_NIK)
    await resident.send("Sri Wahyuni")                  # not found: the check waits for a name
    await resident.send("apa syarat PKH Plus?")
    await app.settle()
    answer = resident.fake.chat(1001)[-1].text
    assert answer.startswith("PKH Plus") and "NIK" not in answer
    assert "tidak menemukan" in (await resident.send("Siti Aminah"))[-1].text  # check is over


async def test_change_the_nik_and_stop_buttons(records, resident, resident_jv):
    await resident.send("/status")
    await resident.send(SITI_NIK)
    await resident.send("Sri Wahyuni")
    assert "16 angka" in (await resident.tap("Change the NIK"))[-1].text
    await resident.send(BUDI_NIK)
    assert "Data bantuan untuk NIK 3507" in (await resident.send("Budi Santoso"))[-1].text
    await resident_jv.send("/status")
    await resident_jv.send(SITI_NIK)
    assert await resident_jv.tr("Change the NIK") in (await resident_jv.send("Sri"))[-1].labels()
    await resident_jv.tap("Stop")
    # the check is over: a name now is a question again, not a lookup
    assert "NIK" not in (await resident_jv.send("Siti Aminah"))[-1].text


async def test_periods_in_words_channel_and_next_steps(records, resident, resident_jv):
    await resident.send("/status")
    await resident.send(SITI_NIK)
    text = (await resident.send("Siti Aminah"))[-1].text
    assert "Periode: September 2026" in text and "Periode: Juli–September 2026" in text
    assert "Penyalur: Bank Mandiri" in text and "Disalurkan melalui" not in text
    assert "Langkah berikutnya: penyaluran gagal" in text
    assert "Langkah berikutnya: tidak disetujui" in text and "DTKS/DTSEN" in text
    assert "(031) 8290794" in text
    await resident_jv.send("/status")
    await resident_jv.send(BUDI_NIK)
    text = (await resident_jv.send("Budi Santoso"))[-1].text
    assert "Lampah salajengipun: bantuan sampun siyaga" in text and "Penyalur: Bank BNI" in text


async def test_a_change_notification_carries_what_the_person_needs(records, resident, app,
                                                                    settings, clock, tmp_path,
                                                                    fake, client):
    from bot.features.status.jobs import drain
    from tests.status_kit import look_up

    await look_up(resident, SITI_NIK, "Siti Aminah")
    assert "Kami akan mengirim pesan" in (await resident.tap("Tell me when this changes")
                                           )[-1].text
    changed = SITI.replace("TERSALUR,2026-09-15,PT Pos Indonesia,",
                           "GAGAL,2026-09-20,Bank Mandiri,Bawa KTP dan KKS ke agen BRILink")
    summary = await run_import(write_csv(tmp_path, [changed, GAGAL, DITOLAK, BUDI],
                                         name="upd.csv"), settings, clock)
    assert summary.notifications == 1, summary
    before = len(fake.chat(1001))
    assert await drain(app) == 1
    note = fake.chat(1001)[before]
    assert "NIK: 3578********0002" in note.text and SITI_NIK not in note.text
    assert "Penyalur: Bank Mandiri" in note.text
    assert "Keterangan: Bawa KTP dan KKS ke agen BRILink" in note.text
    assert "Langkah berikutnya: penyaluran gagal" in note.text
    assert note.labels() == [await resident.tr("Show my records"),
                             await resident.tr("Stop these notifications")]
    # the current records, without typing the NIK again
    replies = await resident.tap("Show my records")
    assert "Data bantuan untuk NIK 3578********0002" in replies[-1].text
    assert "Periode: Juli–September 2026" in replies[-1].text
    # another person cannot use the button's data; after unwatching it is refused
    other = client(1003, first_name="Ani", language_code="id")
    own = (await other.send("/menu"))[-1]
    data = dict(note.buttons())["Lihat data bantuan saya"]
    replies = await other.press(own, data)                 # forged: not Ani's notification
    assert "tidak lagi menerima pemberitahuan" in replies[-1].text
    await resident.tap("Stop these notifications")
    replies = await resident.press(note, data)
    assert "tidak lagi menerima pemberitahuan" in replies[-1].text
