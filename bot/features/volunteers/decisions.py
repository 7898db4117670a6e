"""The staff's decision on a registration and telling the volunteer, once, through the
delivery engine (also decisions made on the command line: the volunteers:decisions job)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import (
    answer_query,
    staff_or_unknown,
)
from bot.delivery.sender import Outgoing
from bot.features.staff.service import PermissionDenied
from bot.features.volunteers.repo import Volunteer

if TYPE_CHECKING:
    from bot.app import BotApplication


# -- the staff's decision -----------------------------------------------------------------------
async def on_decide(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    action, uid = context.match.group(1), int(context.match.group(2))
    try:
        decision = await context.services.volunteers.decide(update.effective_user.id, uid,
                                                    action == "ok")
    except PermissionDenied:
        await answer_query(update)
        return
    query = update.callback_query
    if decision.volunteer is None:
        await answer_query(update, context._(N_("This registration no longer exists.")))
        return
    vol = decision.volunteer
    status = context._(N_("Approved")) if vol.status == "approved" else \
        context._(N_("Rejected")) if vol.status == "rejected" else context._(N_("Waiting"))
    if decision.result == "already":
        await answer_query(update, context._(N_("This request was already decided: {status}."))
                           .format(status=status))
    else:
        await answer_query(update, status)
        await notify_decision(context.application, vol)  # type: ignore[arg-type]
    try:
        await query.edit_message_text(
            (query.message.text or "") + "\n\n" + context._(N_("Decision: {status}")).format(
                status=status))
    except Exception:  # the message is too old to edit, or unchanged
        pass

log = logging.getLogger(__name__)


DECISION_KIND = "volunteer.decision"


async def notify_decision(app: BotApplication, vol: Volunteer) -> None:
    """Tell the volunteer the staff's decision, once (also decisions made on the command line),
    through the delivery engine's outbox: queued before it is marked told, so a crash between
    the two queues it again (and the outbox keeps one row per decision)."""
    services = app.services
    engine = services.delivery
    ref = f"{vol.user_id}:{vol.decided_at or ''}"
    new = await engine.enqueue(DECISION_KIND, ref, [vol.user_id], {"status": vol.status})
    if not await services.volunteers.claim_notice(vol.user_id) and new:
        await engine.cancel(DECISION_KIND, ref)  # told before the outbox existed
        return
    await engine.flush(DECISION_KIND, ref)


async def render_decision(app: BotApplication, user_id: int, payload: dict) -> list[Outgoing]:
    services = app.services
    t = services.i18n.translator(await services.subscribers.locale_for(user_id))
    if payload.get("status") == "approved":
        text = t(N_("Your registration as a volunteer has been approved. Welcome! The office's "
                    "reminders will arrive here. Type /tugas to see your reminders and tasks."))
    else:
        text = t(N_("Sorry, your registration as a volunteer was not approved. For questions, "
                    "please contact the office: type /bantuan for the contacts."))
    return [Outgoing(text)]


async def notify_pending_decisions(app: BotApplication) -> None:
    for vol in await app.services.volunteers.pending_notices():
        await notify_decision(app, vol)


# -- wiring ---------------------------------------------------------------------------------------
DECISIONS_JOB = "volunteers:decisions"


DECISIONS_EVERY = 30  # seconds: decisions made on the command line reach the volunteer


async def decisions_job(context: BotContext) -> None:
    try:
        await notify_pending_decisions(context.application)  # type: ignore[arg-type]
    except Exception as exc:  # a bad round must not stop the job; the next one retries
        log.warning("volunteer decision notices failed: %s", type(exc).__name__)


async def start(app: BotApplication) -> None:
    """At start: tell volunteers the decisions made while the bot was down; then every 30 s."""
    try:
        await notify_pending_decisions(app)
    except Exception:  # never keep the bot from starting; the job tries again
        log.exception("volunteer decisions could not be sent at start")
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(DECISIONS_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(decisions_job, interval=DECISIONS_EVERY, first=DECISIONS_EVERY,
                                name=DECISIONS_JOB)
