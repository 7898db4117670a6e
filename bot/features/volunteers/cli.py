"""`dinsos-bot volunteers ...` and `dinsos-bot reminders ...`: the staff's command line.

The running bot picks up reminders added or cancelled here within its sync interval (30 s),
and tells volunteers approved here that they were approved.
"""

from __future__ import annotations

import argparse
import asyncio
import gettext
import json
from collections.abc import Awaitable, Callable
from typing import Any

from bot.cli import UserError
from bot.content import load_content
from bot.core.clock import parse_iso, system_clock
from bot.core.i18n import I18n, Translator
from bot.features.reminders.service import (
    ReminderError,
    ReminderService,
    describe,
    local_time,
    parse_local_datetime,
)
from bot.features.staff.service import StaffService
from bot.features.volunteers.service import ROLES, VolunteerService, match_regions
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.store import Store


class _Tools:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.content = load_content(settings.content_dir)
        self.store = Store(db)
        staff = StaffService(self.store, settings.admin_ids, system_clock)
        self.volunteers = VolunteerService(self.store, staff, system_clock, self.content.regions)
        self.i18n = I18n(settings.locales_dir, "id")

        async def locale_for(_: int) -> str:
            return "id"

        self.reminders = ReminderService(
            self.store, staff, system_clock, tz=settings.tz, grace=settings.reminder_grace,
            regions=self.content.regions, translator=self.i18n.translator,
            locale_for=locale_for)

    def region_label(self, code: str | None) -> str:
        region = self.content.region(code or "")
        return region.label() if region else (code or "")


def _run(settings: Settings, work: Callable[[_Tools], Awaitable[int]]) -> int:
    async def go() -> int:
        db = Database(settings.database_path)
        await db.connect()
        try:
            return await work(_Tools(settings, db))
        finally:
            await db.close()

    return asyncio.run(go())


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# -- volunteers -----------------------------------------------------------------------------------
def _volunteers_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(tools: _Tools) -> int:
        rows = await tools.volunteers.list(args.status)
        if args.json:
            _print_json([{"telegram_id": v.user_id, "name": v.name, "role": v.role,
                          "region_code": v.region_code,
                          "region": tools.region_label(v.region_code), "phone": v.phone,
                          "status": v.status, "requested_at": v.requested_at,
                          "decided_at": v.decided_at, "decided_by": v.decided_by}
                         for v in rows])
            return 0
        if not rows:
            print("no volunteers")
            return 0
        for v in rows:
            print(f"{v.user_id:>12}  {v.status:<8}  {v.role:<13}  "
                  f"{tools.region_label(v.region_code):<22}  {v.name}  {v.phone or '-'}")
        return 0

    return _run(settings, work)


def _volunteers_decide(approve: bool) -> Callable[[argparse.Namespace, Settings], int]:
    def verb(args: argparse.Namespace, settings: Settings) -> int:
        async def work(tools: _Tools) -> int:
            decision = await tools.volunteers.decide(None, args.telegram_id, approve,
                                                     trusted=True)
            if decision.result == "unknown":
                raise UserError(f"no volunteer registration for Telegram id {args.telegram_id}")
            status = decision.volunteer.status if decision.volunteer else "?"
            if decision.result == "already":
                print(f"{args.telegram_id} is already {status}")
            else:
                print(f"{args.telegram_id} is now {status}; the bot will tell them")
            return 0

        return _run(settings, work)

    return verb


# -- reminders ------------------------------------------------------------------------------------
def _role(tools: _Tools, value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().lower().replace("-", "_").replace(" ", "_")
    if code not in ROLES:
        raise UserError(f"unknown role {value!r}: use one of {', '.join(ROLES)}")
    return code


def _region(tools: _Tools, value: str | None) -> str | None:
    if value is None:
        return None
    found = match_regions(value, tools.content.regions)
    if len(found) == 1:
        return found[0].code
    if found:
        names = ", ".join(f"{r.code} {r.label()}" for r in found)
        raise UserError(f"kab/kota {value!r} is ambiguous: {names}")
    raise UserError(f"unknown kab/kota {value!r}: use a code such as 3578 or a name such as "
                    "Surabaya")


def _reminders_add(args: argparse.Namespace, settings: Settings) -> int:
    async def work(tools: _Tools) -> int:
        at = None
        if args.at is not None:
            at = parse_local_datetime(args.at, settings.tz)
            if at is None:
                raise UserError(f"cannot read the date-time {args.at!r}: use ISO-8601 such as "
                                "2026-11-05T08:00 (in TIMEZONE unless it has an offset)")
        try:
            reminder = await tools.reminders.create(
                None, text=args.text, role=_role(tools, args.role),
                region_code=_region(tools, args.region), at=at, cron=args.cron, trusted=True)
        except ReminderError as exc:
            raise UserError(str(exc)) from None
        nxt = tools.reminders.next_occurrence(reminder)
        print(f"reminder #{reminder.id} added; first time "
              f"{local_time(nxt, settings.tz) if nxt else '-'} (the running bot picks it up "
              "within 30 seconds)")
        return 0

    return _run(settings, work)


def _reminders_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(tools: _Tools) -> int:
        t = Translator("en", gettext.NullTranslations())  # the terminal reads English
        out = []
        for s in await tools.reminders.overview():
            r = s.reminder
            runs = await tools.store.reminders.runs(r.id, limit=1000)
            out.append({
                "id": r.id, "text": r.text, "status": r.status, "role": r.role,
                "region_code": r.region_code, "kind": r.kind, "at": r.at, "cron": r.cron,
                "schedule": describe(t, r, settings.tz),
                "next": s.next_at.isoformat() if s.next_at else None,
                "deliveries": s.deliveries,
                "missed": sorted(x.occurrence for x in runs if x.status == "missed"),
                "sent_occurrences": s.runs.get("sent", 0) + s.runs.get("sending", 0),
            })
        if args.json:
            _print_json(out)
            return 0
        if not out:
            print("no reminders")
            return 0
        for item in out:
            audience = ", ".join(x for x in (item["role"], tools.region_label(
                item["region_code"])) if x) or "all volunteers"
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

    return _run(settings, work)


def _reminders_cancel(args: argparse.Namespace, settings: Settings) -> int:
    async def work(tools: _Tools) -> int:
        reminder = await tools.reminders.get(args.id)
        if reminder is None:
            raise UserError(f"there is no reminder #{args.id}")
        if not await tools.reminders.cancel(None, args.id, trusted=True):
            raise UserError(f"reminder #{args.id} is not active (it is {reminder.status})")
        print(f"reminder #{args.id} cancelled (the running bot drops it within 30 seconds)")
        return 0

    return _run(settings, work)


def add_verbs(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("volunteers", help="volunteer registrations: list, approve, reject",
                       description="Volunteer (relawan) registrations.")
    verbs = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    v = verbs.add_parser("list", help="list registrations")
    v.add_argument("--json", action="store_true", help="print JSON")
    v.add_argument("--status", choices=("pending", "approved", "rejected"),
                   help="only this status")
    v.set_defaults(func=_volunteers_list)
    v = verbs.add_parser("approve", help="approve a registration (the bot tells the volunteer)")
    v.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    v.set_defaults(func=_volunteers_decide(True))
    v = verbs.add_parser("reject", help="reject a pending registration")
    v.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    v.set_defaults(func=_volunteers_decide(False))

    p = sub.add_parser("reminders", help="reminders for volunteers: add, list, cancel",
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
    r.set_defaults(func=_reminders_add)
    r = verbs.add_parser("list", help="list reminders with their deliveries and missed times")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=_reminders_list)
    r = verbs.add_parser("cancel", help="cancel a reminder")
    r.add_argument("id", type=int, metavar="ID")
    r.set_defaults(func=_reminders_cancel)
