"""A resident checks their disbursement status by NIK: matching, masking, deletion, limits,
audit, watches and notifications; staff import in the chat."""

from __future__ import annotations

import sqlite3

import pytest

from bot.features.status import nik as niks
from bot.features.status.service import Limits, names_match, normalise_name
from tests.conftest import choose_language
from tests.status_kit import (
    BUDI,
    SITI,
    SITI_BPNT,
    SITI_NIK,
    look_up,
    run_import,
    write_csv,
)

NOT_FOUND = "Kami tidak menemukan data untuk NIK"


@pytest.fixture
async def records(app, settings, clock, tmp_path):
    path = write_csv(tmp_path, [SITI, SITI_BPNT, BUDI])
    await run_import(path, settings, clock)
    return path


def bot_texts(fake, chat_id: int) -> list[str]:
    return [m.text or m.caption or "" for m in fake.chat(chat_id)]


async def test_match_lists_records_masks_the_nik_and_deletes_the_message(records, resident, fake):
    start = await resident.send("/status")
    assert "16 angka" in start[0].text
    sent = await resident.send("3578 0141 0190 0002")
    nik_message_id = max(mid for (chat, mid), m in fake.messages.items()
                         if chat == 1001 and not m.from_bot)
    deleted = fake.calls_to("deleteMessage")
    assert [int(c.params["message_id"]) for c in deleted] == [nik_message_id]
    assert "3578********0002" in sent[0].text
    replies = await resident.send("siti aminah")
    text = replies[-1].text
    assert "Data bantuan untuk NIK 3578********0002" in text
    assert "Program: PKH" in text and "Periode: 2026 Tahap 3" in text
    assert "sudah disalurkan (TERSALUR)" in text and "Sel, 15 Sep 2026" in text
    assert "Penyalur: PT Pos Indonesia" in text and "Periode: Oktober 2026" in text
    assert "sedang diproses (DIPROSES)" in text and "Keterangan: menunggu SP2D" in text
    assert replies[-1].labels() == [await resident.tr("Tell me when this changes")]
    assert not any(SITI_NIK in t for t in bot_texts(fake, 1001))


async def test_javanese_resident_gets_krama(records, resident_jv):
    text = await look_up(resident_jv, SITI_NIK, "Siti Aminah")
    assert "Data bantuan kangge NIK 3578********0002" in text
    assert "sampun dipunsalurkan (TERSALUR)" in text


@pytest.mark.parametrize("name", ["SITI AMINA", "siti  aminah", "Hj. Siti Aminah, S.Pd",
                                  "Aminah Siti", "Siti Aminah binti Abdullah"])
async def test_name_is_compared_tolerantly(records, resident, name):
    text = await look_up(resident, SITI_NIK, name)
    assert "Data bantuan untuk NIK" in text, name


async def test_wrong_name_and_unknown_nik_get_the_same_answer(records, client):
    one = await choose_language(client(2001), "id")
    two = await choose_language(client(2002), "id")
    wrong_name = await look_up(one, SITI_NIK, "Budi Santoso")
    unknown = await look_up(two, "3578014101900003", "Siti Aminah")
    assert NOT_FOUND in wrong_name
    assert wrong_name.replace("0002", "") == unknown.replace("0003", "")


@pytest.mark.parametrize(("typed", "problem"), [
    ("357801410190000", "format"),             # 15 digits
    ("35780141019000021", "format"),           # 17 digits
    ("3578O1410190OOO2", "format"),            # letters
    ("٣٥٧٨٠١٤١٠١٩٠٠٠٠٢", "format"),            # Arabic-Indic digits
    ("３５７８０１４１０１９０００２", "format"),   # full-width digits
    ("3578010001900002", "structure"),         # day 00
    ("3578013201900002", "structure"),         # day 32
    ("3578017201900002", "structure"),         # day 72
    ("3578010113900002", "structure"),         # month 13
    ("3578013002900002", "structure"),         # 30 February
    ("0078014101900002", "structure"),         # province 00
])
async def test_malformed_niks_are_refused_before_any_lookup(records, resident, app, typed,
                                                            problem):
    await resident.send("/status")
    replies = await resident.send(typed)
    if problem == "format":
        assert "harus 16 angka" in replies[0].text
    else:
        assert "bukan NIK yang valid" in replies[0].text
    assert app.services.store.db  # still asking for the NIK: a valid one goes on
    replies = await resident.send(SITI_NIK)
    assert "sudah kami terima" in replies[0].text
    audit = await app.services.store.audit.recent(action_prefix="status.lookup")
    assert audit == []


def test_nik_rules_and_masking():
    assert niks.normalise(" 3578.0141.0190-0002 ") == SITI_NIK
    assert niks.problem("3578012902960001") is None      # 29 Feb 1996
    assert niks.problem("3578012902970001") == niks.NikProblem.STRUCTURE
    assert niks.problem("3578016902960001") is None      # a woman born 29 Feb
    assert niks.problem("3578014101900000") == niks.NikProblem.STRUCTURE  # serial 0000
    assert niks.mask(SITI_NIK) == "3578********0002"
    assert niks.mask("12345") == "*****"
    assert len(niks.mask("9" * 5000)) == 16


def test_name_normalisation():
    assert normalise_name("Hj. Siti  Aminah, S.Pd") == "SITI AMINAH"
    assert normalise_name("Drs. H. Moch. Ma'ruf, M.Si") == "MOCH MARUF"
    assert normalise_name("Ahmad bin Abdullah") == "AHMAD"
    assert normalise_name("Binti Khoiriyah") == "BINTI KHOIRIYAH"
    assert names_match("Sitti Aminah", "SITI AMINAH")
    assert not names_match("Siti Rahayu", "SITI AMINAH")
    assert not names_match("", "SITI AMINAH")


async def test_user_limit_says_when_and_survives_a_restart(records, resident, make_app, clock,
                                                           fake):
    for n in range(5):
        assert NOT_FOUND in await look_up(resident, f"357801410190{n + 10:04d}", "Siti")
    replies = await resident.send("/status")
    assert "batas pengecekan" in replies[0].text
    assert "09.00 WIB" in replies[0].text      # the first lookup (08:00) + 1 hour
    # A restart does not reset the limit.
    again = await make_app()
    from bot.offline.client import ChatClient

    same = ChatClient(again, fake, user_id=1001)
    replies = await same.send("/status")
    assert "batas pengecekan" in replies[0].text
    clock.advance(hours=1, minutes=1)
    replies = await same.send("/status")
    assert "16 angka" in replies[0].text


async def test_failed_attempts_lock_the_nik_whoever_asks(records, client, clock):
    people = [await choose_language(client(3000 + n), "id") for n in range(4)]
    for person in people[:3]:
        assert NOT_FOUND in await look_up(person, SITI_NIK, "Orang Lain")
    text = await look_up(people[3], SITI_NIK, "Siti Aminah")   # even with the right name
    assert "dikunci sementara" in text and "14.00 WIB" in text
    clock.advance(hours=6, minutes=1)
    assert "Data bantuan untuk NIK" in await look_up(people[3], SITI_NIK, "Siti Aminah")


async def test_global_limit(records, client, app):
    app.services.status.limits = Limits(global_limit=2)
    people = [await choose_language(client(4000 + n), "id") for n in range(3)]
    for person in people[:2]:
        await look_up(person, SITI_NIK, "Siti Aminah")
    replies = await people[2].send("/status")
    assert "banyak orang sedang melakukan pengecekan" in replies[0].text
    assert "08.01 WIB" in replies[0].text


async def test_every_lookup_is_audited_without_the_nik(records, resident, app, settings):
    await look_up(resident, SITI_NIK, "Siti Aminah")
    await look_up(resident, SITI_NIK, "Orang Lain")
    audit = await app.services.store.audit.recent(action_prefix="status.lookup")
    assert [(a["actor_id"], a["outcome"]) for a in audit] == [(1001, "not_found"),
                                                              (1001, "found")]
    digest_hex = niks.digest(settings.nik_key(), SITI_NIK).hex()
    with sqlite3.connect(settings.database_path) as con:
        dump = "\n".join(con.iterdump())
    audit_rows = [line for line in dump.splitlines() if "audit_log" in line]
    assert audit_rows and not any(SITI_NIK in r or digest_hex in r for r in audit_rows)


async def test_cancel_in_the_middle(records, resident, app):
    await resident.send("/status")
    await resident.send(SITI_NIK)
    replies = await resident.send("/batal")
    assert "Dibatalkan" in replies[0].text
    replies = await resident.send("Siti Aminah")   # no longer taken as a name
    assert "Data bantuan" not in replies[-1].text
    assert "status_pending" not in app.user_data.get(1001, {})


async def test_deletion_failure_does_not_stop_the_lookup(records, resident, fake):
    from bot.offline.api import ApiError

    fake.fail_when(lambda method, params: ApiError(400, "Bad Request: message can't be deleted")
                   if method == "deleteMessage" else None)
    assert "Data bantuan untuk NIK" in await look_up(resident, SITI_NIK, "Siti Aminah")


async def test_conversation_survives_a_restart(records, resident, make_app, fake):
    await resident.send("/status")
    await resident.send(SITI_NIK)
    again = await make_app()
    from bot.offline.client import ChatClient

    same = ChatClient(again, fake, user_id=1001)
    replies = await same.send("Siti Aminah")
    assert "Data bantuan untuk NIK" in replies[-1].text


async def test_menu_button_starts_the_lookup(records, resident):
    await resident.send("/menu")
    replies = await resident.tap("Check assistance status")
    assert "16 angka" in replies[-1].text


# -- watches and notifications ---------------------------------------------------------------------
async def drain(app) -> None:
    job = app.job_queue.get_jobs_by_name("status-notify")[0]
    await job.run(app)


async def test_notification_after_a_reimport_once_per_change(records, resident, app, settings,
                                                             clock, tmp_path, fake):
    await look_up(resident, SITI_NIK, "Siti Aminah")
    replies = await resident.tap("Tell me when this changes")
    assert "Kami akan mengirim pesan" in replies[-1].text
    changed = write_csv(tmp_path, [SITI, SITI_BPNT.replace("diproses", "SIAP SALUR"), BUDI],
                        name="october.csv")
    summary = await run_import(changed, settings, clock)
    assert summary.notifications == 1
    before = len(fake.chat(1001))
    await drain(app)
    notes = fake.chat(1001)[before:]
    assert len(notes) == 1
    assert "Status bantuan Anda telah berubah" in notes[0].text
    assert "Sebelumnya: sedang diproses (DIPROSES)" in notes[0].text
    assert "Sekarang: siap disalurkan (SIAP SALUR)" in notes[0].text
    assert SITI_NIK not in notes[0].text
    # Never twice: another round and a re-import of the same file send nothing.
    await drain(app)
    again = await run_import(changed, settings, clock)
    assert again.notifications == 0
    await drain(app)
    assert len(fake.chat(1001)) == before + 1
    # Stop notifications from the message itself.
    replies = await resident.tap("Stop these notifications")
    assert "tidak akan menerima pemberitahuan status lagi" in replies[-1].text
    third = await run_import(write_csv(tmp_path, [SITI.replace("TERSALUR", "GAGAL")],
                                       name="nov.csv"), settings, clock)
    assert third.notifications == 0


async def test_notification_to_a_blocked_user_is_not_retried(records, resident, app, settings,
                                                             clock, tmp_path, fake):
    await look_up(resident, SITI_NIK, "Siti Aminah")
    await resident.tap("Tell me when this changes")
    fake.blocked.add(1001)
    await run_import(write_csv(tmp_path, [SITI.replace("TERSALUR", "GAGAL")], name="x.csv"),
                     settings, clock)
    await drain(app)
    fake.blocked.clear()
    await drain(app)
    tries = [c for c in fake.calls_to("sendMessage") if int(c.params["chat_id"]) == 1001
             and "telah berubah" in str(c.params.get("text"))]
    assert [c.error[0] for c in tries] == [403]   # tried once, never again, never delivered
    sub = await app.services.store.subscribers.get(1001)
    assert sub.blocked


async def test_stale_or_forged_watch_button(records, resident, clock):
    await look_up(resident, SITI_NIK, "Siti Aminah")
    clock.advance(days=2)
    replies = await resident.tap("Tell me when this changes")
    assert "sudah kedaluwarsa" in replies[-1].text


# -- staff import in the chat ----------------------------------------------------------------------
async def test_staff_import_in_chat_replies_summary_and_report(admin, app, fake):
    csv_bytes = "\n".join(["nik,nama,program,periode,status,tanggal,lembaga_penyalur,"
                           "keterangan,kabupaten", SITI, f"{SITI_NIK[:15]},X,PKH,1,DIPROSES,,,,",
                           BUDI]).encode()
    replies = await admin.send_document("data.csv", csv_bytes, "/impor")
    summary = next(m for m in replies if m.text and "Impor selesai" in m.text)
    assert "Baru: 2" in summary.text and "Ditolak: 1" in summary.text
    report = next(m for m in replies if m.kind == "document")
    text = report.content.decode()
    assert "NIK bukan 16 angka" in text and SITI_NIK[:15] not in text
    audit = await app.services.store.audit.recent(action_prefix="status.import")
    assert audit[0]["actor_id"] == 9001


async def test_staff_import_of_a_bad_file_is_one_polite_message(admin):
    replies = await admin.send_document("data.xlsx", b"PK\x03\x04\x00\x00binary", "/impor")
    assert "tidak dapat diimpor" in replies[-1].text
    assert "CSV UTF-8" in replies[-1].text


async def test_residents_cannot_import(resident, app):
    csv_bytes = ("nik,nama,program,periode,status,tanggal,lembaga_penyalur,keterangan,kabupaten\n"
                 + SITI).encode()
    replies = await resident.send_document("data.csv", csv_bytes, "/impor")
    assert "tidak mengenal perintah itu" in replies[-1].text
    assert await app.services.store.disbursements.count() == 0
    replies = await resident.send("/impor")
    assert "tidak mengenal perintah itu" in replies[-1].text


async def test_what_the_chat_holds_between_nik_and_name(app, clock):
    """The service decides what a chat may keep of a NIK, and for how long: never the NIK."""
    svc = app.services.status
    held = svc.hold_nik(SITI_NIK)
    assert SITI_NIK not in str(held) and held["m"] == "3578********0002"
    assert svc.held_hash(held) is not None
    clock.advance(minutes=29)
    assert svc.held_hash(held) is not None
    clock.advance(minutes=2)
    assert svc.held_hash(held) is None          # 31 minutes: stale, the NIK must be typed again
    assert svc.held_hash({"h": "zz", "at": "x"}) is None and svc.held_hash(None) is None
