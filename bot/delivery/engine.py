"""The delivery engine: every bulk send goes through here, with one rule for each answer.

    engine = app.services.delivery                     # bot.delivery.telegram builds it, once
    engine.register("staff.notice", render)           # render(user_id, payload) -> [Outgoing]
    await engine.enqueue("staff.notice", ref="ticket:42", recipients=[9001, 9002],
                         payload={"ticket": 42})      # rows written (durably) before sending
    await engine.flush("staff.notice", "ticket:42")   # send now (or let the drain job do it)
    report = await engine.report("staff.notice", "ticket:42")

The rules, the same for broadcasts, reminders, status notifications, volunteer decisions and
anything enqueued:
  429            the rate limiter has paused EVERY lane for retry_after (it sees the answer
                 first); the engine resends the same message (at most MAX_429 times a message)
  403            blocked / deactivated / never started: the subscriber is marked blocked (and,
                 for a reminder, the volunteer's reminder subscription); never retried
  400            chat not found or a bad request: failed, never retried
  timeout or     retried `network_retries` times with backoff (0.5 s, 1 s, 2 s); then failed
  network error  and flagged outcome_unknown: it may have arrived
  anything else  (a sender that raises) failed, flagged outcome_unknown

Every send is in the rate limiter's bulk lane (the sender bot.delivery.telegram gives the engine),
so replies to residents never wait behind it. One report shape (`DeliveryReport`) for all.

Senders that keep their own table (broadcast_outbox, reminder_deliveries,
status_notifications: their rows carry meaning of their own, e.g. a reminder's Done/Snooze)
call `deliver()`; senders without one use `enqueue()` and the engine's delivery_outbox.
Nothing here imports telegram.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock
from bot.delivery.outbox_repo import OutboxItem, OutboxRepo
from bot.delivery.sender import Delivery, Outcome, Outgoing, Sender

log = logging.getLogger(__name__)

MAX_429 = 20           # a message that keeps meeting flood control is failed in the end
NETWORK_RETRIES = 3
BACKOFF = 0.5          # seconds before the first resend after a timeout; doubles each time
BATCH = 16             # outbox rows claimed at a time by drain()

SENT, FAILED, BLOCKED, CANCELLED = "sent", "failed", "blocked", "cancelled"

Render = Callable[[int, dict[str, Any]], Awaitable[Sequence[Outgoing]]]
BlockedHook = Callable[[int, str, str], Awaitable[None]]  # (user_id, kind, reason)


@dataclass(frozen=True)
class Result:
    """What happened to one recipient."""

    status: str                     # sent | failed | blocked | cancelled
    reason: str | None = None       # a short stable code for staff (see reason_code)
    message_id: int | None = None   # of the first message
    retries_429: int = 0
    unknown: bool = False           # timeouts: it may have arrived anyway


@dataclass(frozen=True)
class DeliveryReport:
    """The one report shape: how a send to many is going."""

    total: int
    sent: int
    failed: int
    blocked: int
    cancelled: int
    left: int             # pending or in flight
    unknown: int          # failed after timeouts: may have arrived
    duplicates: int       # resent after a crash: may have arrived twice
    retries_429: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    @classmethod
    def from_counts(cls, counts: dict[str, int], retries_429: int = 0) -> DeliveryReport:
        states = ("pending", "sending", "sent", "failed", "blocked", "cancelled")
        return cls(total=sum(counts.get(s, 0) for s in states), sent=counts.get("sent", 0),
                   failed=counts.get("failed", 0), blocked=counts.get("blocked", 0),
                   cancelled=counts.get("cancelled", 0),
                   left=counts.get("pending", 0) + counts.get("sending", 0),
                   unknown=counts.get("unknown", 0), duplicates=counts.get("duplicates", 0),
                   retries_429=retries_429)


def reason_code(delivery: Delivery) -> str:
    """A short, stable reason for staff from the Bot API's answer."""
    text = (delivery.error or "").lower()
    if "blocked" in text:
        return "blocked"
    if "can't initiate" in text or "cannot initiate" in text:
        return "not_started"
    if "deactivated" in text:
        return "deactivated"
    if "chat not found" in text:
        return "chat_not_found"
    if delivery.outcome == Outcome.BLOCKED:
        return "forbidden"
    if delivery.outcome == Outcome.RETRY:
        return "rate_limited"
    if delivery.outcome == Outcome.NETWORK:
        return "timeout" if "timed" in text or "timeout" in text else "network"
    return (delivery.error or "failed")[:80]


class DeliveryEngine:
    def __init__(self, repo: OutboxRepo, clock: Clock, *,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 network_retries: int = NETWORK_RETRIES, backoff: float = BACKOFF) -> None:
        self.repo = repo
        self.clock = clock
        self.sleep = sleep
        self.network_retries = network_retries
        self.backoff = backoff
        self.sender: Sender | None = None
        self._renderers: dict[str, Render] = {}
        self._blocked_hooks: list[BlockedHook] = []
        self._drain_lock = asyncio.Lock()

    # -- wiring ---------------------------------------------------------------------------------
    def attach(self, sender: Sender) -> None:
        """The bot's bulk-lane Sender (bot.delivery.telegram, at start)."""
        self.sender = sender

    def on_blocked(self, hook: BlockedHook) -> None:
        """Run `hook(user_id, kind, reason)` after every 403 (e.g. mark the subscriber)."""
        self._blocked_hooks.append(hook)

    def register(self, kind: str, render: Render) -> None:
        """How to turn an enqueued row of `kind` into messages: render(user_id, payload)."""
        self._renderers[kind] = render

    # -- one recipient --------------------------------------------------------------------------
    async def deliver(self, user_id: int, messages: Sequence[Outgoing], *, kind: str,
                      sender: Sender | None = None,
                      cancelled: Callable[[], bool] | None = None,
                      on_blocked: Callable[[int, str], Awaitable[None]] | None = None) -> Result:
        """Send one recipient's messages by the rules above. `cancelled()` is asked before each
        try of the first message (a stop: nothing further is sent); `on_blocked` runs on a 403
        after the engine's own hooks (the reminders' volunteer subscription)."""
        send = sender or self.sender
        if send is None:
            raise RuntimeError("DeliveryEngine.attach(sender) was not called")
        floods = 0
        first_id: int | None = None
        for number, message in enumerate(messages, 1):
            tries = 0
            while True:
                # A stop is honoured before the first message, also before its resends after
                # a 429 or a timeout; once a recipient has part of it, they get the rest.
                if number == 1 and cancelled is not None and cancelled():
                    return Result(CANCELLED, None, None, floods)
                try:
                    answer: Delivery = await send(user_id, message)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a sender should not raise; never lose the row
                    log.warning("%s: the sender raised %s", kind, type(exc).__name__)
                    return Result(FAILED, f"error: {type(exc).__name__}", first_id, floods,
                                  unknown=True)
                if answer.outcome == Outcome.SENT:
                    break
                if answer.outcome == Outcome.RETRY:
                    floods += 1
                    if floods > MAX_429:
                        return Result(FAILED, "rate_limited", first_id, floods)
                    continue  # the limiter has paused every lane for retry_after
                if answer.outcome == Outcome.NETWORK:
                    tries += 1
                    if tries > self.network_retries:
                        return Result(FAILED, _part(reason_code(answer), number, messages),
                                      first_id, floods, unknown=True)
                    await self.sleep(self.backoff * 2 ** (tries - 1))
                    continue
                reason = reason_code(answer)
                if answer.outcome == Outcome.BLOCKED:
                    await self._blocked(user_id, kind, reason, on_blocked)
                    return Result(BLOCKED, reason, first_id, floods)
                return Result(FAILED, _part(reason, number, messages), first_id, floods)
            if first_id is None:
                first_id = answer.message_id
        return Result(SENT, None, first_id, floods)

    async def _blocked(self, user_id: int, kind: str, reason: str,
                       extra: Callable[[int, str], Awaitable[None]] | None) -> None:
        hooks: list[Callable[[], Awaitable[None]]] = [
            functools.partial(h, user_id, kind, reason) for h in self._blocked_hooks]
        if extra is not None:
            hooks.append(lambda: extra(user_id, reason))
        for hook in hooks:
            try:
                await hook()
            except Exception as exc:  # marking is bookkeeping; the result stands
                log.warning("%s: a blocked hook failed: %s", kind, type(exc).__name__)

    # -- the engine's own outbox ----------------------------------------------------------------
    async def enqueue(self, kind: str, ref: str, recipients: Iterable[int],
                      payload: dict[str, Any]) -> int:
        """Queue `payload` for every recipient (one outbox row each, committed before anything
        is sent; (kind, ref, user) is queued at most once). Returns how many rows were new.
        `kind` must be registered (see `register`) by the time the rows are drained."""
        return await self.repo.enqueue(kind, str(ref), recipients, payload, self.clock())

    async def flush(self, kind: str | None = None, ref: str | None = None) -> DeliveryReport:
        """Send the pending rows now (only those of kind/ref if given); the counts sent now."""
        counts = dict.fromkeys(("sent", "failed", "blocked", "cancelled", "unknown"), 0)
        floods = 0
        async with self._drain_lock:
            while items := await self.repo.claim(BATCH, self.clock(), kind, ref):
                results = await asyncio.gather(*(self._one(i) for i in items))
                await self.repo.record([(i.id, r.status, r.reason, r.message_id, r.unknown)
                                        for i, r in zip(items, results, strict=True)],
                                       self.clock())
                for r in results:
                    counts[r.status] += 1
                    counts["unknown"] += int(r.unknown)
                    floods += r.retries_429
        return DeliveryReport.from_counts(counts, floods)

    async def _one(self, item: OutboxItem) -> Result:
        render = self._renderers.get(item.kind)
        if render is None:
            log.warning("no renderer for outbox kind %s; row %s failed", item.kind, item.id)
            return Result(FAILED, "no_renderer")
        try:
            messages = list(await render(item.user_id, item.payload))
        except Exception as exc:
            log.warning("%s: rendering failed: %s", item.kind, type(exc).__name__)
            return Result(FAILED, f"render: {type(exc).__name__}")
        if not messages:
            return Result(CANCELLED, "nothing_to_send")
        return await self.deliver(item.user_id, messages, kind=item.kind)

    async def recover(self) -> int:
        """At start: rows in flight at a crash are sent again, flagged possible duplicates."""
        return await self.repo.recover_in_flight()

    async def cancel(self, kind: str, ref: str) -> int:
        """Rows of (kind, ref) not yet sent are never sent; how many."""
        return await self.repo.cancel(kind, str(ref), self.clock())

    async def report(self, kind: str, ref: str) -> DeliveryReport:
        return DeliveryReport.from_counts(await self.repo.counts(kind, str(ref)))


def _part(reason: str, number: int, messages: Sequence[Outgoing]) -> str:
    if len(messages) > 1:
        reason = f"part {number}/{len(messages)}: {reason}"
    return reason[:200]
