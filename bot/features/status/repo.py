"""Disbursement records, status watches, pending notifications, lookup limits, import checkpoints.

Two doors to the same tables:
- DisbursementRepo (here): the running bot's async repository (lookups, limits, watches, the
  outbox).
- importdb.py: the importer's own synchronous sqlite3 connections, used from a worker thread in
  the bot or directly by the command line; one transaction per batch, checkpoint included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.clock import iso
from bot.storage.db import Database

COLUMNS = ("nik_hash", "nama", "program", "periode", "status", "tanggal", "lembaga_penyalur",
           "keterangan", "kabupaten")
# (nik_hash, nama, program, periode, status, tanggal, lembaga_penyalur, keterangan, kabupaten)
Row = tuple[bytes, str, str, str, str, str | None, str | None, str | None, str | None]
Key = tuple[bytes, str, str]


@dataclass(frozen=True)
class Record:
    nama: str
    program: str
    periode: str
    status: str
    tanggal: str | None
    lembaga_penyalur: str | None
    keterangan: str | None


@dataclass(frozen=True)
class Notification:
    id: int
    user_id: int
    program: str
    periode: str
    old_status: str | None
    new_status: str
    tanggal: str | None
    attempts: int
    lembaga_penyalur: str | None = None
    keterangan: str | None = None
    nik_masked: str | None = None


class DisbursementRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- records ----------------------------------------------------------------------------
    async def records(self, nik_hash: bytes) -> list[Record]:
        rows = await self.db.fetchall(
            "SELECT nama, program, periode, status, tanggal, lembaga_penyalur, keterangan "
            "FROM disbursements WHERE nik_hash = ? ORDER BY periode DESC, program",
            (nik_hash,),
        )
        return [Record(*tuple(r)) for r in rows]

    async def count(self) -> int:
        return await self.db.fetchval("SELECT count(*) FROM disbursements")

    # -- limits -----------------------------------------------------------------------------
    async def user_attempts_since(self, user_id: int, since: dt.datetime) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT at FROM status_user_attempts WHERE user_id = ? AND at > ? ORDER BY at",
            (user_id, iso(since)))
        return [r[0] for r in rows]

    async def nth_newest_attempt_since(self, since: dt.datetime, n: int) -> str | None:
        """The n-th newest lookup by anyone after `since` (None if there are fewer than n)."""
        return await self.db.fetchval(
            "SELECT at FROM status_user_attempts WHERE at > ? ORDER BY at DESC LIMIT 1 OFFSET ?",
            (iso(since), n - 1))

    async def nik_failures_since(self, nik_hash: bytes, since: dt.datetime) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT at FROM status_nik_failures WHERE nik_hash = ? AND at > ? ORDER BY at",
            (nik_hash, iso(since)))
        return [r[0] for r in rows]

    async def lookup_outcomes(self, since: dt.datetime) -> dict[str, int]:
        """Status lookups since `since` by outcome, from the audit rows every lookup writes."""
        rows = await self.db.fetchall(
            "SELECT outcome, COUNT(*) FROM audit_log WHERE action = 'status.lookup' AND at >= ? "
            "GROUP BY outcome", (iso(since),))
        return {str(r[0]): int(r[1]) for r in rows}

    async def record_attempt(self, user_id: int, at: dt.datetime, *,
                             failed_nik: bytes | None = None,
                             prune_before: dt.datetime | None = None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("INSERT INTO status_user_attempts (user_id, at) VALUES (?, ?)",
                               (user_id, iso(at)))
            if failed_nik is not None:
                await conn.execute("INSERT INTO status_nik_failures (nik_hash, at) VALUES (?, ?)",
                                   (failed_nik, iso(at)))
            if prune_before is not None:
                await conn.execute("DELETE FROM status_user_attempts WHERE at < ?",
                                   (iso(prune_before),))
                await conn.execute("DELETE FROM status_nik_failures WHERE at < ?",
                                   (iso(prune_before),))

    # -- watches ----------------------------------------------------------------------------
    async def watch(self, user_id: int, nik_hash: bytes, at: dt.datetime,
                    masked: str | None = None) -> bool:
        """True if the watch is new."""
        return await self.db.execute(
            "INSERT INTO status_watches (user_id, nik_hash, created_at, nik_masked) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id, nik_hash) DO NOTHING",
            (user_id, nik_hash, iso(at), masked)) > 0

    async def watched_by_notification(self, user_id: int,
                                      notification_id: int) -> tuple[bytes, str] | None:
        """The NIK hash (and masked NIK) of the person's notification, if still watched."""
        row = await self.db.fetchone(
            "SELECT n.nik_hash, coalesce(n.nik_masked, w.nik_masked, '') "
            "FROM status_notifications n JOIN status_watches w "
            "ON w.user_id = n.user_id AND w.nik_hash = n.nik_hash "
            "WHERE n.id = ? AND n.user_id = ?", (notification_id, user_id))
        return (bytes(row[0]), str(row[1])) if row else None

    async def watch_count(self, user_id: int) -> int:
        return await self.db.fetchval(
            "SELECT count(*) FROM status_watches WHERE user_id = ?", (user_id,))

    async def unwatch_all(self, user_id: int) -> int:
        return await self.db.execute("DELETE FROM status_watches WHERE user_id = ?", (user_id,))

    # -- the notification outbox ------------------------------------------------------------
    async def claim_notifications(self, limit: int) -> list[Notification]:
        """Pending rows (and 'sending' ones a crash left in flight), oldest first, marked
        'sending' so that a crash resends at most these."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "SELECT id, user_id, program, periode, old_status, new_status, tanggal, attempts, "
                "lembaga_penyalur, keterangan, nik_masked "
                "FROM status_notifications WHERE state IN ('sending', 'pending') "
                "ORDER BY id LIMIT ?", (limit,))
            rows = [Notification(*tuple(r)) for r in await cur.fetchall()]
            await conn.executemany(
                "UPDATE status_notifications SET state = 'sending', attempts = attempts + 1 "
                "WHERE id = ?", [(n.id,) for n in rows])
        return rows

    async def finish_notification(self, notification_id: int, state: str, at: dt.datetime,
                                  error: str | None = None) -> None:
        await self.db.execute(
            "UPDATE status_notifications SET state = ?, sent_at = ?, error = ? WHERE id = ?",
            (state, iso(at) if state == "sent" else None, error, notification_id))

    async def release_notifications(self, ids: Sequence[int]) -> None:
        """Put claimed rows back to pending (flood control: send them next round)."""
        await self.db.executemany(
            "UPDATE status_notifications SET state = 'pending' WHERE id = ?",
            [(i,) for i in ids])

    async def notifications_for(self, user_id: int) -> list[Notification]:
        rows = await self.db.fetchall(
            "SELECT id, user_id, program, periode, old_status, new_status, tanggal, attempts, "
                "lembaga_penyalur, keterangan, nik_masked "
            "FROM status_notifications WHERE user_id = ? ORDER BY id", (user_id,))
        return [Notification(*tuple(r)) for r in rows]


