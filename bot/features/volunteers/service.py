"""Volunteers: roles, kab/kota matching, registration and the staff's decision.

No Telegram here: the handlers and the command line call these and render the results.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.content import Region
from bot.core.clock import Clock
from bot.core.i18n import N_
from bot.core.scope import Scope
from bot.features.staff.service import StaffService
from bot.features.volunteers.repo import Volunteer
from bot.repos import Store

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

# Short forms people type for a kab/kota; several codes mean "ask which one".
REGION_ALIASES: dict[str, tuple[str, ...]] = {
    "sby": ("3578",), "suroboyo": ("3578",), "sda": ("3515",), "bwi": ("3510",),
    "jbr": ("3509",), "bjn": ("3522",), "lmg": ("3524",), "gsk": ("3525",), "pct": ("3501",),
    "png": ("3502",), "tlg": ("3504",), "ta": ("3504",), "ngw": ("3521",), "mgt": ("3520",),
    "mlg": ("3507", "3573"), "kdr": ("3506", "3571"), "mjk": ("3516", "3576"),
    "pas": ("3514", "3575"), "psr": ("3514", "3575"), "pbl": ("3513", "3574"),
    "pro": ("3513", "3574"), "mdn": ("3519", "3577"), "btr": ("3505", "3572"),
}
MIN_SCORE = 78
NAME_MAX = 100
PHONE_RX = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$", re.ASCII)


class VolunteerError(ValueError):
    """Bad input to a volunteer action; `code` says which (for a translated message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _normalize(text: str) -> str:
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def match_regions(text: str, regions: Sequence[Region]) -> list[Region]:
    """The kab/kota a person meant: one (sure), several (ask which), or none.

    Tolerant of case, punctuation, typos, "kab"/"kabupaten"/"kota" and common short forms;
    a name that is both a kabupaten and a kota ("malang") gives both unless the kind is said.
    """
    q = _normalize(text)
    if not q:
        return []
    if q.isdigit():
        return [r for r in regions if r.code == q]
    kind = None
    for prefix, k in (("kabupaten ", "kabupaten"), ("kab ", "kabupaten"), ("kota ", "kota"),
                      ("kot ", "kota"), ("kodya ", "kota")):
        if q.startswith(prefix):
            kind, q = k, q[len(prefix):].strip()
            break
    pool = [r for r in regions if kind is None or r.kind == kind]
    if q in REGION_ALIASES:
        return [r for r in pool if r.code in REGION_ALIASES[q]]
    if len(q) < 3:
        return []
    scored = [(max(fuzz.WRatio(q, r.name.lower()), fuzz.ratio(q, r.name.lower())), r)
              for r in pool]
    best = max((s for s, _ in scored), default=0)
    if best < MIN_SCORE:
        return []
    return [r for s, r in sorted(scored, key=lambda x: -x[0]) if s >= best - 3][:6]


def normalize_phone(text: str) -> str | None:
    """An Indonesian phone number as digits with a leading +62, or None if it is not one."""
    text = text.strip()
    if not PHONE_RX.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not 9 <= len(digits) <= 15:
        return None
    return "+" + digits


@dataclass(frozen=True)
class Decision:
    result: str                       # ok | already | unknown
    volunteer: Volunteer | None


class VolunteerService:
    def __init__(self, store: Store, staff: StaffService, clock: Clock,
                 regions: Sequence[Region]) -> None:
        self.store = store
        self.staff = staff
        self.clock = clock
        self.regions = list(regions)

    def region(self, code: str | None) -> Region | None:
        return next((r for r in self.regions if r.code == code), None)

    async def get(self, user_id: int) -> Volunteer | None:
        return await self.store.volunteers.get(user_id)

    async def register(self, user_id: int, *, role: str, region_code: str, name: str,
                       phone: str | None) -> Volunteer:
        if role not in ROLES:
            raise VolunteerError("role")
        if self.region(region_code) is None:
            raise VolunteerError("region")
        name = " ".join(name.split())
        if not 2 <= len(name) <= NAME_MAX:
            raise VolunteerError("name")
        existing = await self.store.volunteers.get(user_id)
        if existing is not None and existing.status == "approved":
            raise VolunteerError("already")
        vol = await self.store.volunteers.request(user_id, role, region_code, name, phone,
                                                  self.clock())
        await self.staff.audit(user_id, "volunteer.request", target=str(user_id),
                               detail={"role": role, "region": region_code})
        return vol

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

    async def staff_ids(self) -> list[int]:
        """Everyone who may decide on a registration: administrators and operators."""
        return await self.staff.staff_ids()

    async def decide(self, actor_id: int | None, user_id: int, approve: bool, *,
                     trusted: bool = False) -> Decision:
        """Approve or reject a pending request. `trusted` is the command line (no chat role);
        it may also approve a request that was rejected before."""
        if not trusted:
            await self.staff.require(actor_id, "operator")
        vol = await self.store.volunteers.get(user_id)
        if vol is None:
            return Decision("unknown", None)
        status = "approved" if approve else "rejected"
        allowed = ("pending", "rejected") if trusted and approve else ("pending",)
        changed = await self.store.volunteers.decide(user_id, status, actor_id, self.clock(),
                                                     from_statuses=allowed)
        vol = await self.store.volunteers.get(user_id)
        if not changed:
            return Decision("already", vol)
        await self.staff.audit(actor_id, f"volunteer.{'approve' if approve else 'reject'}",
                               target=str(user_id))
        return Decision("ok", vol)

    async def list(self, status: str | None = None) -> list[Volunteer]:
        return await self.store.volunteers.list(status)

    async def pending_count(self, scope: Scope) -> int:
        """The staff home: registrations waiting for a decision, in the scope's region."""
        return sum(1 for v in await self.store.volunteers.list("pending")
                   if scope.covers(v.region_code))
