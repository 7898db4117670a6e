"""Staff rights: administrators (ADMIN_IDS or the staff table) and operators.

Every staff action is checked here as well as in the handler, and written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock, parse_iso
from bot.core.scope import Scope
from bot.repos import Store

ROLES = ("operator", "admin")
_RANK = {"operator": 1, "admin": 2}
# has() decides only what is *shown* (menu entries); it may be this many seconds stale when
# another process (the CLI) changes the staff list. require() always reads the database.
DISPLAY_CACHE_SECONDS = 15.0


class PermissionDenied(Exception):
    """The user lacks the role the action needs."""


class StaffError(Exception):
    """A staff change that cannot be made; `code` names why (the handler translates it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


MAX_USER_ID = 2**52  # Telegram user ids fit in 52 bits
MAX_NAME = 64        # a staff member's display name, as Telegram gives it (first + last name)
INVITE_VALID = dt.timedelta(hours=48)
INVITE_PAYLOAD = "staf_"   # https://t.me/<bot>?start=staf_<token>
TOKEN_BYTES = 16           # 22 URL-safe characters; the deep link allows at most 64


@dataclass(frozen=True)
class Member:
    """A staff member as /staf shows them."""

    user_id: int
    role: str
    source: str                # 'settings' (ADMIN_IDS) or 'table'
    name: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class Invitation:
    token: str                 # shown once, to the administrator who made it; never stored
    role: str
    region_code: str | None
    expires_at: dt.datetime


def clean_name(name: str | None) -> str | None:
    """A display name from Telegram: single-spaced, printable, at most MAX_NAME characters."""
    if not name:
        return None
    text = " ".join("".join(c for c in name if c.isprintable()).split())
    return text[:MAX_NAME] or None


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def parse_user_id(text: str) -> int:
    """A Telegram user id typed by a person: ASCII digits only; StaffError('bad_id') if not."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < MAX_USER_ID:
        raise StaffError("bad_id")
    return int(text)


class StaffService:
    def __init__(self, store: Store, admin_ids: Iterable[int], clock: Clock,
                 regions: Collection[str] = ()) -> None:
        self.store = store
        self.admin_ids = frozenset(admin_ids)
        self.clock = clock
        self.regions = frozenset(regions)  # the kab/kota codes an operator may be bound to
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

    async def scope(self, user_id: int | None, needed: str = "operator") -> Scope:
        """The part of the province the user may act on; PermissionDenied (audited) if the
        user lacks `needed`. Read from the database every time, like require()."""
        role = await self.require(user_id, needed)
        if role == "admin" or user_id is None:
            return Scope(role)
        member = await self.store.staff.get(user_id)
        return Scope(role, member.region_code if member else None)

    async def deny(self, actor_id: int | None, action: str, target: str | None = None) -> None:
        """Audit an action refused because it lies outside the actor's region; raise."""
        await self.audit(actor_id, action, target=target, outcome="denied",
                         detail={"reason": "region"})
        raise PermissionDenied("region")

    async def audit(self, actor_id: int | None, action: str, *, target: str | None = None,
                    outcome: str | None = "ok", detail: dict[str, Any] | None = None) -> None:
        await self.store.audit.write(at=self.clock(), actor_id=actor_id, action=action,
                                     target=target, outcome=outcome, detail=detail)

    # -- managing staff: administrators only (actor None is the command line, trusted like the
    # server it runs on). Every change is audited. --------------------------------------------
    async def _check(self, actor_id: int | None) -> None:
        if actor_id is not None:
            await self.require(actor_id, "admin")

    async def list_members(self, actor_id: int | None) -> list[tuple[int, str, str]]:
        """(user_id, role, source) with source 'settings' (ADMIN_IDS) or 'table'."""
        await self._check(actor_id)
        out = [(uid, "admin", "settings") for uid in sorted(self.admin_ids)]
        out += [(m.user_id, m.role, "table") for m in await self.store.staff.list()
                if m.user_id not in self.admin_ids]
        return out

    async def add_member(self, actor_id: int | None, user_id: int, role: str,
                         region_code: str | None = None, name: str | None = None) -> str | None:
        """Add or change a staff member, optionally bound to a kab/kota (operators only);
        returns the previous role (None if new)."""
        await self._check(actor_id)
        if not 0 < user_id < MAX_USER_ID:
            raise StaffError("bad_id")
        if user_id in self.admin_ids:
            raise StaffError("from_settings")
        self._check_region(role, region_code)
        before = await self.store.staff.role_of(user_id)
        await self.store.staff.add(user_id, role, actor_id, self.clock(), region_code,
                                   clean_name(name))
        self.forget(user_id)
        await self.audit(actor_id, "staff.add", target=str(user_id),
                         detail={"role": role, "before": before, "region": region_code})
        return before

    def _check_region(self, role: str, region_code: str | None) -> None:
        if role not in ROLES:
            raise StaffError("bad_role")
        if region_code is not None and role == "admin":
            raise StaffError("admin_region")
        if region_code is not None and self.regions and region_code not in self.regions:
            raise StaffError("bad_region")

    async def members(self, actor_id: int | None) -> list[Member]:
        """Everyone on the staff with their name and kab/kota: ADMIN_IDS first."""
        await self._check(actor_id)
        table = {m.user_id: m for m in await self.store.staff.list()}
        out = [Member(uid, "admin", "settings", table[uid].name if uid in table else None)
               for uid in sorted(self.admin_ids)]
        rank = {"admin": 0, "operator": 1}
        rows = sorted((m for m in table.values() if m.user_id not in self.admin_ids),
                      key=lambda m: (rank[m.role], (m.name or "").casefold(), m.user_id))
        out += [Member(m.user_id, m.role, "table", m.name, m.region_code) for m in rows]
        return out

    async def member(self, user_id: int) -> Member | None:
        """One staff member (for the welcome message and the staff home); no rights needed:
        it says only what the person may do themselves."""
        role = await self.role(user_id)
        if role is None:
            return None
        m = await self.store.staff.get(user_id)
        source = "settings" if user_id in self.admin_ids else "table"
        return Member(user_id, role, source, m.name if m else None,
                      m.region_code if m and role == "operator" else None)

    async def remember_name(self, user_id: int, name: str | None) -> None:
        """Keep a staff member's Telegram name for /staf (when they write to the bot)."""
        name = clean_name(name)
        if name is None:
            return
        m = await self.store.staff.get(user_id)
        if m is not None and m.name != name:
            await self.store.staff.set_name(user_id, name)

    # -- invite links: one use, until they expire; only the token's hash is stored ----------
    async def create_invite(self, actor_id: int | None, role: str,
                            region_code: str | None = None) -> Invitation:
        await self._check(actor_id)
        self._check_region(role, region_code)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self.clock()
        expires = now + INVITE_VALID
        invite_id = await self.store.invites.create(token_hash(token), role, region_code,
                                                    actor_id, now, expires)
        await self.audit(actor_id, "staff.invite", target=f"invite:{invite_id}",
                         detail={"role": role, "region": region_code})
        return Invitation(token, role, region_code, expires)

    async def redeem_invite(self, user_id: int, token: str, name: str | None = None) -> Member:
        """The person who opened an invite link becomes staff; StaffError('invite_unknown',
        'invite_used', 'invite_expired' or 'already_staff') otherwise. Every try is audited
        (never with the token)."""
        found = await self.store.invites.find(token_hash(token)) \
            if 0 < len(token) <= 64 else None
        code: str | None = None
        if found is None:
            code = "invite_unknown"
        elif found[1] is not None:
            code = "invite_used"
        elif parse_iso(found[0].expires_at) <= self.clock():
            code = "invite_expired"
        elif await self.role(user_id) is not None:
            code = "already_staff"  # an invite never changes an existing role
        target = f"invite:{found[0].id}" if found else None
        if code is None and found is not None:
            invite = found[0]
            if not await self.store.invites.use(invite.id, user_id, self.clock(),
                                                name=clean_name(name)):
                code = "invite_used"  # another tap won the race
        if code is not None:
            await self.audit(user_id, "staff.invite.use", target=target, outcome="denied",
                             detail={"reason": code})
            raise StaffError(code)
        assert found is not None
        self.forget(user_id)
        await self.audit(user_id, "staff.invite.use", target=target,
                         detail={"role": found[0].role, "region": found[0].region_code,
                                 "invited_by": found[0].created_by})
        member = await self.member(user_id)
        assert member is not None  # added in the transaction above
        return member

    async def remove_member(self, actor_id: int | None, user_id: int) -> str:
        """Remove a staff member; returns the role they had."""
        await self._check(actor_id)
        if user_id in self.admin_ids:
            raise StaffError("from_settings")
        if actor_id is not None and user_id == actor_id:
            raise StaffError("self")
        before = await self.store.staff.role_of(user_id)
        if before is None or not await self.store.staff.remove(user_id):
            raise StaffError("not_staff")
        self.forget(user_id)
        await self.audit(actor_id, "staff.remove", target=str(user_id),
                         detail={"role": before})
        return before

    async def covering(self, region: str | None) -> list[int]:
        """Everyone on the staff whose scope covers an item of `region` (None: province-wide
        items, for administrators and operators bound to no region only)."""
        ids = set(self.admin_ids)
        ids.update(m.user_id for m in await self.store.staff.list()
                   if Scope(m.role, m.region_code if m.role == "operator" else None)
                   .covers(region))
        return sorted(ids)

    async def staff_ids(self) -> list[int]:
        """Everyone with a staff role: administrators and operators."""
        ids = set(self.admin_ids)
        ids.update(m.user_id for m in await self.store.staff.list())
        return sorted(ids)

    async def audit_log(self, actor_id: int | None, limit: int = 20) -> list[dict[str, Any]]:
        await self._check(actor_id)
        return await self.store.audit.recent(limit)
