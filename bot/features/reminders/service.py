"""Reminders for volunteers: schedules, the catch-up rule, audiences and exactly-once sends.

How an occurrence is sent exactly once, also across crashes and restarts:
  1. `fire(reminder_id, occurrence)` claims the occurrence by inserting its reminder_runs row
     (UNIQUE (reminder_id, occurrence)) together with one pending delivery row per recipient,
     in one transaction, BEFORE anything is sent. A second claim of the same occurrence (a
     second job, the sync job, another restart) inserts nothing and sends nothing.
  2. Each delivery row goes pending -> sending -> sent | blocked | failed. At start, rows left
     'sending' by a crash are marked failed ('interrupted': it may or may not have arrived, so
     it is not sent twice), and 'pending' rows are sent.
Catch-up (at start and every sync): for each active reminder, the occurrences after the last
claimed one (or its creation) up to now are due; the newest is sent if it is less than
REMINDER_GRACE late, every other one is recorded as missed (shown to staff), never dropped.

Schedules are one-off (an instant) or cron (5 fields, in TIMEZONE). Day-of-week numbers are
standard cron (0 or 7 = Sunday) and stored as day names, because APScheduler 3 counts 0 as
Monday.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.content import Region
from bot.core.clock import Clock, iso, parse_iso
from bot.core.i18n import Translator
from bot.core.scope import Scope
from bot.delivery.engine import DeliveryEngine
from bot.delivery.sender import Outgoing, Sender
from bot.features.reminders.render import (
    local,
    render_reminder,
)
from bot.features.reminders.repo import DeliveryRow, Reminder, Run
from bot.features.reminders.schedule import (
    ReminderError,
    next_after,
    normalize_cron,
)
from bot.features.staff.service import StaffService
from bot.features.volunteers.service import ROLES, VolunteerService
from bot.repos import Store

log = logging.getLogger(__name__)
SNOOZE = dt.timedelta(hours=1)
MAX_TEXT = 3500
SCAN_LIMIT = 2000          # occurrences examined per step of a catch-up


# -- results --------------------------------------------------------------------------------------
@dataclass
class FireResult:
    run_id: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class CatchUp:
    fired: list[tuple[int, dt.datetime]] = field(default_factory=list)
    missed: int = 0


@dataclass(frozen=True)
class Summary:
    reminder: Reminder
    next_at: dt.datetime | None
    runs: dict[str, int]            # sent | missed | sending -> count
    deliveries: dict[str, int]      # sent | done | blocked | failed | pending -> count


@dataclass(frozen=True)
class View:
    summary: Summary
    latest: Run | None
    recipients: list[DeliveryRow]
    missed: list[Run]


class ReminderService:
    def __init__(self, store: Store, staff: StaffService, volunteers: VolunteerService,
                 clock: Clock, *, tz: ZoneInfo,
                 grace: dt.timedelta, regions: Sequence[Region],
                 translator: Callable[[str], Translator],
                 locale_for: Callable[[int], Awaitable[str]], sender: Sender,
                 engine: DeliveryEngine,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.store = store
        self.repo = store.reminders
        self.staff = staff
        self.volunteers = volunteers
        self.clock = clock
        self.tz = tz
        self.grace = grace
        self.region_codes = {r.code for r in regions}
        self.translator = translator
        self.locale_for = locale_for
        self.sleep = sleep
        self.sender = sender  # the bulk lane: no resident waits behind reminders
        self.engine = engine  # the delivery engine's rules for every answer

    # -- a reminder being written in the chat ------------------------------------------------------
    def draft(self, *, text: str, role: str | None, region_code: str | None,
              at: str | None, cron: str | None) -> Reminder:
        """The reminder staff are writing, as it would be saved (not saved)."""
        return Reminder(0, text, role, region_code, "once" if at else "cron", at, cron,
                        "active", iso(self.clock()), None)

    async def preview(self, draft: Reminder) -> tuple[dt.datetime | None, int]:
        """(its first time, how many volunteers it reaches now)."""
        first = next_after(draft, self.clock(), self.tz)
        return first, len(await self.volunteers.audience(draft.role, draft.region_code))

    def in_future(self, when: dt.datetime) -> bool:
        """A one-off reminder must be later than now (create() refuses the others too)."""
        return when > self.clock()

    # -- staff actions ----------------------------------------------------------------------------
    async def create(self, actor_id: int | None, *, text: str, role: str | None = None,
                     region_code: str | None = None, at: dt.datetime | None = None,
                     cron: str | None = None, trusted: bool = False) -> Reminder:
        """A new reminder. `trusted` is the command line; in chat the actor must be staff."""
        if not trusted:
            await self.staff.require(actor_id, "operator")
        text = text.strip()
        if not text:
            raise ReminderError("text", "the reminder text is empty")
        if len(text) > MAX_TEXT:
            raise ReminderError("text", f"the reminder text is longer than {MAX_TEXT} characters")
        if role is not None and role not in ROLES:
            raise ReminderError("role", f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        if region_code is not None and region_code not in self.region_codes:
            raise ReminderError("region", f"unknown kab/kota {region_code!r}")
        if (at is None) == (cron is None):
            raise ReminderError("when", "give either a date-time or a cron schedule")
        now = self.clock()
        if at is not None:
            at = at if at.tzinfo else at.replace(tzinfo=self.tz)
            at = at.astimezone(dt.UTC).replace(microsecond=0)
            if at <= now:
                raise ReminderError("past", f"{local(at, self.tz)} is in the past")
            kind = "once"
        else:
            cron = normalize_cron(cron or "")
            kind = "cron"
        reminder = await self.repo.create(text=text, role=role, region_code=region_code,
                                          kind=kind, at=at, cron=cron, now=now,
                                          created_by=actor_id)
        await self.staff.audit(actor_id, "reminder.create", target=str(reminder.id),
                               detail={"kind": kind, "role": role, "region": region_code})
        return reminder

    async def cancel(self, actor_id: int | None, reminder_id: int, *,
                     trusted: bool = False) -> bool:
        if not trusted:
            await self.staff.require(actor_id, "operator")
        done = await self.repo.cancel(reminder_id, actor_id, self.clock())
        if done:
            await self.staff.audit(actor_id, "reminder.cancel", target=str(reminder_id))
        return done

    async def get(self, reminder_id: int) -> Reminder | None:
        return await self.repo.get(reminder_id)

    async def active(self) -> list[Reminder]:
        return await self.repo.list("active")

    async def due_today(self, scope: Scope) -> int:
        """The staff home: active reminders of the scope's region still to be sent today
        (before midnight in TIMEZONE)."""
        now = self.clock()
        local = now.astimezone(self.tz)
        midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                          microsecond=0)
        count = 0
        for reminder in await self.active():
            if not scope.covers(reminder.region_code):
                continue
            when = self.next_occurrence(reminder, now)
            if when is not None and when < midnight:
                count += 1
        return count

    # -- schedule ---------------------------------------------------------------------------------
    def next_occurrence(self, reminder: Reminder, after: dt.datetime | None = None
                        ) -> dt.datetime | None:
        if reminder.status != "active":
            return None
        return next_after(reminder, after or self.clock(), self.tz)

    async def due(self, reminder: Reminder, now: dt.datetime,
                  limit: int = SCAN_LIMIT) -> list[dt.datetime]:
        """Unclaimed occurrences after the last claimed one (or creation), up to now."""
        last = await self.repo.last_occurrence(reminder.id)
        cursor = parse_iso(last or reminder.created_at)
        out: list[dt.datetime] = []
        while len(out) < limit:
            nxt = next_after(reminder, cursor, self.tz)
            if nxt is None or nxt > now:
                break
            out.append(nxt)
            cursor = nxt
        return out

    async def audience(self, reminder: Reminder) -> list[int]:
        return await self.volunteers.reminder_audience(reminder.role, reminder.region_code)

    # -- sending ----------------------------------------------------------------------------------
    async def catch_up(self) -> CatchUp:
        """Send what is due (newest occurrence within the grace), record the rest as missed."""
        result = CatchUp()
        for reminder in await self.repo.list("active"):
            now = self.clock()
            if reminder.kind == "once" and await self.repo.last_occurrence(reminder.id):
                await self.repo.finish(reminder.id)  # claimed, then a crash before 'done'
                continue
            while True:
                occurrences = await self.due(reminder, now)
                if not occurrences:
                    break
                if len(occurrences) == SCAN_LIMIT:  # more follow: all of these are old
                    result.missed += await self.repo.record_missed(reminder.id, occurrences, now)
                    continue
                latest, older = occurrences[-1], occurrences[:-1]
                late = now - latest > self.grace
                if late:
                    older = occurrences
                # Missed ones first: a crash right after still leaves `latest` due next time.
                result.missed += await self.repo.record_missed(reminder.id, older, now)
                if not late and await self.fire(reminder.id, latest) is not None:
                    result.fired.append((reminder.id, latest))
                if late and reminder.kind == "once":
                    await self.repo.finish(reminder.id)
                break
        return result

    async def fire(self, reminder_id: int, occurrence: dt.datetime) -> FireResult | None:
        """Send one occurrence to its audience, once; None if cancelled or already claimed."""
        reminder = await self.repo.get(reminder_id)
        if reminder is None or reminder.status != "active":
            return None
        recipients = await self.audience(reminder)
        run_id = await self.repo.claim(reminder.id, occurrence, recipients, self.clock())
        if run_id is None:
            return None
        if reminder.kind == "once":
            await self.repo.finish(reminder.id)
        return await self._send_run(run_id)

    async def resume(self) -> int:
        """After a crash: finish the runs that were being sent. Returns how many."""
        runs = await self.repo.unfinished_runs()
        for run in runs:
            await self.repo.interrupt_in_flight(run.id, self.clock())
            await self._send_run(run.id)
        return len(runs)

    async def _send_run(self, run_id: int) -> FireResult:
        result = FireResult(run_id)
        for row in await self.repo.pending(run_id):
            if not await self.repo.start_sending(row.id):
                continue  # someone else is sending this one
            t = self.translator(await self.locale_for(row.user_id))
            status, reason, message_id = await self._send(
                row.user_id, render_reminder(t, row.text, row.id))
            await self.repo.set_result(row.id, status, reason, message_id, self.clock())
            result.counts[status] = result.counts.get(status, 0) + 1
        await self.repo.finish_run(run_id, self.clock())
        return result

    async def _send(self, user_id: int, message: Outgoing) -> tuple[str, str | None, int | None]:
        """Through the delivery engine's rules; a 403 also blocks the volunteer's reminders."""
        async def block_reminders(uid: int, reason: str) -> None:
            await self.volunteers.block_reminders(uid)

        result = await self.engine.deliver(user_id, [message], kind="reminder",
                                           sender=self.sender, on_blocked=block_reminders)
        return result.status, result.reason, result.message_id

    # -- the volunteer's buttons ------------------------------------------------------------------
    async def _own(self, delivery_id: int, user_id: int) -> tuple[str, DeliveryRow | None]:
        row = await self.repo.delivery(delivery_id)
        if row is None or row.user_id != user_id:
            return "foreign", None
        return "ok", row

    async def mark_done(self, delivery_id: int, user_id: int) -> tuple[str, DeliveryRow | None]:
        """ok | already | foreign (not this person's, or no such delivery)."""
        state, row = await self._own(delivery_id, user_id)
        if row is None:
            return state, None
        if row.status == "done":
            return "already", row
        if not await self.repo.mark_done(delivery_id, self.clock()):
            return "already", row
        return "ok", await self.repo.delivery(delivery_id)

    async def snooze(self, delivery_id: int, user_id: int
                     ) -> tuple[str, DeliveryRow | None, dt.datetime | None]:
        """ok | done (already done) | foreign; with the time it will come again."""
        state, row = await self._own(delivery_id, user_id)
        if row is None:
            return state, None, None
        until = (self.clock() + SNOOZE).replace(microsecond=0)
        if row.status not in ("sent", "failed") or \
                not await self.repo.set_snooze(delivery_id, until):
            return "done", row, None
        return "ok", row, until

    async def fire_snooze(self, delivery_id: int, until: str) -> bool:
        """Send a snoozed reminder again, once."""
        if not await self.repo.take_snooze(delivery_id, until):
            return False
        row = await self.repo.delivery(delivery_id)
        if row is None:
            return False
        t = self.translator(await self.locale_for(row.user_id))
        status, reason, _ = await self._send(
            row.user_id, render_reminder(t, row.text, row.id, again=True))
        if status != "sent":
            await self.repo.set_result(row.id, status, reason, row.message_id, self.clock())
        return status == "sent"

    async def snoozed(self) -> list[DeliveryRow]:
        return await self.repo.snoozed()

    async def due_snoozes(self) -> int:
        now = iso(self.clock())
        sent = 0
        for row in await self.repo.snoozed():
            if row.snooze_until and row.snooze_until <= now:
                sent += await self.fire_snooze(row.id, row.snooze_until)
        return sent

    # -- what people see --------------------------------------------------------------------------
    async def upcoming_for(self, user_id: int, limit: int = 10
                           ) -> list[tuple[Reminder, dt.datetime]]:
        vol = await self.volunteers.get(user_id)
        if vol is None or vol.status != "approved":
            return []
        out = []
        for r in await self.repo.list("active"):
            if r.role not in (None, vol.role) or r.region_code not in (None, vol.region_code):
                continue
            nxt = self.next_occurrence(r)
            if nxt is not None:
                out.append((r, nxt))
        out.sort(key=lambda x: x[1])
        return out[:limit]

    async def open_tasks(self, user_id: int) -> list[DeliveryRow]:
        return await self.repo.open_tasks(user_id)

    async def summary(self, reminder: Reminder) -> Summary:
        return Summary(reminder, self.next_occurrence(reminder),
                       await self.repo.run_counts(reminder.id),
                       await self.repo.delivery_counts(reminder.id))

    async def overview(self, status: str | None = None) -> list[Summary]:
        return [await self.summary(r) for r in await self.repo.list(status)]

    async def view(self, actor_id: int | None, reminder_id: int, *,
                   trusted: bool = False) -> View | None:
        """Per reminder: the latest occurrence's recipients and every missed occurrence."""
        if not trusted:
            await self.staff.require(actor_id, "operator")
        reminder = await self.repo.get(reminder_id)
        if reminder is None:
            return None
        runs = await self.repo.runs(reminder_id, limit=50)
        latest = next((r for r in runs if r.status != "missed"), None)
        recipients = await self.repo.deliveries(latest.id) if latest else []
        missed = [r for r in runs if r.status == "missed"]
        return View(await self.summary(reminder), latest, recipients, missed)


