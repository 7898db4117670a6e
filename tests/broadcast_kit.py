"""Helpers for the staff and broadcast tests: people in bulk, volunteers, a broadcast through
the chat, and a sleep that never waits."""

from __future__ import annotations

import asyncio

from bot.core.clock import iso
from bot.offline.api import FakeBotAPI
from bot.offline.client import ChatClient


async def add_subscriber(app, user_id: int, language: str | None = "id",
                         tg_language: str | None = None, subscribed: bool = True) -> None:
    """Someone who has started the bot (language None: never chose one)."""
    subs = app.services.subscribers
    await subs.seen(user_id, tg_language or language)
    if language:
        await subs.choose_language(user_id, language)
    if not subscribed:
        await subs.set_subscribed(user_id, False)


async def add_volunteer(app, user_id: int, role: str, region: str, status: str = "approved",
                        language: str = "id") -> None:
    await add_subscriber(app, user_id, language)
    await app.services.db.execute(
        "INSERT INTO volunteers (user_id, role, region_code, name, status, requested_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, role, region, f"Relawan {user_id}", status, iso(app.services.clock())))


def texts_to(fake: FakeBotAPI, chat_id: int) -> list[str]:
    """What the bot sent to a chat (text or caption), oldest first."""
    return [m.body for m in fake.chat(chat_id)]


def sends_to(fake: FakeBotAPI, chat_id: int) -> list:
    return [c for c in fake.calls if c.method in ("sendMessage", "sendPhoto")
            and int(c.params.get("chat_id", 0)) == chat_id]


class VirtualTime:
    """A clock and a sleep for the rate limiter: sleeping moves the clock instead of waiting.
    Records every wait."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)

    def install(self, limiter) -> VirtualTime:
        limiter.clock, limiter.sleep = self.clock, self.sleep
        return self


def service(app):
    return app.services.broadcasts


async def start_broadcast(operator: ChatClient, text: str, audience: str = "All subscribers",
                          javanese: str | None = None, **audience_values: str) -> None:
    """Through the chat: /siaran, the text, (Javanese), the audience button (its msgid, with
    `audience_values` for its placeholders); stops at the preview."""
    await operator.send("/siaran")
    await operator.send(text)
    await operator.tap("Continue")
    if javanese is None:
        await operator.tap("Skip")
    else:
        await operator.tap("Add Javanese version")
        await operator.send(javanese)
        await operator.tap("Continue")
    await operator.tap(audience, **audience_values)


async def send_and_wait(operator: ChatClient) -> int:
    """Press Send at the preview and wait for the sender to finish; the broadcast's id."""
    await operator.tap("Send")
    svc = service(operator.app)
    latest = await svc.repo.latest()
    await svc.wait(latest.id)
    return latest.id
