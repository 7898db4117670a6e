"""Replies and the rate limiter, on the fake Bot API (no network), through the real Application.

1. Answered questions per second: many residents asking at once, with the production limiter
   (PriorityRateLimiter at BROADCAST_RATE: replies uncapped, bulk paced) against no rate
   limiter at all, in one run, alternating A/B rounds so the machine's load hits both alike.
   Target: the limiter costs replies less than 10 %.
2. A resident's reply latency p95 while a 10,000-recipient broadcast runs at BROADCAST_RATE
   (production limiter, full PTB stack), against the same replies with no broadcast, in
   alternating segments. Target: at most 1.5x. Each broadcast is stopped after its segment
   (at 25/s it would take 400 s); its outbox holds all 10,000 rows and the bulk lane is busy
   throughout.

    .venv/bin/python benchmarks/bench_delivery.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import OFFLINE_TOKEN, build_application
from bot.delivery.ratelimit import PriorityRateLimiter
from bot.features.broadcasts.model import Draft
from bot.offline.api import FakeBotAPI
from bot.offline.client import ChatClient
from bot.settings import Settings

ADMIN = 9001
TEXT = "Penyaluran bantuan tahap 4 dimulai Senin. Informasi: kantor desa atau /bantuan."
QUESTION = "/bantuan"


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, round(0.95 * len(values)) - 1)]


def fmt(values: list[float]) -> str:
    return ", ".join(f"{x:.0f}" for x in values)


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def settings_in(tmp: str, name: str) -> Settings:
    return Settings(_env_file=None, database_path=Path(tmp) / f"{name}.sqlite3",
                    admin_ids=frozenset({ADMIN}), bot_token=None)


async def residents(app, fake: FakeBotAPI, count: int, first: int = 1) -> list[ChatClient]:
    out = []
    for uid in range(first, first + count):
        person = ChatClient(app, fake, user_id=uid, language_code="id")
        await person.send("/start")
        await person.click("Bahasa Indonesia")
        await app.services.subscribers.set_subscribed(uid, False)  # asks, gets no news
        out.append(person)
    return out


async def answered_per_second(people: list[ChatClient], questions: int) -> float:
    """Everyone asks `questions` times in a row, all at once; answers per second."""
    async def ask(person: ChatClient) -> None:
        for _ in range(questions):
            replies = await person.send(QUESTION)
            assert replies, "no answer"

    start = time.perf_counter()
    await asyncio.gather(*(ask(p) for p in people))
    return len(people) * questions / (time.perf_counter() - start)


async def throughput(people_count: int, questions: int, rounds: int) -> tuple[list, list]:
    with tempfile.TemporaryDirectory() as tmp:
        apps = {}
        for name, limiter in (("limiter", PriorityRateLimiter(bulk_rate=25)), ("none", None)):
            fake = FakeBotAPI()
            app = build_application(settings_in(tmp, name), transport=fake.transport,
                                    token=OFFLINE_TOKEN, rate_limit=limiter)
            await app.initialize()
            apps[name] = (app, await residents(app, fake, people_count))
        try:
            with_limiter, without = [], []
            await answered_per_second(apps["limiter"][1], 2)  # warm-up, both
            await answered_per_second(apps["none"][1], 2)
            for _ in range(rounds):
                with_limiter.append(await answered_per_second(apps["limiter"][1], questions))
                without.append(await answered_per_second(apps["none"][1], questions))
            return with_limiter, without
        finally:
            for app, _ in apps.values():
                await app.shutdown()


async def latencies(person: ChatClient, count: int, every: float) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        replies = await person.send(QUESTION)
        out.append(time.perf_counter() - start)
        assert replies, "no answer"
        await asyncio.sleep(every)
    return out


async def during_broadcast(n: int, samples: int, every: float, segments: int) -> dict:
    """`segments` alternating A/B segments (no broadcast, then a fresh 10,000-recipient
    broadcast running), so the shared machine's load falls on both alike; pooled."""
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeBotAPI()
        settings = settings_in(tmp, "bc")
        app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN,
                                rate_limit=PriorityRateLimiter(bulk_rate=settings.broadcast_rate))
        async with app:
            services = app.services
            for uid in range(100_000, 100_000 + n):
                await services.store.subscribers.touch(uid, "id", services.clock())
            [resident] = await residents(app, fake, 1)
            await services.store.subscribers.touch(ADMIN, "id", services.clock())
            await services.subscribers.set_subscribed(ADMIN, False)
            await latencies(resident, 5, every)                       # warm-up
            svc = services.broadcasts
            quiet: list[float] = []
            busy: list[float] = []
            bulk_sent, bulk_time, total = 0, 0.0, 0
            per = max(1, samples // segments)
            for _ in range(segments):
                quiet += await latencies(resident, per, every)
                broadcast_id = await svc.create(ADMIN, Draft(TEXT))
                total = (await svc.report(broadcast_id)).total
                svc.launch(broadcast_id)
                await asyncio.sleep(1.0)                               # the lane is busy
                first = len(fake.calls)
                busy += await latencies(resident, per, every)
                bulk = [c for c in fake.calls[first:] if c.method == "sendMessage"
                        and int(c.params.get("chat_id", 0)) >= 100_000]
                if len(bulk) > 1:
                    bulk_sent += len(bulk) - 1
                    bulk_time += bulk[-1].at - bulk[0].at
                await svc.cancel(ADMIN, broadcast_id)
                await svc.wait(broadcast_id)
            return {"n": total, "quiet": quiet, "busy": busy, "segments": segments,
                    "bulk_rate": bulk_sent / bulk_time if bulk_time else 0.0,
                    "rate": settings.broadcast_rate}


async def main(quick: bool) -> int:
    load = os.getloadavg()
    print("Delivery benchmark on the fake Bot API (full PTB stack, real Application)")
    print(f"  machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / "
          f"{load[2]:.1f} (shared: figures are noisy)")
    people, questions, rounds = (20, 5, 3) if quick else (50, 10, 5)
    with_limiter, without = await throughput(people, questions, rounds)
    a, b = statistics.median(with_limiter), statistics.median(without)
    cost = (b - a) / b * 100
    print(f"\n1. Answered questions per second, {people} residents asking {questions} times at "
          f"once, {rounds} alternating rounds (median)")
    print(f"  production limiter  {a:7.0f}/s   (rounds: {fmt(with_limiter)})")
    print(f"  no limiter at all   {b:7.0f}/s   (rounds: {fmt(without)})")
    print(f"  cost of the limiter {cost:+6.1f} %   (target < 10 %)")
    ok1 = cost < 10

    n, samples, every, segments = (2_000, 40, 0.1, 2) if quick else (10_000, 160, 0.1, 4)
    r = await during_broadcast(n, samples, every, segments)
    q95, b95 = p95(r["quiet"]) * 1000, p95(r["busy"]) * 1000
    ratio = b95 / q95 if q95 else float("inf")
    print(f"\n2. A resident's reply while a {r['n']:,}-recipient broadcast runs at "
          f"{r['rate']:g}/s ({len(r['busy'])} replies each, {r['segments']} alternating "
          "segments)")
    print(f"  p95 without broadcast {q95:6.1f} ms (median {median_ms(r['quiet']):.1f})")
    print(f"  p95 during broadcast  {b95:6.1f} ms (median {median_ms(r['busy']):.1f})")
    print(f"  ratio                 {ratio:6.2f}x   (target <= 1.5x)")
    print(f"  the broadcasts ran at {r['bulk_rate']:.1f}/s meanwhile (each stopped after its "
          "segment)")
    ok2 = ratio <= 1.5
    print("\n" + ("OK" if ok1 and ok2 else "NOT OK: outside the targets"))
    return 0 if ok1 and ok2 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a few seconds)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
