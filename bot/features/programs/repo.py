"""Counts of the questions the bot answered or did not understand, per day (the staff home)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.storage.db import Database


class QuestionCountRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, counts: Mapping[tuple[str, str], int]) -> None:
        """Add (day, kind) -> n to the stored counts, in one transaction."""
        if not counts:
            return
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO question_counts (day, kind, n) VALUES (?, ?, ?) "
                "ON CONFLICT (day, kind) DO UPDATE SET n = n + excluded.n",
                [(day, kind, n) for (day, kind), n in counts.items()])

    async def of_day(self, day: str) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT kind, n FROM question_counts WHERE day = ?",
                                      (day,))
        return {str(r[0]): int(r[1]) for r in rows}
