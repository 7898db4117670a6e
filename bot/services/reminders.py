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
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.clock import Clock, iso, parse_iso
from bot.content import Region
from bot.i18n import N_, Translator
from bot.services.delivery import Outcome, Outgoing, Sender
from bot.services.staff import StaffService
from bot.services.volunteers import ROLES
from bot.storage.reminders import DeliveryRow, Reminder, Run
from bot.storage.store import Store

log = logging.getLogger(__name__)
REM_PREFIX = "rem"
DONE_PATTERN = rf"^{REM_PREFIX}:done:(\d{{1,12}})$"
SNOOZE_PATTERN = rf"^{REM_PREFIX}:snz:(\d{{1,12}})$"
SNOOZE = dt.timedelta(hours=1)
MAX_TEXT = 3500
SCAN_LIMIT = 2000          # occurrences examined per step of a catch-up
RETRIES_ON_429 = 3
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # standard 0..7
WEEKDAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
                 N_("Saturday"), N_("Sunday"))
_SIMPLE = re.compile(r"^(\d{1,2}) (\d{1,2}) (\*|\d{1,2}) \* (\*|[a-z]{3}(?:,[a-z]{3})*)$")


class ReminderError(ValueError):
    """Bad input for a reminder; `code` names the problem, the message is one English line."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- schedules ----------------------------------------------------------------------------------
def _dow_token(token: str) -> str:
    """One comma-part of the day-of-week field: standard cron numbers become day names."""
    base, _, step = token.partition("/")
    if not re.fullmatch(r"\*|\d(-\d)?", base) or (step and not step.isdigit()):
        return token  # names ("mon-fri") are left as they are
    if base == "*" and not step:
        return token
    lo, hi = (0, 6) if base == "*" else (int(base.split("-")[0]), int(base.split("-")[-1]))
    if lo > 7 or hi > 7 or lo > hi:
        raise ReminderError("cron", "day of week must be 0-7 (0 and 7 are Sunday)")
    days = range(lo, hi + 1, int(step) if step else 1)
    return ",".join(dict.fromkeys(_CRON_DOW[d] for d in days))


def normalize_cron(expr: str) -> str:
    """A valid 5-field crontab with day names; ReminderError('cron') otherwise."""
    fields = expr.split()
    if len(fields) != 5:
        raise ReminderError("cron", f"cron needs 5 fields (minute hour day month weekday), "
                                    f"got {len(fields)}")
    if "0" in fields[2].split(",") or fields[2].startswith("0-"):
        raise ReminderError("cron", "day of month must be 1-31")
    fields[4] = ",".join(_dow_token(t) for t in fields[4].lower().split(","))
    normalized = " ".join(fields)
    try:
        CronTrigger.from_crontab(normalized, timezone=dt.UTC)
    except (ValueError, TypeError, KeyError) as exc:
        raise ReminderError("cron", f"malformed cron {expr!r}: {exc}") from None
    return normalized


def daily(hour: int, minute: int) -> str:
    return f"{minute} {hour} * * *"


def weekly(days: Sequence[int], hour: int, minute: int) -> str:
    """days: 0 = Monday .. 6 = Sunday."""
    names = ",".join(WEEKDAYS[d] for d in sorted(set(days)))
    return f"{minute} {hour} * * {names}"


def monthly(day: int, hour: int, minute: int) -> str:
    return f"{minute} {hour} {day} * *"


def trigger(cron: str, tz: ZoneInfo) -> CronTrigger:
    return CronTrigger.from_crontab(cron, timezone=tz)


def next_after(reminder: Reminder, after: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
    """The first occurrence strictly after `after` (UTC), or None if there is none."""
    if reminder.kind == "once":
        at = parse_iso(reminder.at or "")
        return at if at > after else None
    nxt = trigger(reminder.cron or "", tz).get_next_fire_time(
        None, after.astimezone(tz) + dt.timedelta(microseconds=1))
    return nxt.astimezone(dt.UTC) if nxt else None


def describe(t: Translator, reminder: Reminder, tz: ZoneInfo) -> str:
    """'once, on 05/11/2026 10:00 WIB', 'every day at 07:00', 'every Monday, Thursday at 07:00'"""
    if reminder.kind == "once":
        return t(N_("once, on {when}")).format(when=local(parse_iso(reminder.at or ""), tz))
    m = _SIMPLE.match(reminder.cron or "")
    if m:
        minute, hour, dom, dow = m.groups()
        clock = f"{int(hour):02d}:{int(minute):02d}"
        if dom == "*" and dow == "*":
            return t(N_("every day at {time}")).format(time=clock)
        if dom == "*":
            days = ", ".join(t(WEEKDAY_NAMES[WEEKDAYS.index(d)]) for d in dow.split(","))
            return t(N_("every {days} at {time}")).format(days=days, time=clock)
        if dow == "*":
            return t(N_("every month on day {day} at {time}")).format(day=int(dom), time=clock)
    return t(N_("on the schedule {cron}")).format(cron=reminder.cron)


def local(moment: dt.datetime, tz: ZoneInfo) -> str:
    return local_time(moment, tz)


def local_time(moment: dt.datetime, tz: ZoneInfo, with_date: bool = True) -> str:
    """'05/11/2026 10:00 WIB' (or '10:00 WIB') in TIMEZONE."""
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M %Z" if with_date else "%H:%M %Z")


# -- messages -----------------------------------------------------------------------------------
def render_reminder(t: Translator, text: str, delivery_id: int, again: bool = False) -> Outgoing:
    head = t(N_("Reminder again")) if again else t(N_("Reminder from the office"))
    return Outgoing(
        f"🔔 {head}\n\n{text}",
        buttons=[[(t(N_("Done")), f"{REM_PREFIX}:done:{delivery_id}"),
                  (t(N_("Remind me again in 1 hour")), f"{REM_PREFIX}:snz:{delivery_id}")]],
    )


def reason_code(error: str | None, outcome: Outcome) -> str:
    """A short, stable reason for staff from the Bot API's answer."""
    text = (error or "").lower()
    if "blocked" in text:
        return "blocked"
    if "can't initiate" in text or "cannot initiate" in text:
        return "not_started"
    if "deactivated" in text:
        return "deactivated"
    if "chat not found" in text:
        return "chat_not_found"
    if outcome == Outcome.BLOCKED:
        return "forbidden"
    if outcome == Outcome.RETRY:
        return "rate_limited"
    return (error or "failed")[:80]


REASONS = {
    "blocked": N_("blocked the bot"),
    "not_started": N_("never started the bot"),
    "deactivated": N_("account deleted"),
    "chat_not_found": N_("chat not found"),
    "forbidden": N_("Telegram refused (403)"),
    "rate_limited": N_("Telegram kept asking to wait (429)"),
    "interrupted": N_("interrupted by a restart; may not have arrived"),
}


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
    def __init__(self, store: Store, staff: StaffService, clock: Clock, *, tz: ZoneInfo,
                 grace: dt.timedelta, regions: Sequence[Region],
                 translator: Callable[[str], Translator],
                 locale_for: Callable[[int], Awaitable[str]],
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.store = store
        self.repo = store.reminders
        self.staff = staff
        self.clock = clock
        self.tz = tz
        self.grace = grace
        self.region_codes = {r.code for r in regions}
        self.translator = translator
        self.locale_for = locale_for
        self.sleep = sleep
        self.sender: Sender | None = None  # set when the bot starts

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
        return await self.store.volunteers.audience(reminder.role, reminder.region_code)

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
        if self.sender is None:
            raise RuntimeError("the reminder service has no sender yet")
        for _ in range(RETRIES_ON_429 + 1):
            try:
                delivery = await self.sender(user_id, message)
            except Exception as exc:  # an answer we cannot read: record it, go on with the rest
                log.warning("reminder send to one volunteer failed: %s", type(exc).__name__)
                return "failed", f"error: {type(exc).__name__}", None
            if delivery.outcome == Outcome.SENT:
                return "sent", None, delivery.message_id
            if delivery.outcome != Outcome.RETRY:
                status = "blocked" if delivery.outcome == Outcome.BLOCKED else "failed"
                return status, reason_code(delivery.error, delivery.outcome), None
            await self.sleep(min(delivery.retry_after or 1.0, 60.0))
        return "failed", "rate_limited", None

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
        vol = await self.store.volunteers.get(user_id)
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


# -- what staff type ------------------------------------------------------------------------------
_DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H.%M",
                 "%d/%m/%Y %H.%M", "%Y-%m-%d %H.%M", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


LAST_YEAR = 2100  # a date-time later than this is a typing slip, not a reminder


def parse_local_datetime(text: str, tz: ZoneInfo) -> dt.datetime | None:
    """'05-11-2026 08:00', '5/11/2026 8.00', '2026-11-05 08:00' or ISO-8601, in TIMEZONE unless
    the text says otherwise; None if it is none of these, or later than LAST_YEAR."""
    text = " ".join(text.strip().replace("T", " ", 1).split()) if text else ""
    value = None
    for fmt in _DATE_FORMATS:
        try:
            value = dt.datetime.strptime(text, fmt).replace(tzinfo=tz)
            break
        except ValueError:
            continue
    if value is None:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        value = value if value.tzinfo else value.replace(tzinfo=tz)
    try:  # 9999-12-31T23:59:59-23:59 is past the end of the calendar in UTC
        in_range = value.astimezone(dt.UTC).year <= LAST_YEAR
    except OverflowError:
        return None
    return value if in_range else None


def parse_hhmm(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text or "", re.ASCII)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    return hour, minute
