"""Adding staff without typing ids: Telegram's user picker, one-time invite links, a kab/kota
for operators, names in /staf, a welcome for the new officer; the list pages."""

from __future__ import annotations

import re

import pytest

from bot.features.staff.service import StaffError
from bot.offline.client import ChatClient
from tests.conftest import ADMIN_ID, choose_language
from tests.test_staff import run_cli

UNKNOWN = "Saya tidak mengenal perintah itu"
LINK_RX = re.compile(r"https://t\.me/DinsosJatimBot\?start=(staf_[A-Za-z0-9_-]+)")


async def start_adding(admin: ChatClient, role: str = "Operator",
                       region: str | None = "Kota Surabaya") -> list:
    await admin.send("/staf")
    await admin.click("Tambah staf")
    replies = await admin.click(role)
    if role == "Operator":
        if region is None:
            replies = await admin.click("Seluruh provinsi")
        else:
            while True:  # the kab/kota picker pages
                try:
                    replies = await admin.click(f"^{region}$")
                    break
                except LookupError:
                    await admin.click("Berikutnya »")
    return replies


async def test_admin_picks_a_colleague_with_telegrams_user_picker(admin, app, client, fake):
    new = await choose_language(client(3001, first_name="Ahmad"), "id")  # has started the bot
    replies = await start_adding(admin)
    assert "Staf baru: operator, Kota Surabaya" in replies[-1].text
    replies = await admin.click("Pilih dari kontak")
    picker = replies[-1]
    button = picker.reply_markup["keyboard"][0][0]
    assert button["request_users"]["user_is_bot"] is False
    assert button["request_users"]["max_quantity"] == 1
    assert button["request_users"]["request_name"] is True
    assert await app.services.staff.role(3001) is None

    replies = await admin.share_user(3001, "Ahmad", "Fauzi")
    text = replies[0].text
    assert "Ahmad Fauzi (3001) sekarang menjadi operator, Kota Surabaya" in text
    assert "sudah menerima pesan sambutan" in text
    assert replies[0].reply_markup == {"remove_keyboard": True}
    member = await app.services.staff.member(3001)
    assert (member.role, member.region_code, member.name) == ("operator", "3578", "Ahmad Fauzi")

    welcome = new.last_reply()
    assert "Selamat bergabung sebagai staf" in welcome.text
    assert "operator, Kota Surabaya" in welcome.text
    assert "Pengumuman" in welcome.labels() and "Staf" not in welcome.labels()
    home = await new.click("Pengingat relawan")  # the welcome's buttons work
    assert UNKNOWN not in home[-1].text

    listing = (await admin.send("/staf"))[0].text
    assert "• Ahmad Fauzi (3001) — operator, Kota Surabaya" in listing
    audit = await app.services.store.audit.recent(action_prefix="staff.add")
    assert audit[0]["actor_id"] == ADMIN_ID and audit[0]["target"] == "3001"


async def test_a_user_shared_for_another_request_or_out_of_turn_changes_nothing(admin, app):
    await start_adding(admin, region=None)
    await admin.click("Pilih dari kontak")
    replies = await admin.share_user(3002, "Budi", request_id=999)
    assert "pilih rekan kerja" in replies[-1].text
    assert await app.services.staff.role(3002) is None
    await admin.send("/batal")
    replies = await admin.share_user(3002, "Budi", request_id=15001)  # the flow has ended
    assert await app.services.staff.role(3002) is None


async def test_a_person_who_never_started_the_bot_is_added_and_the_admin_is_told(admin, app,
                                                                                   fake):
    fake.blocked.add(3003)  # Telegram: 403, the bot cannot start a conversation with them
    await start_adding(admin, region=None)
    await admin.click("Pilih dari kontak")
    replies = await admin.share_user(3003, "Citra")
    assert "Citra (3003) sekarang menjadi operator, seluruh provinsi" in replies[0].text
    assert "belum pernah membuka bot ini" in replies[0].text
    assert await app.services.staff.role(3003) == "operator"


async def test_the_flow_survives_a_restart_between_steps(admin, make_app, fake, app):
    await start_adding(admin, region="Kab. Malang")
    await app.shutdown()
    restarted = await make_app()
    again = ChatClient(restarted, fake, user_id=ADMIN_ID, first_name="Admin")
    await again.click("Ketik ID pengguna")
    replies = await again.send("4444")
    assert "4444 sekarang menjadi operator, Kab. Malang" in replies[0].text
    assert (await restarted.services.staff.member(4444)).region_code == "3507"


async def test_forged_region_and_stale_steps_change_nothing(admin, app):
    await admin.send("/staf")
    await admin.click("Tambah staf")
    msg = (await admin.click("Operator"))[-1]
    replies = await admin.press(msg, "staf:reg:9999")
    assert "Kabupaten/kota tidak dikenal" in replies[-1].text
    # the service refuses a region it does not know and an administrator bound to one
    with pytest.raises(StaffError) as err:
        await app.services.staff.add_member(ADMIN_ID, 5555, "operator", "9999")
    assert err.value.code == "bad_region"
    with pytest.raises(StaffError) as err:
        await app.services.staff.create_invite(ADMIN_ID, "admin", "3578")
    assert err.value.code == "admin_region"
    assert await app.services.staff.role(5555) is None


async def test_invite_link_works_once_for_one_person(admin, app, client, clock):
    replies = await start_adding(admin, role="Administrator")
    replies = await admin.click("Buat tautan undangan")
    text = replies[-1].text
    assert "ia menjadi administrator" in text and "WIB" in text
    payload = LINK_RX.search(text).group(1)
    token = payload.removeprefix("staf_")
    assert len(payload) <= 64

    stored = await app.services.db.fetchall("SELECT * FROM staff_invites")
    assert len(stored) == 1 and token.encode() not in bytes(stored[0]["token_hash"])

    dewi = ChatClient(app, admin.fake, user_id=3101, first_name="Dewi",
                      language_code="id")
    dewi.user["last_name"] = "Lestari"
    replies = await dewi.send(f"/start {payload}")
    assert "Selamat bergabung sebagai staf" in replies[0].text
    assert replies[-1].text.startswith("Menu petugas")
    member = await app.services.staff.member(3101)
    assert (member.role, member.name) == ("admin", "Dewi Lestari")

    # the same link again, by someone else: refused, nothing changes
    eko = await choose_language(client(3102, first_name="Eko"), "id")
    replies = await eko.send(f"/start {payload}")
    assert "sudah pernah dipakai" in replies[0].text
    assert await app.services.staff.role(3102) is None
    # a made-up link
    replies = await eko.send("/start staf_bukanTokenYangBenar")
    assert "tidak berlaku" in replies[0].text

    audit = await app.services.store.audit.recent(action_prefix="staff.invite")
    outcomes = [(a["action"], a["actor_id"], a["outcome"]) for a in reversed(audit)]
    assert outcomes == [("staff.invite", ADMIN_ID, "ok"), ("staff.invite.use", 3101, "ok"),
                        ("staff.invite.use", 3102, "denied"),
                        ("staff.invite.use", 3102, "denied")]
    assert not any(token in str(a) for a in audit)  # the token is never written down


async def test_invite_link_expires(admin, app, client, clock):
    await start_adding(admin, region="Kota Surabaya")
    text = (await admin.click("Buat tautan undangan"))[-1].text
    payload = LINK_RX.search(text).group(1)
    clock.advance(hours=48, seconds=1)
    fajar = await choose_language(client(3103, first_name="Fajar"), "id")
    replies = await fajar.send(f"/start {payload}")
    assert "sudah habis" in replies[0].text
    assert await app.services.staff.role(3103) is None


async def test_an_invite_never_changes_an_existing_role(app, client):
    staff = app.services.staff
    await staff.add_member(None, 3104, "admin")
    invitation = await staff.create_invite(ADMIN_ID, "operator", "3578")
    gita = await choose_language(client(3104, first_name="Gita"), "id")
    replies = await gita.send(f"/start staf_{invitation.token}")
    assert "sudah menjadi staf" in replies[0].text
    assert await staff.role(3104) == "admin"
    # the invite was not used up: a newcomer still can
    hadi = await choose_language(client(3105, first_name="Hadi"), "id")
    await hadi.send(f"/start staf_{invitation.token}")
    assert (await staff.member(3105)).region_code == "3578"


async def test_only_administrators_add_staff(app, client):
    await app.services.staff.add_member(None, 7301, "operator")
    operator = await choose_language(client(7301, first_name="Opi"), "id")
    baseline = (await operator.send("/tidakada"))[0].text
    msg = operator.last_reply()
    for data in ("staf:add", "staf:role:admin", "staf:how:link", "staf:reg:3578",
                 "staf:list:p:1"):
        replies = await operator.press(msg, data)
        # a stale-button popup, or the unknown-command answer: nothing tells staff tools exist
        assert [m.body for m in replies] in ([], [baseline])
    replies = await operator.share_user(7302, "Iwan", request_id=15001)
    assert await app.services.staff.role(7302) is None
    assert await app.services.db.fetchval("SELECT COUNT(*) FROM staff_invites") == 0


async def test_the_staff_list_pages(admin, app):
    staff = app.services.staff
    for n in range(20):
        await staff.add_member(None, 6000 + n, "operator", name=f"Petugas {n:02d}")
    await staff.add_member(None, 6100, "operator", name="Raden Ajeng Kartini Sosroningrat")
    first = (await admin.send("/staf"))[0]
    assert "Halaman 1 dari 3" in first.text
    assert "Petugas 00" in first.text and "Petugas 07" not in first.text  # admin first
    second = (await admin.click("Berikutnya »"))[-1]
    assert second.message_id == first.message_id  # edited in place
    assert "Halaman 2 dari 3" in second.text and "Petugas 07" in second.text
    third = (await admin.click("Berikutnya »"))[-1]
    assert "Petugas 19" in third.text and "Berikutnya »" not in third.labels()
    # a stale page number is clamped, not an error
    replies = await admin.press(third, "staf:list:p:99")
    assert "Halaman 3 dari 3" in replies[-1].text
    # the removal list pages as well
    await admin.send("/staf")
    replies = await admin.click("Hapus staf")
    assert "Halaman 1 dari 3" in replies[-1].text and "Hapus Petugas 00" in replies[-1].labels()
    replies = await admin.click("Berikutnya »")
    assert "Hapus Petugas 08" in replies[-1].labels()
    replies = await admin.click("Berikutnya »")
    assert "Hapus Raden Ajeng Karti…" in replies[-1].labels()  # cut to fit a button
    assert all(len(x) <= 24 for x in replies[-1].labels())


async def test_the_region_picker_pages_through_all_38(admin):
    await admin.send("/staf")
    await admin.click("Tambah staf")
    seen: set[str] = set()
    replies = await admin.click("Operator")
    for _ in range(4):
        labels = replies[-1].labels()
        seen.update(x for x in labels if x.startswith(("Kab. ", "Kota ")))
        assert all(len(x) <= 24 for x in labels)
        if "Berikutnya »" not in labels:
            break
        replies = await admin.click("Berikutnya »")
    assert len(seen) == 38


def test_cli_binds_an_operator_to_a_region(monkeypatch, settings, capsys):
    code, out, _ = run_cli(monkeypatch, settings, capsys, "staff", "add", "778", "--role",
                           "operator", "--region", "3578", "--name", "Joko")
    assert code == 0 and "778 is now operator, 3578 Kota Surabaya" in out
    code, out, _ = run_cli(monkeypatch, settings, capsys, "staff", "list")
    assert "778\toperator\tKota Surabaya\tJoko" in out
    code, _, err = run_cli(monkeypatch, settings, capsys, "staff", "add", "779", "--role",
                           "operator", "--region", "Atlantis")
    assert code == 2 and "unknown kab/kota" in err and "Traceback" not in err
    code, _, err = run_cli(monkeypatch, settings, capsys, "staff", "add", "779", "--role",
                           "admin", "--region", "3578")
    assert code == 2 and "administrator sees the whole province" in err
