"""`dinsos-bot staff add|remove|list`: manage staff from the server's command line.

The command line is trusted like the server it runs on (actor None in the audit log); every
change is still written to the audit log.
"""

from __future__ import annotations

import argparse

from bot.core.errors import UserError
from bot.core.verbs import region_label, verb_group
from bot.features.staff.service import ROLES, Member, StaffError, parse_user_id
from bot.features.volunteers.service import match_regions
from bot.services import Services, run_with_services
from bot.settings import Settings

MESSAGES = {
    "bad_id": "that is not a Telegram user id (a positive number)",
    "bad_role": "the role must be admin or operator",
    "from_settings": "that administrator comes from ADMIN_IDS; change the setting instead",
    "not_staff": "that user is not on the staff list",
    "self": "you cannot remove yourself",
    "admin_region": "an administrator sees the whole province; bind an operator to a region",
    "bad_region": "unknown kab/kota: use a code such as 3578 or a name such as Surabaya",
}


def _user_id(text: str) -> int:
    try:
        return parse_user_id(text)
    except StaffError as err:
        raise UserError(MESSAGES[err.code]) from None


def _run(settings: Settings, work):
    try:
        return run_with_services(settings, lambda s: work(s.staff))
    except StaffError as err:
        raise UserError(MESSAGES[err.code]) from None


def _region(services: Services, value: str | None) -> str | None:
    if value is None:
        return None
    found = match_regions(value, services.content.regions)
    if len(found) == 1:
        return found[0].code
    if found:
        names = ", ".join(f"{r.code} {r.label()}" for r in found)
        raise UserError(f"kab/kota {value!r} is ambiguous: {names}")
    raise UserError(MESSAGES["bad_region"])


def _add(args: argparse.Namespace, settings: Settings) -> int:
    user_id = _user_id(args.telegram_id)

    async def work(services: Services) -> tuple[str | None, str]:
        region = _region(services, args.region)
        before = await services.staff.add_member(None, user_id, args.role, region, args.name)
        where = f"{region} {region_label(services.content, region)}" if region \
            else "whole province"
        return before, where

    try:
        before, where = run_with_services(settings, work)
    except StaffError as err:
        raise UserError(MESSAGES[err.code]) from None
    now = args.role + (f", {where}" if args.role == "operator" else "")
    if before is None:
        print(f"{user_id} is now {now}")
    else:
        print(f"{user_id} was {before} and is now {now}")
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    user_id = _user_id(args.telegram_id)
    before = _run(settings, lambda s: s.remove_member(None, user_id))
    print(f"{user_id} ({before}) is no longer staff")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(services: Services) -> list[tuple[Member, str]]:
        return [(m, region_label(services.content, m.region_code) if m.region_code else "")
                for m in await services.staff.members(None)]

    members = run_with_services(settings, work)
    if not members:
        print("no staff yet: set ADMIN_IDS, or `dinsos-bot staff add ID --role admin`")
        return 0
    for m, region in members:
        where = "\t" + (region or "whole province") if m.role == "operator" else ""
        print(f"{m.user_id}\t{m.role}{where}" + (f"\t{m.name}" if m.name else "")
              + ("\t(ADMIN_IDS)" if m.source == "settings" else ""))
    return 0


def add_verbs(sub) -> None:
    verbs = verb_group(sub, "staff", help="add, remove or list staff (operators, administrators)",
                       description="Manage the bot's staff. Operators may broadcast, create "
                                   "reminders, see reports and import; administrators may also "
                                   "manage staff. Every change is audited.",
                       dest="staff_verb")

    q = verbs.add_parser("add", help="add a staff member or change their role",
                         description="Add a staff member, or change the role of one.")
    q.add_argument("telegram_id", help="their Telegram user id (a number)")
    q.add_argument("--role", required=True, choices=ROLES, help="operator or admin")
    q.add_argument("--region", metavar="CODE",
                   help="bind an operator to one kab/kota (code such as 3578, or a name): they "
                        "see and act on that region's questions and broadcasts only")
    q.add_argument("--name", help="a name to show in /staf (Telegram's name replaces it when "
                                  "they write to the bot)")
    q.set_defaults(func=_add)

    q = verbs.add_parser("remove", help="remove a staff member",
                         description="Remove a staff member (ADMIN_IDS stay administrators).")
    q.add_argument("telegram_id", help="their Telegram user id (a number)")
    q.set_defaults(func=_remove)

    q = verbs.add_parser("list", help="list the staff", description="List the staff.")
    q.set_defaults(func=_list)
