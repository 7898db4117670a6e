"""`dinsos-bot broadcast status [ID] [--json]`: how broadcasts went, from the command line."""

from __future__ import annotations

import argparse
import json

from bot.core.errors import UserError
from bot.core.verbs import verb_group
from bot.features.broadcasts.model import Report
from bot.services import Services, run_with_services
from bot.settings import Settings


def _audience(a: dict) -> str:
    if a.get("kind") != "volunteers":
        return "all subscribers"
    bits = ["volunteers"]
    if a.get("role"):
        bits.append(f"role={a['role']}")
    if a.get("region"):
        bits.append(f"kab/kota={a['region']}")
    return " ".join(bits)


def render(r: Report) -> str:
    lines = [
        f"broadcast #{r.id}: {r.status}",
        f"  created    {r.created_at} by {r.created_by}",
        f"  audience   {_audience(r.audience)}",
        f"  sent       {r.sent} of {r.total}",
        f"  failed     {r.failed}",
        f"  blocked    {r.blocked}",
        f"  left       {r.left}",
        f"  restarts   {r.restarts} (possible duplicates: {r.duplicates})",
        f"  429 retry  {r.retries_429}",
    ]
    if r.finished_at:
        lines.append(f"  finished   {r.finished_at}")
    return "\n".join(lines)


async def _reports(services: Services, broadcast_id: int | None) -> list[Report]:
    service = services.broadcasts
    if broadcast_id is None:
        return await service.recent(None, limit=10)
    report = await service.report(broadcast_id)
    if report is None:
        raise UserError(f"there is no broadcast #{broadcast_id}")
    return [report]


def _status(args: argparse.Namespace, settings: Settings) -> int:
    broadcast_id = None
    if args.id is not None:
        raw = args.id.lstrip("#")
        if not (raw.isascii() and raw.isdigit()):
            raise UserError("the broadcast id must be a number, e.g. 3")
        broadcast_id = int(raw)
    reports = run_with_services(settings, lambda s: _reports(s, broadcast_id),
                                existing_database=True)
    if args.json:
        data = [r.as_dict() for r in reports]
        print(json.dumps(data[0] if broadcast_id is not None else data, ensure_ascii=False,
                         indent=2))
        return 0
    if not reports:
        print("no broadcast has been sent yet")
        return 0
    print("\n\n".join(render(r) for r in reports))
    return 0


def add_verbs(sub) -> None:
    verbs = verb_group(sub, "broadcast", help="broadcast reports (status)",
                       description="Reports on broadcasts sent with /siaran.",
                       dest="broadcast_verb")
    q = verbs.add_parser("status", help="the state of one broadcast, or of the last ten",
                         description="Sent, failed, blocked, left and possible duplicates of "
                                     "a broadcast (or of the last ten).")
    q.add_argument("id", nargs="?", help="the broadcast's number (default: the last ten)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_status)
