"""The status feature's job: change notifications (queued by an import) go out every
DRAIN_EVERY seconds through the delivery engine (status-notify)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from bot.context import BotContext
from bot.delivery.sender import Outgoing
from bot.features.status.render import (
    render_notification,
)
from bot.features.status.repo import Notification
from bot.features.status.service import (
    drain_notifications,
)

if TYPE_CHECKING:
    from bot.app import BotApplication


log = logging.getLogger(__name__)

DRAIN_JOB = "status-notify"


DRAIN_EVERY = 30                # seconds


# -- notifications --------------------------------------------------------------------------------
async def drain(app: BotApplication) -> int:
    services = app.services

    async def render(note: Notification) -> Outgoing:
        locale = await services.subscribers.locale_for(note.user_id, None)
        return render_notification(services.i18n.translator(locale), note,
                                   services.content.office.phone)

    return await drain_notifications(services.store, services.delivery, render,
                                     services.clock)


async def drain_job(context: BotContext) -> None:
    try:
        await drain(cast("BotApplication", context.application))
    except Exception as exc:  # a bad round must not stop the job; the next one retries
        log.warning("status notification round failed: %s", type(exc).__name__)


async def schedule_drain(app: BotApplication) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(DRAIN_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(drain_job, interval=DRAIN_EVERY, first=DRAIN_EVERY,
                                name=DRAIN_JOB)
