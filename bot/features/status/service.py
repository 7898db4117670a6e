"""Disbursement status lookup: limits, tolerant name matching, audit, watches and notifications.

A resident gives a NIK and the name on their KTP. The NIK is hashed (HMAC-SHA256) at once; the
records of that hash are shown only if the name matches one of them, tolerantly (case, spacing,
titles, small typos). "No record" and "the name does not match" are the same outcome (NOT_FOUND),
so the bot is no oracle for whether a NIK has records. Limits survive restarts (SQLite):
- per user: USER_LIMIT lookups per USER_WINDOW;
- per NIK: NIK_FAILURES failed lookups per NIK_WINDOW lock that NIK, whoever asks;
- overall: GLOBAL_LIMIT lookups per GLOBAL_WINDOW by everyone together.
Every lookup is audited (user id, time, outcome), never with the NIK, not even hashed.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.core.clock import Clock, iso, parse_iso
from bot.delivery.engine import DeliveryEngine
from bot.delivery.sender import Outgoing
from bot.features.status import nik as niks
from bot.features.status.repo import Notification, Record
from bot.repos import Store

log = logging.getLogger(__name__)

STATUSES = ("DIPROSES", "SIAP SALUR", "TERSALUR", "GAGAL", "DITOLAK")
NAME_THRESHOLD = 85          # rapidfuzz score (0-100) from which two names are the same
MAX_WATCHES = 5              # NIKs one person may watch
WATCH_OFFER_TTL = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Limits:
    user_limit: int = 5
    user_window: dt.timedelta = dt.timedelta(hours=1)
    nik_failures: int = 3
    nik_window: dt.timedelta = dt.timedelta(hours=6)
    global_limit: int = 300
    global_window: dt.timedelta = dt.timedelta(minutes=1)
    keep: dt.timedelta = dt.timedelta(days=2)  # attempts older than this are pruned


# -- names ----------------------------------------------------------------------------------------
_PREFIX_TITLES = frozenset({
    "H", "HJ", "HAJI", "HAJJAH", "DRS", "DRA", "DR", "IR", "PROF", "KH", "KYAI", "NY", "NYONYA",
    "TN", "TUAN", "SDR", "SDRI", "BPK", "BAPAK", "IBU", "ALM", "ALMH", "RA", "RM", "RADEN",
})
_SUFFIX_TITLES = frozenset({
    "SPD", "SAG", "SE", "SH", "ST", "SKOM", "SSOS", "SKM", "SIP", "SPDI", "SHI", "SKEP", "SP",
    "SS", "SSI", "SPSI", "SFARM", "SKED", "AMD", "AMDKEB", "AMDKEP", "AMA", "MPD", "MM", "MSI",
    "MAG", "MH", "MT", "MKES", "MKOM", "SPDSD", "SAP", "SIKOM", "SSTP", "MAP", "MPDI",
})
_DEGREE = re.compile(r"\b[A-Z]{1,2}\.[A-Z]{1,6}\.?(?=\s|,|$)")
_APOSTROPHES = str.maketrans("", "", "'`’‘ʼ")
_NON_LETTERS = re.compile(r"[^A-Z ]+")
_PLAIN = re.compile(r"[A-Za-z ]*", re.ASCII)
_NAME_LINKS = frozenset({"BIN", "BINTI", "BT", "BINTU"})


def normalise_name(name: str) -> str:
    """An uppercase name without titles, degrees, bin/binti and punctuation, single-spaced.

    'Hj. Siti  Aminah, S.Pd' -> 'SITI AMINAH'; 'Ahmad bin Abdullah' -> 'AHMAD';
    "Ma'ruf" -> 'MARUF'.
    """
    if _PLAIN.fullmatch(name):  # the common case in exports: already letters and spaces
        words = name.upper().split()
    else:
        text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        text = text.upper().translate(_APOSTROPHES)
        text = text.split(",", 1)[0]  # degrees follow a comma on a KTP: "SITI, S.PD"
        text = _DEGREE.sub(" ", text)
        words = _NON_LETTERS.sub(" ", text).split()
    while len(words) > 1 and words[0] in _PREFIX_TITLES:
        words.pop(0)
    while len(words) > 1 and words[-1] in _SUFFIX_TITLES:
        words.pop()
    if _NAME_LINKS.intersection(words[1:]):
        words = words[:next(i for i in range(1, len(words)) if words[i] in _NAME_LINKS)]
    return " ".join(words)


def names_match(given: str, stored_normalised: str) -> bool:
    a = normalise_name(given)
    if not a or not stored_normalised:
        return False
    return (fuzz.ratio(a, stored_normalised) >= NAME_THRESHOLD
            or fuzz.token_sort_ratio(a, stored_normalised) >= NAME_THRESHOLD)


# -- lookups --------------------------------------------------------------------------------------
class LookupOutcome(enum.StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"          # no record, or the name does not match: the same answer
    LIMIT_USER = "limit_user"
    LIMIT_NIK = "limit_nik"
    LIMIT_GLOBAL = "limit_global"



@dataclass(frozen=True)
class LookupResult:
    outcome: LookupOutcome
    records: tuple[Record, ...] = ()
    retry_at: dt.datetime | None = None
    watch_token: str | None = None   # hex of the NIK hash, to offer "tell me when this changes"

    @property
    def limited(self) -> bool:
        return self.retry_at is not None


HOLD_NIK_FOR = dt.timedelta(minutes=30)  # a NIK waits this long for its name


@dataclass
class StatusService:
    store: Store
    clock: Clock
    key: Callable[[], bytes]          # settings.nik_key: raises SettingsError when unset
    audit: Callable[..., Awaitable[None]]
    limits: Limits = field(default_factory=Limits)

    @property
    def repo(self):
        return self.store.disbursements

    async def lookups_since(self, since: dt.datetime) -> tuple[int, int]:
        """The staff home: (lookups answered, of which found no record) since `since`.
        Lookups refused by a limit are not counted: they were not looked up."""
        outcomes = await self.repo.lookup_outcomes(since)
        found = outcomes.get(LookupOutcome.FOUND.value, 0)
        missed = outcomes.get(LookupOutcome.NOT_FOUND.value, 0)
        return found + missed, missed

    # -- between the NIK step and the name step ------------------------------------------------
    def hold_nik(self, nik: str) -> dict[str, str]:
        """What a chat may keep of a valid NIK until the name is typed: its keyed hash (never
        the NIK), the masked NIK to show, and when. SettingsError when NIK_HMAC_KEY is unset."""
        return {"h": niks.digest(self.key(), nik).hex(), "m": niks.mask(nik),
                "at": iso(self.clock())}

    def held_hash(self, held: object) -> bytes | None:
        """The hash `hold_nik` kept, while it is fresh (HOLD_NIK_FOR); None once it is stale,
        or when what the chat kept is not such a record."""
        if not isinstance(held, dict):
            return None
        try:
            fresh = self.clock() - parse_iso(held["at"]) <= HOLD_NIK_FOR
            return bytes.fromhex(held["h"]) if fresh else None
        except (KeyError, ValueError, TypeError):
            return None

    async def user_limited(self, user_id: int) -> LookupResult | None:
        """The limit the user (or everyone) has reached right now, if any."""
        now = self.clock()
        lim = self.limits
        attempts = await self.repo.user_attempts_since(user_id, now - lim.user_window)
        if len(attempts) >= lim.user_limit:
            retry = parse_iso(attempts[-lim.user_limit]) + lim.user_window
            return LookupResult(LookupOutcome.LIMIT_USER, retry_at=retry)
        nth = await self.repo.nth_newest_attempt_since(now - lim.global_window, lim.global_limit)
        if nth is not None:
            return LookupResult(LookupOutcome.LIMIT_GLOBAL,
                                retry_at=parse_iso(nth) + lim.global_window)
        return None

    async def lookup(self, user_id: int, nik: str, name: str) -> LookupResult:
        """Look up a normalised NIK (see bot.features.status.nik.normalise) for the given name."""
        return await self.lookup_hash(user_id, niks.digest(self.key(), nik), name)

    async def lookup_hash(self, user_id: int, nik_hash: bytes, name: str) -> LookupResult:
        """Look up the records of a NIK by its HMAC, for the given name."""
        now = self.clock()
        lim = self.limits
        result = await self.user_limited(user_id)
        if result is None:
            failures = await self.repo.nik_failures_since(nik_hash, now - lim.nik_window)
            if len(failures) >= lim.nik_failures:
                retry = parse_iso(failures[-lim.nik_failures]) + lim.nik_window
                result = LookupResult(LookupOutcome.LIMIT_NIK, retry_at=retry)
        if result is not None:
            await self.audit(user_id, "status.lookup", outcome=result.outcome.value)
            return result
        records = await self.repo.records(nik_hash)
        if any(names_match(name, r.nama) for r in records):
            result = LookupResult(LookupOutcome.FOUND, tuple(records),
                                  watch_token=nik_hash.hex())
        else:
            result = LookupResult(LookupOutcome.NOT_FOUND)
        await self.repo.record_attempt(
            user_id, now, failed_nik=None if result.records else nik_hash,
            prune_before=now - lim.keep)
        await self.audit(user_id, "status.lookup", outcome=result.outcome.value)
        return result

    # -- watches ------------------------------------------------------------------------------
    async def watch(self, user_id: int, token: str | None, offered_at: str | None,
                    masked: str | None = None) -> str:
        """'added', 'already', 'too_many' or 'expired' (a stale or forged offer)."""
        try:
            nik_hash = bytes.fromhex(token or "")
            offered = parse_iso(offered_at or "")
        except ValueError:
            return "expired"
        if len(nik_hash) != 32 or self.clock() - offered > WATCH_OFFER_TTL:
            return "expired"
        if await self.repo.watch_count(user_id) >= MAX_WATCHES:
            return "too_many"
        added = await self.repo.watch(user_id, nik_hash, self.clock(), masked)
        await self.audit(user_id, "status.watch", outcome="added" if added else "already")
        return "added" if added else "already"

    async def records_for_notification(self, user_id: int,
                                       notification_id: int) -> tuple[LookupResult, str] | None:
        """The current records behind one of the person's notifications, without the NIK typed
        again: the person proved the NIK and name when they asked to watch it. None if the
        notification is not theirs or they no longer watch that NIK."""
        target = await self.repo.watched_by_notification(user_id, notification_id)
        if target is None:
            return None
        nik_hash, masked = target
        records = await self.repo.records(nik_hash)
        await self.audit(user_id, "status.show", outcome="found" if records else "none")
        return LookupResult(LookupOutcome.FOUND, tuple(records), watch_token=None), masked

    async def unwatch(self, user_id: int) -> int:
        removed = await self.repo.unwatch_all(user_id)
        await self.audit(user_id, "status.unwatch", outcome="ok", detail={"removed": removed})
        return removed


# -- notifications --------------------------------------------------------------------------------
Render = Callable[[Notification], Awaitable[Outgoing]]


async def drain_notifications(store: Store, engine: DeliveryEngine, render: Render,
                              clock: Clock, *, limit: int = 100) -> int:
    """Send pending status notifications through the delivery engine (its bulk lane and
    rules: 429 resent after the pause, 403 marks the subscriber blocked); returns how many
    were sent. Each is claimed ('sending') before it is sent and marked right after, so a crash
    resends at most the ones in flight."""
    repo = store.disbursements
    claimed = await repo.claim_notifications(limit)
    sent = 0
    for note in claimed:
        result = await engine.deliver(note.user_id, [await render(note)], kind="status")
        error = None if result.status == "sent" else result.reason
        await repo.finish_notification(note.id, result.status, clock(), error)
        if result.status == "sent":
            sent += 1
        elif result.status == "failed":
            log.warning("status notification %s failed: %s", note.id, result.reason)
    return sent


def sort_records(records: Sequence[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (r.periode, r.program), reverse=True)
