"""A volunteer changes their own details from /relawan; the kecamatan picker pages."""

from __future__ import annotations

from bot.offline.client import ChatClient
from tests.conftest import choose_language
from tests.test_volunteer_management import operator, registered

SBY, MLG = "3578", "3507"


async def test_name_and_kecamatan_change_at_once(app, client):
    ani = await choose_language(client(2001, first_name="Ani"), "id")
    await registered(app, 2001, name="Ani", role="tksk", region=MLG, kecamatan="350713",
                     status="approved")
    card = (await ani.send("/relawan"))[-1]
    assert "Anda terdaftar sebagai relawan" in card.text and "Kecamatan: Kepanjen" in card.text
    assert card.labels() == ["Ubah nama", "Ubah telepon", "Ubah peran", "Ubah kab/kota",
                             "Ubah kecamatan", "Berhenti jadi relawan"]
    await ani.click("Ubah nama")
    saved = await ani.send("Ani   Lestari")
    assert "Tersimpan." in saved[0].text and "Nama: Ani Lestari" in saved[-1].text
    # Kab. Malang has 33 kecamatan: three pages of 12, every one reachable, none twice
    picker = (await ani.click("Ubah kecamatan"))[-1]
    seen = [label for label, data in picker.buttons() if data.startswith("vme:kec:35")]
    assert "Seluruh kab/kota" not in picker.labels()      # a TKSK works in one kecamatan
    for _ in range(2):
        picker = (await ani.click("Berikutnya »"))[-1]
        seen += [label for label, data in picker.buttons() if data.startswith("vme:kec:35")]
    assert "Berikutnya »" not in picker.labels()
    assert len(seen) == len(set(seen)) == len(app.services.content.kecamatan_of(MLG)) == 33
    card = (await ani.click("Wonosari"))[-1]
    assert "Kecamatan: Wonosari" in card.text
    vol = await app.services.store.volunteers.get(2001)
    assert (vol.name, vol.kecamatan_code, vol.status) == ("Ani Lestari", "350732", "approved")


async def test_new_kab_kota_goes_back_to_the_office_of_that_region(app, client, fake,
                                                                   make_app):
    await operator(app, client, 7001, SBY)
    await operator(app, client, 7002, MLG)
    budi = await choose_language(client(1002, first_name="Budi", language_code="jv"), "jv")
    await registered(app, 1002, name="Budi Santoso", role="tksk", region=MLG,
                     kecamatan="350713", status="approved")
    await budi.send("/relawan")
    await budi.click("Ewahi kab/kota")
    picker = (await budi.send("suroboyo"))[-1]
    assert "Kota Surabaya" in picker.text and "kecamatan" in picker.text
    assert (await app.services.store.volunteers.get(1002)).region_code == MLG  # not yet
    await app.shutdown()                              # a restart between the two steps
    app2 = await make_app()
    budi2 = ChatClient(app2, fake, 1002)
    replies = await budi2.send("rungkut")
    assert "dipunkintun dhateng kantor" in replies[0].text
    vol = await app2.services.store.volunteers.get(1002)
    assert (vol.region_code, vol.kecamatan_code, vol.status) == (SBY, "357803", "pending")
    assert await app2.services.volunteers.reminder_audience() == []
    notice = [m for m in fake.chat(7001) if "Pendaftaran relawan baru" in (m.text or "")]
    assert notice and "Kecamatan: Rungkut" in notice[-1].text
    assert not [m for m in fake.chat(7002) if "Pendaftaran relawan baru" in (m.text or "")]


async def test_phone_role_and_cancel(app, client):
    ani = await choose_language(client(2001, first_name="Ani"), "id")
    await registered(app, 2001, name="Ani", role="pkh", region=SBY, status="approved")
    await ani.send("/relawan")
    await ani.click("Ubah telepon")
    assert "tidak tampak seperti nomor telepon" in (await ani.send("12ab"))[-1].text
    await ani.send("0812 3456 7890")
    assert (await app.services.store.volunteers.get(2001)).phone == "+6281234567890"
    await ani.click("Ubah telepon")
    await ani.click("Hapus nomor saya")
    assert (await app.services.store.volunteers.get(2001)).phone is None
    await ani.click("Ubah nama")
    assert "Tidak ada yang diubah" in (await ani.send("/batal"))[-1].text
    assert (await app.services.store.volunteers.get(2001)).name == "Ani"
    # a new role: TKSK works per kecamatan, so it asks for one before anything is saved
    await ani.click("Ubah peran")
    picker = (await ani.click("TKSK"))[-1]
    assert "di kecamatan mana" in picker.text
    assert (await app.services.store.volunteers.get(2001)).role == "pkh"
    await ani.send("gubeng")
    vol = await app.services.store.volunteers.get(2001)
    assert (vol.role, vol.kecamatan_code, vol.status) == ("tksk", "357808", "pending")


async def test_a_stranger_cannot_edit(app, resident):
    msg = resident.last_reply()
    replies = await resident.press(msg, "vme:f:name")
    assert "belum terdaftar sebagai relawan" in replies[-1].text
    await resident.press(msg, "vme:kec:357803")
    assert await app.services.store.volunteers.get(resident.user_id) is None
