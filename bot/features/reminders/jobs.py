"""The reminders' jobs (PTB's JobQueue, in memory; the database is the truth).

  reminder:<id>    the reminder's next occurrence (data: id, at); re-armed after each firing
  snooze:<id>      a snoozed delivery's second send (data: id, until)
  reminders:sync   every SYNC_SECONDS: catch-up, jobs for reminders added or cancelled from
                   the command line, due snoozes
A job of the same name is always replaced, never duplicated.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, cast

from bot.context import BotContext
from bot.core.clock import iso, parse_iso
from bot.features.reminders.repo import Reminder as StoredReminder
from bot.features.reminders.service import ReminderService

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

SYNC_SECONDS = 30
JOB_SYNC = "reminders:sync"


def service(context_or_app: BotContext | BotApplication) -> ReminderService:
    return context_or_app.services.reminders


def _replace(app: BotApplication, name: str, when: dt.datetime, callback, data: dict) -> None:
    queue = app.job_queue
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_once(callback, when=when, name=name, data=data,
                   job_kwargs={"misfire_grace_time": None, "coalesce": True})


def _remove(app: BotApplication, name: str) -> None:
    for job in app.job_queue.get_jobs_by_name(name):
        job.schedule_removal()


def schedule_reminder(app: BotApplication, reminder: StoredReminder,
                      after: dt.datetime | None = None) -> dt.datetime | None:
    """(Re)arm the job of a reminder's next occurrence; remove it if there is none."""
    name = f"reminder:{reminder.id}"
    svc = service(app)
    nxt = svc.next_occurrence(reminder, after) if reminder.status == "active" else None
    if nxt is None:
        _remove(app, name)
        return None
    jobs = app.job_queue.get_jobs_by_name(name)
    if len(jobs) == 1 and (jobs[0].data or {}).get("at") == iso(nxt):
        return nxt
    _replace(app, name, nxt, reminder_job, {"id": reminder.id, "at": iso(nxt)})
    return nxt


def schedule_snooze(app: BotApplication, delivery_id: int, until: dt.datetime) -> None:
    _replace(app, f"snooze:{delivery_id}", until, snooze_job,
             {"id": delivery_id, "until": iso(until)})


async def reminder_job(context: BotContext) -> None:
    data = cast("dict[str, Any]", context.job.data)  # schedule_reminder's data: id, at
    occurrence = parse_iso(data["at"])
    svc = service(context)
    await svc.fire(int(data["id"]), occurrence)
    reminder = await svc.get(int(data["id"]))
    if reminder is not None:
        schedule_reminder(context.application, reminder,  # type: ignore[arg-type]
                          after=max(occurrence, svc.clock()))


async def snooze_job(context: BotContext) -> None:
    data = cast("dict[str, Any]", context.job.data)  # schedule_snooze's data: id, until
    await service(context).fire_snooze(int(data["id"]), data["until"])


async def register_jobs(app: BotApplication) -> None:
    """Jobs for every active reminder and pending snooze; none for the others."""
    svc = service(app)
    active = await svc.active()
    wanted = {f"reminder:{r.id}" for r in active}
    for job in app.job_queue.jobs(r"^reminder:\d+$"):
        if job.name not in wanted:
            job.schedule_removal()
    for reminder in active:
        schedule_reminder(app, reminder)
    snoozed = await svc.snoozed()
    wanted_snoozes = {f"snooze:{row.id}" for row in snoozed}
    for job in app.job_queue.jobs(r"^snooze:\d+$"):
        if job.name not in wanted_snoozes:
            job.schedule_removal()
    for row in snoozed:
        name = f"snooze:{row.id}"
        jobs = app.job_queue.get_jobs_by_name(name)
        if not (len(jobs) == 1 and jobs[0].data.get("until") == row.snooze_until):
            schedule_snooze(app, row.id, parse_iso(row.snooze_until or ""))


async def sync_job(context: BotContext) -> None:
    app: BotApplication = context.application  # type: ignore[assignment]
    await sync(app)


async def sync(app: BotApplication) -> None:
    svc = service(app)
    await svc.catch_up()
    await svc.due_snoozes()
    await register_jobs(app)


def ensure_sync(app: BotApplication) -> None:
    """The periodic sync job, exactly one."""
    for job in app.job_queue.get_jobs_by_name(JOB_SYNC):
        job.schedule_removal()
    app.job_queue.run_repeating(sync_job, interval=SYNC_SECONDS, first=SYNC_SECONDS,
                                name=JOB_SYNC)


async def start(app: BotApplication) -> None:
    """At start: finish interrupted sends, catch up, register every job and the sync. A failure
    never keeps the bot from starting: the sync job tries again in SYNC_SECONDS."""
    try:
        await _start(app)
    except Exception:
        log.exception("reminders could not catch up at start")
        ensure_sync(app)


async def _start(app: BotApplication) -> None:
    svc = service(app)
    resumed = await svc.resume_interrupted()
    caught = await svc.catch_up()
    await svc.due_snoozes()
    await register_jobs(app)
    ensure_sync(app)
    if resumed or caught.fired or caught.missed:
        log.info("reminders at start: %d interrupted runs resumed, %d sent late, %d missed",
                 resumed, len(caught.fired), caught.missed)
