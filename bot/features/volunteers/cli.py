"""`dinsos-bot volunteers list|approve|reject`: volunteer registrations from the command line.

The running bot tells volunteers approved or rejected here of the decision (within 30 s).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.core.errors import UserError
from bot.core.verbs import print_listing, region_label
from bot.services import Services, run_with_services
from bot.settings import Settings


# -- volunteers -----------------------------------------------------------------------------------
def _volunteers_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(services: Services) -> int:
        content = services.content
        return print_listing(
            await services.volunteers.list(args.status), as_json=args.json,
            empty="no volunteers",
            line=lambda v: (f"{v.user_id:>12}  {v.status:<8}  {v.role:<13}  "
                            f"{region_label(content, v.region_code):<22}  {v.name}  "
                            f"{v.phone or '-'}"),
            data=lambda v: {"telegram_id": v.user_id, "name": v.name, "role": v.role,
                            "region_code": v.region_code,
                            "region": region_label(content, v.region_code), "phone": v.phone,
                            "status": v.status, "requested_at": v.requested_at,
                            "decided_at": v.decided_at, "decided_by": v.decided_by})

    return run_with_services(settings, work)


def _volunteers_decide(approve: bool) -> Callable[[argparse.Namespace, Settings], int]:
    def verb(args: argparse.Namespace, settings: Settings) -> int:
        async def work(services: Services) -> int:
            decision = await services.volunteers.decide(None, args.telegram_id, approve,
                                                     trusted=True)
            if decision.result == "unknown":
                raise UserError(f"no volunteer registration for Telegram id {args.telegram_id}")
            status = decision.volunteer.status if decision.volunteer else "?"
            if decision.result == "already":
                print(f"{args.telegram_id} is already {status}")
            else:
                print(f"{args.telegram_id} is now {status}; the bot will tell them")
            return 0

        return run_with_services(settings, work)

    return verb


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
