"""Texts of the SKM report outputs (charts, sheets, the public page), from the translator."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.core.datetimes import format_when
from bot.core.i18n import N_
from bot.features.skm import chart
from bot.features.skm.periods import Period
from bot.features.skm.reports import Report, UnitReport

ROMAN = ("I", "II", "III", "IV")
# The standard's kinerja names, as msgids (the standard's own Indonesian is the translation).
KINERJA = {"A": N_("Very good"), "B": N_("Good"), "C": N_("Not quite good"),
           "D": N_("Not good")}


def number(value, locale: str, places: int = 2) -> str:
    return format_decimal(value, "#,##0." + "0" * places, locale=locale)


def period_words(t, period: Period) -> str:
    """'Triwulan IV (Oktober–Desember 2026)', 'November 2026', 'Tahun 2026'."""
    loc = t.locale
    if period.kind == "month":
        return format_date(period.first_day, "MMMM y", locale=loc)
    if period.kind == "year":
        return t(N_("Year {year}")).format(year=period.year)
    months = "{}–{}".format(format_date(period.first_day, "MMMM", locale=loc),
                            format_date(period.last_day, "MMMM y", locale=loc))
    return t(N_("Quarter {roman} ({months})")).format(roman=ROMAN[period.number - 1],
                                                      months=months)


def period_button(t, period: Period) -> str:
    """A button for a period: 'Triwulan IV 2026', 'November 2026', 'Tahun 2026' (fits 24)."""
    if period.kind == "quarter":
        return t(N_("Quarter {roman} {year}")).format(roman=ROMAN[period.number - 1],
                                                      year=period.year)
    return period_words(t, period)


def period_short(t, period: Period) -> str:
    """A label for a trend axis: 'Nov 2026', 'TW IV 2026', '2026'."""
    if period.kind == "month":
        return format_date(period.first_day, "MMM y", locale=t.locale)
    if period.kind == "year":
        return str(period.year)
    return t(N_("Q{roman} {year}")).format(roman=ROMAN[period.number - 1], year=period.year)


def band_names(t) -> dict[str, str]:
    return {m: f"{m} {t(k)}" for m, k in KINERJA.items()}


def grade_text(t, u: UnitReport) -> str:
    """'IKM 81,11 · Mutu B (Baik) · 5 responden', or the sample warning instead of a grade."""
    loc = t.locale
    r = u.result
    n = t.ngettext("{n} respondent", "{n} respondents", u.respondents).format(n=u.respondents)
    if r is None:
        return n
    if u.graded is None:
        return t(N_("IKM {ikm} · sample not yet sufficient ({n} of the minimum {sample})")
                 ).format(ikm=number(r.ikm, loc), n=u.respondents, sample=u.min_sample)
    return "{} · {}".format(t(N_("IKM {ikm} · Mutu {mutu} ({kinerja})")).format(
        ikm=number(r.ikm, loc), mutu=r.grade.mutu, kinerja=t(KINERJA[r.grade.mutu])), n)


def source_line(t, now: dt.datetime) -> str:
    return t(N_("Source: SKM through the Dinsos Jatim bot, PermenPANRB 14/2017; made {when}")
             ).format(when=format_when(now, t.locale, now.tzinfo or dt.UTC))


def who(t, report: Report) -> str:
    if report.unit is not None:
        return report.unit.name
    if report.region is not None:  # a regional operator's: the units of their kab/kota
        return t(N_("All units in {region}")).format(region=report.region)
    return t(N_("All units"))


def nrr_chart_spec(t, report: Report, unsur_names: dict[str, str],
                   now: dt.datetime) -> chart.NrrChart:
    loc = t.locale
    u = report.main
    r = u.result
    assert r is not None  # the callers chart only a report with responses
    return chart.NrrChart(
        title="{} · {}".format(t(N_("Community Satisfaction Index")), who(t, report)),
        subtitle=f"{period_words(t, report.period)} · {grade_text(t, u)}",
        labels=chart.unsur_labels(unsur_names),
        values=[float(r.nrr[c]) for c in sorted(r.nrr)],
        axis=t(N_("Average score (scale 1–4)")),
        bands=band_names(t), source=source_line(t, now),
        number=lambda v: number(v, loc))


def trend_chart_spec(t, report: Report, points, now: dt.datetime) -> chart.TrendChart:
    loc = t.locale
    first, last = points[0].period, points[-1].period
    return chart.TrendChart(
        title="{} · {}".format(t(N_("IKM over time")), who(t, report)),
        subtitle=f"{period_words(t, first)} – {period_words(t, last)}",
        labels=[period_short(t, p.period) for p in points],
        values=[float(p.result.ikm) if p.result else None for p in points],
        counts=[p.respondents for p in points],
        axis=t(N_("IKM (25–100)")), gap=t(N_("no respondents")),
        bands=band_names(t), source=source_line(t, now),
        number=lambda v: number(v, loc))


def ranking_chart_spec(t, report: Report, units: list[UnitReport],
                       now: dt.datetime) -> chart.RankingChart:
    """The ranking of the units with responses (from trend.ranking)."""
    loc = t.locale
    notes = []
    values = []
    for u in units:
        assert u.result is not None  # the caller passes only units with responses
        values.append(float(u.result.ikm))
        note = f"n={u.respondents}"
        if u.graded is None:
            note += " · " + t(N_("sample not yet sufficient"))
        notes.append(note)
    return chart.RankingChart(
        title="{} · {}".format(t(N_("IKM per unit")), period_words(t, report.period)),
        subtitle=grade_text(t, report.overall) if report.overall.result else "",
        labels=[u.short for u in units],
        values=values,
        notes=notes, graded=[u.graded is not None for u in units],
        axis=t(N_("IKM (25–100)")), bands=band_names(t), source=source_line(t, now),
        number=lambda v: number(v, loc))
