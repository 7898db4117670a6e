"""`dinsos-bot volunteers list|approve|reject`: volunteer registrations from the command line.

The running bot tells volunteers approved or rejected here of the decision (within 30 s).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.core.errors import UserError
from bot.core.verbs import print_listing, region_label
from bot.features.volunteers.service import REJECT_REASONS, VolunteerError
from bot.services import Services, run_with_services
from bot.settings import Settings

PRESET_REASONS = tuple(code for code in REJECT_REASONS if code != "other")


# -- volunteers -----------------------------------------------------------------------------------
def _volunteers_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(services: Services) -> int:
        rows = await services.volunteers.list(args.status)
        return print_listing(
            rows, as_json=args.json, empty="no volunteers",
            line=lambda v: (f"{v.user_id:>12}  {v.status:<8}  {v.role:<13}  "
                            f"{region_label(services.content, v.region_code):<22}  "
                            f"{_kecamatan(services, v.kecamatan_code) or '-':<20}  {v.name}  "
                            f"{v.phone or '-'}"),
            data=lambda v: {"telegram_id": v.user_id, "name": v.name, "role": v.role,
                            "region_code": v.region_code,
                            "region": region_label(services.content, v.region_code),
                            "kecamatan_code": v.kecamatan_code,
                            "kecamatan": _kecamatan(services, v.kecamatan_code),
                            "phone": v.phone, "status": v.status,
                            "reason_code": v.reason_code, "reason_note": v.reason_note,
                            "requested_at": v.requested_at,
                            "decided_at": v.decided_at, "decided_by": v.decided_by})

    return run_with_services(settings, work)


def _kecamatan(services: Services, code: str | None) -> str | None:
    kec = services.content.kecamatan_by_code(code)
    return kec.name if kec else None


def _volunteers_decide(approve: bool) -> Callable[[argparse.Namespace, Settings], int]:
    def verb(args: argparse.Namespace, settings: Settings) -> int:
        async def work(services: Services) -> int:
            reason = getattr(args, "reason", None)
            note = getattr(args, "note", None)
            try:
                decision = await services.volunteers.decide(
                    None, args.telegram_id, approve, trusted=True,
                    reason_code="other" if note else reason, reason_note=note)
            except VolunteerError:
                raise UserError("the reason must be 2 to 300 characters") from None
            if decision.result == "unknown":
                raise UserError(f"no volunteer registration for Telegram id {args.telegram_id}")
            status = decision.volunteer.status if decision.volunteer else "?"
            if decision.result == "left":
                raise UserError(f"{args.telegram_id} stopped being a volunteer on their own; "
                                "they can register again with /relawan")
            if decision.result == "already":
                print(f"{args.telegram_id} is already {status}")
            else:
                print(f"{args.telegram_id} is now {status}; the bot will tell them")
            return 0

        return run_with_services(settings, work)

    return verb


def _volunteers_active(active: bool) -> Callable[[argparse.Namespace, Settings], int]:
    def verb(args: argparse.Namespace, settings: Settings) -> int:
        async def work(services: Services) -> int:
            decision = await services.volunteers.set_active(None, args.telegram_id, active,
                                                         trusted=True)
            if decision.result == "unknown":
                raise UserError(f"no volunteer registration for Telegram id {args.telegram_id}")
            status = decision.volunteer.status if decision.volunteer else "?"
            if decision.result == "left":
                raise UserError(f"{args.telegram_id} stopped being a volunteer on their own; "
                                "they can register again with /relawan")
            if decision.result == "already":
                raise UserError(f"{args.telegram_id} is {status}: nothing to change")
            print(f"{args.telegram_id} is now {status}")
            return 0

        return run_with_services(settings, work)

    return verb


def add_verbs(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("volunteers",
                       help="volunteers: list, approve, reject, deactivate, reactivate",
                       description="Volunteer (relawan) registrations.")
    verbs = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    v = verbs.add_parser("list", help="list registrations")
    v.add_argument("--json", action="store_true", help="print JSON")
    v.add_argument("--status", choices=("pending", "approved", "rejected", "inactive"),
                   help="only this status")
    v.set_defaults(func=_volunteers_list)
    v = verbs.add_parser("approve", help="approve a registration (the bot tells the volunteer)")
    v.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    v.set_defaults(func=_volunteers_decide(True))
    v = verbs.add_parser("reject", help="reject a pending registration (the bot tells the "
                         "volunteer, with the reason)")
    v.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    how = v.add_mutually_exclusive_group()
    how.add_argument("--reason", choices=PRESET_REASONS,
                     help="a reason the volunteer reads in their language")
    how.add_argument("--note", metavar="TEXT", help="the reason in your own words")
    v.set_defaults(func=_volunteers_decide(False))
    v = verbs.add_parser("deactivate", help="an approved volunteer gets no more reminders")
    v.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    v.set_defaults(func=_volunteers_active(False))
    v = verbs.add_parser("reactivate", help="a deactivated volunteer is approved again")
    v.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    v.set_defaults(func=_volunteers_active(True))
