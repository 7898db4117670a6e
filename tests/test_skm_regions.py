"""/ikm for staff: units by buttons (page by page) or by a typed name; a regional operator sees
the IKM, coverage, exports and posters of the units of their kab/kota only, checked in the
service and audited."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from bot.content import ContentError, load_content
from bot.features.skm.service import Period
from bot.features.staff.service import PermissionDenied
from tests.conftest import choose_language
from tests.skm_kit import seed

PASURUAN = {"PSTW-PSR", "RSBD-PSR", "RSBRW-PSR", "RSBL-PSR"}  # Kab. Pasuruan (3514)


async def operator(app, client, user_id: int, region: str | None):
    await app.services.staff.add_member(None, user_id, "operator", region_code=region,
                                        name=f"Operator {user_id}")
    return await choose_language(client(user_id, first_name="Op", language_code="id"), "id")


def unit_buttons(msg) -> list[tuple[str, str]]:
    return [(label, data) for label, data in msg.buttons()
            if data.startswith("ikm:u:") and data != "ikm:u:ALL"]


async def every_unit_in_the_picker(person, first) -> list[str]:
    """Turn the picker's pages as a person would; the unit codes in the order shown."""
    seen, msg, next_page = [], first, await person.tr("Next »")
    for _ in range(10):
        assert len(unit_buttons(msg)) <= 8
        seen += [data.split(":")[2] for _, data in unit_buttons(msg)]
        nxt = [d for label, d in msg.buttons() if label == next_page]
        if not nxt:
            return seen
        msg = (await person.press(msg, nxt[0]))[-1]
    raise AssertionError("the pages never end")


async def audit(app, prefix: str) -> list[dict]:
    return await app.services.store.audit.recent(50, action_prefix=prefix)


def test_every_unit_has_the_kemendagri_code_of_its_town():
    content = load_content(Path("content"))
    names = {r.code: r.name for r in content.regions}
    assert len(content.units) >= 29
    assert all(names[u.region] == u.city for u in content.units)
    assert {u.code for u in content.units if u.region == "3514"} == PASURUAN


def test_a_unit_with_a_region_of_another_town_is_refused(tmp_path):
    import shutil

    shutil.copytree("content", tmp_path / "content")
    units = tmp_path / "content" / "units.yaml"
    units.write_text(units.read_text().replace(
        "city: Magetan, region: '3520'", "city: Magetan, region: '3578'"))
    with pytest.raises(ContentError, match=r"PSTW-MGT.*Surabaya, not the unit.s town Magetan"):
        load_content(tmp_path / "content")


async def test_every_unit_is_reachable_page_by_page(admin, app):
    first = (await admin.send("/ikm"))[-1]
    assert "Halaman 1 dari 4" in first.text
    assert "units.yaml" not in first.text
    seen = await every_unit_in_the_picker(admin, first)
    assert seen == [u.code for u in app.services.content.units]


async def test_a_typed_name_finds_the_units_and_the_report_follows(admin, app):
    await seed(app.services.store, 2001, "PSTW-PSR", [4] * 9)
    replies = await admin.send("/ikm pasuruan")
    msg = replies[-1]
    assert "cocok dengan yang Anda ketik" in msg.text
    assert {d.split(":")[2] for _, d in unit_buttons(msg)} == PASURUAN
    await admin.click("PSTW Pasuruan")
    periods = admin.last_reply()
    assert "periode mana" in periods.text
    assert all(len(label) <= 24 for label in periods.labels())
    replies = await admin.click("November 2026")
    assert "<b>PSTW Pasuruan</b>" in replies[0].text and "PSTW-PSR" not in replies[0].text
    assert "IKM 100,00" in replies[0].text
    # one match and a period: the report at once; a typo is forgiven
    replies = await admin.send("/ikm magetn 2026-11")
    assert "<b>PSTW Magetan</b>" in replies[0].text and "0 responden" in replies[0].text


async def test_a_regional_operator_sees_only_their_units(app, client):
    store = app.services.store
    await seed(store, 2001, "PSTW-PSR", [4] * 9)
    await seed(store, 2002, "RSBD-PSR", [2] * 9)
    await seed(store, 2003, "RSBN-MLG", [1] * 9)   # Kab. Malang: not theirs
    await seed(store, 2004, "DINSOS", [1] * 9)     # Kota Surabaya: not theirs
    sri = await operator(app, client, 7001, "3514")
    picker = (await sri.send("/ikm"))[-1]
    assert "Unit di Kab. Pasuruan: 4" in picker.text
    assert set(await every_unit_in_the_picker(sri, picker)) == PASURUAN
    await sri.tap("All units")
    replies = await sri.tap("Quarter {roman} {year}", roman="IV", year=2026)
    body = "\n".join(m.text for m in replies if m.kind == "text")
    assert "Semua unit di Kab. Pasuruan" in body and "2 responden" in body
    assert "IKM 75,00" in body                      # (4 + 2) / 2 * 25, Malang's 1s left out
    assert "RSBN" not in body and "Kantor Dinsos" not in body
    assert "(2): RSBRW Pasuruan, RSBL Pasuruan" in body  # silent units: theirs only
    docs = {m.filename: m for m in replies if m.kind == "document"}
    rows = list(openpyxl.load_workbook(io.BytesIO(docs["skm-2026-Q4.xlsx"].content))
                ["Responden"].iter_rows(values_only=True))
    assert sorted(r[1] for r in rows[1:]) == ["PSTW-PSR", "RSBD-PSR"]
    ok = await audit(app, "skm.report")
    assert ok[0]["actor_id"] == 7001 and ok[0]["outcome"] == "ok"


async def test_another_regions_unit_is_refused_in_the_service_and_audited(app, client):
    await seed(app.services.store, 2003, "RSBN-MLG", [1] * 9)
    sri = await operator(app, client, 7001, "3514")
    # typed, and forged buttons: report, periods, poster, population
    replies = await sri.send("/ikm RSBN-MLG 2026-Q4")
    assert replies[-1].text.startswith("Unit itu di luar wilayah Anda")
    assert not [m for m in replies if m.kind != "text"]
    picker = (await sri.send("/ikm"))[-1]
    for data in ("ikm:r:RSBN-MLG:2026-Q4", "ikm:u:RSBN-MLG", "ikm:q:RSBN-MLG",
                 "ikm:n:RSBN-MLG:2026-Q4", "ikmn:u:RSBN-MLG"):
        replies = await sri.press(picker, data)
        assert not [m for m in replies if m.kind != "text"]
        assert "RSBN" not in "".join(m.text or "" for m in replies)
    denied = [a for a in await audit(app, "skm.") if a["outcome"] == "denied"]
    assert {(a["action"], a["target"]) for a in denied} == {
        ("skm.report", "RSBN-MLG"), ("skm.poster", "RSBN-MLG"),
        ("skm.population", "RSBN-MLG")}
    assert all(a["actor_id"] == 7001 for a in denied)
    svc = app.services.survey
    with pytest.raises(PermissionDenied):
        await svc.report_for(7001, Period.parse("2026-Q4"), "RSBN-MLG")
    with pytest.raises(PermissionDenied):
        await svc.set_population(7001, "RSBN-MLG", Period.parse("2026-Q4"), 100)
    assert await app.services.store.skm.populations("2026-Q4") == {}


async def test_regions_side_by_side(app, client):
    store = app.services.store
    for n, unit in enumerate(["PSTW-PSR", "RSBN-MLG", "DINSOS", "PRSMP-SBY"]):
        await seed(store, 2001 + n, unit, [3] * 9)
    svc = app.services.survey
    await operator(app, client, 7001, "3514")   # Kab. Pasuruan
    await operator(app, client, 7002, "3578")   # Kota Surabaya
    await operator(app, client, 7003, "3575")   # Kota Pasuruan: no unit there
    await operator(app, client, 7004, None)     # the whole province
    q4 = Period.parse("2026-Q4")
    sby = await svc.report_for(7002, q4)
    assert {u.code for u in sby.units} == {"DINSOS", "PRSMP-SBY"}
    assert sby.overall.respondents == 2 and sby.region == "Kota Surabaya"
    # the chart's title and the workbook's name the region, not the whole office
    from bot.features.skm import render, workbook

    assert render.who(app.services.i18n.translator("jv"), sby) == \
        "Sedaya unit ing Kota Surabaya"
    data = workbook.xlsx_bytes(app.services.content, sby, await svc.report_responses(sby),
                               svc.tz, app.services.clock())
    summary = openpyxl.load_workbook(io.BytesIO(data))["Ringkasan"]
    assert summary["A2"].value == "Semua unit di Kota Surabaya"
    assert {u.code for u in (await svc.report_for(7001, q4)).units} == {"PSTW-PSR"}
    assert (await svc.report_for(7003, q4)).overall.respondents == 0
    assert await svc.units_for(7003) == []
    province = await svc.report_for(7004, q4)
    assert province.overall.respondents == 4 and province.region is None
    assert len(await svc.units_for(7004)) == len(app.services.content.units)
    assert len(await svc.units_for(9001)) == len(app.services.content.units)  # admin


async def test_an_operator_of_a_region_without_units_is_told_so(app, client):
    op = await operator(app, client, 7003, "3575")
    replies = await op.send("/ikm")
    assert "Belum ada unit layanan di Kota Pasuruan" in replies[-1].text


async def test_a_regional_operators_poster_is_of_their_unit(app, client, fake):
    sri = await operator(app, client, 7001, "3514")
    picker = (await sri.send("/ikm"))[-1]
    replies = await sri.press(picker, "ikm:q:PSTW-PSR")
    assert [m.filename for m in replies if m.kind == "document"] == [
        "poster-skm-PSTW-PSR.pdf", "poster-skm-PSTW-PSR.png"]
    made = await audit(app, "skm.poster")
    assert (made[0]["target"], made[0]["outcome"]) == ("PSTW-PSR", "ok")
