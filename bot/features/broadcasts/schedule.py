"""Scheduled broadcasts: one JobQueue job each (stable name broadcast:scheduled:<id>),
re-registered from the database at start; and the sender's start and stop with the bot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from bot.context import BotContext
from bot.core.clock import parse_iso
from bot.features.broadcasts.render import (
    render_report,
    stop_markup,
)

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

JOB_PREFIX = "broadcast:scheduled:"


async def _on_start(app: BotApplication) -> None:
    service = app.services.broadcasts
    await service.resume_all()
    for b in await service.scheduled():  # a scheduled broadcast survives a restart
        schedule_job(app, b.id, parse_iso(b.scheduled_at or b.created_at))


# -- scheduled broadcasts -----------------------------------------------------------------------
def schedule_job(app: BotApplication, broadcast_id: int, when) -> None:
    """One JobQueue job per scheduled broadcast, with a stable name; re-registered at start
    from the database. One that fell due while the bot was down starts at once."""
    if app.job_queue is None:
        return
    name = f"{JOB_PREFIX}{broadcast_id}"
    for job in app.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    delay = (when - app.services.clock()).total_seconds()
    app.job_queue.run_once(scheduled_job, when=max(1.0, delay), data=broadcast_id, name=name)


def unschedule_job(app: BotApplication, broadcast_id: int) -> None:
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(f"{JOB_PREFIX}{broadcast_id}"):
            job.schedule_removal()


async def scheduled_job(context: BotContext) -> None:
    app = cast("BotApplication", context.application)  # the bot's Application is always one
    service = app.services.broadcasts
    broadcast_id = int(cast(int, context.job.data))  # schedule_job's data: the broadcast's id
    if not await service.start_scheduled(broadcast_id):
        return  # cancelled meanwhile
    b = await service.repo.get(broadcast_id)
    report = await service.report(broadcast_id)
    if b is None or report is None:
        return
    if b.report_chat_id is not None:
        services = app.services
        t = services.i18n.translator(await services.subscribers.locale_for(b.created_by))
        try:
            message = await app.bot.send_message(
                b.report_chat_id, render_report(t, report, services.content,
                                                tz=services.settings.tz),
                reply_markup=stop_markup(t, report))
            await service.repo.set_progress_message(broadcast_id, b.report_chat_id,
                                                    message.message_id)
        except Exception as exc:  # the operator's message is a courtesy; sending goes on
            log.warning("could not post the progress of broadcast %s: %s", broadcast_id,
                        type(exc).__name__)
    if report.status == "sending":
        service.launch(broadcast_id)


async def _on_stop(app: BotApplication) -> None:
    await app.services.broadcasts.stop()
