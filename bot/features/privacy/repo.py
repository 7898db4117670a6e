"""The privacy feature's SQL. Table and column names come from PersonalTable entries written
in the code (never from input); values are always bound parameters."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bot.core.clock import iso
from bot.storage.db import Database

if TYPE_CHECKING:
    from bot.features.privacy.service import PersonalTable


def _match(t: PersonalTable) -> str:
    if t.json_key:
        return (f"EXISTS (SELECT 1 FROM json_each({t.table}.{t.user_column}) "
                "WHERE json_each.value = ?)")
    return f"{t.user_column} = ?"


def _plain(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value  # hashes as hex in an export


class PrivacyRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def rows_of(self, t: PersonalTable, user_id: int) -> list[dict]:
        rows = await self.db.fetchall(f"SELECT * FROM {t.table} WHERE {_match(t)}", (user_id,))
        return [{k: _plain(r[k]) for k in r.keys()} for r in rows]

    async def erase(self, tables: Sequence[PersonalTable], user_id: int,
                    keep: dict[str, str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        async with self.db.transaction() as conn:
            for t in tables:
                cond = _match(t)
                if t.table in keep:
                    cond = f"{cond} AND ({keep[t.table]})"  # only these rows go
                if t.erase == "anonymise":
                    cur = await conn.execute(
                        f"UPDATE {t.table} SET {t.user_column} = -rowid WHERE {cond}",
                        (user_id,))
                else:
                    cur = await conn.execute(f"DELETE FROM {t.table} WHERE {cond}", (user_id,))
                counts[t.table] = cur.rowcount
        return counts

    async def delete_older(self, limits: Iterable[tuple[PersonalTable, dt.datetime]]
                           ) -> dict[str, int]:
        counts: dict[str, int] = {}
        async with self.db.transaction() as conn:
            for t, cutoff in limits:
                extra = f" AND ({t.where})" if t.where else ""
                cur = await conn.execute(
                    f"DELETE FROM {t.table} WHERE {t.age_column} < ?{extra}", (iso(cutoff),))
                counts[t.table] = counts.get(t.table, 0) + cur.rowcount
        return counts

    async def audit(self, at: dt.datetime, action: str, target: int | None,
                    detail: dict) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (at, actor_id, action, target, outcome, detail) "
            "VALUES (?, NULL, ?, ?, 'ok', ?)",
            (iso(at), action, None if target is None else str(target),
             json.dumps(detail, ensure_ascii=False)))
