"""Rate limiting of Bot API calls: the limits Telegram has, and replies first.

Telegram's "about 30 messages per second" is the limit for *bulk notifications* (Bots FAQ);
replies to people who wrote are not held to it, and what is never fine is ignoring a 429. So
this limiter has two lanes and no overall cap:

  interactive  everything by default (replies to residents, edits, the operator's progress):
               sent at once, as fast as the bot makes them
  bulk         calls made with rate_limit_args={"lane": "bulk"} (bot.delivery's engine, every
               bulk send): at most `bulk_rate` per second, spread evenly

Rules:
  - bulk at most `bulk_rate` per second (BROADCAST_RATE, <= 30; raised only while paid
    broadcasts are on, see `set_bulk_rate`), spread evenly over a 1 s window (plus a margin);
  - bulk sends at most one message per `per_chat_interval` seconds to the same chat;
  - a group (negative chat id) gets at most `group_per_minute` messages a minute, both lanes;
  - bulk waits while any interactive call is waiting (after a pause, replies go first);
  - a 429 (RetryAfter) pauses every lane for `retry_after`. An interactive call is then retried
    (up to `max_retries`); a bulk call re-raises, so its outbox row is resent by the engine.

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
GROUP_WINDOW = 60.0         # Telegram: at most 20 messages a minute to one group
GROUP_PER_MINUTE = 20

Sleep = Callable[[float], Awaitable[Any]]


def _retry_seconds(exc: RetryAfter) -> float:
    retry = exc.retry_after
    return float(retry.total_seconds() if hasattr(retry, "total_seconds") else retry)


class PriorityRateLimiter(BaseRateLimiter[dict]):
    """Telegram's limits with a priority lane; see the module docstring. A bulk rate of None
    means unlimited (the offline console and the tests use PriorityRateLimiter.unthrottled())."""

    def __init__(self, *, bulk_rate: float | None = 25.0, per_chat_interval: float = 1.0,
                 group_per_minute: int | None = GROUP_PER_MINUTE, max_retries: int = 3,
                 clock: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep,
                 margin: float = MARGIN) -> None:
        self.per_chat_interval = per_chat_interval
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self.clock = clock
        self.sleep = sleep
        self.span = 1.0 + margin
        self.group_span = GROUP_WINDOW + margin
        self._bulk_log: deque[float] = deque()  # grant times of bulk calls
        self._next_bulk = 0.0
        self._chat_last: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}
        self._pause_until = 0.0
        self._interactive_waiting = 0
        self._bulk_lock = asyncio.Lock()
        self.pauses = 0  # how many 429s paused the lanes (for tests and the benchmark)
        self.set_bulk_rate(bulk_rate)

    def bulk_rate_control(self) -> Callable[[float | None], None]:
        """set(rate) raises the bulk lane (paid broadcasts), set(None) restores this one."""
        normal = self.bulk_rate

        def control(rate: float | None) -> None:
            self.set_bulk_rate(rate if rate is not None else normal)
            log.info("bulk lane at %s messages/s", self.bulk_rate)

        return control

    def set_bulk_rate(self, bulk_rate: float | None) -> None:
        """Change the bulk lane's rate (paid broadcasts raise it while they run)."""
        self.bulk_rate = bulk_rate
        self._bulk_limit = max(1, math.floor(bulk_rate)) if bulk_rate else None
        self._bulk_interval = self.span / bulk_rate if bulk_rate else 0.0

    @classmethod
    def unthrottled(cls, **kwargs: Any) -> PriorityRateLimiter:
        """No pacing at all, but the lanes, 429 pauses and retries still work."""
        return cls(bulk_rate=None, per_chat_interval=0.0, group_per_minute=None, **kwargs)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    # -- bookkeeping ----------------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        edge = now - self.span
        while self._bulk_log and self._bulk_log[0] <= edge:
            self._bulk_log.popleft()

    def _bulk_window_wait(self, now: float) -> float:
        """Seconds until fewer than the bulk limit remain in the window (0 if already so)."""
        limit, records = self._bulk_limit, self._bulk_log
        if limit is None or len(records) < limit:
            return 0.0
        return records[len(records) - limit] + self.span - now

    def _chat_wait(self, chat_id: int | None, now: float) -> float:
        if chat_id is None or not self.per_chat_interval:
            return 0.0
        last = self._chat_last.get(chat_id)
        return 0.0 if last is None else last + self.per_chat_interval - now

    def _group_wait(self, chat_id: int | None, now: float) -> float:
        if chat_id is None or chat_id >= 0 or not self.group_per_minute:
            return 0.0
        sent = self._groups.get(chat_id)
        if not sent:
            return 0.0
        while sent and sent[0] <= now - self.group_span:
            sent.popleft()
        if len(sent) < self.group_per_minute:
            return 0.0
        return sent[len(sent) - self.group_per_minute] + self.group_span - now

    def _grant(self, now: float, chat_id: int | None, bulk: bool) -> None:
        if bulk and self._bulk_limit is not None:
            self._bulk_log.append(now)
        if chat_id is not None and chat_id < 0 and self.group_per_minute:
            self._groups.setdefault(chat_id, deque()).append(now)
        if bulk and chat_id is not None and self.per_chat_interval:
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
                wait = max(self._pause_until - now, self._group_wait(chat_id, now))
                if wait <= 0:
                    self._grant(now, chat_id, bulk=False)
                    return
                await self.sleep(wait)
        finally:
            self._interactive_waiting -= 1

    async def _acquire_bulk(self, chat_id: int | None) -> None:
        while True:
            now = self.clock()
            wait = max(self._chat_wait(chat_id, now), self._group_wait(chat_id, now))
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
                        self._bulk_window_wait(now),
                        TICK if self._interactive_waiting else 0.0,
                    )
                    if wait <= 0:
                        break
                    await self.sleep(wait)
                if self._chat_wait(chat_id, now) > 0 or self._group_wait(chat_id, now) > 0:
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

    def paused_for(self) -> float:
        """Seconds left of the current 429 pause (0 if none)."""
        return max(0.0, self._pause_until - self.clock())

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        bulk = rate_limit_args is not None and rate_limit_args.get("lane") == BULK
        chat_id: int | None = None
        raw_chat = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(raw_chat) if raw_chat is not None else None
        attempt = 0
        while True:
            if bulk:
                await self._acquire_bulk(chat_id)
            else:
                await self._acquire_interactive(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = _retry_seconds(exc)
                log.info("flood control on %s: every lane pauses %.1f s", endpoint, seconds)
                self.pause(seconds)
                attempt += 1
                if bulk or attempt > self.max_retries:
                    raise
