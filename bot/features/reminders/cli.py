"""`dinsos-bot reminders add|list|cancel`: reminders for volunteers from the command line.

The running bot picks up reminders added or cancelled here within its sync interval (30 s).
"""

from __future__ import annotations

import argparse
import gettext
from typing import Any

from bot.core.clock import parse_iso
from bot.core.datetimes import parse_local_datetime
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.verbs import print_json, region_label
from bot.features.reminders.render import describe, local_time
from bot.features.reminders.schedule import ReminderError, parse_end_date
from bot.features.volunteers.service import ROLES, match_regions
from bot.services import Services, run_with_services
from bot.settings import Settings


def _role(services: Services, value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().lower().replace("-", "_").replace(" ", "_")
    if code not in ROLES:
        raise UserError(f"unknown role {value!r}: use one of {', '.join(ROLES)}")
    return code


def _region(services: Services, value: str | None) -> str | None:
    if value is None:
        return None
    found = match_regions(value, services.content.regions)
    if len(found) == 1:
        return found[0].code
    if found:
        names = ", ".join(f"{r.code} {r.label()}" for r in found)
        raise UserError(f"kab/kota {value!r} is ambiguous: {names}")
    raise UserError(f"unknown kab/kota {value!r}: use a code such as 3578 or a name such as "
                    "Surabaya")


def _reminders_add(args: argparse.Namespace, settings: Settings) -> int:
    async def work(services: Services) -> int:
        at = None
        if args.at is not None:
            at = parse_local_datetime(args.at, settings.tz)
            if at is None:
                raise UserError(f"cannot read the date-time {args.at!r}: use ISO-8601 such as "
                                "2026-11-05T08:00 (in TIMEZONE unless it has an offset)")
        until = None
        if args.until is not None:
            until = parse_end_date(args.until)
            if until is None:
                raise UserError(f"cannot read the end date {args.until!r}: use 2026-12-31 or "
                                "31-12-2026")
        try:
            reminder = await services.reminders.create(
                None, text=args.text, role=_role(services, args.role),
                region_code=_region(services, args.region), at=at, cron=args.cron,
                text_jv=args.text_jv, ends_on=until, trusted=True)
        except ReminderError as exc:
            raise UserError(str(exc)) from None
        nxt = services.reminders.next_occurrence(reminder)
        print(f"reminder #{reminder.id} added; first time "
              f"{local_time(nxt, settings.tz) if nxt else '-'} (the running bot picks it up "
              "within 30 seconds)")
        return 0

    return run_with_services(settings, work)


def _reminders_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(services: Services) -> int:
        t = Translator("en", gettext.NullTranslations())  # the terminal reads English
        out: list[dict[str, Any]] = []  # one JSON object per reminder
        for s in await services.reminders.overview():
            r = s.reminder
            runs = await services.store.reminders.runs(r.id, limit=1000)
            out.append({
                "id": r.id, "text": r.text, "text_jv": r.text_jv, "status": r.state,
                "ends_on": r.ends_on, "role": r.role,
                "region_code": r.region_code, "kind": r.kind, "at": r.at, "cron": r.cron,
                "schedule": describe(t, r, settings.tz),
                "next": s.next_at.isoformat() if s.next_at else None,
                "deliveries": s.deliveries,
                "missed": sorted(x.occurrence for x in runs if x.status == "missed"),
                "sent_occurrences": s.runs.get("sent", 0) + s.runs.get("sending", 0),
            })
        if args.json:
            print_json(out)
            return 0
        if not out:
            print("no reminders")
            return 0
        for item in out:
            region = region_label(services.content, item["region_code"])
            audience = ", ".join(x for x in (item["role"], region) if x) or "all volunteers"
            nxt = local_time(parse_iso(item["next"]), settings.tz) if item["next"] else "-"
            d = item["deliveries"]
            print(f"#{item['id']} [{item['status']}] {item['schedule']}; {audience}; next {nxt}")
            print(f"    {item['text'][:100]}")
            print(f"    received {d.get('sent', 0) + d.get('done', 0)}, done {d.get('done', 0)}, "
                  f"blocked {d.get('blocked', 0)}, failed {d.get('failed', 0)}, "
                  f"missed occurrences {len(item['missed'])}")
            for occ in item["missed"][-5:]:
                print(f"    missed: {local_time(parse_iso(occ), settings.tz)}")
        return 0

    return run_with_services(settings, work)


def _reminders_cancel(args: argparse.Namespace, settings: Settings) -> int:
    async def work(services: Services) -> int:
        reminder = await services.reminders.get(args.id)
        if reminder is None:
            raise UserError(f"there is no reminder #{args.id}")
        if not await services.reminders.cancel(None, args.id, trusted=True):
            raise UserError(f"reminder #{args.id} is not active (it is {reminder.status})")
        print(f"reminder #{args.id} cancelled (the running bot drops it within 30 seconds)")
        return 0

    return run_with_services(settings, work)


def _reminders_pause(args: argparse.Namespace, settings: Settings) -> int:
    async def work(services: Services) -> int:
        reminder = await services.reminders.get(args.id)
        if reminder is None:
            raise UserError(f"there is no reminder #{args.id}")
        svc = services.reminders
        done = await (svc.pause(None, args.id, trusted=True) if args.action == "pause"
                      else svc.resume(None, args.id, trusted=True))
        if not done:
            raise UserError(f"reminder #{args.id} is {reminder.state}; nothing changed")
        print(f"reminder #{args.id} {'paused' if args.action == 'pause' else 'resumed'} (the "
              "running bot follows within 30 seconds)")
        return 0

    return run_with_services(settings, work)


def add_verbs(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reminders",
                       help="reminders for volunteers: add, list, pause, resume, cancel",
                       description="Reminders for approved volunteers. Times are in TIMEZONE.")
    verbs = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    r = verbs.add_parser(
        "add", help="add a reminder",
        description="Add a reminder for all approved volunteers, or a role and/or kab/kota. "
                    "--cron is standard crontab (minute hour day month weekday; 0 = Sunday).")
    r.add_argument("--text", required=True, help="the reminder text")
    when = r.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", metavar="ISO", help="once, e.g. 2026-11-05T08:00")
    when.add_argument("--cron", metavar="CRON", help='recurring, e.g. "0 7 * * 1-5"')
    r.add_argument("--role", help=f"only this role: {', '.join(ROLES)}")
    r.add_argument("--region", metavar="CODE", help="only this kab/kota (code or name)")
    r.add_argument("--text-jv", metavar="TEXT",
                   help="the text for volunteers who use Javanese (default: --text)")
    r.add_argument("--until", metavar="DATE",
                   help="a recurring reminder's last day, e.g. 2026-12-31 (in TIMEZONE)")
    r.set_defaults(func=_reminders_add)
    r = verbs.add_parser("list", help="list reminders with their deliveries and missed times")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=_reminders_list)
    r = verbs.add_parser("cancel", help="cancel a reminder")
    r.add_argument("id", type=int, metavar="ID")
    r.set_defaults(func=_reminders_cancel)
    for verb, text in (("pause", "pause a reminder (nothing is sent until resumed)"),
                       ("resume", "resume a paused reminder (from now on)")):
        r = verbs.add_parser(verb, help=text)
        r.add_argument("id", type=int, metavar="ID")
        r.set_defaults(func=_reminders_pause)
