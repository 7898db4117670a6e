"""Disbursement records, status watches, pending notifications, lookup limits, import checkpoints.

Two doors to the same tables:
- DisbursementRepo: the running bot's async repository (lookups, limits, watches, the outbox).
- BulkWriter: the importer's own synchronous sqlite3 connection, used from a worker thread in
  the bot or directly by the command line; one transaction per batch, checkpoint included.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.clock import iso
from bot.storage.db import BUSY_TIMEOUT_MS, Database

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
    async def watch(self, user_id: int, nik_hash: bytes, at: dt.datetime) -> bool:
        """True if the watch is new."""
        return await self.db.execute(
            "INSERT INTO status_watches (user_id, nik_hash, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, nik_hash) DO NOTHING", (user_id, nik_hash, iso(at))) > 0

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
                "SELECT id, user_id, program, periode, old_status, new_status, tanggal, attempts "
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
            "SELECT id, user_id, program, periode, old_status, new_status, tanggal, attempts "
            "FROM status_notifications WHERE user_id = ? ORDER BY id", (user_id,))
        return [Notification(*tuple(r)) for r in rows]


@dataclass
class Checkpoint:
    file_hash: str
    last_line: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    finished: bool


class BulkWriter:
    """The importer's connection. Not thread-safe: one import uses one writer."""

    def __init__(self, path: Path | str, *, bulk_pragmas: bool = True) -> None:
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a committed batch survives a crash of the process; only a power
        # loss may lose the last batches, and the checkpoint rolls back with them.
        self.conn.execute("PRAGMA synchronous = NORMAL")
        if bulk_pragmas:
            self.conn.execute("PRAGMA cache_size = -262144")  # 256 MiB of page cache
            self.conn.execute("PRAGMA temp_store = MEMORY")
            # Fewer, larger WAL checkpoints (each one syncs): 80 MiB instead of 4.
            self.conn.execute("PRAGMA wal_autocheckpoint = 20000")
        self._has_watches = False

    def close(self) -> None:
        self.conn.close()

    def schema_ready(self) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'disbursements'"
        ).fetchone() is not None

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint(self, file_hash: str) -> Checkpoint | None:
        row = self.conn.execute(
            "SELECT file_hash, last_line, inserted, updated, unchanged, rejected, finished_at "
            "FROM disbursement_imports WHERE file_hash = ?", (file_hash,)).fetchone()
        if row is None:
            return None
        return Checkpoint(*row[:6], finished=row[6] is not None)

    def start(self, file_hash: str, now: dt.datetime) -> Checkpoint:
        """A fresh checkpoint for the file (a finished or absent one is reset)."""
        with self._tx():
            self.conn.execute("DELETE FROM disbursement_import_rejects WHERE file_hash = ?",
                              (file_hash,))
            self.conn.execute(
                "INSERT INTO disbursement_imports (file_hash, started_at) VALUES (?, ?) "
                "ON CONFLICT (file_hash) DO UPDATE SET last_line = 1, inserted = 0, updated = 0,"
                " unchanged = 0, rejected = 0, started_at = excluded.started_at, "
                "finished_at = NULL", (file_hash, iso(now)))
        return Checkpoint(file_hash, 1, 0, 0, 0, 0, False)

    def finish(self, file_hash: str, now: dt.datetime) -> None:
        with self._tx():
            self.conn.execute("UPDATE disbursement_imports SET finished_at = ? "
                              "WHERE file_hash = ?", (iso(now), file_hash))

    def rejects(self, file_hash: str) -> list[tuple[int, str, str]]:
        return self.conn.execute(
            "SELECT line, reason, nik_mask FROM disbursement_import_rejects WHERE file_hash = ? "
            "ORDER BY line", (file_hash,)).fetchall()

    # -- a batch ----------------------------------------------------------------------------
    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self._has_watches = self.conn.execute(
            "SELECT 1 FROM status_watches LIMIT 1").fetchone() is not None

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def existing(self, hashes: Iterable[bytes]) -> dict[Key, Row]:
        """The stored rows of these NIK hashes, by key (call inside begin/commit)."""
        out: dict[Key, Row] = {}
        wanted = list(set(hashes))
        for start in range(0, len(wanted), 10000):
            chunk = wanted[start:start + 10000]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                    f"SELECT * FROM disbursements WHERE nik_hash IN ({marks})", chunk):
                out[(row[0], row[2], row[3])] = row
        return out

    def upsert(self, rows: Sequence[Row]) -> None:
        self.conn.executemany(
            "INSERT INTO disbursements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (nik_hash, program, periode) DO UPDATE SET nama = excluded.nama, "
            "status = excluded.status, tanggal = excluded.tanggal, "
            "lembaga_penyalur = excluded.lembaga_penyalur, keterangan = excluded.keterangan, "
            "kabupaten = excluded.kabupaten", rows)

    def notify(self, changes: Sequence[tuple[Row, str | None]], now: dt.datetime) -> int:
        """Queue a notification for every watcher of each changed row: (new row, old status).
        Returns how many were queued."""
        if not self._has_watches or not changes:
            return 0
        hashes = list({row[0] for row, _ in changes})
        watchers: dict[bytes, list[int]] = {}
        for start in range(0, len(hashes), 10000):
            chunk = hashes[start:start + 10000]
            marks = ",".join("?" * len(chunk))
            for nik_hash, user_id in self.conn.execute(
                    f"SELECT nik_hash, user_id FROM status_watches WHERE nik_hash IN ({marks})",
                    chunk):
                watchers.setdefault(nik_hash, []).append(user_id)
        queued = [(user_id, row[2], row[3], old, row[4], row[5], iso(now))
                  for row, old in changes for user_id in watchers.get(row[0], ())]
        self.conn.executemany(
            "INSERT INTO status_notifications (user_id, program, periode, old_status, "
            "new_status, tanggal, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", queued)
        return len(queued)

    def commit(self, cp: Checkpoint, rejects: Sequence[tuple[int, str, str]]) -> None:
        """Record the batch's rejects and the checkpoint, then COMMIT."""
        if rejects:
            self.conn.executemany(
                "INSERT OR REPLACE INTO disbursement_import_rejects "
                "(file_hash, line, reason, nik_mask) VALUES (?, ?, ?, ?)",
                [(cp.file_hash, line, reason, masked) for line, reason, masked in rejects])
        self.conn.execute(
            "UPDATE disbursement_imports SET last_line = ?, inserted = ?, updated = ?, "
            "unchanged = ?, rejected = ? WHERE file_hash = ?",
            (cp.last_line, cp.inserted, cp.updated, cp.unchanged, cp.rejected, cp.file_hash))
        self.conn.execute("COMMIT")

    def _tx(self):
        writer = self

        class _Tx:
            def __enter__(self) -> None:
                writer.conn.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type, exc, tb) -> None:
                writer.conn.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()
