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
from bot.features.volunteers import render
from bot.features.volunteers.repo import Volunteer
from bot.features.volunteers.service import REJECT_REASONS

if TYPE_CHECKING:
    from bot.app import BotApplication


# -- the staff's decision -----------------------------------------------------------------------
async def on_decide(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    uid = int(context.match.group(2))  # vol:ok:<id> (vol:no:<id> asks for a reason: staff.py)
    try:
        decision = await context.services.volunteers.decide(update.effective_user.id, uid, True)
    except PermissionDenied:  # outside the officer's region (audited by the service)
        await answer_query(update, context._(N_("This volunteer is not in your region.")))
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
    new = await engine.enqueue(DECISION_KIND, ref, [vol.user_id],
                               {"status": vol.status, "reason_code": vol.reason_code,
                                "reason_note": vol.reason_note})
    if not await services.volunteers.claim_notice(vol.user_id) and new:
        await engine.cancel(DECISION_KIND, ref)  # told before the outbox existed
        return
    await engine.flush(DECISION_KIND, ref)


async def render_decision(app: BotApplication, user_id: int, payload: dict) -> list[Outgoing]:
    services = app.services
    t = services.i18n.translator(await services.subscribers.locale_for(user_id))
    code, note = payload.get("reason_code"), payload.get("reason_note")
    reason = (str(note or "") if code == "other" else
              t(REJECT_REASONS[code]) if code in REJECT_REASONS else "")
    return [Outgoing(render.decision_notice(t, str(payload.get("status")), reason))]


# -- the staff's notice of a new registration: the same engine, to the staff of its region ------
REQUEST_KIND = "volunteer.request"


async def notify_staff(app: BotApplication, vol: Volunteer) -> None:
    """Tell the staff whose Scope covers the volunteer's kab/kota of a new registration:
    outbox rows first (one per staff member and registration), then sent by the engine's
    rules; rows a crash leaves are sent by the delivery:drain job. Never fails the caller."""
    services = app.services
    ref = f"{vol.user_id}:{vol.requested_at}"
    try:
        recipients = await services.volunteers.staff_for(vol.region_code)
        await services.delivery.enqueue(REQUEST_KIND, ref, recipients,
                                        {"volunteer": vol.user_id})
        await services.delivery.flush(REQUEST_KIND, ref)
    except Exception as exc:  # the registration is saved; the drain job sends what is queued
        log.warning("volunteer registration notice: %s", type(exc).__name__)


async def render_request(app: BotApplication, staff_id: int, payload: dict) -> list[Outgoing]:
    """At send time: nothing if the registration was decided meanwhile, or if the recipient
    no longer covers its region (a changed or removed staff member)."""
    services = app.services
    vol = await services.volunteers.get(int(payload.get("volunteer", 0)))
    if vol is None or vol.status != "pending":
        return []
    try:
        scope = await services.staff.scope(staff_id)
    except PermissionDenied:
        return []
    if not scope.covers(vol.region_code):
        return []
    t = services.i18n.translator(await services.subscribers.locale_for(staff_id))
    text, rows = render.request_notice(t, services.volunteers, vol)
    return [Outgoing(text, rows)]


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
