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


    async def set_name(self, user_id: int, name: str) -> None:
        await self.db.execute("UPDATE staff SET name = ? WHERE user_id = ?", (name, user_id))


@dataclass(frozen=True)
class Invite:
    id: int
    role: str
    region_code: str | None
    created_by: int | None
    expires_at: str


class InviteRepo:
    """One-time invite links: only the token's hash is stored."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, token_hash: bytes, role: str, region_code: str | None,
                     created_by: int | None, now: dt.datetime, expires: dt.datetime) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO staff_invites (token_hash, role, region_code, created_by, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (token_hash, role, region_code, created_by, iso(now), iso(expires)))
            assert cur.lastrowid is not None  # an INSERT into a rowid table has one
            return cur.lastrowid

    async def find(self, token_hash: bytes) -> tuple[Invite, str | None] | None:
        """The invite and when it was used (None: not yet)."""
        r = await self.db.fetchone("SELECT * FROM staff_invites WHERE token_hash = ?",
                                   (token_hash,))
        if r is None:
            return None
        return Invite(r["id"], r["role"], r["region_code"], r["created_by"],
                      r["expires_at"]), r["used_at"]

    async def use(self, invite_id: int, user_id: int, now: dt.datetime, *,
                  name: str | None) -> bool:
        """Claim the invite and add the staff member in one transaction; False if it was
        used or expired meanwhile (a second tap, another person)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE staff_invites SET used_by = ?, used_at = ? "
                "WHERE id = ? AND used_at IS NULL AND expires_at > ?",
                (user_id, iso(now), invite_id, iso(now)))
            if cur.rowcount != 1:
                return False
            await conn.execute(
                """INSERT INTO staff (user_id, role, added_by, added_at, region_code, name)
                   SELECT ?, role, created_by, ?, region_code, ? FROM staff_invites WHERE id = ?
                   ON CONFLICT (user_id) DO UPDATE SET role = excluded.role,
                       region_code = excluded.region_code,
                       name = COALESCE(excluded.name, staff.name)""",
                (user_id, iso(now), name, invite_id))
            return True


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
