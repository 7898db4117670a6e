"""The update ids lately handled (table seen_updates, migration 0009)."""

from __future__ import annotations

import datetime as dt

from bot.core.clock import iso
from bot.storage.db import Database


class SeenUpdatesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def is_new(self, update_id: int, now: dt.datetime) -> bool:
        """Remember `update_id`; False if it was already remembered (a repeat)."""
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO seen_updates (update_id, seen_at) VALUES (?, ?)",
            (update_id, iso(now)))
        return changed == 1

    async def add(self, rows: list[tuple[int, dt.datetime]]) -> None:
        await self.db.executemany(
            "INSERT OR IGNORE INTO seen_updates (update_id, seen_at) VALUES (?, ?)",
            [(update_id, iso(at)) for update_id, at in rows])

    async def newest(self, limit: int) -> list[int]:
        """The newest `limit` ids, oldest first."""
        rows = await self.db.fetchall(
            "SELECT update_id FROM seen_updates ORDER BY seen_at DESC, update_id DESC LIMIT ?",
            (limit,))
        return [row[0] for row in reversed(rows)]

    async def prune(self, now: dt.datetime, keep: int, max_age: dt.timedelta | None = None) -> int:
        """Forget ids older than `max_age`, and all but the `keep` newest; rows removed."""
        removed = 0
        async with self.db.transaction() as conn:
            if max_age is not None:
                cur = await conn.execute("DELETE FROM seen_updates WHERE seen_at < ?",
                                         (iso(now - max_age),))
                removed += cur.rowcount
            cur = await conn.execute(
                """DELETE FROM seen_updates WHERE update_id NOT IN (
                       SELECT update_id FROM seen_updates
                       ORDER BY seen_at DESC, update_id DESC LIMIT ?)""", (keep,))
            removed += cur.rowcount
        return removed

    async def count(self) -> int:
        return await self.db.fetchval("SELECT count(*) FROM seen_updates")
