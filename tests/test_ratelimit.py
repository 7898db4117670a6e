"""The rate limiter: Telegram's limits, replies before broadcasts, 429 pauses every lane.
Virtual time: sleeping moves the clock, nothing waits for real."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest
from telegram.error import RetryAfter

from bot.delivery.ratelimit import BULK_ARGS, PriorityRateLimiter
from tests.broadcast_kit import VirtualTime


def limiter(vt: VirtualTime, **kw) -> PriorityRateLimiter:
    lim = PriorityRateLimiter(**kw)
    vt.install(lim)
    return lim


async def call(lim, vt, chat_id, log, bulk=False, fail=None):
    async def callback():
        log.append((vt.now, chat_id, bulk))
        if fail:
            return fail()
        return True

    return await lim.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id},
                                     BULK_ARGS if bulk else None)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


async def test_bulk_is_spread_at_its_rate():
    vt = VirtualTime()
    lim = limiter(vt, overall_rate=30, bulk_rate=10)
    log: list = []
    for n in range(50):
        await call(lim, vt, 100 + n, log, bulk=True)
    times = [t for t, _, _ in log]
    assert max_in_window(times) <= 10
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.1 - 1e-9
    assert times[-1] - times[0] == pytest.approx(49 * lim.span / 10, rel=0.001)
    assert lim.span - 1 <= 0.05                       # at most 5% slower than the rate


async def test_interactive_is_capped_at_the_overall_rate():
    vt = VirtualTime()
    lim = limiter(vt, overall_rate=30, bulk_rate=25)
    log: list = []
    for n in range(100):
        await call(lim, vt, 200 + n, log)
    assert max_in_window([t for t, _, _ in log]) == 30


async def test_bulk_sends_to_one_chat_at_most_once_a_second():
    vt = VirtualTime()
    lim = limiter(vt, overall_rate=30, bulk_rate=25)
    log: list = []
    for _ in range(3):
        await call(lim, vt, 42, log, bulk=True)
    times = [t for t, _, _ in log]
    assert times[1] - times[0] >= 1.0 and times[2] - times[1] >= 1.0


async def test_a_reply_does_not_wait_behind_a_broadcast():
    vt = VirtualTime()
    lim = limiter(vt, overall_rate=30, bulk_rate=30)   # even with the bulk lane at the limit
    log: list = []
    bulk = [asyncio.create_task(call(lim, vt, 1000 + n, log, bulk=True)) for n in range(200)]
    for _ in range(50):
        await asyncio.sleep(0)
    assert 0 < len(log) < 200                          # the broadcast is under way
    waits_before = len(vt.waits)
    start = vt.now
    await call(lim, vt, 7, log)                        # a resident's reply
    reply_time = next(t for t, chat, _ in log if chat == 7)
    assert reply_time == start                         # granted at once, no sleep of its own
    assert len(vt.waits) >= waits_before
    await asyncio.gather(*bulk)
    bulk_times = [t for t, _, b in log if b]
    assert max_in_window(bulk_times) <= 27             # bulk keeps 3 slots a second for replies
    assert max_in_window([t for t, _, _ in log]) <= 30


async def test_429_pauses_every_lane_and_retries_a_reply():
    vt = VirtualTime()
    lim = limiter(vt, overall_rate=30, bulk_rate=25)
    log: list = []
    raised = []

    def flood_once():
        if not raised:
            raised.append(1)
            raise RetryAfter(dt.timedelta(seconds=5))
        return True

    t0 = vt.now
    assert await call(lim, vt, 1, log, fail=flood_once) is True     # a reply: retried
    assert len(log) == 2 and log[1][0] - t0 >= 5
    assert lim.pauses == 1

    with pytest.raises(RetryAfter):                                  # bulk: the outbox retries
        await call(lim, vt, 2, log, bulk=True,
                   fail=lambda: (_ for _ in ()).throw(RetryAfter(dt.timedelta(seconds=3))))
    t1 = vt.now
    await call(lim, vt, 3, log)                                       # everyone waits it out
    assert log[-1][0] - t1 >= 3 - 1e-9


def test_bulk_rate_above_overall_is_refused():
    with pytest.raises(ValueError):
        PriorityRateLimiter(overall_rate=30, bulk_rate=31)
