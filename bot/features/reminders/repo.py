"""Reminders for volunteers: schedules, claimed occurrences (runs) and per-recipient deliveries.

Claiming an occurrence is one INSERT under UNIQUE (reminder_id, occurrence), in the same
transaction as the recipients' delivery rows: whoever inserts it sends it, nobody else ever does.
"""

from __future__ import annotations

import builtins  # in ReminderRepo, `list` after its method `list` names the method
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.clock import iso
from bot.storage.db import Database


@dataclass(frozen=True)
class Reminder:
    id: int
    text: str
    role: str | None
    region_code: str | None
    kind: str            # once | cron
    at: str | None       # ISO UTC
    cron: str | None
    status: str          # active | cancelled | done (a paused one is active, with paused_at)
    created_at: str
    created_by: int | None
    text_jv: str | None = None    # for volunteers who use Javanese; None: they get `text`
    ends_on: str | None = None    # last local day (YYYY-MM-DD) it may be sent; None: no end
    paused_at: str | None = None  # ISO UTC while paused
    due_from: str | None = None   # ISO UTC: no occurrence before it is due (resume, new schedule)

    @property
    def paused(self) -> bool:
        return self.status == "active" and self.paused_at is not None

    @property
    def state(self) -> str:
        """active | paused | cancelled | done"""
        return "paused" if self.paused else self.status


@dataclass(frozen=True)
class Run:
    id: int
    reminder_id: int
    occurrence: str
    status: str          # sending | sent | missed
    claimed_at: str


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    run_id: int
    reminder_id: int
    user_id: int
    status: str
    reason: str | None
    message_id: int | None
    sent_at: str | None
    done_at: str | None
    snooze_until: str | None
    occurrence: str
    text: str
    text_jv: str | None = None

    def text_for(self, locale: str) -> str:
        """The text in the volunteer's language: the Javanese one if there is one."""
        return self.text_jv if locale == "jv" and self.text_jv else self.text


# What an edit may change (kind follows at/cron; due_from is set with a new schedule).
EDITABLE = frozenset({"text", "text_jv", "role", "region_code", "kind", "at", "cron", "ends_on",
                      "due_from"})


def _reminder(r) -> Reminder:
    return Reminder(r["id"], r["text"], r["role"], r["region_code"], r["kind"], r["at"],
                    r["cron"], r["status"], r["created_at"], r["created_by"], r["text_jv"],
                    r["ends_on"], r["paused_at"], r["due_from"])


def _run(r) -> Run:
    return Run(r["id"], r["reminder_id"], r["occurrence"], r["status"], r["claimed_at"])


def _delivery(r) -> DeliveryRow:
    return DeliveryRow(r["id"], r["run_id"], r["reminder_id"], r["user_id"], r["status"],
                       r["reason"], r["message_id"], r["sent_at"], r["done_at"],
                       r["snooze_until"], r["occurrence"], r["text"], r["text_jv"])


_DELIVERY_SELECT = (
    "SELECT d.*, r.reminder_id AS reminder_id, r.occurrence AS occurrence, m.text AS text, "
    "m.text_jv AS text_jv "
    "FROM reminder_deliveries d JOIN reminder_runs r ON r.id = d.run_id "
    "JOIN reminders m ON m.id = r.reminder_id "
)


class ReminderRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reminders ------------------------------------------------------------------------------
    async def create(self, *, text: str, role: str | None, region_code: str | None, kind: str,
                     at: dt.datetime | None, cron: str | None, now: dt.datetime,
                     created_by: int | None, text_jv: str | None = None,
                     ends_on: str | None = None) -> Reminder:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO reminders (text, role, region_code, kind, at, cron, created_at, "
                "created_by, text_jv, ends_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (text, role, region_code, kind, iso(at) if at else None, cron, iso(now),
                 created_by, text_jv, ends_on),
            )
            rid = cur.lastrowid
            cur = await conn.execute("SELECT * FROM reminders WHERE id = ?", (rid,))
            return _reminder(await cur.fetchone())

    async def get(self, reminder_id: int) -> Reminder | None:
        row = await self.db.fetchone("SELECT * FROM reminders WHERE id = ?", (reminder_id,))
        return _reminder(row) if row else None

    async def list(self, status: str | None = None) -> list[Reminder]:
        rows = await self.db.fetchall(
            "SELECT * FROM reminders WHERE (? IS NULL OR status = ?) ORDER BY id",
            (status, status))
        return [_reminder(r) for r in rows]

    async def cancel(self, reminder_id: int, by: int | None, now: dt.datetime) -> bool:
        return await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', cancelled_at = ?, cancelled_by = ? "
            "WHERE id = ? AND status = 'active'", (iso(now), by, reminder_id)) > 0

    async def update(self, reminder_id: int, changes: dict[str, str | None], by: int | None,
                     now: dt.datetime) -> bool:
        """Change an active (or paused) reminder's EDITABLE columns; False if it is not."""
        bad = set(changes) - EDITABLE
        if bad:
            raise ValueError(f"not editable: {sorted(bad)}")
        if not changes:
            return True
        columns = sorted(changes)
        sets = ", ".join(f"{c} = ?" for c in columns)
        return await self.db.execute(
            f"UPDATE reminders SET {sets}, updated_at = ?, updated_by = ? "
            "WHERE id = ? AND status = 'active'",
            (*(changes[c] for c in columns), iso(now), by, reminder_id)) > 0

    async def pause(self, reminder_id: int, by: int | None, now: dt.datetime) -> bool:
        return await self.db.execute(
            "UPDATE reminders SET paused_at = ?, updated_at = ?, updated_by = ? "
            "WHERE id = ? AND status = 'active' AND paused_at IS NULL",
            (iso(now), iso(now), by, reminder_id)) > 0

    async def resume(self, reminder_id: int, by: int | None, now: dt.datetime) -> bool:
        """Occurrences while it was paused are never due (due_from), not even as missed."""
        return await self.db.execute(
            "UPDATE reminders SET paused_at = NULL, due_from = ?, updated_at = ?, "
            "updated_by = ? WHERE id = ? AND status = 'active' AND paused_at IS NOT NULL",
            (iso(now), iso(now), by, reminder_id)) > 0

    async def finish(self, reminder_id: int) -> None:
        await self.db.execute(
            "UPDATE reminders SET status = 'done' WHERE id = ? AND status = 'active'",
            (reminder_id,))

    # -- runs -----------------------------------------------------------------------------------
    async def last_occurrence(self, reminder_id: int) -> str | None:
        return await self.db.fetchval(
            "SELECT MAX(occurrence) FROM reminder_runs WHERE reminder_id = ?", (reminder_id,))

    async def claim(self, reminder_id: int, occurrence: dt.datetime, recipients: Iterable[int],
                    now: dt.datetime) -> int | None:
        """Claim one occurrence and snapshot its recipients; None if it was claimed before."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO reminder_runs (reminder_id, occurrence, status, claimed_at) "
                "VALUES (?, ?, 'sending', ?) ON CONFLICT (reminder_id, occurrence) DO NOTHING",
                (reminder_id, iso(occurrence), iso(now)),
            )
            if cur.rowcount != 1:
                return None
            run_id = cur.lastrowid
            await conn.executemany(
                "INSERT INTO reminder_deliveries (run_id, user_id) VALUES (?, ?)",
                [(run_id, uid) for uid in recipients],
            )
            return run_id

    async def record_missed(self, reminder_id: int, occurrences: Sequence[dt.datetime],
                            now: dt.datetime) -> int:
        """Record occurrences that were too late to send; returns how many were new."""
        async with self.db.transaction() as conn:
            before = conn.total_changes
            await conn.executemany(
                "INSERT INTO reminder_runs (reminder_id, occurrence, status, claimed_at, "
                "finished_at) VALUES (?, ?, 'missed', ?, ?) "
                "ON CONFLICT (reminder_id, occurrence) DO NOTHING",
                [(reminder_id, iso(o), iso(now), iso(now)) for o in occurrences],
            )
            return conn.total_changes - before

    async def finish_run(self, run_id: int, now: dt.datetime) -> None:
        await self.db.execute(
            "UPDATE reminder_runs SET status = 'sent', finished_at = ? WHERE id = ? "
            "AND status = 'sending'", (iso(now), run_id))

    async def unfinished_runs(self) -> builtins.list[Run]:
        rows = await self.db.fetchall(
            "SELECT * FROM reminder_runs WHERE status = 'sending' ORDER BY id")
        return [_run(r) for r in rows]

    async def runs(self, reminder_id: int, limit: int = 10) -> builtins.list[Run]:
        rows = await self.db.fetchall(
            "SELECT * FROM reminder_runs WHERE reminder_id = ? ORDER BY occurrence DESC LIMIT ?",
            (reminder_id, limit))
        return [_run(r) for r in rows]

    async def run_counts(self, reminder_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM reminder_runs WHERE reminder_id = ? "
            "GROUP BY status", (reminder_id,))
        return {r["status"]: r["n"] for r in rows}

    # -- deliveries -----------------------------------------------------------------------------
    async def interrupt_in_flight(self, run_id: int, now: dt.datetime) -> int:
        """Sends cut off by a crash: whether they arrived is unknown, so they are not resent
        (never twice) but shown to staff as failed with the reason 'interrupted'."""
        return await self.db.execute(
            "UPDATE reminder_deliveries SET status = 'failed', reason = 'interrupted', "
            "sent_at = ? WHERE run_id = ? AND status = 'sending'", (iso(now), run_id))

    async def pending(self, run_id: int) -> builtins.list[DeliveryRow]:
        rows = await self.db.fetchall(
            _DELIVERY_SELECT + "WHERE d.run_id = ? AND d.status = 'pending' ORDER BY d.id",
            (run_id,))
        return [_delivery(r) for r in rows]

    async def start_sending(self, delivery_id: int) -> bool:
        return await self.db.execute(
            "UPDATE reminder_deliveries SET status = 'sending' WHERE id = ? "
            "AND status = 'pending'", (delivery_id,)) > 0

    async def set_result(self, delivery_id: int, status: str, reason: str | None,
                         message_id: int | None, now: dt.datetime) -> None:
        await self.db.execute(
            "UPDATE reminder_deliveries SET status = ?, reason = ?, message_id = ?, sent_at = ? "
            "WHERE id = ?", (status, reason, message_id, iso(now), delivery_id))

    async def delivery(self, delivery_id: int) -> DeliveryRow | None:
        row = await self.db.fetchone(_DELIVERY_SELECT + "WHERE d.id = ?", (delivery_id,))
        return _delivery(row) if row else None

    async def deliveries(self, run_id: int) -> builtins.list[DeliveryRow]:
        rows = await self.db.fetchall(
            _DELIVERY_SELECT + "WHERE d.run_id = ? ORDER BY d.user_id", (run_id,))
        return [_delivery(r) for r in rows]

    async def delivery_counts(self, reminder_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT d.status, COUNT(*) AS n FROM reminder_deliveries d "
            "JOIN reminder_runs r ON r.id = d.run_id WHERE r.reminder_id = ? GROUP BY d.status",
            (reminder_id,))
        return {r["status"]: r["n"] for r in rows}

    async def mark_done(self, delivery_id: int, now: dt.datetime) -> bool:
        return await self.db.execute(
            "UPDATE reminder_deliveries SET status = 'done', done_at = ?, snooze_until = NULL "
            "WHERE id = ? AND status IN ('sent', 'failed')", (iso(now), delivery_id)) > 0

    async def set_snooze(self, delivery_id: int, until: dt.datetime) -> bool:
        """A press on the message proves it arrived, so a 'failed' (interrupted) row is sent."""
        return await self.db.execute(
            "UPDATE reminder_deliveries SET snooze_until = ?, snoozes = snoozes + 1, "
            "status = 'sent', reason = NULL WHERE id = ? AND status IN ('sent', 'failed')",
            (iso(until), delivery_id)) > 0

    async def take_snooze(self, delivery_id: int, until: str) -> bool:
        """Claim a snoozed reminder's second send (True once)."""
        return await self.db.execute(
            "UPDATE reminder_deliveries SET snooze_until = NULL WHERE id = ? "
            "AND snooze_until = ? AND status = 'sent'", (delivery_id, until)) > 0

    async def snoozed(self) -> builtins.list[DeliveryRow]:
        rows = await self.db.fetchall(
            _DELIVERY_SELECT + "WHERE d.snooze_until IS NOT NULL AND d.status = 'sent' "
            "ORDER BY d.snooze_until")
        return [_delivery(r) for r in rows]

    async def open_tasks(self, user_id: int, limit: int = 500) -> builtins.list[DeliveryRow]:
        rows = await self.db.fetchall(
            _DELIVERY_SELECT + "WHERE d.user_id = ? AND d.status = 'sent' "
            "ORDER BY r.occurrence DESC LIMIT ?", (user_id, limit))
        return [_delivery(r) for r in rows]
