"""A unit's population (beneficiaries served) for coverage and the minimum sample: set for a
month, a quarter or a year, in the chat with buttons or on the command line; a longer period
with no value of its own takes the latest value set inside it."""

from __future__ import annotations

from bot.features.skm import ikm
from bot.features.skm.periods import Period
from bot.features.skm.reports import choose_population
from tests.conftest import choose_language
from tests.skm_kit import seed


def test_the_value_of_the_period_itself_comes_first_then_the_latest_inside_it():
    q4, year = Period.parse("2026-Q4"), Period.parse("2026")
    months = {"2026-10": 100, "2026-11": 120}
    assert choose_population(q4, months, 50) == (120, Period.parse("2026-11"))
    assert choose_population(q4, {**months, "2026-Q4": 300}, 50) == (300, q4)
    assert choose_population(Period.parse("2026-12"), months, 50) == (50, None)  # content
    assert choose_population(Period.parse("2026-12"), months, None) == (None, None)
    # a year: its latest quarter (before that quarter's own last month), else the latest month
    assert choose_population(year, {"2026-Q3": 90, "2026-09": 95, "2026-02": 10}, None) == \
        (90, Period.parse("2026-Q3"))
    assert choose_population(year, {"2026-Q2": 70, "2026-11": 120}, None) == \
        (120, Period.parse("2026-11"))
    # a month is never used for another quarter or year
    assert choose_population(Period.parse("2026-Q3"), months, None) == (None, None)
    assert choose_population(Period.parse("2025"), months, None) == (None, None)


async def test_a_month_population_serves_the_quarter_and_the_year_reports(app, admin):
    svc = app.services.survey
    for n in range(3):
        await seed(app.services.store, 2001 + n, "PSBR-JBG", [3] * 9)
    await svc.set_population(None, "PSBR-JBG", Period.parse("2026-10"), 40, trusted=True)
    await svc.set_population(None, "PSBR-JBG", Period.parse("2026-11"), 60, trusted=True)
    for code in ("2026-11", "2026-Q4", "2026"):
        u = (await svc.report(Period.parse(code), "PSBR-JBG")).main
        assert (u.population, u.min_sample) == (60, ikm.krejcie_morgan(60))
    replies = await admin.send("/ikm PSBR-JBG 2026-Q4")
    assert "Cakupan: 3 dari 60 penerima layanan" in replies[0].text
    assert "(populasi yang diisi untuk November 2026)" in replies[0].text
    replies = await admin.send("/ikm PSBR-JBG 2026-11")
    assert "Cakupan: 3 dari 60" in replies[0].text and "populasi yang diisi" not in \
        replies[0].text  # set for this very month: nothing to explain
    u = (await svc.report(Period.parse("2026-10"), "PSBR-JBG")).main
    assert u.population == 40


async def test_staff_set_a_population_with_buttons_unit_then_period(app, admin):
    picker = (await admin.send("/ikm"))[-1]
    replies = await admin.press(picker, "ikmn:p:0")
    msg = replies[-1]
    assert "Populasi (jumlah penerima layanan): unit mana?" in msg.text
    units = [label for label, d in msg.buttons() if d.startswith("ikmn:u:")]
    assert len(units) == 8 and await admin.tr("All units") not in msg.labels()
    # the unit on a later page, reached as a person would
    for _ in range(4):
        if "PSTW Jember" in admin.last_reply().labels():
            break
        await admin.tap("Next »")
    await admin.click("PSTW Jember")
    periods = admin.last_reply()
    assert "populasi periode mana" in periods.text
    quarter, year = "Quarter {roman} {year}", "Year {year}"
    assert periods.labels() == [  # the months are Babel's names, the rest msgids
        "November 2026", "Oktober 2026", await admin.tr(quarter, roman="IV", year=2026),
        await admin.tr(quarter, roman="III", year=2026), await admin.tr(year, year=2026),
        await admin.tr(year, year=2025)]
    await admin.click("Oktober 2026")
    replies = await admin.send("1.250")
    assert "1250" in replies[-1].text.replace(".", "")
    assert await app.services.store.skm.populations("2026-10") == {"PSTW-JBR": 1250}
    log = await app.services.store.audit.recent(5, action_prefix="skm.population")
    assert log[0]["target"] == "PSTW-JBR" and log[0]["actor_id"] == 9001


async def test_a_regional_operator_sets_populations_only_for_their_units(app, client):
    await app.services.staff.add_member(None, 7001, "operator", region_code="3509")
    op = await choose_language(client(7001, first_name="Op", language_code="id"), "id")
    picker = (await op.send("/ikm"))[-1]
    msg = (await op.press(picker, "ikmn:p:0"))[-1]
    assert [d for _, d in msg.buttons() if d.startswith("ikmn:u:")] == ["ikmn:u:PSTW-JBR"]
    await op.click("PSTW Jember")
    await op.tap("Quarter {roman} {year}", roman="IV", year=2026)
    await op.send("300")
    assert await app.services.store.skm.populations("2026-Q4") == {"PSTW-JBR": 300}
