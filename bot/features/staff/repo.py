"""Staff roles and the audit log."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from bot.core.clock import iso
from bot.storage.db import Database


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    role: str
    added_by: int | None
    added_at: str
    region_code: str | None = None  # None: the whole province
    name: str | None = None


class StaffRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def role_of(self, user_id: int) -> str | None:
        return await self.db.fetchval("SELECT role FROM staff WHERE user_id = ?", (user_id,))

    async def add(self, user_id: int, role: str, added_by: int | None, now: dt.datetime,
                  region_code: str | None = None, name: str | None = None) -> None:
        await self.db.execute(
            """INSERT INTO staff (user_id, role, added_by, added_at, region_code, name)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET role = excluded.role,
                   region_code = excluded.region_code,
                   name = COALESCE(excluded.name, staff.name)""",
            (user_id, role, added_by, iso(now), region_code, name),
        )

    async def get(self, user_id: int) -> StaffMember | None:
        r = await self.db.fetchone("SELECT * FROM staff WHERE user_id = ?", (user_id,))
        return None if r is None else _member(r)

    async def remove(self, user_id: int) -> bool:
        return await self.db.execute("DELETE FROM staff WHERE user_id = ?", (user_id,)) > 0

    async def list(self) -> list[StaffMember]:
        rows = await self.db.fetchall("SELECT * FROM staff ORDER BY role, user_id")
        return [_member(r) for r in rows]


def _member(r: Any) -> StaffMember:
    return StaffMember(r["user_id"], r["role"], r["added_by"], r["added_at"],
                       r["region_code"], r["name"])


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def write(self, *, at: dt.datetime, actor_id: int | None, action: str,
                    target: str | None = None, outcome: str | None = None,
                    detail: dict[str, Any] | None = None) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (at, actor_id, action, target, outcome, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (iso(at), actor_id, action, target, outcome,
             json.dumps(detail, ensure_ascii=False) if detail else None),
        )

    async def recent(self, limit: int = 50, action_prefix: str = "") -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT * FROM audit_log WHERE action LIKE ? ORDER BY id DESC LIMIT ?",
            (action_prefix + "%", limit),
        )
        return [dict(r) for r in rows]
