"""Volunteers managed in the chat: paged lists, search, reject with a reason, deactivate,
export; regional operators limited to their kab/kota; the registration notice on the delivery
engine, routed by region."""

from __future__ import annotations

import io
import sqlite3

import pytest
from openpyxl import load_workbook

from bot.core.paging import PER_PAGE
from bot.features.staff.service import PermissionDenied
from bot.features.volunteers.service import VolunteerError
from bot.offline.client import ChatClient
from tests.conftest import ADMIN_ID, choose_language

SBY, MLG = "3578", "3507"   # Kota Surabaya, Kab. Malang
OPERATOR, OTHER_OPERATOR = 7001, 7002


async def registered(app, user_id, *, name=None, role="pkh", region=SBY, kecamatan=None,
                     status="pending"):
    store = app.services.store.volunteers
    await store.request(user_id, role, region, name or f"Relawan {user_id}", None,
                        app.services.clock(), kecamatan)
    if status != "pending":
        await store.decide(user_id, "approved", ADMIN_ID, app.services.clock())
        await store.mark_notified(user_id, app.services.clock())
    if status == "inactive":
        await store.decide(user_id, "inactive", ADMIN_ID, app.services.clock(),
                           from_statuses=("approved",), notify=False)
    return await store.get(user_id)


async def operator(app, client, user_id=OPERATOR, region=SBY):
    await app.services.staff.add_member(None, user_id, "operator", region_code=region,
                                        name=f"Operator {user_id}")
    return await choose_language(client(user_id, first_name="Operator"), "id")


def popup(fake) -> str:
    return fake.calls_to("answerCallbackQuery")[-1].params.get("text") or ""


def all_names(msg) -> list[str]:
    return [label.split(". ", 1)[1] for label, data in msg.buttons()
            if data.startswith("vadm:v:")]


# -- lists and paging ---------------------------------------------------------------------------
async def test_pending_list_pages_through_every_volunteer(app, admin):
    total = 2 * PER_PAGE + 3
    for n in range(total):
        await registered(app, 3000 + n, name=f"Relawan {n:02d}")
    await registered(app, 4000, name="Sudah Aktif", status="approved")
    replies = await admin.send("/kelola_relawan")
    home = replies[-1]
    assert f"Menunggu persetujuan: {total}" in home.text and "Aktif: 1" in home.text
    page = (await admin.click(f"Menunggu ({total})"))[-1]
    assert "Halaman 1 dari 3" in page.text
    seen = all_names(page)
    assert len(seen) == PER_PAGE and "Berikutnya »" in page.labels()
    assert "« Sebelumnya" not in page.labels()
    for _ in range(2):
        page = (await admin.click("Berikutnya »"))[-1]
        seen += all_names(page)
    assert "Halaman 3 dari 3" in page.text and "Berikutnya »" not in page.labels()
    assert seen == [f"Relawan {n:02d}" for n in range(total)]   # each once, by name
    assert "Sudah Aktif" not in page.text
    # a stale page number from an old button is clamped, not an error
    page = (await admin.press(page, "vadm:l:p:p:99"))[-1]
    assert "Halaman 3 dari 3" in page.text
    # open one, approve it: the volunteer is told, the card shows the new status
    volunteer = await choose_language(ChatClient(app, admin.fake, 3000 + total - 1), "id")
    card = (await admin.click(f"{total}. Relawan {total - 1:02d}"))[-1]
    assert "Status: Menunggu persetujuan" in card.text
    card = (await admin.click("Setujui"))[-1]
    assert "Status: Aktif" in card.text and card.labels() == ["Nonaktifkan",
                                                              "« Kembali ke daftar"]
    assert "telah disetujui" in volunteer.last_reply().text
    back = (await admin.click("« Kembali ke daftar"))[-1]
    assert "Halaman 3 dari 3" in back.text and f"Relawan {total - 1:02d}" not in back.text


async def test_search_by_name_forgives_typos_and_pages(app, admin):
    for n in range(PER_PAGE + 2):
        await registered(app, 3000 + n, name=f"Siti Nurhaliza {n}", status="approved")
    await registered(app, 3100, name="Ahmad Fauzi", status="approved")
    await admin.send("/kelola_relawan")
    await admin.click("Cari menurut nama")
    page = (await admin.send("ahmd fauzy"))[-1]
    assert all_names(page)[0] == "Ahmad Fauzi"
    await admin.click("« Relawan")
    await admin.click("Cari menurut nama")
    page = (await admin.send("siti nurhaliza"))[-1]
    assert "Halaman 1 dari 2" in page.text and "Ahmad Fauzi" not in page.text
    names = all_names(page) + all_names((await admin.click("Berikutnya »"))[-1])
    assert sorted(names) == sorted(f"Siti Nurhaliza {n}" for n in range(PER_PAGE + 2))
    nothing = (await admin.send("/kelola_relawan"), await admin.click("Cari menurut nama"),
               await admin.send("Zzyzx Qwerty"))[-1][-1]
    assert "Tidak ada relawan dengan nama seperti itu" in nothing.text


# -- reject with a reason, deactivate -------------------------------------------------------------
async def test_reject_with_a_typed_reason_survives_a_restart(app, make_app, fake, client):
    budi = await choose_language(client(1002, first_name="Budi", language_code="jv"), "jv")
    await registered(app, 1002, name="Budi Santoso", role="tagana", region=MLG)
    admin = await choose_language(client(ADMIN_ID, first_name="Admin"), "id")
    await admin.send("/kelola_relawan")
    await admin.click("Menunggu (1)")
    await admin.click("1. Budi Santoso")
    reasons = (await admin.click("Tolak"))[-1]
    assert reasons.labels()[:5] == ["Tugas belum dipastikan", "Kab/kota tidak sesuai",
                                    "Data belum lengkap", "Sudah terdaftar", "Lainnya (ketik)"]
    assert all(len(label) <= 24 for label in reasons.labels())
    await admin.click("Lainnya (ketik)")
    await app.shutdown()                      # the bot restarts before the officer types
    app2 = await make_app()
    admin2 = ChatClient(app2, fake, ADMIN_ID)
    assert "2 sampai 300" in (await admin2.send("x"))[-1].text    # too short: asked again
    assert (await app2.services.store.volunteers.get(1002)).status == "pending"
    card = (await admin2.send("Tagana Kab. Malang sampun jangkep kangge taun punika"))[-1]
    assert "Status: Ditolak" in card.text
    assert "Alasan: Tagana Kab. Malang sampun jangkep" in card.text
    told = budi.last_reply().text
    assert "boten dipunsarujuki" in told
    assert "Alesanipun: Tagana Kab. Malang sampun jangkep kangge taun punika" in told
    audit = await app2.services.store.audit.recent(action_prefix="volunteer.reject")
    assert audit[0]["actor_id"] == ADMIN_ID


async def test_deactivate_asks_then_stops_reminders_and_reactivates_quietly(app, admin, client):
    vol_chat = await choose_language(client(2001, first_name="Ani"), "id")
    await registered(app, 2001, name="Ani Lestari", role="tksk", kecamatan="357801",
                     status="approved")
    assert await app.services.volunteers.reminder_audience() == [2001]
    await admin.send("/kelola_relawan")
    await admin.click("Aktif (1)")
    await admin.click("1. Ani Lestari")
    ask = (await admin.click("Nonaktifkan"))[-1]
    assert "Nonaktifkan Ani Lestari?" in ask.text
    assert (await app.services.store.volunteers.get(2001)).status == "approved"
    card = (await admin.click("Ya, nonaktifkan"))[-1]
    assert "Status: Dinonaktifkan" in card.text and card.labels()[0] == "Aktifkan lagi"
    assert await app.services.volunteers.reminder_audience() == []
    assert await app.services.volunteers.audience() == []
    assert "menonaktifkan pendaftaran relawan Anda" in (await vol_chat.send("/relawan"))[-1].text
    before = len(vol_chat.replies)
    card = (await admin.click("Aktifkan lagi"))[-1]
    assert "Status: Aktif" in card.text
    assert await app.services.volunteers.reminder_audience() == [2001]
    assert len(vol_chat.replies) == before     # not told "approved" a second time
    actions = [a["action"] for a in await app.services.store.audit.recent(
        action_prefix="volunteer.")]
    assert actions[:2] == ["volunteer.reactivate", "volunteer.deactivate"]


# -- export -----------------------------------------------------------------------------------
async def test_export_is_a_readable_workbook_of_labels(app, admin, fake):
    await registered(app, 3001, name="Siti Aminah", role="tksk", kecamatan="357824",
                     status="approved")
    await registered(app, 3002, name="=HYPERLINK(\"x\")", role="pkh", region=MLG)
    await app.services.store.volunteers.decide(3002, "rejected", ADMIN_ID, app.services.clock(),
                                               reason_code="region")
    await admin.send("/kelola_relawan")
    await admin.click("Unduh data (xlsx)")
    doc = [m for m in fake.chat(ADMIN_ID) if m.kind == "document"][-1]
    assert doc.filename.endswith(".xlsx") and "2 relawan (seluruh provinsi)" in doc.caption
    ws = load_workbook(io.BytesIO(doc.content)).active
    assert ws.freeze_panes == "A4"
    assert [c.value for c in ws[3]][:7] == ["No.", "Nama", "Peran", "Kab/kota", "Kecamatan",
                                            "Telepon", "Status"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    siti = rows["Siti Aminah"]
    assert siti[2].startswith("TKSK") and siti[3] == "Kota Surabaya"
    assert siti[4] == "Tenggilis Mejoyo" and siti[6] == "Aktif"
    odd = rows["=HYPERLINK(\"x\")"]          # typed text stays text, never a formula
    assert odd[3] == "Kab. Malang" and odd[6] == "Ditolak"
    assert odd[9] == "Kab/kota atau kecamatan tidak sesuai dengan catatan kantor."
    assert ws.column_dimensions["B"].width >= 20


# -- regional operators ------------------------------------------------------------------------
async def test_regional_operator_sees_and_acts_on_their_region_only(app, client, fake):
    await registered(app, 3001, name="Warga Surabaya")
    await registered(app, 3002, name="Warga Malang", region=MLG)
    await registered(app, 3003, name="Aktif Malang", region=MLG, status="approved")
    await registered(app, 3004, name="Nonaktif Malang", region=MLG, status="inactive")
    op = await operator(app, client)
    home = (await op.send("/kelola_relawan"))[-1]
    assert "Relawan (Kota Surabaya)" in home.text and "Menunggu persetujuan: 1" in home.text
    assert "Aktif: 0" in home.text
    page = (await op.click("Menunggu (1)"))[-1]
    assert all_names(page) == ["Warga Surabaya"]
    # every action on a volunteer of another region, as a crafted or stale button
    for data in ("vadm:v:3002:p0", "vadm:ok:3002", "vadm:no:3002", "vadm:rj:3002:region",
                 "vadm:rj:3002:other", "vol:ok:3002", "vol:no:3002", "vadm:off:3003",
                 "vadm:offy:3003", "vadm:on:3004"):
        await op.press(page, data)
        assert popup(fake) == "Relawan ini tidak berada di wilayah Anda.", data
    store = app.services.store.volunteers
    assert [(await store.get(u)).status for u in (3002, 3003, 3004)] == \
        ["pending", "approved", "inactive"]
    denied = await app.services.store.audit.recent(action_prefix="volunteer.")
    assert {a["action"] for a in denied if a["outcome"] == "denied"} == {
        "volunteer.view", "volunteer.approve", "volunteer.reject", "volunteer.deactivate",
        "volunteer.reactivate"}
    assert all(a["actor_id"] == OPERATOR for a in denied if a["outcome"] == "denied")
    # the export holds their region only
    await op.click("« Relawan")
    await op.click("Unduh data (xlsx)")
    doc = [m for m in fake.chat(OPERATOR) if m.kind == "document"][-1]
    ws = load_workbook(io.BytesIO(doc.content)).active
    assert [r[1] for r in ws.iter_rows(min_row=4, values_only=True)] == ["Warga Surabaya"]
    # and in their own region they act
    await op.press(page, "vadm:ok:3001")
    assert (await store.get(3001)).status == "approved"


async def test_the_service_checks_the_region_itself(app):
    await app.services.staff.add_member(None, OPERATOR, "operator", region_code=SBY)
    await registered(app, 3002, region=MLG)
    await registered(app, 3003, region=MLG, status="approved")
    vols = app.services.volunteers
    for call in (vols.view(OPERATOR, 3002), vols.decide(OPERATOR, 3002, True),
                 vols.decide(OPERATOR, 3002, False, reason_code="details"),
                 vols.set_active(OPERATOR, 3003, False)):
        with pytest.raises(PermissionDenied):
            await call
    assert await vols.list_for(OPERATOR) == []
    assert await vols.list_for(OPERATOR, query="Relawan 3002") == []   # nor by searching
    assert (await vols.list_for(ADMIN_ID, query="Relawan 3002"))[0].user_id == 3002
    with pytest.raises(PermissionDenied):
        await vols.counts_for(5555)
    assert sorted(v.user_id for v in await vols.list_for(ADMIN_ID)) == [3002, 3003]
    with pytest.raises(PermissionDenied):
        await vols.list_for(5555)                   # not staff at all
    with pytest.raises(VolunteerError):
        await vols.decide(ADMIN_ID, 3002, False, reason_code="nonsense")


async def test_buttons_are_checked_before_anything_changes(app, resident, fake):
    await registered(app, 3001)
    msg = resident.last_reply()
    for data in ("vadm:home", "vadm:l:p:p:0", "vadm:v:3001:p0", "vadm:ok:3001", "vadm:x",
                 "vol:no:3001", "vadm:rj:3001:details"):
        replies = await resident.press(msg, data)
        assert "tidak mengenal perintah itu" in replies[-1].text, data   # as for any stranger
    assert (await app.services.store.volunteers.get(3001)).status == "pending"
    assert not [m for m in fake.chat(resident.user_id) if m.kind == "document"]


# -- the registration notice: one outbox, routed by region, one rule per answer ------------------
async def test_registration_notice_goes_to_the_staff_of_its_region(app, client, fake, settings):
    await operator(app, client, OPERATOR, SBY)
    await operator(app, client, OTHER_OPERATOR, MLG)
    await app.services.staff.add_member(None, 7003, "operator")    # the whole province
    await choose_language(client(ADMIN_ID, first_name="Admin"), "id")
    await choose_language(client(7003), "id")
    fake.blocked.add(7003)                                      # 7003 has blocked the bot
    queued_first = []

    def check_outbox(method, params):
        if method == "sendMessage" and "Pendaftaran relawan baru" in str(params.get("text")):
            with sqlite3.connect(settings.database_path) as db:
                queued_first.append(db.execute(
                    "SELECT COUNT(*) FROM delivery_outbox WHERE kind = 'volunteer.request' "
                    "AND user_id = ?", (int(params["chat_id"]),)).fetchone()[0])
        return None

    fake.fail_when(check_outbox)
    siti = await choose_language(client(1001, first_name="Siti"), "id")
    await siti.send("/relawan")
    await siti.click("Pendamping PKH")
    await siti.send("surabaya")
    await siti.send("rungkut")
    await siti.send("Siti Aminah")
    await siti.send("Lewati")
    told = {uid for uid in (ADMIN_ID, OPERATOR, OTHER_OPERATOR, 7003)
            if any("Pendaftaran relawan baru" in (m.text or "") for m in fake.chat(uid))}
    assert told == {ADMIN_ID, OPERATOR}            # not Malang's operator; 7003 refused (403)
    assert queued_first and all(n == 1 for n in queued_first)   # the row existed before
    with sqlite3.connect(settings.database_path) as db:
        rows = dict(db.execute("SELECT user_id, status FROM delivery_outbox "
                               "WHERE kind = 'volunteer.request'").fetchall())
        blocked = db.execute("SELECT blocked FROM subscribers WHERE user_id = 7003").fetchone()
    assert rows == {ADMIN_ID: "sent", OPERATOR: "sent", 7003: "blocked"}
    assert blocked == (1,)
    # the operator of Surabaya decides from the notice
    op = ChatClient(app, fake, OPERATOR)
    await op.click("Setujui")
    assert (await app.services.store.volunteers.get(1001)).status == "approved"


async def test_a_notice_decided_meanwhile_is_not_sent(app, client, fake):
    vol = await registered(app, 3001)
    await app.services.volunteers.decide(ADMIN_ID, 3001, True)
    from bot.features.volunteers.decisions import notify_staff

    await notify_staff(app, vol)
    assert not any("Pendaftaran relawan baru" in (m.text or "") for m in fake.chat(ADMIN_ID))



def test_cli_rejects_with_a_reason_and_deactivates(monkeypatch, settings, capsys):
    import json

    from tests.test_volunteers import cli

    assert cli(monkeypatch, settings, capsys, "volunteers", "list")[0] == 0  # migrates
    with sqlite3.connect(settings.database_path) as db:
        db.executemany(
            "INSERT INTO volunteers (user_id, role, region_code, kecamatan_code, name, status, "
            "requested_at) VALUES (?, 'tksk', '3578', '357803', ?, ?, '2026-11-01T00:00:00Z')",
            [(1001, "Siti", "pending"), (1002, "Budi", "approved")])
    code, out, _ = cli(monkeypatch, settings, capsys, "volunteers", "reject", "1001",
                       "--reason", "duplicate")
    assert code == 0 and "rejected" in out
    assert cli(monkeypatch, settings, capsys, "volunteers", "deactivate", "1002")[0] == 0
    code, _, err = cli(monkeypatch, settings, capsys, "volunteers", "deactivate", "1002")
    assert code == 2 and "nothing to change" in err and err.count("\n") == 1
    code, out, _ = cli(monkeypatch, settings, capsys, "volunteers", "list", "--json")
    rows = {r["telegram_id"]: r for r in json.loads(out)}
    assert (rows[1001]["kecamatan"], rows[1001]["reason_code"]) == ("Rungkut", "duplicate")
    assert rows[1002]["status"] == "inactive"
    assert cli(monkeypatch, settings, capsys, "volunteers", "reactivate", "1002")[0] == 0
    code, _, err = cli(monkeypatch, settings, capsys, "volunteers", "reject", "1002",
                       "--note", "x")
    assert code == 2 and "2 to 300" in err


@pytest.mark.parametrize("locale", ["id", "jv"])
async def test_every_button_label_fits(app, locale):
    from bot.features.volunteers import render

    t = app.services.i18n.translator(locale)
    vols = app.services.volunteers
    counts = dict.fromkeys(render.STATUS_LABELS, 9999)
    screens = [render.home(t, vols, counts, None)[1]]
    for status in render.STATUS_LABELS:
        vol = await registered(app, 5000 + len(screens), name="N" * 60)
        vol = vol.__class__(**{**vol.__dict__, "status": status})
        screens += [render.card(t, vols, vol, "vadm:home", (None, None))[1],
                    render.reasons(t, vol)[1], render.confirm_deactivate(t, vol, "x")[1],
                    render.request_notice(t, vols, vol)[1]]
    labels = [label for rows in screens for row in rows for label, _ in row]
    assert labels and all(len(label) <= render.LABEL_MAX for label in labels), \
        [label for label in labels if len(label) > render.LABEL_MAX]
