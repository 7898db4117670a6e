"""`dinsos-bot skm report` and `dinsos-bot skm export`: the satisfaction index for staff.

    dinsos-bot skm report [--unit CODE] [--period 2026-Q4|2026-11] [--json]
    dinsos-bot skm export [--period ...] [--unit CODE] --format csv|xlsx --out FILE
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.core.clock import Clock, system_clock
from bot.core.errors import UserError
from bot.features.skm import files as skm_files
from bot.features.skm import ikm
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
        lines.append(f"  respondents: {u.respondents}   rejected repeats: {u.repeats}")
        r = u.result
        if r is None:
            lines.append("  IKM: no responses")
        else:
            lines.append(f"  IKM: {r.ikm}   mutu: {r.grade.mutu} ({r.grade.kinerja})")
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
    head = skm_files.header(service.content)
    body = skm_files.rows(service.content, responses, service.tz)
    if args.format == "csv":
        data = skm_files.csv_bytes(head, body)
    else:
        data = skm_files.xlsx_bytes(head, body, skm_files.summary_rows(report), f"SKM {p.code}")
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(f"{len(body)} responses for {p.code} written to {out}")
    return 0


def add_verbs(sub: argparse._SubParsersAction) -> None:
    skm = sub.add_parser("skm", help="satisfaction survey (SKM): the IKM report and the export",
                         description="The satisfaction index (IKM, PermenPANRB 14/2017) from the "
                                     "survey answers in the database.")
    verbs = skm.add_subparsers(dest="skm_verb", metavar="VERB")
    skm.set_defaults(func=lambda args, settings: (skm.print_help(), 2)[1])

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
