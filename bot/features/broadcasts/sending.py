"""The broadcasts' sender: claims a small batch of outbox rows, sends each through the delivery
engine (its bulk lane, one rule per Telegram answer), records the results in batches and edits
the operator's progress; resumes unfinished broadcasts at start and stops cleanly. What a
recipient gets of a draft (the footer, long texts split) is composed here too."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bot.core.clock import Clock
from bot.core.text import compose
from bot.delivery.engine import DeliveryEngine
from bot.delivery.sender import Outgoing, Sender
from bot.features.broadcasts.model import Draft, Report
from bot.features.broadcasts.repo import BroadcastRow, OutboxRow
from bot.features.broadcasts.reports import BroadcastReports, _Run

log = logging.getLogger(__name__)

MAX_429_PER_ROW = 20   # a row that keeps meeting flood control is failed in the end
PROGRESS_EVERY = 3.0   # seconds between two edits of the operator's progress message
FLUSH_EVERY = 0.5      # seconds between two writes of sent rows' results
STOP_GRACE = 5.0       # seconds a clean shutdown waits for the rows in flight
ERROR_RETRIES = 3      # an unexpected error: pause ERROR_PAUSE, then go on, this many times
ERROR_PAUSE = 30.0


Notify = Callable[[BroadcastRow, Report, bool], Awaitable[None]]
"""notify(broadcast, report, final): show the operator the progress (final=True: the end)."""


class BroadcastSending(BroadcastReports):
    """Part of BroadcastService: the attributes it sets and the sender."""

    clock: Clock
    batch: int
    paid_rate: float | None
    paid_sender: Sender | None
    on_rate: Callable[[float | None], None] | None
    _paid_running: int
    progress_every: float
    error_pause: float
    sender: Sender
    engine: DeliveryEngine
    notify: Notify | None
    _stopped: set[int]
    footer: Callable[[str], str] | None
    fault: Callable[[str], None] | None
    _stopping: bool

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
