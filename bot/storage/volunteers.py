"""Volunteers (relawan): who they are and which audience they belong to."""

from __future__ import annotations

from bot.storage.db import Database


class VolunteerRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def audience(self, role: str | None = None, region_code: str | None = None) -> list[int]:
        """User ids of approved volunteers, optionally of one role and/or one kab/kota."""
        rows = await self.db.fetchall(
            "SELECT user_id FROM volunteers WHERE status = 'approved' "
            "AND (? IS NULL OR role = ?) AND (? IS NULL OR region_code = ?) ORDER BY user_id",
            (role, role, region_code, region_code),
        )
        return [r["user_id"] for r in rows]

    async def is_approved(self, user_id: int) -> bool:
        return bool(await self.db.fetchval(
            "SELECT 1 FROM volunteers WHERE user_id = ? AND status = 'approved'", (user_id,)))
