"""`dinsos-bot staff add|remove|list`: manage staff from the server's command line.

The command line is trusted like the server it runs on (actor None in the audit log); every
change is still written to the audit log.
"""

from __future__ import annotations

import argparse

from bot.core.errors import UserError
from bot.core.verbs import verb_group
from bot.features.staff.service import ROLES, StaffError, parse_user_id
from bot.services import run_with_services
from bot.settings import Settings

MESSAGES = {
    "bad_id": "that is not a Telegram user id (a positive number)",
    "bad_role": "the role must be admin or operator",
    "from_settings": "that administrator comes from ADMIN_IDS; change the setting instead",
    "not_staff": "that user is not on the staff list",
    "self": "you cannot remove yourself",
    "admin_region": "an administrator sees the whole province; bind an operator to a region",
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


def _add(args: argparse.Namespace, settings: Settings) -> int:
    user_id = _user_id(args.telegram_id)
    before = _run(settings, lambda s: s.add_member(None, user_id, args.role))
    if before is None:
        print(f"{user_id} is now {args.role}")
    else:
        print(f"{user_id} was {before} and is now {args.role}")
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    user_id = _user_id(args.telegram_id)
    before = _run(settings, lambda s: s.remove_member(None, user_id))
    print(f"{user_id} ({before}) is no longer staff")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    members = _run(settings, lambda s: s.list_members(None))
    if not members:
        print("no staff yet: set ADMIN_IDS, or `dinsos-bot staff add ID --role admin`")
        return 0
    for user_id, role, source in members:
        print(f"{user_id}\t{role}" + ("\t(ADMIN_IDS)" if source == "settings" else ""))
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
    q.set_defaults(func=_add)

    q = verbs.add_parser("remove", help="remove a staff member",
                         description="Remove a staff member (ADMIN_IDS stay administrators).")
    q.add_argument("telegram_id", help="their Telegram user id (a number)")
    q.set_defaults(func=_remove)

    q = verbs.add_parser("list", help="list the staff", description="List the staff.")
    q.set_defaults(func=_list)
