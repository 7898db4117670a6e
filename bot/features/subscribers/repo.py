"""Subscribers: everyone who has talked to the bot, their language and whether they want news."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.clock import iso
from bot.storage.db import Database

# Who an announcement may reach: wants announcements and has not blocked the bot. The one
# place this rule is written.
REACHABLE = "subscribed = 1 AND blocked = 0"
CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit

@dataclass(frozen=True)
class Subscriber:
    user_id: int
    language: str | None
    tg_language: str | None
    subscribed: bool
    blocked: bool


def _row(row) -> Subscriber:
    return Subscriber(row["user_id"], row["language"], row["tg_language"],
                      bool(row["subscribed"]), bool(row["blocked"]))


class SubscriberRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> Subscriber | None:
        row = await self.db.fetchone("SELECT * FROM subscribers WHERE user_id = ?", (user_id,))
        return _row(row) if row else None

    async def touch(self, user_id: int, tg_language: str | None, now: dt.datetime) -> Subscriber:
        """Record a contact: insert on first sight, else refresh last_seen and language_code.

        Talking to the bot again means it is no longer blocked.
        """
        stamp = iso(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                """INSERT INTO subscribers (user_id, tg_language, first_seen, last_seen)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET
                       last_seen = excluded.last_seen,
                       tg_language = COALESCE(excluded.tg_language, subscribers.tg_language),
                       blocked = 0, blocked_at = NULL""",
                (user_id, tg_language, stamp, stamp),
            )
            cur = await conn.execute("SELECT * FROM subscribers WHERE user_id = ?", (user_id,))
            return _row(await cur.fetchone())

    async def set_language(self, user_id: int, language: str) -> None:
        await self.db.execute("UPDATE subscribers SET language = ? WHERE user_id = ?",
                              (language, user_id))

    async def set_subscribed(self, user_id: int, subscribed: bool) -> None:
        await self.db.execute("UPDATE subscribers SET subscribed = ? WHERE user_id = ?",
                              (int(subscribed), user_id))

    async def set_blocked(self, user_id: int, blocked: bool, now: dt.datetime) -> None:
        await self.db.execute(
            """INSERT INTO subscribers (user_id, first_seen, last_seen, blocked, blocked_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET blocked = excluded.blocked,
                   blocked_at = excluded.blocked_at""",
            (user_id, iso(now), iso(now), int(blocked), iso(now) if blocked else None),
        )

    async def audience(self) -> list[tuple[int, str | None]]:
        """(user_id, language) of everyone who wants announcements and has not blocked the bot."""
        rows = await self.db.fetchall(
            "SELECT user_id, COALESCE(language, tg_language) AS lang FROM subscribers "
            f"WHERE {REACHABLE} ORDER BY user_id"
        )
        return [(r["user_id"], r["lang"]) for r in rows]

    async def contact_prefs(self, user_ids: Sequence[int]) -> dict[int, tuple[str | None, bool]]:
        """user_id -> (language or Telegram's code, reachable) for those of `user_ids` who have
        a subscriber row."""
        out: dict[int, tuple[str | None, bool]] = {}
        ids = list(user_ids)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.fetchall(
                "SELECT user_id, COALESCE(language, tg_language) AS lang, "
                f"{REACHABLE} AS reachable FROM subscribers WHERE user_id IN ({marks})", chunk)
            for r in rows:
                out[r["user_id"]] = (r["lang"], bool(r["reachable"]))
        return out

    async def count(self) -> int:
        return await self.db.fetchval("SELECT COUNT(*) FROM subscribers")
