"""`dinsos-bot privacy export|erase --telegram-id N` and `privacy retention`."""

from __future__ import annotations

import argparse
import json


def add_verbs(sub) -> None:
    p = sub.add_parser("privacy", help="personal data: export or erase one person, retention",
                       description="A data subject's requests (UU 27/2022) and the retention "
                                   "rules. Every run is written to the audit log.")
    verbs = p.add_subparsers(dest="privacy_verb", metavar="ACTION", required=True)
    e = verbs.add_parser("export", help="print everything held about one person, as JSON")
    e.add_argument("--telegram-id", type=int, required=True)
    e.add_argument("--out", help="write the JSON to this file instead of printing it")
    e.set_defaults(func=_export)
    r = verbs.add_parser("erase", help="erase one person (survey answers stay, anonymous)")
    r.add_argument("--telegram-id", type=int, required=True)
    r.add_argument("--yes", action="store_true", help="do it (without it: only what would go)")
    r.set_defaults(func=_erase)
    t = verbs.add_parser("retention", help="apply the retention settings now (daily in the bot)")
    t.set_defaults(func=_retention)


def _with_service(settings, work):
    """work(the bot's own privacy service), on an existing database."""
    from bot.core.errors import UserError
    from bot.features.privacy.service import PrivacyError
    from bot.services import run_with_services

    async def go(services):
        try:
            return await work(services.privacy)
        except PrivacyError as exc:
            raise UserError(str(exc)) from None

    return run_with_services(settings, go, existing_database=True)


def _export(args: argparse.Namespace, settings) -> int:
    data = _with_service(settings, lambda s: s.export(args.telegram_id))
    text = json.dumps({"telegram_id": args.telegram_id, "tables": data}, ensure_ascii=False,
                      indent=2, default=str)
    if args.out:
        from pathlib import Path

        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {sum(map(len, data.values()))} rows from {len(data)} tables to {args.out}")
    else:
        print(text)
    return 0


def _erase(args: argparse.Namespace, settings) -> int:
    if not args.yes:
        data = _with_service(settings, lambda s: s.export(args.telegram_id))
        for table, rows in sorted(data.items()):
            print(f"{table}: {len(rows)}")
        print("nothing erased yet: run again with --yes")
        return 0
    counts = _with_service(settings, lambda s: s.erase(args.telegram_id))
    done = {k: v for k, v in counts.items() if v}
    for table, n in sorted(done.items()):
        print(f"{table}: {n}")
    print(f"erased telegram id {args.telegram_id} ({sum(done.values())} rows); survey answers "
          "are kept without the link to the person")
    return 0


def _retention(args: argparse.Namespace, settings) -> int:
    counts = _with_service(settings, lambda s: s.apply_retention())
    done = {k: v for k, v in counts.items() if v}
    print("removed " + (", ".join(f"{k}: {v}" for k, v in sorted(done.items())) or "nothing"))
    return 0
