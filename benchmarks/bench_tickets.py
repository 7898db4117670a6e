"""Tickets: opening questions (each in one durable transaction, with its staff notices), the
inbox with many waiting, draining the outbox (our side, no rate limit, fake Bot API), and the
matcher's speed before and after staff taught it many phrases.

    .venv/bin/python benchmarks/bench_tickets.py
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
from bot.features.tickets.jobs import drain
from bot.offline.api import FakeBotAPI
from bot.settings import Settings
from tests.kit.clock import FakeClock

TICKETS = 500
STAFF = 5
LESSONS = 300
QUESTIONS = ["syarat pkh apa saja", "kapan bpnt cair", "cara daftar kube", "bantuan lansia",
             "resep rawon", "jadwal kereta api", "pbi jk untuk siapa", "alat bantu kursi roda"]


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        admins = frozenset(range(1, STAFF + 1))
        settings = Settings(_env_file=None, database_path=Path(tmp) / "b.sqlite3",
                            admin_ids=admins)
        clock = FakeClock(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC))
        fake = FakeBotAPI()
        app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN,
                                rate_limit=False, clock=clock)
        await app.initialize()
        svc = app.services.tickets
        index = app.services.programs

        t0 = time.perf_counter()
        for n in range(TICKETS):
            await svc.open_ticket(100_000 + n, "id", f"Pertanyaan nomor {n} tentang bantuan")
        opened = time.perf_counter() - t0
        print(f"open {TICKETS} tickets (+{STAFF} notices each): {opened:.2f} s, "
              f"{opened / TICKETS * 1000:.2f} ms each")

        t0 = time.perf_counter()
        sent = await drain(app)
        drained = time.perf_counter() - t0
        print(f"drain {sent} staff notices through the fake Bot API: {drained:.2f} s, "
              f"{sent / drained:.0f}/s (our side; Telegram's limit is 30/s)")

        t0 = time.perf_counter()
        for _ in range(20):
            await svc.inbox(1)
        print(f"/kotak with {TICKETS} waiting: {(time.perf_counter() - t0) / 20 * 1000:.1f} ms")

        def match_time() -> float:
            t = time.perf_counter()
            for _ in range(200):
                for q in QUESTIONS:
                    index.match(q)
            return (time.perf_counter() - t) / (200 * len(QUESTIONS)) * 1e6

        before = match_time()
        keys = list(index.programs)
        for n in range(LESSONS):
            index.learn(keys[n % len(keys)], f"pertanyaan warga nomor{n} tentang hal{n}", "id")
        after = match_time()
        print(f"match: {before:.0f} µs per question before, {after:.0f} µs after "
              f"{LESSONS} learned phrases")
        await app.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
