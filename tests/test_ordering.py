"""One user's updates run in order; different users' run concurrently."""

from __future__ import annotations

import asyncio
import random

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.offline.client import ChatClient
from tests.conftest import add_first


async def test_per_user_order_with_concurrency(app, fake):
    seen: dict[int, list[int]] = {1: [], 2: [], 3: []}
    in_flight = 0
    peak = 0
    done = asyncio.Event()
    total = 3 * 25
    rng = random.Random(7)

    async def work(update, context):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(rng.randint(0, 5)):  # yield a varying number of times: interleaving
            await asyncio.sleep(0)
        seen[update.effective_user.id].append(int(update.message.text))
        in_flight -= 1
        if sum(len(v) for v in seen.values()) == total:
            done.set()

    add_first(app, MessageHandler(filters.Regex(r"^\d+$"), work))
    clients = {uid: ChatClient(app, fake, uid) for uid in seen}
    await app.start()
    try:
        for n in range(25):
            for person in clients.values():
                data = {"update_id": fake.next_update_id(),
                        "message": person._message(text=str(n))}
                await app.update_queue.put(Update.de_json(data, app.bot))
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        await app.stop()
    for uid, order in seen.items():
        assert order == list(range(25)), uid
    assert peak > 1  # other users were not made to wait behind one user
