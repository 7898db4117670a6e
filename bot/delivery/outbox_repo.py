"""The delivery engine's outbox (migrations/0010_delivery.sql): its SQL, nothing else."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.clock import iso
from bot.storage.db import Database

STATES = ("pending", "sending", "sent", "failed", "blocked", "cancelled")


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    ref: str
    user_id: int
    payload: dict[str, Any]
    attempts: int


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(self, kind: str, ref: str, recipients: Iterable[int],
                      payload: dict[str, Any], now: dt.datetime) -> int:
        """One pending row per recipient, in one durable transaction; a recipient already
        queued for (kind, ref) is skipped. Returns how many rows were written."""
        body = json.dumps(payload, ensure_ascii=False)
        rows = [(kind, ref, int(u), body, iso(now)) for u in dict.fromkeys(recipients)]
        async with self.db.transaction(durable=True) as conn:
            before = conn.total_changes
            await conn.executemany(
                "INSERT OR IGNORE INTO delivery_outbox (kind, ref, user_id, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?)", rows)
            return conn.total_changes - before

    async def claim(self, limit: int, now: dt.datetime, kind: str | None = None,
                    ref: str | None = None) -> list[OutboxItem]:
        """Mark up to `limit` pending rows 'sending' and commit durably, before any is sent."""
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "SELECT id, kind, ref, user_id, payload, attempts FROM delivery_outbox "
                "WHERE status = 'pending' AND (? IS NULL OR kind = ?) AND (? IS NULL OR ref = ?) "
                "ORDER BY id LIMIT ?", (kind, kind, ref, ref, limit))
            items = [OutboxItem(r["id"], r["kind"], r["ref"], r["user_id"],
                                json.loads(r["payload"]), r["attempts"])
                     for r in await cur.fetchall()]
            await conn.executemany(
                "UPDATE delivery_outbox SET status = 'sending', attempts = attempts + 1, "
                "updated_at = ? WHERE id = ?", [(iso(now), i.id) for i in items])
        return items

    async def record(self, results: Sequence[tuple[int, str, str | None, int | None, bool]],
                     now: dt.datetime) -> None:
        """(id, status, reason, message_id, outcome_unknown) of sent rows, in one transaction.
        A row cancelled meanwhile stays cancelled only if it was never sent."""
        await self.db.executemany(
            "UPDATE delivery_outbox SET status = ?, reason = ?, message_id = ?, "
            "outcome_unknown = ?, updated_at = ? WHERE id = ?",
            [(status, reason, message_id, int(unknown), iso(now), item_id)
             for item_id, status, reason, message_id, unknown in results])

    async def recover_in_flight(self) -> int:
        """Rows left 'sending' by a crash go back to pending, flagged possible duplicates."""
        return await self.db.execute(
            "UPDATE delivery_outbox SET status = 'pending', possible_duplicate = 1 "
            "WHERE status = 'sending'")

    async def cancel(self, kind: str, ref: str, now: dt.datetime) -> int:
        return await self.db.execute(
            "UPDATE delivery_outbox SET status = 'cancelled', updated_at = ? "
            "WHERE kind = ? AND ref = ? AND status = 'pending'", (iso(now), kind, ref))

    async def counts(self, kind: str, ref: str) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n, SUM(possible_duplicate) AS dup, "
            "SUM(outcome_unknown) AS unknown FROM delivery_outbox WHERE kind = ? AND ref = ? "
            "GROUP BY status", (kind, ref))
        out = dict.fromkeys(STATES, 0)
        out["duplicates"] = out["unknown"] = 0
        for r in rows:
            out[r["status"]] = r["n"]
            out["duplicates"] += r["dup"] or 0
            out["unknown"] += r["unknown"] or 0
        return out

    async def rows(self, kind: str, ref: str) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT * FROM delivery_outbox WHERE kind = ? AND ref = ? ORDER BY id", (kind, ref))
        return [dict(r) for r in rows]

    async def pending_count(self) -> int:
        return await self.db.fetchval(
            "SELECT COUNT(*) FROM delivery_outbox WHERE status = 'pending'")
