"""Reminders: how long one occurrence to many volunteers takes (our side, no rate limit, fake
Bot API), and how long the catch-up after a long downtime takes.

    .venv/bin/python benchmarks/bench_reminders.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import OFFLINE_TOKEN, build_application
from bot.offline.api import FakeBotAPI
from bot.settings import Settings
from tests.kit.clock import FakeClock

VOLUNTEERS = 2000


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, database_path=Path(tmp) / "b.sqlite3",
                            admin_ids=frozenset({1}))
        clock = FakeClock(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC))
        fake = FakeBotAPI()
        app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN,
                                rate_limit=False, clock=clock)
        await app.initialize()
        store = app.services.store
        svc = app.services.reminders
        await store.db.executemany(
            "INSERT INTO volunteers (user_id, role, region_code, name, status, requested_at, "
            "notified_at) VALUES (?, 'tksk', '3578', 'V', 'approved', '2026-01-01', "
            "'2026-01-01')", [(10_000 + n,) for n in range(VOLUNTEERS)])

        at = clock() + dt.timedelta(minutes=1)
        r = await svc.create(1, text="Rapat koordinasi", at=at)
        start = time.perf_counter()
        result = await svc.fire(r.id, at)
        took = time.perf_counter() - start
        print(f"one occurrence to {VOLUNTEERS} volunteers: {took:.2f} s "
              f"({took / VOLUNTEERS * 1000:.2f} ms each, our side; {result.counts})")
        start = time.perf_counter()
        again = await svc.fire(r.id, at)
        print(f"a second claim of the same occurrence: {(time.perf_counter() - start) * 1000:.1f}"
              f" ms, sent {0 if again is None else again.counts}")

        await store.db.execute("DELETE FROM volunteers")
        cron = await svc.create(1, text="tiap menit", cron="* * * * *")
        clock.advance(days=30)
        start = time.perf_counter()
        caught = await svc.catch_up()
        took = time.perf_counter() - start
        print(f"catch-up after 30 days down, a per-minute cron: {took:.2f} s "
              f"({caught.missed} missed recorded, {len(caught.fired)} sent)")
        start = time.perf_counter()
        caught = await svc.catch_up()
        print(f"the next catch-up: {(time.perf_counter() - start) * 1000:.1f} ms "
              f"({caught.missed} missed, {len(caught.fired)} sent; reminder #{cron.id})")
        await app.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
