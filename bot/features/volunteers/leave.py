"""A volunteer stops on their own, from their /relawan details: "Stop being a volunteer",
confirmed, then inactive like a deactivation (no reminders, no volunteer announcements),
audited by the service. The staff of their kab/kota are told through the delivery engine (kind
"volunteer.left"), as a registration is. They may register again later with /relawan.

Callback data `vme:leave`, `vme:leave:yes`, `vme:leave:no` (untrusted: the service leaves only
an approved volunteer, the one pressing).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import answer_query, is_private, keyboard, reply, show
from bot.delivery.sender import Outgoing
from bot.features.staff.service import PermissionDenied
from bot.features.volunteers import render
from bot.features.volunteers.repo import Volunteer
from bot.features.volunteers.selfedit import LEAVE, show_details
from bot.features.volunteers.service import left_on_their_own

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

YES, NO = f"{LEAVE}:yes", f"{LEAVE}:no"
LEFT_KIND = "volunteer.left"

async def on_leave(update: Update, context: BotContext) -> None:
    """The confirmation; nothing changes yet."""
    await answer_query(update)
    if not is_private(update):
        return
    vol = await context.services.volunteers.get(update.effective_user.id)
    if vol is None or vol.status != "approved":
        await reply(update, context, context._(N_(
            "You are not registered as a volunteer. Type /relawan to register.")))
        return
    t, s = context.t, render.short
    await show(update, context, t(N_(
        "Stop being a volunteer? Volunteer reminders, tasks and announcements will no longer "
        "come to you, and the office of your kab/kota is told. You can register again later "
        "with /relawan.")),
        keyboard([[(s(t(N_("Yes, stop"))), YES), (s(t(N_("No, stay a volunteer"))), NO)]]),
        edit=True)


async def on_yes(update: Update, context: BotContext) -> None:
    await answer_query(update)
    if not is_private(update):
        return
    decision = await context.services.volunteers.leave(update.effective_user.id)
    if decision.result != "ok":
        await show(update, context, context._(N_(
            "You are not registered as a volunteer. Type /relawan to register.")), None,
            edit=True)
        return
    await show(update, context, context._(N_(
        "You are no longer a volunteer. Thank you very much for your help! If you want to help "
        "again, register with /relawan.")), None, edit=True)
    assert decision.volunteer is not None
    await notify_staff_left(context.application, decision.volunteer)  # type: ignore[arg-type]


async def on_no(update: Update, context: BotContext) -> None:
    await answer_query(update)
    vol = await context.services.volunteers.get(update.effective_user.id)
    if vol is None:
        return
    await show_details(update, context, vol, edit=True)


# -- the staff's notice, through the delivery engine ----------------------------------------------
async def notify_staff_left(app: BotApplication, vol: Volunteer) -> None:
    """Outbox rows for the staff whose Scope covers the volunteer's kab/kota, then sent; rows a
    crash leaves are sent by the delivery:drain job. Never fails the caller."""
    services = app.services
    ref = f"{vol.user_id}:{vol.decided_at}"
    try:
        recipients = await services.volunteers.staff_for(vol.region_code)
        await services.delivery.enqueue(LEFT_KIND, ref, recipients, {"volunteer": vol.user_id})
        await services.delivery.flush(LEFT_KIND, ref)
    except Exception as exc:  # the volunteer has left; the drain job sends what is queued
        log.warning("volunteer left notice: %s", type(exc).__name__)


async def render_left(app: BotApplication, staff_id: int, payload: dict) -> list[Outgoing]:
    """At send time: nothing if the volunteer registered again meanwhile, or if the recipient
    no longer covers their region."""
    services = app.services
    vol = await services.volunteers.get(int(payload.get("volunteer", 0)))
    if vol is None or not left_on_their_own(vol):
        return []
    try:
        scope = await services.staff.scope(staff_id)
    except PermissionDenied:
        return []
    if not scope.covers(vol.region_code):
        return []
    t = services.i18n.translator(await services.subscribers.locale_for(staff_id))
    text = "\n\n".join((
        t(N_("A volunteer has stopped on their own:")) + "\n" +
        render.describe(t, services.volunteers, vol),
        t(N_("They no longer receive volunteer reminders or announcements. They may register "
             "again later."))))
    return [Outgoing(text)]


def register(app: BotApplication) -> None:
    async def render_notice(user_id: int, payload: dict) -> list[Outgoing]:
        return await render_left(app, user_id, payload)

    app.services.delivery.register(LEFT_KIND, render_notice)
    app.add_handler(CallbackQueryHandler(on_leave, pattern=rf"^{LEAVE}$"))
    app.add_handler(CallbackQueryHandler(on_yes, pattern=rf"^{YES}$"))
    app.add_handler(CallbackQueryHandler(on_no, pattern=rf"^{NO}$"))
