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

No Telegram import here: the handler gives a Sender and a progress callback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock
from bot.core.text import (
    compose,
    first_line,
)
from bot.delivery.engine import DeliveryEngine
from bot.delivery.sender import Outgoing, Sender
from bot.features.broadcasts.model import (
    KIND_SUBSCRIBERS,
    STARS_PER_MESSAGE,
    Audience,
    BroadcastError,
    Draft,
    Preview,
    Report,
)
from bot.features.broadcasts.repo import BroadcastRow, OutboxRow
from bot.features.staff.service import StaffService
from bot.features.subscribers.service import SubscriberService
from bot.features.volunteers.service import VolunteerService
from bot.repos import Store

log = logging.getLogger(__name__)

MAX_429_PER_ROW = 20   # a row that keeps meeting flood control is failed in the end
PROGRESS_EVERY = 3.0   # seconds between two edits of the operator's progress message
FLUSH_EVERY = 0.5      # seconds between two writes of sent rows' results
STOP_GRACE = 5.0       # seconds a clean shutdown waits for the rows in flight
ERROR_RETRIES = 3      # an unexpected error: pause ERROR_PAUSE, then go on, this many times
ERROR_PAUSE = 30.0
MIN_LEAD = dt.timedelta(minutes=1)   # a scheduled broadcast starts at least this far ahead
MAX_LEAD = dt.timedelta(days=60)


Notify = Callable[[BroadcastRow, Report, bool], Awaitable[None]]
"""notify(broadcast, report, final): show the operator the progress (final=True: the end)."""


@dataclass
class _Run:
    task: asyncio.Task
    started: float
    sent: int = 0


@dataclass(frozen=True)
class PaidBroadcasts:
    """Telegram's paid broadcasts, when PAID_BROADCAST is on."""

    rate: float                                   # PAID_BROADCAST_RATE
    sender: Sender                                # the bulk lane with allow_paid_broadcast
    set_bulk_rate: Callable[[float | None], None] | None = None  # raise; None restores


class BroadcastService:
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

    async def preview(self, actor_id: int, draft: Draft) -> Preview:
        await self.staff.require(actor_id, "operator")
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
        cancellable until then; its outbox is written when it starts."""
        await self.staff.require(actor_id, "operator")
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
        await self.staff.require(actor_id, "operator")
        b = await self.repo.get(broadcast_id)
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

    def running(self, broadcast_id: int) -> bool:
        run = self._runs.get(broadcast_id)
        return run is not None and not run.task.done()

    def launch(self, broadcast_id: int) -> asyncio.Task:
        """Start draining a broadcast's outbox in the background (no-op if already running)."""
        run = self._runs.get(broadcast_id)
        if run is not None and not run.task.done():
            return run.task
        task = asyncio.create_task(self._drain(broadcast_id), name=f"broadcast-{broadcast_id}")
        self._runs[broadcast_id] = _Run(task, self.monotonic())
        return task

    async def resume_all(self) -> list[int]:
        """At start: every unfinished broadcast continues; rows in flight at the crash are
        flagged possible duplicates and sent again."""
        settled = await self.repo.settle_stopped()
        if settled:
            log.info("%s rows of stopped broadcasts were in flight at a crash", settled)
        ids = await self.repo.active_ids()
        for broadcast_id in ids:
            again = await self.repo.recover_in_flight(broadcast_id)
            log.info("broadcast %s resumes; %s rows were in flight", broadcast_id, again)
            await self.staff.audit(None, "broadcast.resume", target=str(broadcast_id),
                                   detail={"in_flight": again})
            self.launch(broadcast_id)
        return ids

    async def wait(self, broadcast_id: int) -> None:
        """Until the sender of this broadcast has stopped (tests, the benchmark)."""
        run = self._runs.get(broadcast_id)
        if run is not None:
            await asyncio.shield(run.task)

    async def stop(self) -> None:
        """A clean stop: claim nothing more, let the rows in flight finish and be recorded."""
        self._stopping = True
        tasks = [r.task for r in self._runs.values() if not r.task.done()]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
        for task in pending:  # left in 'sending': resent (and flagged) at the next start
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def messages_for(self, draft: Draft, language: str) -> list[Outgoing]:
        """What a recipient reading `language` gets of a draft (the preview shows this)."""
        if language == "jv" and draft.text_jv:
            return self._compose(draft.text_jv, draft.entities_jv, draft.photo, draft.footer,
                                 "jv")
        return self._compose(draft.text, draft.entities, draft.photo, draft.footer, language)

    def _compose(self, text: str, entities: Sequence[Mapping[str, Any]], photo: str | None,
                 footer: bool, language: str) -> list[Outgoing]:
        if footer and self.footer is not None:
            text = (text.rstrip() + "\n\n" if text.strip() else "") + self.footer(language)
        return compose(text, entities, photo)

    def _messages(self, b: BroadcastRow) -> dict[str, list[Outgoing]]:
        indonesian = self._compose(b.text_id, b.entities_id, b.photo, b.footer, "id")
        javanese = (self._compose(b.text_jv, b.entities_jv, b.photo, b.footer, "jv")
                    if b.text_jv else
                    self._compose(b.text_id, b.entities_id, b.photo, b.footer, "jv"))
        return {"id": indonesian, "jv": javanese}

    async def _deliver(self, row: OutboxRow, messages: list[Outgoing], paid: bool = False
                       ) -> tuple[str, str | None, int, bool]:
        """Send one recipient's messages through the delivery engine's rules:
        (status, error, how many 429s it met, outcome unknown). A stopped broadcast sends
        nothing further: the row is 'cancelled'."""
        stopped = self._stopped
        sender = self.paid_sender if paid and self.paid_sender is not None else self.sender
        result = await self.engine.deliver(row.user_id, messages, kind="broadcast",
                                           sender=sender,
                                           cancelled=lambda: row.broadcast_id in stopped)
        return result.status, result.reason, result.retries_429, result.unknown

    async def _drain(self, broadcast_id: int) -> None:
        """Send until the outbox is empty. An unexpected error (the disk, a bug) pauses and
        tries again a few times; the rows it left in flight are resent and flagged."""
        b = await self.repo.get(broadcast_id)
        if b is None or b.status != "sending":
            return
        if b.restarts:  # tell the operator the broadcast goes on after a restart
            await self._progress(b, final=False)
        for attempt in range(ERROR_RETRIES + 1):
            try:
                await self._drain_once(b)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                if attempt == ERROR_RETRIES or self._stopping:
                    log.exception("broadcast %s stopped; it resumes at the next start", b.id)
                    return
                log.exception("broadcast %s: error, trying again in %.0f s", b.id,
                              self.error_pause)
                await asyncio.sleep(self.error_pause)
                again = await self.repo.recover_in_flight(b.id, restart=False)
                log.info("broadcast %s: %s rows in flight are sent again", b.id, again)

    async def _drain_once(self, b: BroadcastRow) -> None:
        paid = b.paid and bool(self.paid_rate)
        if not paid:
            return await self._drain_rows(b, self.batch, False)
        # Paid: the bulk lane runs at PAID_BROADCAST_RATE only while a paid broadcast sends.
        self._paid_running += 1
        self._set_rate()
        try:
            return await self._drain_rows(
                b, max(self.batch, min(250, round((self.paid_rate or 0) / 4))), True)
        finally:
            self._paid_running -= 1
            self._set_rate()

    def _set_rate(self) -> None:
        if self.on_rate is not None:
            self.on_rate(self.paid_rate if self._paid_running else None)

    async def _drain_rows(self, b: BroadcastRow, batch: int, paid: bool) -> None:
        broadcast_id = b.id
        messages = self._messages(b)
        run = self._runs[broadcast_id]
        inflight: dict[asyncio.Task, int] = {}
        results: list[tuple[int, str, str | None, bool]] = []
        floods = 0
        last_flush = last_progress = self.monotonic()

        async def flush() -> None:
            nonlocal results, floods, last_flush
            if results or floods:
                await self.repo.record(broadcast_id, results, self.clock(), floods)
                run.sent += sum(1 for _, status, _, _ in results if status == "sent")
                results, floods = [], 0
                self._fault("recorded")
            last_flush = self.monotonic()

        try:
            while True:
                rows = [] if self._stopping else await self.repo.claim(
                    broadcast_id, batch, self.clock())
                if rows:
                    self._fault("claimed")
                for row in rows:
                    language = row.language if row.language in messages else "id"
                    task = asyncio.create_task(self._deliver(row, messages[language], paid))
                    inflight[task] = row.user_id
                if not inflight:
                    break
                while inflight and (len(inflight) >= batch or not rows):
                    done, _ = await asyncio.wait(inflight, timeout=FLUSH_EVERY,
                                                 return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        user_id = inflight.pop(task)
                        status, error, n, unknown = task.result()
                        results.append((user_id, status, error, unknown))
                        floods += n
                    now = self.monotonic()
                    if len(results) >= batch or now - last_flush >= FLUSH_EVERY:
                        await flush()
                    if now - last_progress >= self.progress_every:
                        last_progress = now
                        await self._progress(b, final=False)
            await flush()
            if self._stopping:
                return
            if broadcast_id in self._stopped:  # staff stopped it: show it on the progress
                await self._progress(b, final=True)
                return
            if await self.repo.finish(broadcast_id, self.clock()):
                report = await self.report(broadcast_id)
                await self.staff.audit(b.created_by, "broadcast.done", target=str(broadcast_id),
                                       detail={k: getattr(report, k) for k in (
                                           "total", "sent", "failed", "blocked", "duplicates",
                                           "retries_429")})
                await self._progress(b, final=True)
        except BaseException:
            # A crash, a forced stop or an error: nothing more is written, exactly as after
            # kill -9; the rows in flight stay 'sending' and are resent and flagged.
            for task in inflight:
                task.cancel()
            raise

    def _fault(self, stage: str) -> None:
        if self.fault is not None:
            self.fault(stage)

    async def _progress(self, b: BroadcastRow, final: bool) -> None:
        if self.notify is None:
            return
        fresh = await self.repo.get(b.id) or b
        try:
            report = await self.report(b.id)
            if report is not None:  # always: b is stored, and broadcasts are never deleted
                await self.notify(fresh, report, final)
        except Exception as exc:  # the operator's message is a courtesy; sending goes on
            log.warning("could not update the progress of broadcast %s: %s", b.id,
                        type(exc).__name__)

    # -- reports --------------------------------------------------------------------------------
    async def report(self, broadcast_id: int) -> Report | None:
        """The state of a broadcast, from the outbox (no role check: for the CLI and services
        that checked already)."""
        b = await self.repo.get(broadcast_id)
        if b is None:
            return None
        counts = await self.repo.counts(broadcast_id)
        left = counts["pending"] + counts["sending"]
        rate = eta = None
        run = self._runs.get(broadcast_id)
        if run is not None and b.status == "sending":
            elapsed = self.monotonic() - run.started
            if elapsed > 0 and run.sent:
                rate = run.sent / elapsed
                eta = left / rate
        return Report(id=b.id, status=b.status, total=b.total, sent=counts["sent"],
                      failed=counts["failed"], blocked=counts["blocked"], left=left,
                      duplicates=counts["duplicates"], restarts=b.restarts,
                      retries_429=b.retries_429, audience=b.audience, created_by=b.created_by,
                      created_at=b.created_at, finished_at=b.finished_at, rate=rate,
                      eta_seconds=eta, cancelled=counts["cancelled"], unknown=counts["unknown"],
                      scheduled_at=b.scheduled_at, started_at=b.started_at,
                      cancelled_by=b.cancelled_by, first_line=first_line(b.text_id),
                      footer=b.footer)

    async def status(self, actor_id: int, broadcast_id: int | None = None) -> Report | None:
        """For /siaran_status: one broadcast, or the latest one. Operators only."""
        await self.staff.require(actor_id, "operator")
        if broadcast_id is None:
            latest = await self.repo.latest()
            if latest is None:
                return None
            broadcast_id = latest.id
        return await self.report(broadcast_id)

    async def recent(self, actor_id: int | None, limit: int = 10,
                     offset: int = 0) -> list[Report]:
        """The latest broadcasts, newest first (for the dated /siaran_status list)."""
        if actor_id is not None:
            await self.staff.require(actor_id, "operator")
        out = []
        for b in await self.repo.recent(limit, offset):
            report = await self.report(b.id)
            if report is not None:
                out.append(report)
        return out
