"""`dinsos-bot skm ...`: the satisfaction index for staff.

    dinsos-bot skm report [--unit CODE] [--period 2026-Q4|2026-11|2026] [--json]
    dinsos-bot skm export [--period ...] [--unit CODE] --format csv|xlsx --out FILE
    dinsos-bot skm population --unit CODE --period ... --set N
    dinsos-bot skm poster --unit CODE [--bot USERNAME] --out FOLDER
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.content import load_content
from bot.core.clock import Clock, system_clock
from bot.core.errors import UserError
from bot.core.verbs import verb_group
from bot.features.skm import ikm, poster, workbook
from bot.features.skm.service import Period, Report, SurveyService
from bot.services import Services, run_with_services
from bot.settings import Settings


def _period(text: str | None) -> Period | None:

    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _with_survey(settings: Settings, clock: Clock, work):
    """work(survey service, services) with the bot's own services, on an existing database."""
    return run_with_services(settings, lambda s: work(s.survey, s), clock=clock,
                             existing_database=True)


def _check_unit(service: SurveyService, code: str | None) -> str | None:

    if code is None:
        return None
    unit = service.content.unit(code)
    if unit is None:
        known = ", ".join(u.code for u in service.content.units[:5])
        raise UserError(f"unknown unit {code!r} (codes are in content/units.yaml, e.g. {known})")
    return unit.code


def render_text(report: Report) -> str:
    p = report.period
    lines = [f"SKM / IKM report, period {p.code} ({p.first_day} to {p.last_day})", ""]
    blocks = [report.main] if report.unit else [report.overall, *report.units]
    for u in blocks:
        title = "All units" if u.code == "ALL" else f"{u.code}  {u.name}"
        lines.append(title)
        lines.append(f"  respondents: {u.respondents}   rejected repeats: {u.repeats}   "
                     f"assisted by volunteers: {u.assisted}")
        r = u.result
        if r is None:
            lines.append("  IKM: no responses")
        elif u.graded is None:
            lines.append(f"  IKM: {r.ikm}   mutu: none, sampel belum cukup "
                         f"({u.respondents} of the minimum {u.min_sample})")
        else:
            lines.append(f"  IKM: {r.ikm}   mutu: {r.grade.mutu} ({r.grade.kinerja})")
        if r is not None:
            lines.append("  NRR: " + "  ".join(
                f"{c} {ikm.round_to(r.nrr[c], 4)}" for c in ikm.UNSUR_CODES))
        if u.min_sample is not None:
            reached = "reached" if u.respondents >= u.min_sample else "not reached"
            lines.append(f"  minimum sample (Krejcie-Morgan, population {u.population}): "
                         f"{u.min_sample}, {reached}")
        lines.append("")
    if report.silent_units:
        lines.append(f"Units without responses: {len(report.silent_units)} "
                     f"({', '.join(report.silent_units)})")
    if report.volunteers:
        lines.append("")
        lines.append("Assisted surveys per volunteer:")
        for v in report.volunteers:
            lines.append(f"  {v.name} ({v.volunteer_id}): {v.responses} responses, "
                         f"{v.repeats} refused repeats, {v.flagged} in flagged runs")
    for f in report.flags:
        lines.append(f"  CHECK: {f.name} entered {f.count} identical answer sets "
                     f"{f.first:%Y-%m-%d %H:%M}-{f.last:%H:%M}")
    return "\n".join(lines).rstrip() + "\n"


def _report(args: argparse.Namespace, settings: Settings) -> int:
    period = _period(args.period)

    async def work(service: SurveyService, _services: Services) -> Report:
        unit = _check_unit(service, args.unit)
        return await service.report(period or service.current_period(), unit, suggestions=0)

    report = _with_survey(settings, args.clock, work)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(render_text(report), end="")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:

    period = _period(args.period)
    out = Path(args.out)
    if not out.parent.exists():
        raise UserError(f"the folder {out.parent} does not exist")

    async def work(service: SurveyService, services: Services):
        unit = _check_unit(service, args.unit)
        p = period or service.current_period()
        responses = await service.responses(p, unit)
        report = await service.report(p, unit, suggestions=0)
        await services.staff.audit(None, "skm.export", target=p.code,
                                   detail={"unit": unit, "rows": len(responses),
                                           "format": args.format})
        return service, p, responses, report

    service, p, responses, report = _with_survey(settings, args.clock, work)
    if args.format == "csv":
        data = workbook.csv_bytes(service.content, responses, service.tz,
                                  {v.volunteer_id: v.name for v in report.volunteers})
    else:
        data = workbook.xlsx_bytes(service.content, report, responses, service.tz,
                                   args.clock())
    _write(out, data)
    print(f"{len(responses)} responses for {p.code} written to {out}")
    return 0


def _write(out: Path, data: bytes) -> None:
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)


def _population(args: argparse.Namespace, settings: Settings) -> int:
    period = _period(args.period)
    assert period is not None  # --period is required
    if args.set is not None and args.set <= 0:
        raise UserError("--set takes the number of beneficiaries, a whole number above 0")

    async def work(service: SurveyService, _services: Services):
        unit = _check_unit(service, args.unit)
        assert unit is not None  # --unit is required
        if args.set is not None:
            await service.set_population(None, unit, period, args.set, trusted=True)
        return await service.report(period, unit, suggestions=0)

    report = _with_survey(settings, args.clock, work)
    u = report.main
    if u.population is None:
        print(f"{u.code} {period.code}: population not set")
        return 0
    state = "reached" if u.sample_ok else "sampel belum cukup"
    print(f"{u.code} {period.code}: population {u.population}, minimum sample "
          f"(Krejcie-Morgan) {u.min_sample}, respondents {u.respondents}: {state}")
    return 0


def _poster(args: argparse.Namespace, settings: Settings) -> int:
    username = (args.bot or settings.bot_username or "").lstrip("@")
    if not username:
        raise UserError("say the bot's username with --bot USERNAME (or set BOT_USERNAME): "
                        "the QR code links to https://t.me/<username>?start=skm_<unit>")
    content = load_content(settings.content_dir)
    folder = Path(args.out)
    if not folder.is_dir():
        raise UserError(f"the folder {folder} does not exist")
    codes = [u.code for u in content.units] if args.unit.upper() == "ALL" else [args.unit]
    for code in codes:
        unit = content.unit(code)
        if unit is None:
            known = ", ".join(u.code for u in content.units[:5])
            raise UserError(f"unknown unit {code!r} (codes are in content/units.yaml, e.g. "
                            f"{known}, or ALL)")
        pdf, png = poster.poster(unit, username, content.skm)
        _write(folder / f"poster-skm-{unit.code}.pdf", pdf)
        _write(folder / f"poster-skm-{unit.code}.png", png)
        print(f"{unit.code}: {poster.deep_link(username, unit.code)} -> "
              f"{folder / f'poster-skm-{unit.code}.pdf'} and .png")
    return 0


def _publish(args: argparse.Namespace, settings: Settings) -> int:
    from bot.features.skm import publish

    folder = Path(args.out)
    if not folder.is_dir():
        raise UserError(f"the folder {folder} does not exist")

    async def work(service: SurveyService, services: Services):
        p = _period(args.period) or service.current_period()
        return service, services.i18n, await service.report(p, None, suggestions=0)

    service, i18n, report = _with_survey(settings, args.clock, work)
    t = i18n.translator(args.language or settings.default_language)
    names = {u.code: u.name.get(t.locale) for u in service.skm.unsur}
    office = service.content.office.name.get(t.locale)
    text, pdf = publish.page(t, report, office, names, args.clock().astimezone(service.tz))
    base = folder / f"ikm-{report.period.code}"
    _write(base.with_suffix(".html"), text.encode("utf-8"))
    _write(base.with_suffix(".pdf"), pdf)
    print(f"public summary for {report.period.code}: {base}.html and {base}.pdf "
          f"({report.overall.respondents} respondents, no personal data)")
    return 0


def add_verbs(sub: argparse._SubParsersAction) -> None:
    verbs = verb_group(sub, "skm", help="satisfaction survey (SKM): the IKM report and the export",
                       description="The satisfaction index (IKM, PermenPANRB 14/2017) from the "
                                   "survey answers in the database.",
                       dest="skm_verb", metavar="VERB")

    p = verbs.add_parser("report", help="respondents, NRR per unsur, IKM and mutu per unit",
                         description="Per unit and period: respondents, NRR per unsur, IKM "
                                     "(exact 1/9 weights, rounded once to two decimals), mutu "
                                     "and kinerja, the Krejcie-Morgan minimum sample when the "
                                     "unit's population is known, and rejected repeats.")
    p.add_argument("--unit", help="a unit code from content/units.yaml (default: every unit)")
    p.add_argument("--period", help="a quarter like 2026-Q4 or a month like 2026-11 "
                                    "(default: the current quarter)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_report, clock=system_clock)

    p = verbs.add_parser("export", help="one row per response, as CSV or XLSX",
                         description="One row per response in the layout of the office's "
                                     "spreadsheets: unit, date, time, service, respondent fields, "
                                     "U1-U9, suggestion. XLSX adds a 'Rekap IKM' sheet.")
    p.add_argument("--period", help="a quarter like 2026-Q4 or a month like 2026-11 "
                                    "(default: the current quarter)")
    p.add_argument("--unit", help="only this unit's responses")
    p.add_argument("--format", choices=("csv", "xlsx"), required=True)
    p.add_argument("--out", required=True, help="the file to write")
    p.set_defaults(func=_export, clock=system_clock)

    p = verbs.add_parser("population", help="set or show a unit's population for a period",
                         description="The beneficiaries a unit served in a period: the base "
                                     "of the coverage and of the Krejcie-Morgan minimum sample. "
                                     "Under that minimum a unit is shown 'sampel belum cukup' "
                                     "instead of a grade.")
    p.add_argument("--unit", required=True, help="a unit code from content/units.yaml")
    p.add_argument("--period", required=True, help="2026-11, 2026-Q4 or 2026, as the report "
                                                   "is asked for")
    p.add_argument("--set", type=int, help="the number of beneficiaries (without it: show)")
    p.set_defaults(func=_population, clock=system_clock)

    p = verbs.add_parser("poster", help="a unit's A4 QR poster (PDF and PNG)",
                         description="A printable A4 poster per unit: its name, the QR code of "
                                     "https://t.me/<bot>?start=skm_<unit> and the instructions "
                                     "in Indonesian and Javanese (content/skm.yaml).")
    p.add_argument("--unit", required=True, help="a unit code, or ALL for every unit")
    p.add_argument("--bot", help="the bot's username (default: BOT_USERNAME)")
    p.add_argument("--out", default=".", help="the folder to write to (default: here)")
    p.set_defaults(func=_poster, clock=system_clock)

    p = verbs.add_parser("publish", help="the public summary of a period (HTML and PDF)",
                         description="A self-contained HTML page (and its PDF) with the IKM of "
                                     "the office and of every unit, for the office's website. "
                                     "No personal data: no suggestions, no respondents, no "
                                     "volunteers; units with few respondents show no figures.")
    p.add_argument("--period", help="2026-11, 2026-Q4 or 2026 (default: the current quarter)")
    p.add_argument("--out", default=".", help="the folder to write to (default: here)")
    p.add_argument("--language", choices=("id", "jv"), help="default: DEFAULT_LANGUAGE")
    p.set_defaults(func=_publish, clock=system_clock)
