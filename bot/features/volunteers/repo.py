"""Volunteers (relawan): who they are and which audience they belong to."""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass

from bot.core.clock import iso
from bot.storage.db import Database


@dataclass(frozen=True)
class Volunteer:
    user_id: int
    role: str
    region_code: str
    name: str
    phone: str | None
    status: str
    requested_at: str
    decided_at: str | None
    decided_by: int | None
    notified_at: str | None
    kecamatan_code: str | None = None
    reason_code: str | None = None   # a rejection's reason (a preset code, or 'other')
    reason_note: str | None = None   # the officer's own words for 'other'


STATUSES = ("pending", "approved", "rejected", "inactive")
# The details a volunteer may change themselves (see VolunteerService.update_details).
EDITABLE = ("name", "role", "region_code", "kecamatan_code", "phone")


def _row(r) -> Volunteer:
    return Volunteer(r["user_id"], r["role"], r["region_code"], r["name"], r["phone"],
                     r["status"], r["requested_at"], r["decided_at"], r["decided_by"],
                     r["notified_at"], r["kecamatan_code"], r["reason_code"], r["reason_note"])


class VolunteerRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def audience(self, role: str | None = None, region_code: str | None = None) -> list[int]:
        """User ids of approved volunteers, optionally of one role and/or one kab/kota."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM volunteers WHERE status = 'approved' "
            "AND (? IS NULL OR role = ?) AND (? IS NULL OR region_code = ?) ORDER BY user_id",
            (role, role, region_code, region_code),
        )
        return [r["user_id"] for r in rows]

    async def reminder_audience(self, role: str | None = None,
                                region_code: str | None = None) -> list[int]:
        """The audience of a reminder: approved volunteers, without those whose reminder
        subscription a 403 blocked, unless they have written to the bot since."""
        rows = await self.db.fetchall(
            "SELECT v.user_id FROM volunteers v LEFT JOIN subscribers s USING (user_id) "
            "WHERE v.status = 'approved' AND (? IS NULL OR v.role = ?) "
            "AND (? IS NULL OR v.region_code = ?) AND (v.reminders_blocked_at IS NULL "
            "OR s.last_seen > v.reminders_blocked_at) ORDER BY v.user_id",
            (role, role, region_code, region_code),
        )
        return [r["user_id"] for r in rows]

    async def block_reminders(self, user_id: int, now: dt.datetime) -> None:
        """A 403 on a reminder: the volunteer's reminder subscription is blocked."""
        await self.db.execute(
            "UPDATE volunteers SET reminders_blocked_at = ? WHERE user_id = ?",
            (iso(now), user_id))

    async def is_approved(self, user_id: int) -> bool:
        return bool(await self.db.fetchval(
            "SELECT 1 FROM volunteers WHERE user_id = ? AND status = 'approved'", (user_id,)))

    async def get(self, user_id: int) -> Volunteer | None:
        row = await self.db.fetchone("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
        return _row(row) if row else None

    async def request(self, user_id: int, role: str, region_code: str, name: str,
                      phone: str | None, now: dt.datetime,
                      kecamatan_code: str | None = None) -> Volunteer:
        """A new (or renewed, after a rejection) registration, waiting for staff."""
        async with self.db.transaction() as conn:
            await conn.execute(
                """INSERT INTO volunteers (user_id, role, region_code, kecamatan_code, name,
                                           phone, status, requested_at)
                   VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
                   ON CONFLICT (user_id) DO UPDATE SET role = excluded.role,
                       region_code = excluded.region_code,
                       kecamatan_code = excluded.kecamatan_code, name = excluded.name,
                       phone = excluded.phone, status = 'pending',
                       requested_at = excluded.requested_at, decided_at = NULL,
                       decided_by = NULL, notified_at = NULL, reason_code = NULL,
                       reason_note = NULL""",
                (user_id, role, region_code, kecamatan_code, name, phone, iso(now)),
            )
            cur = await conn.execute("SELECT * FROM volunteers WHERE user_id = ?", (user_id,))
            return _row(await cur.fetchone())

    async def decide(self, user_id: int, status: str, by: int | None, now: dt.datetime,
                     from_statuses: tuple[str, ...] = ("pending",), *,
                     reason_code: str | None = None, reason_note: str | None = None,
                     notify: bool = True) -> bool:
        """Set `status` if the current status is one of from_statuses. `notify` leaves the
        decision to be told to the volunteer (approved/rejected); without it the change is
        marked told already (a deactivation, a reactivation)."""
        marks = ",".join("?" * len(from_statuses))
        return await self.db.execute(
            f"UPDATE volunteers SET status = ?, decided_at = ?, decided_by = ?, "
            f"notified_at = CASE WHEN ? THEN NULL ELSE ? END, reason_code = ?, reason_note = ? "
            f"WHERE user_id = ? AND status IN ({marks})",
            (status, iso(now), by, int(notify), iso(now), reason_code, reason_note, user_id,
             *from_statuses),
        ) > 0

    async def update(self, user_id: int, fields: dict[str, object], now: dt.datetime, *,
                     pending: bool = False) -> bool:
        """Change a volunteer's own details (names from EDITABLE only); `pending` sends the
        registration back to the office for approval."""
        if not fields or any(k not in EDITABLE for k in fields):
            raise ValueError(f"not editable: {sorted(fields)}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        extra = (", status = 'pending', requested_at = ?, decided_at = NULL, decided_by = NULL, "
                 "notified_at = NULL") if pending else ""
        params: list[object] = [*fields.values(), iso(now)]
        if pending:
            params.append(iso(now))
        return await self.db.execute(
            f"UPDATE volunteers SET {sets}, updated_at = ?{extra} WHERE user_id = ? "
            f"AND status IN ('pending', 'approved')", (*params, user_id)) > 0

    async def list(self, status: str | None = None,
                   region_code: str | None = None) -> list[Volunteer]:
        """Volunteers of one status (None: all), of one kab/kota (None: all), by name."""
        rows = await self.db.fetchall(
            "SELECT * FROM volunteers WHERE (? IS NULL OR status = ?) "
            "AND (? IS NULL OR region_code = ?) "
            "ORDER BY status, lower(name), region_code, user_id",
            (status, status, region_code, region_code))
        return [_row(r) for r in rows]

    async def counts(self, region_code: str | None = None) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM volunteers WHERE (? IS NULL OR region_code = ?) "
            "GROUP BY status", (region_code, region_code))
        return {r["status"]: r["n"] for r in rows}

    async def unnotified_decisions(self) -> builtins.list[Volunteer]:  # `list` is a method here
        rows = await self.db.fetchall(
            "SELECT * FROM volunteers WHERE status IN ('approved', 'rejected') "
            "AND notified_at IS NULL ORDER BY user_id")
        return [_row(r) for r in rows]

    async def mark_notified(self, user_id: int, now: dt.datetime) -> bool:
        """Claim the notification of the decision (True once per decision)."""
        return await self.db.execute(
            "UPDATE volunteers SET notified_at = ? WHERE user_id = ? AND notified_at IS NULL "
            "AND status IN ('approved', 'rejected')", (iso(now), user_id)) > 0
