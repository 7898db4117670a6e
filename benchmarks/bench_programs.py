"""Free-text questions through the real bot vs a bare echo bot, on the same fake transport.

    .venv/bin/python benchmarks/bench_programs.py [--questions 600] [--rounds 5]

Both run the same updates through Application.process_update on the fake Bot API (no network):
ours does tracking, the matcher, rendering, keyboards and persistence; the echo bot has one
MessageHandler that sends the text back. Throughput is per second of the process's CPU time
(all threads, so aiosqlite's thread counts too): on a shared machine wall-clock time mostly
measures the neighbours. Rounds alternate between the two and the best round of each counts.
Prints both throughputs and the ratio, and the start-up time of the free-text reader (loading
content and building the matcher, the concept lexicon and the Sastrawi stemmer); exits 1 if
ours is below half the echo's or the start-up takes 1 s or more.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters
from telegram.request import HTTPXRequest

from bot.app import OFFLINE_TOKEN, build_application
from bot.offline.api import FakeBotAPI
from bot.offline.client import ChatClient
from bot.settings import Settings

QUESTIONS = [
    "Apa syarat PKH Plus?", "aspd brp sebulan", "Menapa syaratipun PKH Plus?",
    "kapan bpnt cair", "cara daftar dtks", "syarate kube opo wae", "pkh plsu",
    "rumah kami kena banjir, ada bantuan?", "jadwal kereta api surabaya malang",
    "Kados pundi nyuwun kursi roda dhateng Dinsos?", "bpjs gratis gimana dapatnya",
    "blt buruh rokok oleh piro?", "saya janda anak 3 perlu modal jualan",
    "tetangga saya dipasung bertahun-tahun, tolong", "resep rawon enak gimana",
]
USERS = 20


class Bench:
    def __init__(self, app, fake: FakeBotAPI) -> None:
        self.app, self.fake = app, fake
        self.clients = [ChatClient(app, fake, user_id=5000 + u, first_name="W",
                                   language_code="id" if u % 2 else "jv")
                        for u in range(USERS)]

    async def round(self, n: int) -> float:
        pairs = itertools.islice(zip(itertools.cycle(self.clients), itertools.cycle(QUESTIONS),
                                     strict=False), n)
        start = time.process_time()
        for client, text in pairs:
            await client.send(text)
        rate = n / (time.process_time() - start)
        self.fake.calls.clear()  # the fake keeps every call; keep rounds alike
        return rate


def build_ours(tmp: Path) -> tuple:
    settings = Settings(_env_file=None, bot_token=None, database_path=tmp / "bench.sqlite3",
                        admin_ids=frozenset(), webhook_url=None)
    fake = FakeBotAPI()
    return build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN,
                             rate_limit=False), fake


def build_echo() -> tuple:
    fake = FakeBotAPI()
    request = HTTPXRequest(connection_pool_size=64, httpx_kwargs={"transport": fake.transport})
    app = (ApplicationBuilder().token(OFFLINE_TOKEN).request(request)
           .get_updates_request(HTTPXRequest(httpx_kwargs={"transport": fake.transport}))
           .build())

    async def say_back(update: Update, context) -> None:
        await context.bot.send_message(update.effective_chat.id, update.message.text)

    app.add_handler(MessageHandler(filters.TEXT, say_back))
    return app, fake


def startup_seconds() -> tuple[float, float]:
    """Load content and build the reader, as the start hook does: (first, best of 3)."""
    from bot.content import load_content
    from bot.features.programs.understanding import Understanding

    root = Path(__file__).resolve().parent.parent / "content"
    times = []
    for _ in range(3):
        start = time.perf_counter()
        Understanding.from_content(load_content(root))
        times.append(time.perf_counter() - start)
    return times[0], min(times)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=600, help="questions per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours_app, ours_fake = build_ours(Path(tmp))
        echo_app, echo_fake = build_echo()
        async with ours_app, echo_app:
            ours, echo = Bench(ours_app, ours_fake), Bench(echo_app, echo_fake)
            for bench in (ours, echo):  # warm-up: every user seen once, caches filled
                await bench.round(len(QUESTIONS) * 2)
            ours_rates, echo_rates = [], []
            for _ in range(args.rounds):
                ours_rates.append(await ours.round(args.questions))
                echo_rates.append(await echo.round(args.questions))
    best_ours, best_echo = max(ours_rates), max(echo_rates)
    ratio = best_ours / best_echo
    print(f"programs bot: {best_ours:8.1f} questions per CPU second (rounds: "
          f"{', '.join(f'{r:.0f}' for r in ours_rates)})")
    print(f"echo bot:     {best_echo:8.1f} messages per CPU second (rounds: "
          f"{', '.join(f'{r:.0f}' for r in echo_rates)})")
    print(f"ratio:        {ratio:8.2f} (must be >= 0.50)")
    print(f"CPU per answered question: {1000 / best_ours:.2f} ms")
    first, best = startup_seconds()
    print(f"start-up:     {first:8.3f} s to load content and build the reader, first time "
          f"(best of 3: {best:.3f} s; must be < 1)")
    startup = first
    return 0 if ratio >= 0.5 and startup < 1.0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
