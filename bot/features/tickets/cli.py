"""`dinsos-bot tickets list|show|reply|close|export-learned` and
`dinsos-bot questions unanswered --since 7d`.

A reply or close written here is recorded with its outbox row; the running bot sends it within
a few seconds (its tickets:outbox job), exactly once.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from bot.core.errors import UserError
from bot.core.verbs import print_listing, verb_group
from bot.features.tickets.model import TicketError
from bot.features.tickets.service import TicketService
from bot.features.tickets.text import parse_since
from bot.services import Services, run_with_services
from bot.settings import Settings

STATUSES = ("open", "answered", "closed", "all")
ERRORS = {
    "missing": "there is no such ticket",
    "closed": "that ticket is already closed",
    "changed": "that ticket changed meanwhile; look at it again",
    "empty": "the text is empty",
    "too_long": "the text is too long",
    "bad_target": "unknown target",
}


def _with_service(settings: Settings, work):
    """work(the bot's own ticket service), on an existing database."""

    async def go(services: Services):
        try:
            return await work(services.tickets)
        except TicketError as err:
            raise UserError(ERRORS.get(err.code, err.code)) from None

    return run_with_services(settings, go, existing_database=True)


def _ticket_id(raw: str) -> int:
    raw = raw.lstrip("#")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise UserError("the ticket id must be a number, e.g. 12")
    return int(raw)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    status = None if args.status == "all" else args.status

    async def work(svc: TicketService):
        out = []
        for t in await svc.listing(None, status):
            first = await svc.repo.first_message(t.id)
            out.append({**dataclasses.asdict(t), "overdue": svc.overdue(t),
                        "question": first.text if first else ""})
        return out

    def line(r: dict) -> str:
        flag = " OVERDUE" if r["overdue"] else ""
        return (f"#{r['id']}\t{r['status']}{flag}\t{r['language']}\t{r['created_at']}\t"
                f"{r['question'][:60]}")

    return print_listing(_with_service(settings, work), as_json=args.json, empty="no tickets",
                         line=line)


def _show(args: argparse.Namespace, settings: Settings) -> int:
    ticket_id = _ticket_id(args.id)

    async def work(svc: TicketService):
        th = await svc.thread(None, ticket_id)
        return {**dataclasses.asdict(th.ticket),
                "messages": [dataclasses.asdict(m) for m in th.messages],
                "outbox": await svc.repo.outbox_of(ticket_id)}

    data = _with_service(settings, work)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(f"ticket #{data['id']}: {data['status']} ({data['language']}), "
          f"opened {data['created_at']}")
    if data["assigned_to"]:
        print(f"  handed over to {data['assigned_to']}")
    for m in data["messages"]:
        who = "resident" if m["author"] == "resident" else f"officer {m['author_id'] or 'cli'}"
        photo = " [photo]" if m["photo"] else ""
        print(f"  {m['created_at']}  {who}{photo}: {m['text']}")
    for row in data["outbox"]:
        dup = " (possible duplicate)" if row["possible_duplicate"] else ""
        print(f"  outbox {row['kind']} -> {row['user_id']}: {row['status']}{dup}")
    return 0


def _reply(args: argparse.Namespace, settings: Settings) -> int:
    ticket_id = _ticket_id(args.id)
    _with_service(settings, lambda svc: svc.reply(None, ticket_id, args.text))
    print(f"answer to ticket #{ticket_id} recorded; the running bot sends it within seconds")
    return 0


def _close(args: argparse.Namespace, settings: Settings) -> int:
    ticket_id = _ticket_id(args.id)

    async def work(svc: TicketService):
        await svc.close(None, ticket_id)
        if args.target:
            await svc.learn_from_ticket(None, ticket_id, args.target)

    _with_service(settings, work)
    print(f"ticket #{ticket_id} closed" + (f"; learned as {args.target}" if args.target else ""))
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    text = _with_service(settings, lambda svc: svc.export_learned())
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"learned phrases written to {args.out}")
    else:
        print(text, end="")
    return 0


def _unanswered(args: argparse.Namespace, settings: Settings) -> int:
    try:
        since = parse_since(args.since)
    except ValueError:
        raise UserError("--since takes a number and d, h or m, e.g. 7d") from None

    async def work(svc: TicketService):
        return await svc.frequent(None, since, limit=args.limit)

    return print_listing(_with_service(settings, work), as_json=args.json,
                         empty=f"no question went unanswered in the last {args.since}",
                         line=lambda g: f"{g.count}\t{g.language}\t{g.text}",
                         data=dataclasses.asdict)


def add_verbs(sub) -> None:
    verbs = verb_group(sub, "tickets", help="questions residents sent to officers",
                       description="Tickets from \"Tanya petugas\": list, show, reply, close, and"
                                   " export what staff taught the bot.",
                       dest="tickets_verb")
    q = verbs.add_parser("list", help="tickets, newest first",
                         description="Tickets, newest first (default: those waiting).")
    q.add_argument("--status", choices=STATUSES, default="open",
                   help="open (waiting for an officer, the default), answered, closed or all")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_list)
    q = verbs.add_parser("show", help="one ticket with its messages",
                         description="One ticket: its messages and what was sent.")
    q.add_argument("id", help="the ticket's number")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_show)
    q = verbs.add_parser("reply", help="answer a ticket (the running bot sends it)",
                         description="Record an answer; the running bot sends it to the "
                                     "resident within seconds, exactly once.")
    q.add_argument("id", help="the ticket's number")
    q.add_argument("text", help="the answer, as the resident will read it")
    q.set_defaults(func=_reply)
    q = verbs.add_parser("close", help="close a ticket",
                         description="Close a ticket (the resident is told and may rate it).")
    q.add_argument("id", help="the ticket's number")
    q.add_argument("--target", help="teach the bot what it was about: a program id, "
                                    "program:aspect or request:NAME")
    q.set_defaults(func=_close)
    q = verbs.add_parser("export-learned", help="the phrases staff taught the bot, as YAML",
                         description="Write the learned phrases as YAML, for review before "
                                     "they go into content/.")
    q.add_argument("--out", help="write to this file instead of the terminal")
    q.set_defaults(func=_export)

    verbs = verb_group(sub, "questions", help="questions the bot did not understand",
                       description="What residents asked that the bot could not answer.",
                       dest="questions_verb")
    q = verbs.add_parser("unanswered", help="the most frequent ones",
                         description="The most frequent unanswered questions (scrubbed), "
                                     "grouped by wording.")
    q.add_argument("--since", default="7d", help="how far back: 7d, 24h, 30m (default 7d)")
    q.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_unanswered)
