"""/ikm's chat screens, from the reader's translator: the report as text, the unit picker
(page by page, or the units matching a typed name), the period picker and the buttons under a
report. A regional operator is shown the units of their kab/kota only (the service decides
which; these screens show what they are given)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from babel.numbers import format_percent

from bot.content import Unit
from bot.core import paging
from bot.core.datetimes import format_clock, format_day, format_when
from bot.core.i18n import N_, Translator
from bot.core.ui import keyboard
from bot.features.skm import ikm
from bot.features.skm.callbacks import IKM, IKM_POP
from bot.features.skm.periods import Period
from bot.features.skm.render import period_button, period_words
from bot.features.skm.reports import Report
from bot.features.skm.screens import number, period_label, svc_unit_short
from bot.features.skm.service import SurveyService
from bot.features.skm.trend import ranking


def all_units(t: Translator, region: str | None) -> str:
    """'All units', or 'All units in Kab. Pasuruan' for a regional operator."""
    if region is None:
        return t(N_("All units"))
    return t(N_("All units in {region}")).format(region=region)


def render_report(t: Translator, report: Report) -> list[str]:
    """The report as HTML messages (each under Telegram's limit); every text from a person or
    from content is escaped."""
    loc = t.locale
    e = html.escape
    heading = t(N_("Satisfaction index (IKM)"))
    lines = [f"<b>{e(heading)}</b>",
             e(t(N_("Period: {period} ({label})")).format(
                 period=report.period.code, label=period_label(report.period, loc))), ""]

    def block(u, title: str) -> list[str]:
        r = u.result
        out = [f"<b>{e(title)}</b>"]
        out.append(e(t.ngettext("{n} respondent", "{n} respondents", u.respondents)
                     .format(n=u.respondents)))
        if r is not None and u.graded is not None:
            out.append(e(t(N_("IKM {ikm}: mutu {mutu} ({kinerja})")).format(
                ikm=number(r.ikm, loc), mutu=r.grade.mutu, kinerja=r.grade.kinerja)))
        elif r is not None:
            out.append(e(t(N_("IKM {ikm}: sample not yet sufficient ({n} of the minimum "
                              "{sample}), so no grade yet")).format(
                ikm=number(r.ikm, loc), n=u.respondents, sample=u.min_sample)))
        if r is not None:
            out.append("NRR: " + " · ".join(
                f"{c} {number(ikm.round2(r.nrr[c]), loc)}" for c in ikm.UNSUR_CODES))
        if u.min_sample is not None:
            out.append(e(t(N_("Coverage: {n} of {population} beneficiaries ({share}); minimum "
                              "sample (Krejcie-Morgan) {sample}")).format(
                n=u.respondents, population=u.population, sample=u.min_sample,
                share=format_percent(u.coverage, "#,##0.0%", locale=loc))))
            if u.population_from is not None and u.population_from != report.period:
                out.append(e(t(N_("(the population set for {period})")).format(
                    period=period_words(t, u.population_from))))
        elif u.code != "ALL":
            out.append(e(t(N_("Population not set for this period, so the minimum sample is "
                              "unknown."))))
        if u.assisted:
            out.append(e(t(N_("Assisted by volunteers: {n}")).format(n=u.assisted)))
        if u.repeats:
            out.append(e(t(N_("Rejected repeat attempts: {n}")).format(n=u.repeats)))
        return out

    chunks: list[list[str]] = [lines]
    if report.unit is not None:
        chunks[0] += block(report.main, report.unit.short)
    else:
        chunks[0] += block(report.overall, all_units(t, report.region))
        for rank, u in enumerate(ranking(report), 1):
            chunks.append(["", *block(u, f"{rank}. {u.short}")])
    if report.silent_units:
        names = ", ".join(svc_unit_short(report, c) for c in report.silent_units)
        chunks.append(["", e(t(N_("Units without responses in this period ({n}): {names}"))
                             .format(n=len(report.silent_units), names=names))])
    if report.volunteers:
        heading = t(N_("Assisted surveys per volunteer"))
        tail = ["", f"<b>{e(heading)}</b>"]
        for v in report.volunteers:
            line = t.ngettext("{name}: {n} response", "{name}: {n} responses",
                              v.responses).format(name=v.name, n=v.responses)
            if v.repeats:
                line += "; " + t(N_("{n} refused repeats")).format(n=v.repeats)
            if v.flagged:
                line += "; ⚠ " + t(N_("{n} in flagged runs")).format(n=v.flagged)
            tail.append("• " + e(line))
        if report.programs:
            tail.append(e(t(N_("By program: {programs}")).format(programs=", ".join(
                f"{name} {n}" for _, name, n in report.programs))))
        for f in report.flags:
            tail.append("⚠ " + e(t(N_(
                "Please check: {name} entered {count} identical answer sets between {start} and "
                "{end}.")).format(name=f.name, count=f.count,
                                  start=format_when(f.first, loc, f.first.tzinfo or dt.UTC),
                                  end=format_clock(f.last, f.last.tzinfo or dt.UTC))))
        chunks.append(tail)
    if report.suggestions:
        latest = t(N_("Latest suggestions"))
        tail = ["", f"<b>{e(latest)}</b>"]
        for code, day, text in report.suggestions:
            short = text if len(text) <= 300 else text[:300] + "…"
            name = report.unit_names.get(code, code)
            try:
                when = format_day(dt.date.fromisoformat(day), loc)
            except ValueError:
                when = day
            tail.append(f"• {e(name)}, {e(when)}: “{e(short)}”")
        chunks.append(tail)
    messages, current = [], ""
    for chunk in chunks:
        piece = "\n".join(chunk)
        if current and len(current) + len(piece) + 1 > 3900:
            messages.append(current)
            current = piece.lstrip("\n")
        else:
            current = f"{current}\n{piece}" if current else piece
    if current:
        messages.append(current)
    return messages


def unit_picker(t: Translator, units: Sequence[Unit], page: int = 0,
                region: str | None = None, *, population: bool = False, intro: str = ""):
    """The units a staff member may see, a page at a time. For a report the first page starts
    with "all units" and ends with a button to set a population; for a population each unit
    leads to the period."""
    prefix, action = (IKM_POP, "ikmn:u") if population else (IKM, "ikm:u")
    p = paging.page(list(units), page)
    rows = [[(t(N_("All units")), "ikm:u:ALL")]] if p.number == 0 and not population else []
    rows += [[(u.short, f"{action}:{u.code}")] for u in p.items]
    if nav := paging.pager_row(t, prefix, p):
        rows.append(nav)
    if not population:
        rows.append([(t(N_("Set a population")), f"{IKM_POP}:p:0")])
    if population:
        question = t(N_("Population (beneficiaries served): which unit?"))
    else:
        question = t(N_("Satisfaction index (IKM): which unit? Choose it below, or type "
                        "/ikm and its name, e.g. /ikm pasuruan."))
    parts = [intro, question]
    if region is not None:
        parts.append(t(N_("Units in {region}: {n}")).format(region=region, n=len(units)))
    parts.append(paging.page_caption(t, p))
    return "\n\n".join(x for x in parts if x), keyboard(rows)


def matches_picker(t: Translator, found: Sequence[Unit], period: Period | None):
    """The units matching a typed name: each opens its periods (or the report, when a period
    was typed too)."""
    target = (lambda u: f"ikm:r:{u.code}:{period.code}") if period is not None \
        else (lambda u: f"ikm:u:{u.code}")
    rows = [[(u.short, target(u))] for u in found]
    rows.append([(t(N_("Show all units")), f"{IKM}:p:0")])
    return t(N_("These units match what you typed. Which one?")), keyboard(rows)


def period_choices(svc: SurveyService) -> list[Period]:
    today = svc.today()
    month, quarter, year = Period.month_of(today), Period.quarter_of(today), \
        Period.year_of(today)
    return [month, month.previous(), quarter, quarter.previous(), year, year.previous()]


def period_picker(t: Translator, svc: SurveyService, unit_code: str,
                  region: str | None = None, *, population: bool = False):
    """The periods to report on (or to set a population for), two to a row."""
    action = "ikm:n" if population else "ikm:r"
    buttons = [(period_button(t, p), f"{action}:{unit_code}:{p.code}")
               for p in period_choices(svc)]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    unit = svc.content.unit(unit_code) if unit_code != "ALL" else None
    name = unit.name if unit else all_units(t, region)
    if population:
        return t(N_("{unit}: the population of which period?")).format(unit=name), \
            keyboard(rows)
    return t(N_("{unit}: which period?")).format(unit=name), keyboard(rows)


def report_buttons(t: Translator, report: Report):
    rows = [[(t(N_("Another unit or period")), f"{IKM}:p:0")]]
    if report.unit is not None:
        rows.insert(0, [(t(N_("QR poster for this unit")), f"ikm:q:{report.unit.code}")])
        rows.insert(0, [(t(N_("Set the population")),
                         f"ikm:n:{report.unit.code}:{report.period.code}")])
    return keyboard(rows)
