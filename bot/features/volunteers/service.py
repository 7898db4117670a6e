"""Volunteers: registration, their own details, and the staff's decisions within their region.

No Telegram here: the handlers and the command line call these and render the results. Every
staff action reads the actor's Scope (bot.core.scope) here, not only in the handler: a regional
operator sees and acts on the volunteers of their own kab/kota only; a refusal is audited.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.content import Kecamatan, Region
from bot.core.clock import Clock
from bot.core.i18n import N_
from bot.core.scope import WHOLE_PROVINCE, Scope
from bot.features.staff.service import PermissionDenied, StaffService
from bot.features.volunteers.matching import (
    match_kecamatan,
    match_regions,
    normalize_phone,
    search_by_name,
)
from bot.features.volunteers.repo import STATUSES, Volunteer
from bot.repos import Store

__all__ = [
    "REJECT_REASONS",
    "ROLES",
    "Decision",
    "VolunteerError",
    "VolunteerService",
    "left_on_their_own",
    "match_kecamatan",
    "match_regions",
    "normalize_phone",
]

# Role code -> display name (an English msgid, translated per reader).
ROLES: dict[str, str] = {
    "tksk": N_("TKSK (sub-district social welfare worker)"),
    "pkh": N_("PKH facilitator (Pendamping PKH)"),
    "tagana": N_("Tagana (disaster response cadet)"),
    "psm": N_("PSM (community social worker)"),
    "karang_taruna": N_("Karang Taruna (youth organisation)"),
    "lks": N_("LKS (social welfare institution) worker"),
    "other": N_("Other social volunteer"),
}
# Roles that work per kecamatan: they must name one (others may say "the whole kab/kota").
KECAMATAN_ROLES = frozenset({"tksk"})
# A rejection's reason, told to the volunteer in their own language; 'other' carries the
# officer's words (REASON_MAX characters), shown as typed.
REJECT_REASONS: dict[str, str] = {
    "unconfirmed": N_("The office could not confirm your work as a volunteer."),
    "region": N_("The kab/kota or kecamatan does not match the office's records."),
    "details": N_("Your details are incomplete. Please register again with your full name."),
    "duplicate": N_("You are already registered with another Telegram account."),
    "other": N_("Other reason (type it)"),
}
NAME_MAX = 100
REASON_MAX = 300
# The details a volunteer changes without asking again: role and kab/kota need the office.
APPROVAL_FIELDS = frozenset({"role", "region_code"})


class VolunteerError(ValueError):
    """Bad input to a volunteer action; `code` says which (for a translated message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Decision:
    result: str                       # ok | already | unknown
    volunteer: Volunteer | None


def left_on_their_own(vol: Volunteer) -> bool:
    """Inactive because the volunteer left (not deactivated by the office)."""
    return vol.status == "inactive" and vol.decided_by == vol.user_id


class VolunteerService:
    def __init__(self, store: Store, staff: StaffService, clock: Clock,
                 regions: Sequence[Region],
                 kecamatan: Mapping[str, Sequence[Kecamatan]] | None = None) -> None:
        self.store = store
        self.staff = staff
        self.clock = clock
        self.regions = list(regions)
        self.kecamatan = {code: list(items) for code, items in (kecamatan or {}).items()}

    def region(self, code: str | None) -> Region | None:
        return next((r for r in self.regions if r.code == code), None)

    def kecamatan_of(self, region_code: str) -> list[Kecamatan]:
        return self.kecamatan.get(region_code, [])

    def kecamatan_by_code(self, code: str | None) -> Kecamatan | None:
        return next((k for k in self.kecamatan_of((code or "")[:4]) if k.code == code), None)

    async def get(self, user_id: int) -> Volunteer | None:
        return await self.store.volunteers.get(user_id)

    # -- the volunteer ------------------------------------------------------------------------
    def _check_kecamatan(self, role: str, region_code: str, kecamatan_code: str | None) -> None:
        if kecamatan_code is None:
            if role in KECAMATAN_ROLES and self.kecamatan_of(region_code):
                raise VolunteerError("kecamatan")
            return
        kec = self.kecamatan_by_code(kecamatan_code)
        if kec is None or kec.region_code != region_code:
            raise VolunteerError("kecamatan")

    async def register(self, user_id: int, *, role: str, region_code: str, name: str,
                       phone: str | None, kecamatan_code: str | None = None) -> Volunteer:
        if role not in ROLES:
            raise VolunteerError("role")
        if self.region(region_code) is None:
            raise VolunteerError("region")
        self._check_kecamatan(role, region_code, kecamatan_code)
        name = " ".join(name.split())
        if not 2 <= len(name) <= NAME_MAX:
            raise VolunteerError("name")
        existing = await self.store.volunteers.get(user_id)
        if existing is not None and existing.status in ("approved", "inactive") \
                and not left_on_their_own(existing):
            raise VolunteerError("already")
        vol = await self.store.volunteers.request(user_id, role, region_code, name, phone,
                                                  self.clock(), kecamatan_code)
        await self.staff.audit(user_id, "volunteer.request", target=str(user_id),
                               detail={"role": role, "region": region_code,
                                       "kecamatan": kecamatan_code})
        return vol

    async def update_details(self, user_id: int, *, name: str | None = None,
                             role: str | None = None, region_code: str | None = None,
                             kecamatan_code: str | None = None, phone: str | None = None,
                             clear_kecamatan: bool = False, clear_phone: bool = False
                             ) -> tuple[Volunteer, bool]:
        """The volunteer changes their own details; (volunteer, back_to_office). A new role or
        kab/kota goes back to the office for approval (staff of that region decide again);
        a new name, kecamatan or phone takes effect at once."""
        vol = await self.store.volunteers.get(user_id)
        if vol is None or vol.status not in ("pending", "approved"):
            raise VolunteerError("not_registered")
        changes: dict[str, object] = {}
        if name is not None:
            name = " ".join(name.split())
            if not 2 <= len(name) <= NAME_MAX:
                raise VolunteerError("name")
            changes["name"] = name
        if role is not None:
            if role not in ROLES:
                raise VolunteerError("role")
            changes["role"] = role
        if region_code is not None:
            if self.region(region_code) is None:
                raise VolunteerError("region")
            changes["region_code"] = region_code
        if kecamatan_code is not None or clear_kecamatan:
            changes["kecamatan_code"] = None if clear_kecamatan else kecamatan_code
        if phone is not None or clear_phone:
            changes["phone"] = None if clear_phone else phone
        changes = {k: v for k, v in changes.items() if getattr(vol, k) != v}
        if not changes:
            return vol, False
        new_role = str(changes.get("role", vol.role))
        new_region = str(changes.get("region_code", vol.region_code))
        kec = changes.get("kecamatan_code", vol.kecamatan_code)
        self._check_kecamatan(new_role, new_region, kec if isinstance(kec, str) else None)
        again = vol.status == "approved" and bool(APPROVAL_FIELDS & changes.keys())
        await self.store.volunteers.update(user_id, changes, self.clock(), pending=again)
        await self.staff.audit(user_id, "volunteer.edit", target=str(user_id),
                               detail={"fields": sorted(changes), "again": again})
        updated = await self.store.volunteers.get(user_id)
        assert updated is not None  # updated just now, and volunteers are never deleted here
        return updated, again

    async def audience(self, role: str | None = None, region_code: str | None = None
                       ) -> list[int]:
        """User ids of approved volunteers, optionally of one role and/or one kab/kota."""
        return await self.store.volunteers.audience(role, region_code)

    async def reminder_audience(self, role: str | None = None,
                                region_code: str | None = None) -> list[int]:
        """Approved volunteers a reminder reaches: not those whose reminders a 403 blocked,
        unless they have written to the bot since."""
        return await self.store.volunteers.reminder_audience(role, region_code)

    async def block_reminders(self, user_id: int) -> None:
        """A 403 on a reminder: the volunteer's reminder subscription is blocked."""
        await self.store.volunteers.block_reminders(user_id, self.clock())

    async def pending_notices(self) -> list[Volunteer]:
        """Decided registrations whose volunteer has not been told yet."""
        return await self.store.volunteers.unnotified_decisions()

    async def claim_notice(self, user_id: int) -> bool:
        """True once per decision: the caller tells the volunteer (at most once)."""
        return await self.store.volunteers.mark_notified(user_id, self.clock())

    async def is_approved(self, user_id: int) -> bool:
        return await self.store.volunteers.is_approved(user_id)

    # -- staff ----------------------------------------------------------------------------------
    async def staff_ids(self) -> list[int]:
        """Everyone who may decide on a registration: administrators and operators."""
        return await self.staff.staff_ids()

    async def staff_for(self, region_code: str) -> list[int]:
        """The staff whose Scope covers a kab/kota: who is told of a registration there."""
        out = []
        for uid in await self.staff.staff_ids():
            try:
                scope = await self.staff.scope(uid)
            except PermissionDenied:  # removed since the list was read
                continue
            if scope.covers(region_code):
                out.append(uid)
        return out

    async def scope(self, actor_id: int | None, *, trusted: bool = False) -> Scope:
        """The actor's part of the province (PermissionDenied, audited, if not staff)."""
        return WHOLE_PROVINCE if trusted else await self.staff.scope(actor_id)

    async def _target(self, actor_id: int | None, scope: Scope, user_id: int,
                      action: str) -> Volunteer | None:
        """The volunteer an action is about, if in the actor's region (refused and audited
        if not); None if there is no such volunteer."""
        vol = await self.store.volunteers.get(user_id)
        if vol is not None and not scope.covers(vol.region_code):
            await self.staff.deny(actor_id, action, str(user_id))
        return vol

    async def view(self, actor_id: int | None, user_id: int) -> Volunteer | None:
        scope = await self.scope(actor_id)
        return await self._target(actor_id, scope, user_id, "volunteer.view")

    async def decide(self, actor_id: int | None, user_id: int, approve: bool, *,
                     trusted: bool = False, reason_code: str | None = None,
                     reason_note: str | None = None) -> Decision:
        """Approve or reject a pending request (a rejection with a reason the volunteer is
        told). `trusted` is the command line (no chat role); it may also approve a request
        that was rejected before."""
        action = f"volunteer.{'approve' if approve else 'reject'}"
        scope = await self.scope(actor_id, trusted=trusted)
        if not approve:
            if reason_code is not None and reason_code not in REJECT_REASONS:
                raise VolunteerError("reason")
            if reason_code == "other":
                reason_note = " ".join((reason_note or "").split())
                if not 2 <= len(reason_note) <= REASON_MAX:
                    raise VolunteerError("reason")
            else:
                reason_note = None
        vol = await self._target(actor_id, scope, user_id, action)
        if vol is None:
            return Decision("unknown", None)
        status = "approved" if approve else "rejected"
        allowed = ("pending", "rejected") if trusted and approve else ("pending",)
        changed = await self.store.volunteers.decide(
            user_id, status, actor_id, self.clock(), from_statuses=allowed,
            reason_code=None if approve else reason_code,
            reason_note=None if approve else reason_note)
        vol = await self.store.volunteers.get(user_id)
        if not changed:
            return Decision("already", vol)
        await self.staff.audit(actor_id, action, target=str(user_id),
                               detail={"region": vol.region_code if vol else None,
                                       "reason": reason_code})
        return Decision("ok", vol)

    async def set_active(self, actor_id: int | None, user_id: int, active: bool, *,
                         trusted: bool = False) -> Decision:
        """Deactivate an approved volunteer (no more reminders or volunteer announcements) or
        reactivate one. Not told as a decision; audited."""
        action = f"volunteer.{'reactivate' if active else 'deactivate'}"
        scope = await self.scope(actor_id, trusted=trusted)
        vol = await self._target(actor_id, scope, user_id, action)
        if vol is None:
            return Decision("unknown", None)
        if active and left_on_their_own(vol):  # their choice: they register again themselves
            return Decision("left", vol)
        status, before = ("approved", "inactive") if active else ("inactive", "approved")
        changed = await self.store.volunteers.decide(user_id, status, actor_id, self.clock(),
                                                     from_statuses=(before,), notify=False)
        vol = await self.store.volunteers.get(user_id)
        if not changed:
            return Decision("already", vol)
        await self.staff.audit(actor_id, action, target=str(user_id),
                               detail={"region": vol.region_code if vol else None})
        return Decision("ok", vol)

    async def leave(self, user_id: int) -> Decision:
        """An approved volunteer stops on their own: inactive (as a deactivation: no more
        reminders or volunteer announcements), decided by themselves, audited. They may
        register again later (register() then asks the office anew)."""
        changed = await self.store.volunteers.decide(user_id, "inactive", user_id, self.clock(),
                                                     from_statuses=("approved",), notify=False)
        vol = await self.store.volunteers.get(user_id)
        if vol is None:
            return Decision("unknown", None)
        if not changed:
            return Decision("already", vol)
        await self.staff.audit(user_id, "volunteer.leave", target=str(user_id),
                               detail={"region": vol.region_code, "role": vol.role})
        return Decision("ok", vol)

    async def list(self, status: str | None = None) -> list[Volunteer]:
        """Everyone (the command line, trusted like the server)."""
        return await self.store.volunteers.list(status)

    async def pending_count(self, scope: Scope) -> int:
        """The staff home: registrations waiting for a decision, in the scope's region."""
        return sum(1 for v in await self.store.volunteers.list("pending")
                   if scope.covers(v.region_code))

    async def list_for(self, actor_id: int | None, status: str | None = None, *,
                       query: str | None = None, trusted: bool = False) -> builtins.list[Volunteer]:
        """The volunteers the actor may see: of one status (None: all), optionally those whose
        name resembles `query` (best first); a regional operator's own kab/kota only."""
        if status is not None and status not in STATUSES:
            raise VolunteerError("status")
        scope = await self.scope(actor_id, trusted=trusted)
        rows = await self.store.volunteers.list(status, None if scope.everything
                                                else scope.region)
        rows = [v for v in rows if scope.covers(v.region_code)]
        if query is not None:
            rows = search_by_name(query, rows, lambda v: v.name)
        return rows

    async def counts_for(self, actor_id: int | None) -> dict[str, int]:
        """How many volunteers of each status the actor may see."""
        scope = await self.scope(actor_id)
        counts = await self.store.volunteers.counts(None if scope.everything else scope.region)
        return {s: counts.get(s, 0) for s in STATUSES}

    async def export(self, actor_id: int | None, *,
                     trusted: bool = False) -> builtins.list[Volunteer]:
        """Every volunteer in the actor's region, for a spreadsheet; audited."""
        rows = await self.list_for(actor_id, trusted=trusted)
        await self.staff.audit(actor_id, "volunteer.export", detail={"rows": len(rows)})
        return rows
