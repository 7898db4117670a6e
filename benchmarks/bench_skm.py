"""SKM figures: a survey step through the real Application, the report over many responses,
and the export and chart files.

    .venv/bin/python benchmarks/bench_skm.py
Prints the time per survey step (button press -> SQLite draft -> edited message, on the fake
Bot API), the IKM report over 29 units x 200 responses, and the CSV, XLSX and PNG.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.content import load_content
from bot.core.i18n import I18n
from bot.features.skm import chart, render, workbook
from bot.features.skm.repo import NewResponse
from bot.features.skm.service import Period, SurveyService
from bot.repos import Store
from bot.settings import PROJECT_ROOT, Settings
from bot.storage.db import Database
from tests.kit.clock import FakeClock

PER_UNIT = 200


async def survey_steps(surveys: int = 20) -> None:
    from bot.app import OFFLINE_TOKEN, build_application
    from bot.offline.api import FakeBotAPI
    from bot.offline.client import ChatClient

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, database_path=Path(tmp) / "steps.sqlite3")
        fake = FakeBotAPI()
        app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN,
                                rate_limit=False)
        await app.initialize()
        steps, spent = 0, 0.0
        try:
            for n in range(surveys):
                person = ChatClient(app, fake, user_id=10_000 + n)
                await person.send("/survei")
                while True:
                    msg = person.last_reply()
                    buttons = [d for _, d in msg.buttons() if d.startswith("skm:a:")]
                    if not buttons:
                        break
                    t0 = time.perf_counter()
                    await person.press(msg, buttons[0])
                    spent += time.perf_counter() - t0
                    steps += 1
        finally:
            await app.shutdown()
    print(f"survey step (press -> draft saved -> message edited): {spent / steps * 1000:.1f} ms "
          f"mean over {steps} steps of {surveys} surveys")


async def main() -> None:
    await survey_steps()
    content = load_content(PROJECT_ROOT / "content")
    settings = Settings(_env_file=None)
    clock = FakeClock(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC))
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite3")
        await db.connect()
        store = Store(db)
        svc = SurveyService(store, content, clock, settings.tz)
        t0 = time.perf_counter()
        user = 0
        for unit in content.units:
            for _ in range(PER_UNIT):
                user += 1
                await store.skm.submit(NewResponse(
                    user, unit.code, "2026-Q4", "2026-11", clock(), "info",
                    {"gender": "P", "age": "30-39", "education": "SMA", "occupation": "Lainnya"},
                    {f"U{n}": rng.randint(2, 4) for n in range(1, 10)}, "saran", "id"), "")
        n = user
        print(f"stored {n} responses in {time.perf_counter() - t0:.2f} s")
        period = Period.parse("2026-Q4")
        t0 = time.perf_counter()
        report = await svc.report(period)
        print(f"report over {n} responses, {len(content.units)} units: "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms (IKM {report.overall.result.ikm})")
        t0 = time.perf_counter()
        responses = await svc.responses(period)
        print(f"responses: {(time.perf_counter() - t0) * 1000:.0f} ms")
        t0 = time.perf_counter()
        csv_data = workbook.csv_bytes(content, responses, settings.tz, {})
        print(f"csv: {len(csv_data) / 1e6:.1f} MB in {(time.perf_counter() - t0) * 1000:.0f} ms")
        t0 = time.perf_counter()
        xlsx = workbook.xlsx_bytes(content, report, responses, settings.tz, clock())
        print(f"xlsx: {len(xlsx) / 1e6:.1f} MB in {(time.perf_counter() - t0) * 1000:.0f} ms")
        t0 = time.perf_counter()
        t = I18n(settings.locales_dir).translator("id")
        names = {u.code: u.name.id for u in content.skm.unsur}
        png, pdf = chart.nrr_chart(render.nrr_chart_spec(t, report, names, clock()))
        print(f"chart: {len(png) / 1e3:.0f} kB PNG + {len(pdf) / 1e3:.0f} kB PDF in "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
