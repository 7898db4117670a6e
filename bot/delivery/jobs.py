"""The delivery engine's job: rows enqueued by the command line or left by a crash go out.

  delivery:drain   every DRAIN_EVERY seconds, the engine's outbox (stable name, replaced)
At start the rows in flight at a crash are sent again and flagged as possible duplicates.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.context import BotContext

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

DRAIN_JOB = "delivery:drain"
DRAIN_EVERY = 10.0  # seconds


async def drain_job(context: BotContext) -> None:
    try:
        await context.services.delivery.flush()
    except Exception as exc:  # a bad round must not stop the job; the next one retries
        log.warning("delivery round failed: %s", type(exc).__name__)


async def start(app: BotApplication) -> None:
    again = await app.services.delivery.recover()
    if again:
        log.info("%s outbox rows were in flight at a crash; sent again, flagged", again)
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(DRAIN_JOB):
            job.schedule_removal()
        app.job_queue.run_repeating(drain_job, interval=DRAIN_EVERY, first=DRAIN_EVERY,
                                    name=DRAIN_JOB)


def register(app: BotApplication) -> None:
    app.services.start_hooks.append(start)
