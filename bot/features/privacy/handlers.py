"""The daily retention job (no chat commands: erasure and export are for staff, on the server)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, cast

from bot.context import BotContext
from bot.features.privacy.service import PrivacyService

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)
RETENTION_JOB = "privacy:retention"
RETENTION_AT = dt.time(2, 30)  # in TIMEZONE: a quiet hour


def privacy(app: BotApplication) -> PrivacyService:
    return app.services.privacy


async def retention_job(context: BotContext) -> None:
    try:
        counts = await privacy(cast("BotApplication", context.application)).apply_retention()
    except Exception as exc:  # tomorrow's run tries again
        log.warning("the retention job failed: %s", type(exc).__name__)
        return
    if any(counts.values()):
        log.info("retention removed %s", {k: v for k, v in counts.items() if v})


async def schedule(app: BotApplication) -> None:
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(RETENTION_JOB):
        job.schedule_removal()
    app.job_queue.run_daily(retention_job, RETENTION_AT.replace(tzinfo=app.services.settings.tz),
                            name=RETENTION_JOB)


def register(app: BotApplication) -> None:
    app.services.start_hooks.append(schedule)
