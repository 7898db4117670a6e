"""Edited messages in the middle of a conversation step (issue 17, defect 1).

Telegram sends an `edited_message` update when a person corrects what they typed. Inside a
step, that must never crash the step ("Maaf, terjadi gangguan"), and a NIK typed into an edit
must still be deleted.
"""

from __future__ import annotations

import logging

import pytest

from tests.broadcast_kit import add_subscriber

APOLOGY = "terjadi gangguan"


@pytest.fixture
def errors(caplog):
    caplog.set_level(logging.INFO)

    def collect() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]

    return collect


def no_apology(replies) -> None:
    assert all(APOLOGY not in (m.text or "") for m in replies), [m.text for m in replies]


def last_own_message(fake, chat_id: int) -> int:
    return max(mid for (chat, mid), m in fake.messages.items()
               if chat == chat_id and not m.from_bot)


async def test_nik_in_an_edited_message_is_deleted_and_read(resident, fake, errors):
    await resident.send("halo")
    mid = last_own_message(fake, resident.chat_id)
    await resident.send("/status")
    replies = await resident.edit(mid, "3578 0101 0190 0002")  # the NIK typed into an edit
    no_apology(replies)
    assert errors() == []
    deleted = [int(c.params.get("message_id")) for c in fake.calls_to("deleteMessage")]
    assert mid in deleted
    assert "3578********0002" in replies[-1].text


async def test_edit_in_the_status_name_step(resident, fake, errors):
    await resident.send("/status")
    await resident.send("halo")  # the NIK step says it is not a NIK
    mid = last_own_message(fake, resident.chat_id)
    await resident.send("3578010101900002")
    replies = await resident.edit(mid, "3578.0101.0190.0002")  # name step: a NIK again
    no_apology(replies)
    assert errors() == []
    deleted = [int(c.params.get("message_id")) for c in fake.calls_to("deleteMessage")]
    assert mid in deleted


async def test_edit_during_volunteer_registration(client, errors):
    from tests.conftest import choose_language

    siti = await choose_language(client(1001, first_name="Siti"), "id")
    await siti.send("/relawan")
    await siti.click("Pendamping PKH")
    no_apology(await siti.edit(1, "sby"))  # region step
    await siti.send("sby")
    no_apology(await siti.edit(1, "Rungkut"))  # kecamatan step
    await siti.send("Rungkut")
    no_apology(await siti.edit(1, "Siti Aminah"))  # name step
    await siti.send("Siti Aminah")
    no_apology(await siti.edit(1, "081234567890"))  # phone step
    assert errors() == []
    replies = await siti.send("Lewati")
    assert "telah dikirim ke kantor" in replies[0].text


async def test_edit_during_siaran(admin, app, errors):
    await add_subscriber(app, 5001)
    await admin.send("/siaran")
    no_apology(await admin.edit(1, "Pengumuman yang disunting"))
    await admin.send("Pengumuman")
    await admin.click("Lanjut")
    await admin.click("Tambah versi bahasa Jawa")
    no_apology(await admin.edit(1, "Woro-woro"))
    assert errors() == []


async def test_edit_during_pengingat(admin, errors):
    await admin.send("/pengingat")
    await admin.click("Pengingat baru")
    no_apology(await admin.edit(1, "Rapat"))  # text step
    await admin.send("Rapat koordinasi")
    await admin.click("Semua relawan")
    no_apology(await admin.edit(1, "surabaya"))  # region step
    await admin.click("Semua kabupaten/kota")
    await admin.click("Sekali")
    no_apology(await admin.edit(1, "2026-11-05"))  # date step
    assert errors() == []


async def test_edit_during_staf(admin, errors):
    await admin.send("/staf")
    await admin.click("Tambah staf")
    await admin.click("Operator")
    await admin.click("Seluruh provinsi")
    await admin.click("Ketik ID pengguna")
    no_apology(await admin.edit(1, "4242"))
    assert errors() == []
    replies = await admin.send("4242")
    assert "4242 sekarang menjadi operator" in replies[0].text
