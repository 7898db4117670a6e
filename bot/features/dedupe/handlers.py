"""The first handlers of all: an update whose id was already handled is dropped, and so is a
button press without data (which PTB would hand to any button handler).

Telegram delivers an update again when the webhook did not answer 200 in time, or when polling
stopped before confirming it; handling it twice would double answers and side effects (two
tickets, two survey steps). The ids are kept in SQLite, so a restart remembers them too, for
KEEP_FOR and at most KEEP_AT_MOST of them. Telegram numbers updates in sequence but may start
anywhere after a quiet week, so the check is membership, not "greater than the last one".
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, cast

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.context import BotContext
from bot.core.ui import stale_button
from bot.features.dedupe.repo import SeenUpdatesRepo
from bot.features.dedupe.service import DedupeService

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)
GROUP_DEDUPE = -20  # before tracking (-10): a repeat touches nothing
GROUP_MALFORMED = -9  # after tracking (the answer is in the user's language)
PRUNE_EVERY = dt.timedelta(hours=1)
PRUNE_JOB = "dedupe:prune"


def dedupe(app: BotApplication) -> DedupeService:
    return app.services.dedupe


def seen_updates(app: BotApplication) -> SeenUpdatesRepo:
    return dedupe(app).repo


async def drop_repeats(update: Update, context: BotContext) -> None:
    app = cast("BotApplication", context.application)
    if app.take_replay(update):  # handed in again on purpose (BotApplication.redispatch)
        return
    if not dedupe(app).admit(update.update_id):
        log.info("dropped update %s: it was delivered before", update.update_id)
        raise ApplicationHandlerStop


async def drop_empty_buttons(update: Update, context: BotContext) -> None:
    """A callback query with neither data nor a game name would match every
    CallbackQueryHandler with a pattern (PTB returns True for it), so no handler may see it."""
    query = update.callback_query
    if query is not None and not query.data and not query.game_short_name:
        await stale_button(update, context)
        raise ApplicationHandlerStop


async def prune_job(context: BotContext) -> None:
    try:
        await dedupe(cast("BotApplication", context.application)).prune()
    except Exception as exc:  # the next round retries
        log.warning("pruning seen update ids failed: %s", type(exc).__name__)


async def start(app: BotApplication) -> None:
    await dedupe(app).load()
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(PRUNE_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(prune_job, interval=PRUNE_EVERY, first=PRUNE_EVERY,
                                name=PRUNE_JOB)


async def stop(app: BotApplication) -> None:
    await dedupe(app).close()


def register(app: BotApplication) -> None:
    app.services.start_hooks.append(start)
    app.services.stop_hooks.append(stop)
    app.add_handler(TypeHandler(Update, drop_repeats), group=GROUP_DEDUPE)
    app.add_handler(TypeHandler(Update, drop_empty_buttons), group=GROUP_MALFORMED)
