"""Regional operators: an operator bound to a kab/kota sees and acts on their region only, for
tickets (notify, list, open, answer, close, hand over, teach) and broadcasts (preview, create,
schedule, list, status, stop). Checked in the service, audited, tried across regions."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.features.broadcasts.model import KIND_VOLUNTEERS, Audience, BroadcastError, Draft
from bot.features.staff.service import PermissionDenied
from bot.features.tickets.model import TicketError
from bot.offline.client import ChatClient
from tests.broadcast_kit import add_subscriber, add_volunteer, start_broadcast, texts_to
from tests.conftest import ADMIN_ID, choose_language

SBY, MLG = "3578", "3507"
OP_SBY, OP_MLG, OP_ALL = 7401, 7402, 7403
QUESTION = "Bu, bantuan saya belum cair, bagaimana?"


@pytest.fixture
async def officers(app, client):
    staff = app.services.staff
    await staff.add_member(None, OP_SBY, "operator", SBY)
    await staff.add_member(None, OP_MLG, "operator", MLG)
    await staff.add_member(None, OP_ALL, "operator")
    return {uid: await choose_language(client(uid, first_name=f"Op{uid}"), "id")
            for uid in (OP_SBY, OP_MLG, OP_ALL)}


async def ask_from(app, client, user_id: int, region: str | None) -> int:
    """A question from a volunteer of `region` (None: a resident of no known kab/kota)."""
    if region is not None:
        await add_volunteer(app, user_id, "tksk", region)
        person = client(user_id, first_name=f"Warga{user_id}", language_code="id")
    else:
        person = await choose_language(client(user_id, first_name="Warga"), "id")
    await person.send("/tanya")
    await person.send(QUESTION)
    return max(t.id for t in await app.services.tickets.listing(None, "open"))


@pytest.fixture
async def tickets(app, client, officers):
    return {"sby": await ask_from(app, client, 4001, SBY),
            "mlg": await ask_from(app, client, 4002, MLG),
            "none": await ask_from(app, client, 4003, None)}


async def denied(app, actor: int, action: str) -> list[dict]:
    rows = await app.services.store.audit.recent(200, action_prefix=action)
    return [r for r in rows if r["actor_id"] == actor and r["outcome"] == "denied"]


# -- tickets ------------------------------------------------------------------------------------
async def test_only_officers_of_the_region_hear_of_a_question(app, fake, tickets):
    def notices(uid: int) -> list[str]:
        return [t for t in texts_to(fake, uid) if QUESTION[:20] in t]

    assert len(notices(OP_SBY)) == 1 and "Kota Surabaya" in notices(OP_SBY)[0]
    assert len(notices(OP_MLG)) == 1 and "Kab. Malang" in notices(OP_MLG)[0]
    assert len(notices(OP_ALL)) == 3 and len(notices(ADMIN_ID)) == 3


async def test_the_inbox_lists_the_region_only(app, officers, tickets):
    sby = (await officers[OP_SBY].send("/kotak"))[-1]
    assert f"#{tickets['sby']}" in sby.text
    assert f"#{tickets['mlg']}" not in sby.text and f"#{tickets['none']}" not in sby.text
    everyone = (await officers[OP_ALL].send("/kotak"))[-1]
    assert all(f"#{n}" in everyone.text for n in tickets.values())
    svc = app.services.tickets
    assert [t.id for t in await svc.listing(OP_MLG)] == [tickets["mlg"]]
    assert await svc.open_count(OP_SBY) == 1 and await svc.open_count(OP_ALL) == 3


@pytest.mark.parametrize("which", ["mlg", "none"])
async def test_every_ticket_action_outside_the_region_is_refused_and_audited(app, tickets,
                                                                               which):
    svc = app.services.tickets
    ticket_id = tickets[which]
    before = await svc.repo.get(ticket_id)
    attempts = {
        "ticket.open": lambda: svc.thread(OP_SBY, ticket_id),
        "ticket.reply": lambda: svc.reply(OP_SBY, ticket_id, "Jawaban", before.version),
        "ticket.close": lambda: svc.close(OP_SBY, ticket_id),
        "ticket.handover": lambda: svc.hand_over(OP_SBY, ticket_id, OP_ALL),
        "ticket.learn": lambda: svc.learn_from_ticket(OP_SBY, ticket_id, "pkh"),
    }
    for action, attempt in attempts.items():
        with pytest.raises(PermissionDenied) as err:
            await attempt()
        assert err.value.args == ("region",)
        rows = await denied(app, OP_SBY, action)
        assert rows and rows[0]["target"] == str(ticket_id), action
    with pytest.raises(PermissionDenied):
        await svc.colleagues(OP_SBY, ticket_id)
    after = await svc.repo.get(ticket_id)
    assert (after.status, after.version, after.assigned_to, after.learned_target) == \
        (before.status, before.version, before.assigned_to, before.learned_target)
    assert await svc.repo.count_messages(ticket_id, "staff") == 0


async def test_every_ticket_action_inside_the_region_works(app, tickets):
    svc = app.services.tickets
    ticket_id = tickets["sby"]
    thread = await svc.thread(OP_SBY, ticket_id)
    assert thread.ticket.region_code == SBY
    assert ADMIN_ID in await svc.colleagues(OP_SBY, ticket_id)
    assert OP_MLG not in await svc.colleagues(OP_SBY, ticket_id)  # cannot see it
    await svc.reply(OP_SBY, ticket_id, "Silakan datang ke kantor desa.", thread.ticket.version)
    await svc.close(OP_SBY, ticket_id)
    assert (await svc.repo.get(ticket_id)).status == "closed"
    await svc.learn_from_ticket(OP_SBY, ticket_id, "pkh")
    # province-wide staff act on any region, and on questions of no known region
    await svc.close(OP_ALL, tickets["mlg"])
    await svc.close(ADMIN_ID, tickets["none"])


async def test_a_question_is_handed_only_to_someone_who_may_see_it(app, tickets):
    svc = app.services.tickets
    with pytest.raises(TicketError) as err:
        await svc.hand_over(OP_ALL, tickets["sby"], OP_MLG)
    assert err.value.code == "not_staff"
    ticket = await svc.hand_over(OP_ALL, tickets["sby"], OP_SBY)
    assert ticket.assigned_to == OP_SBY
    with pytest.raises(TicketError):
        await svc.hand_over(ADMIN_ID, tickets["none"], OP_SBY)  # no region: province-wide only


async def test_a_forged_button_for_another_regions_question_shows_nothing(app, officers,
                                                                            tickets):
    sby = officers[OP_SBY]
    msg = (await sby.send("/kotak"))[-1]
    for data in (f"kotak:buka:{tickets['mlg']}", f"kotak:balas:{tickets['mlg']}",
                 f"kotak:tutup:{tickets['mlg']}", f"kotak:alih:{tickets['none']}",
                 f"kotak:ke:{tickets['mlg']}:{OP_SBY}"):
        replies = await sby.press(msg, data)
        assert [m.text for m in replies] == [
            f"Pertanyaan #{int(data.split(':')[2])} berasal dari kabupaten/kota lain, jadi bukan "
            "untuk Anda. Tidak ada yang diubah."], data
        assert QUESTION not in " ".join(m.body for m in replies)
    assert (await app.services.tickets.repo.get(tickets["mlg"])).status == "open"


async def test_the_inbox_pages(app, client, officers):
    for n in range(11):
        await ask_from(app, client, 4100 + n, SBY)
    sby = officers[OP_SBY]
    first = (await sby.send("/kotak"))[-1]
    assert "Halaman 1 dari 2" in first.text and len(first.buttons()) == 9  # 8 + the pager
    second = (await sby.click("Berikutnya »"))[-1]
    assert second.message_id == first.message_id
    assert "Halaman 2 dari 2" in second.text
    assert len([b for b in second.buttons() if b[1].startswith("kotak:buka:")]) == 3
    # the Malang operator's inbox has none of them
    assert "Halaman" not in (await officers[OP_MLG].send("/kotak"))[-1].text


# -- broadcasts ---------------------------------------------------------------------------------
def volunteers(region: str | None = None, role: str | None = None) -> Audience:
    return Audience(KIND_VOLUNTEERS, role, region)


async def test_a_regional_operator_broadcasts_only_inside_their_region(app, officers):
    await add_volunteer(app, 5001, "tksk", SBY)
    await add_volunteer(app, 5002, "tksk", MLG)
    await add_subscriber(app, 5003)
    svc = app.services.broadcasts
    soon = app.services.clock() + dt.timedelta(hours=2)
    for audience in (Audience(), volunteers(), volunteers(role="tksk"), volunteers(MLG)):
        draft = Draft("Rapat besok", audience=audience)
        for attempt in (lambda d=draft: svc.preview(OP_SBY, d),
                        lambda d=draft: svc.create(OP_SBY, d),
                        lambda d=draft: svc.create(OP_SBY, d, scheduled_at=soon)):
            with pytest.raises(BroadcastError) as err:
                await attempt()
            assert err.value.code == "region"
    assert await svc.repo.latest() is None  # nothing was written
    assert len(await denied(app, OP_SBY, "broadcast.preview")) == 4
    assert len(await denied(app, OP_SBY, "broadcast.create")) == 4
    assert len(await denied(app, OP_SBY, "broadcast.schedule")) == 4
    # inside the region: fine, and it reaches that region's volunteers only
    preview = await svc.preview(OP_SBY, Draft("Rapat", audience=volunteers(SBY)))
    assert preview.recipients == 1
    await svc.create(OP_SBY, Draft("Rapat", audience=volunteers(SBY, "tksk")))
    # province-wide staff send anywhere
    await svc.create(OP_ALL, Draft("Untuk semua"))


async def test_in_the_chat_a_regional_operator_is_offered_their_region_only(app, officers):
    await add_volunteer(app, 5001, "tksk", SBY)
    await add_volunteer(app, 5002, "pkh", SBY)
    await add_volunteer(app, 5003, "tksk", MLG)
    sby = officers[OP_SBY]
    await start_broadcast(sby, "Rapat koordinasi", audience="Volunteers of {region}",
                          region="Kota Surabaya")
    preview = "\n".join(m.body for m in sby.replies[-3:])
    assert "2 penerima" in preview and "Kota Surabaya" in preview
    # by role: no kab/kota question, their own is taken
    await sby.send("/batal")
    await sby.send("/siaran")
    await sby.send("Rapat TKSK")
    await sby.click("Lanjut")
    await sby.click("Lewati")
    audience = sby.last_reply()
    assert audience.labels() == ["Relawan Kota Surabaya", "Relawan menurut peran"]
    await sby.click("Relawan menurut peran")
    await sby.click("^TKSK")
    assert "1 penerima" in "\n".join(m.body for m in sby.replies[-3:])
    # a forged button for all subscribers: refused, audited, asked again
    audience = (await sby.click("Ubah penerima"))[-1]
    replies = await sby.press(audience, "bc:aud:all")
    assert "hanya bisa mengirim kepada relawan kabupaten/kota Anda" in replies[-1].text
    assert replies[-1].labels() == ["Relawan Kota Surabaya", "Relawan menurut peran"]
    assert await app.services.broadcasts.repo.latest() is None
    assert await denied(app, OP_SBY, "broadcast.preview")


async def test_status_and_stop_see_the_region_only(app, officers, fake):
    svc = app.services.broadcasts
    soon = app.services.clock() + dt.timedelta(hours=3)
    own = await svc.create(OP_SBY, Draft("Rapat Surabaya", audience=volunteers(SBY)),
                           scheduled_at=soon)
    other = await svc.create(OP_MLG, Draft("Rapat Malang", audience=volunteers(MLG)),
                             scheduled_at=soon)
    everyone = await svc.create(ADMIN_ID, Draft("Untuk semua"), scheduled_at=soon)

    assert [r.id for r in await svc.recent(OP_SBY)] == [own]
    assert {r.id for r in await svc.recent(OP_ALL)} == {own, other, everyone}
    assert await svc.running_count(OP_SBY) == 1 and await svc.running_count(ADMIN_ID) == 3
    assert await svc.status(OP_SBY, other) is None
    assert (await svc.status(OP_SBY)).id == own  # "the latest" is their latest
    assert await denied(app, OP_SBY, "broadcast.status")

    sby = officers[OP_SBY]
    listing = (await sby.send("/siaran_status"))[-1]
    assert "Rapat Surabaya" in listing.text and "Rapat Malang" not in listing.text
    assert f"Hentikan #{other}" not in listing.labels()
    replies = await sby.send(f"/siaran_status {other}")
    assert f"Tidak ada siaran #{other}" in replies[-1].text
    replies = await sby.press(listing, f"bc:stop:{other}")
    assert f"Tidak ada siaran #{other}" in replies[-1].text
    assert (await svc.repo.get(other)).status == "scheduled"
    assert await denied(app, OP_SBY, "broadcast.stop")
    stopped, _ = await svc.cancel(OP_SBY, own)
    assert stopped and (await svc.repo.get(own)).status == "cancelled"


async def test_the_regional_status_list_pages(app, officers):
    svc = app.services.broadcasts
    soon = app.services.clock() + dt.timedelta(hours=3)
    for n in range(10):
        await svc.create(OP_SBY, Draft(f"Surabaya {n}", audience=volunteers(SBY)),
                         scheduled_at=soon)
        await svc.create(OP_MLG, Draft(f"Malang {n}", audience=volunteers(MLG)),
                         scheduled_at=soon)
    sby: ChatClient = officers[OP_SBY]
    first = (await sby.send("/siaran_status"))[-1]
    assert first.text.startswith("Siaran 1-8 dari 10") and "Malang" not in first.text
    second = (await sby.click("Berikutnya »"))[-1]
    assert second.text.startswith("Siaran 9-10 dari 10") and "Surabaya 0" in second.text
    assert "Malang" not in second.text


async def test_the_staff_home_counts_the_region_only(app, officers, tickets):
    svc = app.services.broadcasts
    soon = app.services.clock() + dt.timedelta(hours=3)
    await svc.create(OP_MLG, Draft("Rapat Malang", audience=volunteers(MLG)), scheduled_at=soon)
    await svc.create(OP_SBY, Draft("Rapat Surabaya", audience=volunteers(SBY)),
                     scheduled_at=soon)
    await svc.create(ADMIN_ID, Draft("Untuk semua"), scheduled_at=soon)
    text = (await officers[OP_SBY].send("/petugas"))[-1].text
    assert "• pertanyaan menunggu petugas: 1" in text
    assert "• siaran sedang dikirim atau terjadwal: 1" in text
    text = (await officers[OP_ALL].send("/petugas"))[-1].text
    assert "• pertanyaan menunggu petugas: 3" in text
    assert "• siaran sedang dikirim atau terjadwal: 3" in text
