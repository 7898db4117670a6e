"""Broadcasts and their outbox (one row per recipient)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.clock import iso
from bot.storage.db import Database

OUTBOX_STATES = ("pending", "sending", "sent", "failed", "blocked", "cancelled")
CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit


@dataclass(frozen=True)
class BroadcastRow:
    id: int
    created_by: int
    created_at: str
    audience: dict[str, Any]
    text_id: str
    entities_id: list[dict[str, Any]]
    text_jv: str | None
    entities_jv: list[dict[str, Any]]
    photo: str | None
    status: str
    total: int
    finished_at: str | None
    report_chat_id: int | None
    progress_message_id: int | None
    restarts: int
    retries_429: int
    scheduled_at: str | None = None
    started_at: str | None = None
    cancelled_at: str | None = None
    cancelled_by: int | None = None
    footer: bool = False
    paid: bool = False


def _broadcast(row) -> BroadcastRow:
    return BroadcastRow(
        id=row["id"], created_by=row["created_by"], created_at=row["created_at"],
        audience=json.loads(row["audience"]), text_id=row["text_id"],
        entities_id=json.loads(row["entities_id"] or "[]"), text_jv=row["text_jv"],
        entities_jv=json.loads(row["entities_jv"] or "[]"), photo=row["photo"],
        status=row["status"], total=row["total"], finished_at=row["finished_at"],
        report_chat_id=row["report_chat_id"], progress_message_id=row["progress_message_id"],
        restarts=row["restarts"], retries_429=row["retries_429"],
        scheduled_at=row["scheduled_at"], started_at=row["started_at"],
        cancelled_at=row["cancelled_at"], cancelled_by=row["cancelled_by"],
        footer=bool(row["footer"]), paid=bool(row["paid"]),
    )


@dataclass(frozen=True)
class OutboxRow:
    user_id: int
    language: str
    attempts: int
    broadcast_id: int = 0


class BroadcastRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- audiences ------------------------------------------------------------------------------
    # -- creating -------------------------------------------------------------------------------
    async def create(self, *, created_by: int, now: dt.datetime, audience: dict[str, Any],
                     text_id: str, entities_id: list[dict[str, Any]], text_jv: str | None,
                     entities_jv: list[dict[str, Any]], photo: str | None,
                     recipients: Iterable[tuple[int, str]], footer: bool = False,
                     scheduled_at: dt.datetime | None = None, paid: bool = False) -> int:
        """The broadcast and every recipient's outbox row, in one transaction. A scheduled one
        gets its outbox when it starts (`start_scheduled`), so it reaches who is there then."""
        rows = [] if scheduled_at is not None else list(recipients)
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "INSERT INTO broadcasts (created_by, created_at, audience, text_id, entities_id, "
                "text_jv, entities_jv, photo, total, footer, status, scheduled_at, started_at, "
                "paid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (created_by, iso(now), json.dumps(audience), text_id,
                 json.dumps(entities_id) if entities_id else None, text_jv,
                 json.dumps(entities_jv) if entities_jv else None, photo, len(rows),
                 int(footer), "scheduled" if scheduled_at else "sending",
                 iso(scheduled_at) if scheduled_at else None,
                 None if scheduled_at else iso(now), int(paid)),
            )
            broadcast_id = cur.lastrowid
            assert broadcast_id is not None  # the INSERT above just gave the row its id
            if scheduled_at is not None:
                return broadcast_id
            await conn.executemany(
                "INSERT INTO broadcast_outbox (broadcast_id, user_id, language) VALUES (?, ?, ?)",
                [(broadcast_id, user_id, lang) for user_id, lang in rows],
            )
            if not rows:
                await conn.execute(
                    "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ?",
                    (iso(now), broadcast_id))
        return broadcast_id

    async def start_scheduled(self, broadcast_id: int, recipients: Iterable[tuple[int, str]],
                              now: dt.datetime) -> bool:
        """A scheduled broadcast starts: its outbox is written and it is 'sending', in one
        transaction; False if it was cancelled (or started) meanwhile."""
        rows = list(recipients)
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "UPDATE broadcasts SET status = ?, total = ?, started_at = ?, finished_at = ? "
                "WHERE id = ? AND status = 'scheduled'",
                ("sending" if rows else "done", len(rows), iso(now),
                 None if rows else iso(now), broadcast_id))
            if cur.rowcount == 0:
                return False
            await conn.executemany(
                "INSERT INTO broadcast_outbox (broadcast_id, user_id, language) VALUES (?, ?, ?)",
                [(broadcast_id, user_id, lang) for user_id, lang in rows])
        return True

    async def cancel(self, broadcast_id: int, actor_id: int | None, now: dt.datetime) -> bool:
        """Stop a scheduled or sending broadcast: it is 'cancelled' and its rows not yet sent
        are 'cancelled', in one durable transaction, so nothing more is claimed even if the bot
        dies right after. False if it had already finished or stopped."""
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "UPDATE broadcasts SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?, "
                "finished_at = ? WHERE id = ? AND status IN ('scheduled', 'sending')",
                (iso(now), actor_id, iso(now), broadcast_id))
            if cur.rowcount == 0:
                return False
            await conn.execute(
                "UPDATE broadcast_outbox SET status = 'cancelled', updated_at = ? "
                "WHERE broadcast_id = ? AND status = 'pending'", (iso(now), broadcast_id))
        return True

    async def settle_stopped(self) -> int:
        """At start: rows of stopped broadcasts still 'sending' were in flight at a crash; they
        are never sent again, so they end 'failed' with their outcome unknown."""
        return await self.db.execute(
            "UPDATE broadcast_outbox SET status = 'failed', outcome_unknown = 1, "
            "error = 'interrupted' WHERE status = 'sending' AND broadcast_id IN "
            "(SELECT id FROM broadcasts WHERE status = 'cancelled')")

    async def scheduled(self) -> list[BroadcastRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE status = 'scheduled' ORDER BY scheduled_at, id")
        return [_broadcast(r) for r in rows]

    async def count(self) -> int:
        return await self.db.fetchval("SELECT COUNT(*) FROM broadcasts")

    async def set_progress_message(self, broadcast_id: int, chat_id: int,
                                   message_id: int | None) -> None:
        await self.db.execute(
            "UPDATE broadcasts SET report_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id))

    # -- reading --------------------------------------------------------------------------------
    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def latest(self) -> BroadcastRow | None:
        row = await self.db.fetchone("SELECT * FROM broadcasts ORDER BY id DESC LIMIT 1")
        return _broadcast(row) if row else None

    async def recent(self, limit: int = 10, offset: int = 0) -> list[BroadcastRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))
        return [_broadcast(r) for r in rows]

    async def unfinished(self) -> list[BroadcastRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE status IN ('sending', 'scheduled') ORDER BY id")
        return [_broadcast(r) for r in rows]

    async def active_ids(self) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM broadcasts WHERE status = 'sending' ORDER BY id")
        return [r["id"] for r in rows]

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        """Outbox rows per state, plus 'duplicates' (rows flagged possible_duplicate)."""
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM broadcast_outbox WHERE broadcast_id = ? "
            "GROUP BY status", (broadcast_id,))
        out = dict.fromkeys(OUTBOX_STATES, 0)
        out.update({r["status"]: r["n"] for r in rows})
        flags = await self.db.fetchone(
            "SELECT COALESCE(SUM(possible_duplicate), 0) AS dup, "
            "COALESCE(SUM(outcome_unknown), 0) AS unknown FROM broadcast_outbox "
            "WHERE broadcast_id = ?", (broadcast_id,))
        assert flags is not None  # an aggregate without GROUP BY always gives one row
        out["duplicates"], out["unknown"] = flags["dup"], flags["unknown"]
        return out

    async def outbox(self, broadcast_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT * FROM broadcast_outbox WHERE broadcast_id = ? ORDER BY user_id",
            (broadcast_id,))
        return [dict(r) for r in rows]

    # -- the sender's side ----------------------------------------------------------------------
    async def recover_in_flight(self, broadcast_id: int, restart: bool = True) -> int:
        """Rows left in 'sending' were in flight at a crash (or an error). They go back to
        pending, flagged as possible duplicates; returns how many. `restart` counts a restart
        of the bot in the broadcast's report."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE broadcast_outbox SET status = 'pending', possible_duplicate = 1 "
                "WHERE broadcast_id = ? AND status = 'sending'", (broadcast_id,))
            if restart:
                await conn.execute("UPDATE broadcasts SET restarts = restarts + 1 WHERE id = ?",
                                   (broadcast_id,))
            return cur.rowcount

    async def claim(self, broadcast_id: int, limit: int, now: dt.datetime) -> list[OutboxRow]:
        """Mark up to `limit` pending rows 'sending' and commit (durably: even a power cut
        cannot lose a claim), before anything is sent."""
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(  # a stopped broadcast has no pending rows left
                "SELECT user_id, language, attempts FROM broadcast_outbox "
                "WHERE broadcast_id = ? AND status = 'pending' AND EXISTS (SELECT 1 FROM "
                "broadcasts WHERE id = ? AND status = 'sending') ORDER BY user_id LIMIT ?",
                (broadcast_id, broadcast_id, limit))
            rows = [OutboxRow(r["user_id"], r["language"], r["attempts"], broadcast_id)
                    for r in await cur.fetchall()]
            if rows:
                await conn.executemany(
                    "UPDATE broadcast_outbox SET status = 'sending', attempts = attempts + 1, "
                    "updated_at = ? WHERE broadcast_id = ? AND user_id = ?",
                    [(iso(now), broadcast_id, r.user_id) for r in rows])
        return rows

    async def release(self, broadcast_id: int, user_ids: Sequence[int]) -> None:
        """A clean stop: claimed rows that were never attempted go back to pending."""
        await self.db.executemany(
            "UPDATE broadcast_outbox SET status = 'pending', attempts = attempts - 1 "
            "WHERE broadcast_id = ? AND user_id = ? AND status = 'sending'",
            [(broadcast_id, u) for u in user_ids])

    async def record(self, broadcast_id: int,
                     results: Sequence[tuple[int, str, str | None, bool]],
                     now: dt.datetime, retries_429: int = 0) -> None:
        """Results (user_id, status, error, outcome unknown) of sent rows, in one transaction."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE broadcast_outbox SET status = ?, error = ?, outcome_unknown = ?, "
                "updated_at = ? WHERE broadcast_id = ? AND user_id = ?",
                [(status, error, int(unknown), iso(now), broadcast_id, user_id)
                 for user_id, status, error, unknown in results])
            if retries_429:
                await conn.execute(
                    "UPDATE broadcasts SET retries_429 = retries_429 + ? WHERE id = ?",
                    (retries_429, broadcast_id))

    async def finish(self, broadcast_id: int, now: dt.datetime) -> bool:
        """Mark the broadcast done if no row is left to send; True if it was."""
        return await self.db.execute(
            "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ? "
            "AND status = 'sending' AND NOT EXISTS (SELECT 1 FROM broadcast_outbox "
            "WHERE broadcast_id = ? AND status IN ('pending', 'sending'))",
            (iso(now), broadcast_id, broadcast_id)) > 0
