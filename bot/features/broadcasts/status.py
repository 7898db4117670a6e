"""/siaran_status: a dated, paged list of broadcasts, one broadcast's report, and stopping one."""

from __future__ import annotations

import asyncio
import contextlib

from telegram import Update

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.paging import page, pager_row
from bot.core.ui import (
    answer_query,
    keyboard,
    reply,
    show,
    staff_or_unknown,
    unknown_command,
)
from bot.features.broadcasts.callbacks import PREFIX
from bot.features.broadcasts.render import (
    render_list,
    render_report,
    stop_markup,
)
from bot.features.broadcasts.schedule import (
    unschedule_job,
)
from bot.features.staff.service import PermissionDenied

PAGE = 8              # broadcasts per page of /siaran_status
LIST_PAGER = f"{PREFIX}:list"  # bc:list:p:<n> (bot.core.paging)


STOP_WAIT = 5.0       # seconds a stop waits for the rows already handed to Telegram


async def cmd_status(update: Update, context: BotContext) -> None:
    """/siaran_status: the dated list of broadcasts; /siaran_status N: one of them."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    service = context.services.broadcasts
    args = context.args or []
    t = context.t
    if not args:
        await show_list(update, context, 0)
        return
    raw = args[0].lstrip("#")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        await reply(update, context, t(N_("Usage: /siaran_status [number], e.g. "
                                          "/siaran_status 3")))
        return
    broadcast_id = int(raw)
    try:
        report = await service.status(update.effective_user.id, broadcast_id)
    except PermissionDenied:
        await unknown_command(update, context)
        return
    if report is None:
        await reply(update, context, t(N_("There is no broadcast #{id}.")).format(
            id=broadcast_id))
        return
    await reply(update, context, render_report(t, report, context.content,
                                               final=not service.running(report.id),
                                               tz=context.settings.tz),
                stop_markup(t, report))


async def show_list(update: Update, context: BotContext, number: int,
                    edit: bool = False) -> None:
    """One page of the broadcasts the staff member may see (a regional operator: those to
    their kab/kota), newest first; the pager buttons edit it in place."""
    service = context.services.broadcasts
    t = context.t
    user_id = update.effective_user.id
    try:
        total = await service.visible_count(user_id)
        p = page(range(total), number, PAGE)  # clamps a stale page number
        reports = await service.recent(user_id, PAGE, p.number * PAGE)
    except PermissionDenied:
        await unknown_command(update, context)
        return
    if not reports:
        await reply(update, context, t(N_("No broadcast has been sent yet.")))
        return
    rows = [[(t(N_("Stop #{id}")).format(id=r.id), f"{PREFIX}:stop:{r.id}")]
            for r in reports if r.status in ("sending", "scheduled")]
    pager = pager_row(t, LIST_PAGER, p)
    if pager:
        rows.append(pager)
    await show(update, context,
               render_list(t, reports, context.settings.tz, p.number * PAGE, total),
               keyboard(rows) if rows else None, edit=edit)


async def on_list_page(update: Update, context: BotContext) -> None:
    """A pager button (bc:list:p:N), or one of the older offset buttons (bc:list:8)."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    await answer_query(update)
    data = update.callback_query.data or ""
    value = int(context.match.group(1))
    number = value if ":p:" in data else value // PAGE
    await show_list(update, context, number, edit=True)


async def on_stop(update: Update, context: BotContext) -> None:
    """The Stop button (progress message, /siaran_status, a scheduled broadcast's note)."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    await answer_query(update)
    service = context.services.broadcasts
    t = context.t
    broadcast_id = int(context.match.group(1))
    try:
        stopped, report = await service.cancel(update.effective_user.id, broadcast_id)
    except PermissionDenied:
        await unknown_command(update, context)
        return
    if report is None:
        await reply(update, context, t(N_("There is no broadcast #{id}.")).format(
            id=broadcast_id))
        return
    if not stopped:
        text = (t(N_("Broadcast #{id} had already finished.")) if report.status == "done"
                else t(N_("Broadcast #{id} had already been stopped."))).format(id=report.id)
        await reply(update, context, text)
        return
    unschedule_job(context.application, broadcast_id)  # type: ignore[arg-type]
    if report.total == 0 and report.started_at is None:
        await reply(update, context, t(N_(
            "Scheduled broadcast #{id} is cancelled. Nothing was sent.")).format(id=report.id))
        return
    if service.running(broadcast_id):  # the rows already handed to Telegram finish first
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(service.wait(broadcast_id), STOP_WAIT)
    report = await service.report(broadcast_id) or report
    await reply(update, context, t(N_(
        "Broadcast #{id} is stopped. {sent} of {total} people got it; {cancelled} will not get "
        "it.")).format(id=report.id, sent=report.sent, total=report.total,
                       cancelled=report.cancelled))
