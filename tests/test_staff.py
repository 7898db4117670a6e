"""Staff roles: who may do what, refusals that reveal nothing, and the audit log."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli import main
from bot.features.staff.service import PermissionDenied, StaffError
from bot.repos import Store
from bot.storage.db import Database
from tests.broadcast_kit import add_subscriber
from tests.conftest import ADMIN_ID, choose_language

UNKNOWN = "Kami tidak mengenal perintah itu"


@pytest.mark.parametrize("command", ["/staf", "/siaran", "/siaran_status", "/siaran_status 1"])
async def test_resident_gets_the_ordinary_unknown_command_answer(resident, command):
    baseline = (await resident.send("/tidakada"))[0].text
    replies = await resident.send(command)
    assert [m.text for m in replies] == [baseline]
    assert UNKNOWN in baseline


async def test_resident_pressing_a_forged_staff_button_learns_nothing(resident, app):
    msg = resident.last_reply()
    replies = await resident.press(msg, "staf:role:admin")
    assert all("staf" not in (m.text or "").lower() for m in replies)
    assert await app.services.staff.role(1001) is None


async def test_admin_adds_an_operator_in_the_chat_and_it_is_audited(admin, client, app):
    replies = await admin.send("/staf")
    assert f"{ADMIN_ID} — administrator (diatur di server)" in replies[0].text
    assert "ADMIN_IDS" not in replies[0].text  # no internal names on a screen
    await admin.click("Tambah staf")
    await admin.click("Operator")
    await admin.click("Seluruh provinsi")
    await admin.click("Ketik ID pengguna")
    replies = await admin.send("12ab")
    assert "bukan ID pengguna Telegram" in replies[0].text
    replies = await admin.send("4242")
    assert "4242 sekarang menjadi operator, seluruh provinsi" in replies[0].text
    assert await app.services.staff.role(4242) == "operator"

    log = await app.services.store.audit.recent(action_prefix="staff.")
    assert log[0]["action"] == "staff.add"
    assert log[0]["actor_id"] == ADMIN_ID and log[0]["target"] == "4242"

    operator = await choose_language(client(4242, first_name="Opi"), "id")
    replies = await operator.send("/siaran")
    assert "Pengumuman baru" in replies[0].text
    # but an operator may not manage staff
    replies = await operator.send("/staf")
    assert UNKNOWN in replies[0].text


async def test_admin_removes_staff_but_not_admin_ids_nor_themselves(admin, app, client):
    staff = app.services.staff
    await staff.add_member(ADMIN_ID, 5000, "operator")
    await staff.add_member(ADMIN_ID, 5001, "admin")
    await admin.send("/staf")
    replies = await admin.click("Hapus staf")
    labels = replies[0].labels()
    assert "Hapus 5000" in labels and "Hapus 5001" in labels
    assert not any(str(ADMIN_ID) in label for label in labels)
    replies = await admin.click("Hapus 5000")
    assert "Hapus 5000 (operator, seluruh provinsi) dari daftar staf?" in replies[0].text
    assert await staff.role(5000) == "operator"  # nothing happens before the confirmation
    replies = await admin.click("Ya, hapus")
    assert "5000 (operator) bukan staf lagi" in replies[0].text
    assert await staff.role(5000) is None
    # a stale button for someone already removed: a polite answer, nothing changes
    await admin.send("/staf")
    msg = (await admin.click("Hapus staf"))[0]
    for data in ("staf:rm:5000", "staf:rmok:5000"):
        await admin.send("/staf")
        await admin.click("Hapus staf")
        replies = await admin.press(msg, data)
        assert "tidak ada dalam daftar staf" in replies[-1].text

    with pytest.raises(StaffError) as err:
        await staff.remove_member(5001, 5001)
    assert err.value.code == "self"
    with pytest.raises(StaffError) as err:
        await staff.remove_member(5001, ADMIN_ID)
    assert err.value.code == "from_settings"


async def test_the_service_checks_the_role_again_and_audits_refusals(app):
    staff = app.services.staff
    await staff.add_member(None, 6000, "operator")
    with pytest.raises(PermissionDenied):
        await staff.add_member(6000, 6001, "admin")       # an operator
    with pytest.raises(PermissionDenied):
        await staff.remove_member(1001, 6000)             # a resident
    with pytest.raises(PermissionDenied):
        await staff.list_members(1001)
    assert await staff.role(6001) is None and await staff.role(6000) == "operator"
    denied = await app.services.store.audit.recent(action_prefix="access.denied")
    assert [d["actor_id"] for d in denied] == [1001, 1001, 6000]
    assert all(d["outcome"] == "denied" for d in denied)


async def test_broadcast_service_refuses_a_resident(app):
    from bot.features.broadcasts.model import Draft

    await add_subscriber(app, 1001)
    svc = app.services.broadcasts
    with pytest.raises(PermissionDenied):
        await svc.create(1001, Draft("Halo semua"))
    with pytest.raises(PermissionDenied):
        await svc.status(1001)
    assert await svc.repo.latest() is None


def run_cli(monkeypatch, settings, capsys, *argv) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("ADMIN_IDS", "9001")
    monkeypatch.chdir(settings.database_path.parent)
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_staff_cli_add_list_remove(monkeypatch, settings, capsys):
    code, out, _ = run_cli(monkeypatch, settings, capsys, "staff", "add", "777", "--role",
                           "operator")
    assert code == 0 and "777 is now operator, whole province" in out
    code, out, _ = run_cli(monkeypatch, settings, capsys, "staff", "add", "777", "--role",
                           "admin")
    assert "777 was operator and is now admin" in out
    code, out, _ = run_cli(monkeypatch, settings, capsys, "staff", "list")
    assert code == 0
    assert "9001\tadmin\t(ADMIN_IDS)" in out and "777\tadmin" in out
    code, out, _ = run_cli(monkeypatch, settings, capsys, "staff", "remove", "777")
    assert code == 0 and "777 (admin) is no longer staff" in out
    code, _, err = run_cli(monkeypatch, settings, capsys, "staff", "remove", "777")
    assert code == 2 and err.strip() == "dinsos-bot: that user is not on the staff list"
    code, _, err = run_cli(monkeypatch, settings, capsys, "staff", "add", "-5", "--role",
                           "admin")
    assert code == 2 and "Traceback" not in err
    code, _, err = run_cli(monkeypatch, settings, capsys, "staff", "add", "１２３", "--role",
                           "admin")
    assert code == 2 and "not a Telegram user id" in err
    code, _, err = run_cli(monkeypatch, settings, capsys, "staff", "remove", "9001")
    assert code == 2 and "ADMIN_IDS" in err


def test_cli_changes_are_audited_without_an_actor(monkeypatch, settings, capsys):
    run_cli(monkeypatch, settings, capsys, "staff", "add", "778", "--role", "operator")

    async def read():
        db = await Database(settings.database_path).connect()
        try:
            return await Store(db).audit.recent(action_prefix="staff.")
        finally:
            await db.close()

    log = asyncio.run(read())
    assert log[0]["action"] == "staff.add" and log[0]["actor_id"] is None
    assert log[0]["target"] == "778"


async def test_an_operator_bound_to_a_region_gets_that_scope_and_nothing_wider(app):
    staff = app.services.staff
    await staff.add_member(None, 7001, "operator", region_code="3578", name="Bu Sri")
    await staff.add_member(None, 7002, "operator")
    bound = await staff.scope(7001)
    assert (bound.region, bound.everything) == ("3578", False)
    assert bound.covers("3578") and not bound.covers("3507") and not bound.covers(None)
    assert not bound.covers_all(["3578", "3507"])
    province = await staff.scope(7002)
    assert province.everything and province.covers("3507") and province.covers(None)
    with pytest.raises(StaffError):
        await staff.add_member(None, 7003, "admin", region_code="3578")
    with pytest.raises(PermissionDenied):
        await staff.scope(7004)
    members = {m.user_id: m for m in await app.services.store.staff.list()}
    assert (members[7001].region_code, members[7001].name) == ("3578", "Bu Sri")
