"""What staff do with reminders: write, edit, pause, resume, cancel, list and open one.

Every action takes the actor's Scope (bot/core/scope.py): an operator bound to a kab/kota
sees and acts on reminders of that kab/kota only (region_code NULL, every kab/kota, belongs
to province-wide staff), and writes reminders only for it. Checked here, not only in the
chat; a refusal is audited (staff.deny). `trusted=True` is the command line (the whole
province). Every change is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.clock import Clock, iso, parse_iso
from bot.core.datetimes import LAST_YEAR
from bot.core.scope import WHOLE_PROVINCE, Scope
from bot.features.reminders.render import local
from bot.features.reminders.repo import DeliveryRow, Reminder, ReminderRepo, Run
from bot.features.reminders.schedule import ReminderError, next_after, normalize_cron
from bot.features.staff.service import StaffService
from bot.features.volunteers.service import ROLES, VolunteerService

# A reminder is a message a volunteer receives: with its heading it stays under the 1,500
# characters of the house's rule for messages to people.
MAX_TEXT = 1400
FIELDS = ("text", "text_jv", "role", "region_code", "at", "cron", "ends_on")
SCHEDULE = ("kind", "at", "cron")


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
    audience: int                   # volunteers it reaches now


class StaffActions:
    """The staff side of ReminderService (a mixin: the attributes are the service's)."""

    repo: ReminderRepo
    staff: StaffService
    volunteers: VolunteerService
    clock: Clock
    tz: ZoneInfo
    region_codes: set[str]

    # -- who may act ------------------------------------------------------------------------------
    async def scope(self, actor_id: int | None, trusted: bool = False) -> Scope:
        """The actor's part of the province; PermissionDenied (audited) if not staff."""
        return WHOLE_PROVINCE if trusted else await self.staff.scope(actor_id)

    async def _reach(self, actor_id: int | None, reminder_id: int, action: str,
                     trusted: bool) -> Reminder | None:
        """The reminder if the actor may act on it; None if there is none; PermissionDenied
        (audited as `action`) if it lies outside the actor's region."""
        scope = await self.scope(actor_id, trusted)
        reminder = await self.repo.get(reminder_id)
        if reminder is not None and not scope.covers(reminder.region_code):
            await self.staff.deny(actor_id, action, str(reminder_id))
        return reminder

    # -- checks shared by create and update -------------------------------------------------------
    def _columns(self, values: Mapping[str, Any]) -> dict[str, str | None]:
        """The columns of a reminder with these values, checked; ReminderError if one is bad."""
        text = (values.get("text") or "").strip()
        if not text:
            raise ReminderError("text", "the reminder text is empty")
        text_jv = (values.get("text_jv") or "").strip() or None
        for value in (text, text_jv or ""):
            if len(value) > MAX_TEXT:
                raise ReminderError(
                    "long", f"the reminder text is longer than {MAX_TEXT} characters")
        role, region = values.get("role"), values.get("region_code")
        if role is not None and role not in ROLES:
            raise ReminderError("role", f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        if region is not None and region not in self.region_codes:
            raise ReminderError("region", f"unknown kab/kota {region!r}")
        at, cron = values.get("at"), values.get("cron")
        if (at is None) == (cron is None):
            raise ReminderError("when", "give either a date-time or a cron schedule")
        ends_on = values.get("ends_on")
        if isinstance(ends_on, str):
            ends_on = dt.date.fromisoformat(ends_on)
        out: dict[str, str | None] = {"text": text, "text_jv": text_jv, "role": role,
                                      "region_code": region, "ends_on": None}
        if at is not None:
            if isinstance(at, str):
                at = parse_iso(at)
            at = at if at.tzinfo else at.replace(tzinfo=self.tz)
            at = at.astimezone(dt.UTC).replace(microsecond=0)
            out.update(kind="once", at=iso(at), cron=None)
        else:
            out.update(kind="cron", at=None, cron=normalize_cron(cron or ""))
            if ends_on is not None:
                today = self.clock().astimezone(self.tz).date()
                if ends_on < today:
                    raise ReminderError("end_past", f"the end date {ends_on} has passed")
                if ends_on.year > LAST_YEAR:
                    raise ReminderError("end_far", f"the end date {ends_on} is too far")
                out["ends_on"] = ends_on.isoformat()
        return out

    def _check_future(self, columns: Mapping[str, str | None]) -> None:
        if columns["kind"] == "once" and parse_iso(columns["at"] or "") <= self.clock():
            raise ReminderError("past", f"{local(parse_iso(columns['at'] or ''), self.tz)} "
                                        "is in the past")
        if columns["kind"] == "cron" and columns["ends_on"] and next_after(
                _as_reminder(columns), self.clock(), self.tz) is None:
            raise ReminderError("end_past", "there is no occurrence before the end date")

    # -- a reminder being written in the chat ------------------------------------------------------
    def draft(self, *, text: str, role: str | None, region_code: str | None,
              at: str | None, cron: str | None, text_jv: str | None = None,
              ends_on: str | None = None) -> Reminder:
        """The reminder staff are writing, as it would be saved (not saved)."""
        return Reminder(0, text, role, region_code, "once" if at else "cron", at, cron,
                        "active", iso(self.clock()), None, text_jv,
                        ends_on if cron else None)

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
                     cron: str | None = None, text_jv: str | None = None,
                     ends_on: dt.date | None = None, trusted: bool = False) -> Reminder:
        """A new reminder. A regional operator may write one only for their own kab/kota."""
        scope = await self.scope(actor_id, trusted)
        if not scope.covers(region_code):
            await self.staff.deny(actor_id, "reminder.create", region_code)
        columns = self._columns({"text": text, "text_jv": text_jv, "role": role,
                                 "region_code": region_code, "at": at, "cron": cron,
                                 "ends_on": ends_on})
        self._check_future(columns)
        reminder = await self.repo.create(
            text=columns["text"] or "", role=columns["role"],
            region_code=columns["region_code"], kind=columns["kind"] or "",
            at=parse_iso(columns["at"]) if columns["at"] else None, cron=columns["cron"],
            now=self.clock(), created_by=actor_id, text_jv=columns["text_jv"],
            ends_on=columns["ends_on"])
        await self.staff.audit(actor_id, "reminder.create", target=str(reminder.id),
                               detail={"kind": reminder.kind, "role": role,
                                       "region": region_code})
        return reminder

    async def editable(self, actor_id: int | None, reminder_id: int, *,
                       trusted: bool = False) -> Reminder | None:
        """The reminder to edit if the actor may (PermissionDenied if not); None if there is
        none or it is finished or cancelled."""
        reminder = await self._reach(actor_id, reminder_id, "reminder.edit", trusted)
        return reminder if reminder is not None and reminder.status == "active" else None

    async def update(self, actor_id: int | None, reminder_id: int, changes: Mapping[str, Any],
                     *, trusted: bool = False) -> Reminder | None:
        """Change some of FIELDS (at/cron: a new schedule; ends_on: a date or None). None if
        the reminder is gone, finished or cancelled. A new region must be the actor's too."""
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise ReminderError("field", f"cannot change {sorted(unknown)}")
        old = await self.editable(actor_id, reminder_id, trusted=trusted)
        if old is None:
            return None
        if "region_code" in changes and not (await self.scope(actor_id, trusted)).covers(
                changes["region_code"]):
            await self.staff.deny(actor_id, "reminder.edit", str(reminder_id))
        merged: dict[str, Any] = {f: getattr(old, f) for f in FIELDS}
        if "at" in changes or "cron" in changes:  # a schedule replaces the other kind's
            merged.update(at=None, cron=None)
        merged.update(changes)
        columns = self._columns(merged)
        diff = {k: v for k, v in columns.items() if v != getattr(old, k)}
        if any(k in diff for k in SCHEDULE):
            self._check_future(columns)
            diff["due_from"] = iso(self.clock())  # the old schedule's times are not due
        elif "ends_on" in diff:
            self._check_future(columns)
        if diff and not await self.repo.update(reminder_id, diff, actor_id, self.clock()):
            return None
        if diff:
            await self.staff.audit(actor_id, "reminder.edit", target=str(reminder_id),
                                   detail={"fields": sorted(diff),
                                           "region": columns["region_code"]})
        return await self.repo.get(reminder_id)

    async def pause(self, actor_id: int | None, reminder_id: int, *,
                    trusted: bool = False) -> bool:
        """Stop sending until resumed; False if it was not active."""
        if await self._reach(actor_id, reminder_id, "reminder.pause", trusted) is None:
            return False
        done = await self.repo.pause(reminder_id, actor_id, self.clock())
        if done:
            await self.staff.audit(actor_id, "reminder.pause", target=str(reminder_id))
        return done

    async def resume(self, actor_id: int | None, reminder_id: int, *,
                     trusted: bool = False) -> bool:
        """Send again from now on (what fell in the pause is not sent); False if not paused."""
        if await self._reach(actor_id, reminder_id, "reminder.resume", trusted) is None:
            return False
        done = await self.repo.resume(reminder_id, actor_id, self.clock())
        if done:
            await self.staff.audit(actor_id, "reminder.resume", target=str(reminder_id))
        return done

    async def cancel(self, actor_id: int | None, reminder_id: int, *,
                     trusted: bool = False) -> bool:
        if await self._reach(actor_id, reminder_id, "reminder.cancel", trusted) is None:
            return False
        done = await self.repo.cancel(reminder_id, actor_id, self.clock())
        if done:
            await self.staff.audit(actor_id, "reminder.cancel", target=str(reminder_id))
        return done

    async def get(self, reminder_id: int) -> Reminder | None:
        return await self.repo.get(reminder_id)

    async def active(self) -> list[Reminder]:
        """Reminders that have a job: active and not paused."""
        return [r for r in await self.repo.list("active") if not r.paused]

    # -- what staff see ---------------------------------------------------------------------------
    def next_occurrence(self, reminder: Reminder, after: dt.datetime | None = None
                        ) -> dt.datetime | None:
        if reminder.status != "active" or reminder.paused:
            return None
        return next_after(reminder, after or self.clock(), self.tz)

    async def summary(self, reminder: Reminder) -> Summary:
        return Summary(reminder, self.next_occurrence(reminder),
                       await self.repo.run_counts(reminder.id),
                       await self.repo.delivery_counts(reminder.id))

    async def overview(self, status: str | None = None) -> list[Summary]:
        """Every reminder (the command line; staff in the chat use listing())."""
        return [await self.summary(r) for r in await self.repo.list(status)]

    async def listing(self, actor_id: int | None, *, finished: bool = False,
                      trusted: bool = False) -> list[Reminder]:
        """The actor's reminders, newest first: active and paused ones, or (finished=True)
        those finished or cancelled."""
        scope = await self.scope(actor_id, trusted)
        wanted = ("done", "cancelled") if finished else ("active",)
        return [r for r in reversed(await self.repo.list())
                if r.status in wanted and scope.covers(r.region_code)]

    async def view(self, actor_id: int | None, reminder_id: int, *,
                   trusted: bool = False) -> View | None:
        """Per reminder: the latest occurrence's recipients and every missed occurrence."""
        reminder = await self._reach(actor_id, reminder_id, "reminder.view", trusted)
        if reminder is None:
            return None
        runs = await self.repo.runs(reminder_id, limit=50)
        latest = next((r for r in runs if r.status != "missed"), None)
        recipients = await self.repo.deliveries(latest.id) if latest else []
        missed = [r for r in runs if r.status == "missed"]
        audience = len(await self.volunteers.audience(reminder.role, reminder.region_code))
        return View(await self.summary(reminder), latest, recipients, missed, audience)


def _as_reminder(columns: Mapping[str, str | None]) -> Reminder:
    return Reminder(0, columns["text"] or "", columns["role"], columns["region_code"],
                    columns["kind"] or "", columns["at"], columns["cron"], "active", "", None,
                    columns["text_jv"], columns["ends_on"])
