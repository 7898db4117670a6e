"""Staff rights: administrators (ADMIN_IDS or the staff table) and operators.

Every staff action is checked here as well as in the handler, and written to the audit log.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from bot.clock import Clock
from bot.storage.store import Store

ROLES = ("operator", "admin")
_RANK = {"operator": 1, "admin": 2}
# has() decides only what is *shown* (menu entries); it may be this many seconds stale when
# another process (the CLI) changes the staff list. require() always reads the database.
DISPLAY_CACHE_SECONDS = 15.0


class PermissionDenied(Exception):
    """The user lacks the role the action needs."""


class StaffService:
    def __init__(self, store: Store, admin_ids: Iterable[int], clock: Clock) -> None:
        self.store = store
        self.admin_ids = frozenset(admin_ids)
        self.clock = clock
        self._display: dict[int, tuple[str | None, float]] = {}

    def forget(self, user_id: int | None = None) -> None:
        """Drop cached roles (call after changing the staff list)."""
        if user_id is None:
            self._display.clear()
        else:
            self._display.pop(user_id, None)

    async def role(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id in self.admin_ids:
            return "admin"
        return await self.store.staff.role_of(user_id)

    async def has(self, user_id: int | None, needed: str = "operator") -> bool:
        """For display: may the user see staff tools? Cached briefly; see require()."""
        if user_id is None:
            return False
        cached = self._display.get(user_id)
        now = time.monotonic()
        if cached is None or now - cached[1] > DISPLAY_CACHE_SECONDS:
            cached = (await self.role(user_id), now)
            self._display[user_id] = cached
            if len(self._display) > 10_000:
                self._display.clear()
        role = cached[0]
        return role is not None and _RANK[role] >= _RANK[needed]

    async def require(self, user_id: int | None, needed: str = "operator") -> str:
        """The user's role if it is at least `needed`; PermissionDenied (and audited) if not."""
        role = await self.role(user_id)
        if role is None or _RANK[role] < _RANK[needed]:
            await self.audit(user_id, "access.denied", outcome="denied", detail={"needed": needed})
            raise PermissionDenied(needed)
        return role

    async def audit(self, actor_id: int | None, action: str, *, target: str | None = None,
                    outcome: str | None = "ok", detail: dict[str, Any] | None = None) -> None:
        await self.store.audit.write(at=self.clock(), actor_id=actor_id, action=action,
                                     target=target, outcome=outcome, detail=detail)
