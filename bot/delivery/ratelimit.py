"""Rate limiting of Bot API calls: Telegram's limits, with a priority lane for replies.

PTB's AIORateLimiter throttles everything alike, so a broadcast of thousands would queue a
resident's answer behind it. This limiter has two lanes:

  interactive  everything by default (replies to residents, edits, the operator's progress)
  bulk         calls made with rate_limit_args={"lane": "bulk"} (broadcasts, reminders)

Rules, all measured over a sliding window of one second (plus a small safety margin):
  - overall at most `overall_rate` calls that carry a chat_id (Telegram: ~30 messages/s);
  - bulk at most `bulk_rate` per second, spread evenly, and never in the last `reserve` slots
    of the overall window, so a reply always finds room at once;
  - bulk waits while any interactive call is waiting (it yields to replies);
  - bulk sends at most one message per `per_chat_interval` seconds to the same chat;
  - a 429 (RetryAfter) pauses every lane for `retry_after`. An interactive call is then retried
    (up to `max_retries`); a bulk call re-raises, so its outbox retries the same row.

`clock` and `sleep` are injectable so tests never wait in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

BULK = "bulk"
INTERACTIVE = "interactive"
BULK_ARGS = {"lane": BULK}  # pass as rate_limit_args=BULK_ARGS on every bulk send
MARGIN = 0.03               # windows are 1.03 s long: 30 ms of jitter cannot push one over
TICK = 0.005                # how long bulk steps aside for a waiting reply
CATCH_UP = 0.05             # how late the bulk lane may be and still keep to its schedule
CHAT_MEMORY = 50_000        # per-chat timestamps kept before old ones are dropped

Sleep = Callable[[float], Awaitable[Any]]


def _retry_seconds(exc: RetryAfter) -> float:
    retry = exc.retry_after
    return float(retry.total_seconds() if hasattr(retry, "total_seconds") else retry)


class PriorityRateLimiter(BaseRateLimiter[dict]):
    """Telegram's limits with a priority lane; see the module docstring. A rate of None means
    unlimited (the offline console and the tests use PriorityRateLimiter.unthrottled())."""

    def __init__(self, *, overall_rate: float | None = 30.0, bulk_rate: float | None = 25.0,
                 per_chat_interval: float = 1.0, reserve: int = 3, max_retries: int = 3,
                 clock: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep,
                 margin: float = MARGIN) -> None:
        if overall_rate is not None and bulk_rate is not None and bulk_rate > overall_rate:
            raise ValueError("bulk_rate cannot exceed overall_rate")
        self.overall_rate = overall_rate
        self.bulk_rate = bulk_rate
        self.per_chat_interval = per_chat_interval
        self.max_retries = max_retries
        self.clock = clock
        self.sleep = sleep
        self.span = 1.0 + margin
        self._overall_limit = max(1, math.floor(overall_rate)) if overall_rate else None
        self._bulk_overall_limit = (max(1, self._overall_limit - reserve)
                                    if self._overall_limit else None)
        self._bulk_limit = max(1, math.floor(bulk_rate)) if bulk_rate else None
        self._bulk_interval = self.span / bulk_rate if bulk_rate else 0.0
        self._log: deque[float] = deque()       # grant times of every chat call
        self._bulk_log: deque[float] = deque()  # grant times of bulk calls
        self._next_bulk = 0.0
        self._chat_last: dict[int, float] = {}
        self._pause_until = 0.0
        self._interactive_waiting = 0
        self._bulk_lock = asyncio.Lock()
        self.pauses = 0  # how many 429s paused the lanes (for tests and the benchmark)

    @classmethod
    def unthrottled(cls, **kwargs: Any) -> PriorityRateLimiter:
        """No pacing at all, but the lanes, 429 pauses and retries still work."""
        return cls(overall_rate=None, bulk_rate=None, per_chat_interval=0.0, **kwargs)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    # -- bookkeeping ----------------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        edge = now - self.span
        while self._log and self._log[0] <= edge:
            self._log.popleft()
        while self._bulk_log and self._bulk_log[0] <= edge:
            self._bulk_log.popleft()

    def _window_wait(self, records: deque[float], limit: int | None, now: float) -> float:
        """Seconds until fewer than `limit` grants remain in the window (0 if already so)."""
        if limit is None or len(records) < limit:
            return 0.0
        return records[len(records) - limit] + self.span - now

    def _chat_wait(self, chat_id: int | None, now: float) -> float:
        if chat_id is None or not self.per_chat_interval:
            return 0.0
        last = self._chat_last.get(chat_id)
        return 0.0 if last is None else last + self.per_chat_interval - now

    def _grant(self, now: float, chat_id: int | None, bulk: bool) -> None:
        if self._overall_limit is not None:
            self._log.append(now)
        if bulk and self._bulk_limit is not None:
            self._bulk_log.append(now)
        if chat_id is not None and self.per_chat_interval:
            self._chat_last[chat_id] = now
            if len(self._chat_last) > CHAT_MEMORY:
                edge = now - self.per_chat_interval
                self._chat_last = {c: t for c, t in self._chat_last.items() if t > edge}

    # -- the two lanes --------------------------------------------------------------------------
    async def _acquire_interactive(self, chat_id: int | None) -> None:
        self._interactive_waiting += 1
        try:
            while True:
                now = self.clock()
                self._expire(now)
                wait = max(self._pause_until - now,
                           self._window_wait(self._log, self._overall_limit, now))
                if wait <= 0:
                    self._grant(now, chat_id, bulk=False)
                    return
                await self.sleep(wait)
        finally:
            self._interactive_waiting -= 1

    async def _acquire_bulk(self, chat_id: int | None) -> None:
        while True:
            wait = self._chat_wait(chat_id, self.clock())
            if wait > 0:  # outside the lock: other chats go on meanwhile
                await self.sleep(wait)
                continue
            async with self._bulk_lock:
                while True:
                    now = self.clock()
                    self._expire(now)
                    wait = max(
                        self._pause_until - now,
                        self._next_bulk - now,
                        self._window_wait(self._log, self._bulk_overall_limit, now),
                        self._window_wait(self._bulk_log, self._bulk_limit, now),
                        TICK if self._interactive_waiting else 0.0,
                    )
                    if wait <= 0:
                        break
                    await self.sleep(wait)
                if self._chat_wait(chat_id, now) > 0:
                    continue  # the same chat got a message while we waited; wait again
                self._grant(now, chat_id, bulk=True)
                if self._bulk_interval:
                    # Keep to the schedule, so oversleeping (timers fire a millisecond or so
                    # late) does not slow the lane down; after a lull (more than CATCH_UP
                    # late) start a new schedule from now. The bulk window still caps bursts.
                    if self._next_bulk < now - max(self._bulk_interval, CATCH_UP):
                        self._next_bulk = now
                    self._next_bulk += self._bulk_interval
                return

    def pause(self, seconds: float) -> None:
        """Stop every lane for `seconds` (Telegram's retry_after)."""
        self._pause_until = max(self._pause_until, self.clock() + seconds)
        self.pauses += 1

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        bulk = bool(rate_limit_args) and rate_limit_args.get("lane") == BULK
        chat_id: int | None = None
        raw_chat = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(raw_chat) if raw_chat is not None else None
        limited = raw_chat is not None
        attempt = 0
        while True:
            if bulk:
                await self._acquire_bulk(chat_id)
            elif limited:
                await self._acquire_interactive(chat_id)
            else:
                wait = self._pause_until - self.clock()
                if wait > 0:
                    await self.sleep(wait)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = _retry_seconds(exc)
                log.info("flood control on %s: every lane pauses %.1f s", endpoint, seconds)
                self.pause(seconds)
                attempt += 1
                if bulk or attempt > self.max_retries:
                    raise
