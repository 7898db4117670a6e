"""The tickets' sending: every ticket message is an outbox row, composed here (build_compose)
and sent by the delivery engine (TicketService.drain), right away and by the tickets:outbox
job; tickets:remind raises the unanswered ones again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import BotContext
from bot.core.clock import parse_iso
from bot.delivery.sender import Outgoing
from bot.features.tickets import render
from bot.features.tickets.outbox import Compose
from bot.features.tickets.repo import OutboxRow

if TYPE_CHECKING:
    from bot.app import BotApplication
    from bot.services import Services


# -- composing: what each outbox row says, in its reader's language -------------------------------
def build_compose(services: Services) -> Compose:
    """Outbox row -> its messages. The sending itself (lanes, 429, 403, timeouts) is the
    delivery engine's, through TicketService.drain."""

    async def compose(row: OutboxRow) -> list[Outgoing] | None:
        svc = services.tickets
        ticket = await svc.repo.get(row.ticket_id)
        if ticket is None:
            return None
        message = await svc.repo.message(row.message_id) if row.message_id else None
        t = services.i18n.translator(await services.subscribers.locale_for(row.user_id))
        if row.kind == "answer":
            return [render.answer_message(t, ticket.id, message.text if message else "")]
        if row.kind == "closed":
            return [render.closed_message(t, ticket.id)]
        waited = None
        if row.kind == "reminder" and ticket.waiting_since:
            waited = render.age(t, svc.hours.elapsed(parse_iso(ticket.waiting_since),
                                                     svc.clock()))
        return [render.staff_notice(t, row.kind, ticket, message, services.content, waited)]

    return compose


OUTBOX_JOB = "tickets:outbox"
REMIND_JOB = "tickets:remind"
OUTBOX_SECONDS = 10
REMIND_SECONDS = 300


async def drain(app: BotApplication, rounds: int | None = None) -> int:
    """Send what the outbox holds. Handlers send one batch right away (rounds=1), so a
    resident's next message never waits behind a long queue; the job sends the rest."""
    return await app.services.tickets.drain(build_compose(app.services), rounds=rounds)


async def send_now(context: BotContext) -> None:
    await drain(context.application, rounds=1)  # type: ignore[arg-type]


async def outbox_job(context: BotContext) -> None:
    await drain(context.application)  # type: ignore[arg-type]


async def remind_job(context: BotContext) -> None:
    if await context.services.tickets.remind_due():
        await drain(context.application)  # type: ignore[arg-type]


async def _on_start(app: BotApplication) -> None:
    svc = app.services.tickets
    await svc.apply_learned()
    await svc.recover()
    queue = app.job_queue
    if queue is None:
        return
    for name in (OUTBOX_JOB, REMIND_JOB):
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
    queue.run_repeating(outbox_job, interval=OUTBOX_SECONDS, first=1, name=OUTBOX_JOB)
    queue.run_repeating(remind_job, interval=REMIND_SECONDS, first=REMIND_SECONDS,
                        name=REMIND_JOB)
