"""Broadcasts: audiences, the outbox, splitting long texts, the sender and its progress.

The outbox contract (see migrations/0005_broadcasts.sql):
  - `create` writes the broadcast and one outbox row per recipient in ONE transaction, before
    anything is sent;
  - the sender claims a small batch (rows -> 'sending', committed), sends each row through a
    `Sender` in the rate limiter's bulk lane, and records each row's result (sent | failed |
    blocked) in batches;
  - at start, rows still in 'sending' were in flight at a crash: they go back to pending, are
    sent again (at least once) and are counted as possible duplicates in the report.
Each row is sent through bot.delivery's engine and its one rule per answer (429: resent after
the pause; 403: the subscriber marked blocked, never retried; 400: failed; timeouts: retried
with backoff, then failed and flagged outcome unknown).

The sender itself is in broadcasts/sending.py, the reports in broadcasts/reports.py (both parts
of BroadcastService). No Telegram import here: the handler gives a Sender and a progress
callback.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.delivery.engine import DeliveryEngine
from bot.delivery.sender import Sender
from bot.features.broadcasts.model import (
    KIND_SUBSCRIBERS,
    STARS_PER_MESSAGE,
    Audience,
    BroadcastError,
    Draft,
    Preview,
    Report,
)
from bot.features.broadcasts.repo import BroadcastRow
from bot.features.broadcasts.reports import _Run
from bot.features.broadcasts.sending import ERROR_PAUSE, PROGRESS_EVERY, BroadcastSending, Notify
from bot.features.staff.service import PermissionDenied, StaffService
from bot.features.subscribers.service import SubscriberService
from bot.features.volunteers.service import VolunteerService
from bot.repos import Store

log = logging.getLogger(__name__)

MIN_LEAD = dt.timedelta(minutes=1)   # a scheduled broadcast starts at least this far ahead
MAX_LEAD = dt.timedelta(days=60)


@dataclass(frozen=True)
class PaidBroadcasts:
    """Telegram's paid broadcasts, when PAID_BROADCAST is on."""

    rate: float                                   # PAID_BROADCAST_RATE
    sender: Sender                                # the bulk lane with allow_paid_broadcast
    set_bulk_rate: Callable[[float | None], None] | None = None  # raise; None restores


class BroadcastService(BroadcastSending):
    def __init__(self, store: Store, staff: StaffService, subscribers: SubscriberService,
                 volunteers: VolunteerService, clock: Clock, *, engine: DeliveryEngine,
                 sender: Sender, notify: Notify | None = None, rate: float = 25.0,
                 footer: Callable[[str], str] | None = None,
                 paid: PaidBroadcasts | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.repo = store.broadcasts
        self.staff = staff
        self.subscribers = subscribers
        self.volunteers = volunteers
        self.clock = clock
        self.monotonic = monotonic
        self.rate = rate
        self.batch = max(1, min(64, round(rate / 4)))  # rows claimed at a time (~1/4 s)
        # Paid broadcasts (PAID_BROADCAST): their rate, their sender, and raising the bulk lane
        # while one sends (None: the setting is off).
        self.paid_rate = paid.rate if paid else None
        self.paid_sender = paid.sender if paid else None
        self.on_rate = paid.set_bulk_rate if paid else None
        self._paid_running = 0
        self.progress_every = PROGRESS_EVERY
        self.error_pause = ERROR_PAUSE
        self.sender = sender
        self.engine = engine
        self.notify = notify
        self._stopped: set[int] = set()  # broadcasts stopped by staff in this process
        self.footer = footer  # language -> the "how to stop announcements" line
        self.fault: Callable[[str], None] | None = None  # tests: crash at "claimed"/"recorded"
        self._runs: dict[int, _Run] = {}
        self._stopping = False

    # -- audiences ------------------------------------------------------------------------------
    async def recipients(self, audience: Audience) -> list[tuple[int, str]]:
        """(user_id, 'id'|'jv') of everyone the audience reaches: subscribed, not blocked."""
        audience.check()
        if audience.kind == KIND_SUBSCRIBERS:
            return await self.subscribers.audience()
        ids = await self.volunteers.audience(role=audience.role, region_code=audience.region)
        return await self.subscribers.reachable_of(ids)

    async def _in_scope(self, actor_id: int, audience: Audience, action: str) -> None:
        """An operator bound to a kab/kota sends only to an audience inside it: otherwise
        audited as `action` denied, and BroadcastError('region') (they choose again)."""
        scope = await self.staff.scope(actor_id)  # PermissionDenied (audited): not staff
        if not scope.covers(audience.reach):
            try:
                await self.staff.deny(actor_id, action, f"audience:{audience.reach or 'all'}")
            except PermissionDenied:
                raise BroadcastError("region") from None

    async def preview(self, actor_id: int, draft: Draft) -> Preview:
        await self._in_scope(actor_id, draft.audience, "broadcast.preview")
        self._check(draft)
        people = await self.recipients(draft.audience)
        jv = sum(1 for _, lang in people if lang == "jv") if draft.text_jv else 0
        per = {lang: len(self.messages_for(draft, lang)) for lang in ("id", "jv")}
        messages = sum(per["jv" if lang == "jv" else "id"] for _, lang in people)
        free = messages / self.rate if self.rate else 0.0
        if draft.paid and self.paid_rate:
            return Preview(len(people), jv, messages, round(messages * STARS_PER_MESSAGE, 1),
                           messages / self.paid_rate, free)
        return Preview(len(people), jv, messages, 0.0, free, free)

    def _check(self, draft: Draft) -> None:
        draft.check()
        if draft.paid and not self.paid_rate:
            raise BroadcastError("paid_off")

    # -- creating and sending -------------------------------------------------------------------
    async def create(self, actor_id: int, draft: Draft,
                     scheduled_at: dt.datetime | None = None) -> int:
        """Check the role, write the broadcast and its whole outbox, audit it. Nothing is sent
        until `launch`. With `scheduled_at` (aware) it waits for `start_scheduled` instead,
        cancellable until then; its outbox is written when it starts. A regional operator:
        only an audience inside their kab/kota (BroadcastError('region'), audited)."""
        await self._in_scope(actor_id, draft.audience,
                             "broadcast.schedule" if scheduled_at else "broadcast.create")
        self._check(draft)
        now = self.clock()
        if scheduled_at is not None:
            if scheduled_at.tzinfo is None:
                raise BroadcastError("when")
            if scheduled_at < now + MIN_LEAD:
                raise BroadcastError("past")
            if scheduled_at > now + MAX_LEAD:
                raise BroadcastError("too_far")
        people = await self.recipients(draft.audience)
        broadcast_id = await self.repo.create(
            created_by=actor_id, now=now, audience=draft.audience.as_dict(),
            text_id=draft.text, entities_id=list(draft.entities), text_jv=draft.text_jv,
            entities_jv=list(draft.entities_jv), photo=draft.photo, recipients=people,
            footer=draft.footer, scheduled_at=scheduled_at, paid=draft.paid)
        detail = {"audience": draft.audience.as_dict(), "recipients": len(people),
                  "javanese": draft.text_jv is not None, "photo": draft.photo is not None,
                  "length": len(draft.text), "footer": draft.footer, "paid": draft.paid}
        if scheduled_at is not None:
            detail["scheduled_at"] = scheduled_at.astimezone(dt.UTC).isoformat()
        await self.staff.audit(actor_id, "broadcast.schedule" if scheduled_at else
                               "broadcast.create", target=str(broadcast_id), detail=detail)
        return broadcast_id

    async def start_scheduled(self, broadcast_id: int) -> bool:
        """Its time has come: write the outbox for whoever the audience reaches now; the caller
        then `launch`es it. False if it was cancelled (or already started)."""
        b = await self.repo.get(broadcast_id)
        if b is None or b.status != "scheduled":
            return False
        people = await self.recipients(Audience.from_dict(b.audience))
        if not await self.repo.start_scheduled(broadcast_id, people, self.clock()):
            return False
        await self.staff.audit(b.created_by, "broadcast.start", target=str(broadcast_id),
                               detail={"recipients": len(people),
                                       "scheduled_at": b.scheduled_at})
        return True

    async def count(self) -> int:
        return await self.repo.count()

    async def scheduled(self) -> list[BroadcastRow]:
        return await self.repo.scheduled()

    async def cancel(self, actor_id: int, broadcast_id: int) -> tuple[bool, Report | None]:
        """Staff stop a broadcast (or a scheduled one before it starts): the rows not yet sent
        are cancelled at once, in the database, so nothing more goes out, not even after a
        crash; rows already handed to Telegram finish. (stopped now?, the report)."""
        b = await self._visible(actor_id, broadcast_id, "broadcast.stop")
        if b is None:
            return False, None
        self._stopped.add(broadcast_id)
        done = await self.repo.cancel(broadcast_id, actor_id, self.clock())
        if not done:
            self._stopped.discard(broadcast_id)
            return False, await self.report(broadcast_id)
        report = await self.report(broadcast_id)
        assert report is not None
        await self.staff.audit(actor_id, "broadcast.stop", target=str(broadcast_id),
                               detail={"was": b.status, "sent": report.sent,
                                       "cancelled": report.cancelled})
        return True, report

    async def test_send(self, actor_id: int, draft: Draft, language: str) -> str:
        """Send the draft to the operator alone, as recipients will get it (both versions if
        there is a Javanese one); audited. The result's status (sent, failed, ...)."""
        await self.staff.require(actor_id, "operator")
        draft.check()
        if self.engine is None or self.sender is None:
            raise RuntimeError("BroadcastService.attach(sender) was not called")
        messages = self.messages_for(draft, language if draft.text_jv is None else "id")
        if draft.text_jv:
            messages += self.messages_for(draft, "jv")
        result = await self.engine.deliver(actor_id, messages, kind="broadcast.test",
                                           sender=self.sender)
        await self.staff.audit(actor_id, "broadcast.test", detail={"status": result.status})
        return result.status

    def attach(self, sender: Sender, notify: Notify | None = None,
               engine: DeliveryEngine | None = None) -> None:
        """Use another sender, progress callback or engine from now on (tests, benchmarks)."""
        self.sender = sender
        if engine is not None:
            self.engine = engine
        self.notify = notify
        self._stopping = False
