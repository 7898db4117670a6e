"""build_application(settings): the one place that wires the bot together."""

from __future__ import annotations

import asyncio
import logging

import httpx
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, ExtBot
from telegram.request import HTTPXRequest

from bot.context import BotContext
from bot.core.clock import Clock
from bot.core.processor import PerUserUpdateProcessor
from bot.delivery.ratelimit import PriorityRateLimiter
from bot.delivery.telegram import telegram_senders
from bot.features.broadcasts.progress import progress_notifier
from bot.features.registry import register_all
from bot.services import Services, build_services
from bot.settings import Settings
from bot.storage.persistence import SQLitePersistence

log = logging.getLogger(__name__)
OFFLINE_TOKEN = "123456:OFFLINE-CONSOLE-TOKEN-not-a-real-one"


class BotApplication(Application):
    """PTB's Application with our Services, opened and closed with it.

    Persistence is flushed after every update (PTB would otherwise wait `update_interval`), so a
    crash loses at most the update in flight.
    """

    def __init__(self, *, services: Services, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.services = services
        self._redispatched: set[asyncio.Task] = set()
        self._replays: set[int] = set()  # update ids handed in again by redispatch

    def take_replay(self, update: Update) -> bool:
        """True once for an update that `redispatch` handed in again: the duplicate filter
        (bot.features.dedupe) lets it through."""
        if update.update_id in self._replays:
            self._replays.discard(update.update_id)
            return True
        return False

    def redispatch(self, update: Update) -> None:
        """Handle `update` again once the current one is done (e.g. a deep link that ended a
        conversation and must now reach its own entry point). It queues behind the same
        user's lock, so that user's order is kept."""
        self._replays.add(update.update_id)
        coroutine = self.update_processor.process_update(update, self.process_update(update))
        # Not Application.create_task: the console and the tests feed updates to an application
        # that is not running, where PTB would warn that nobody awaits the task; settle() does.
        task = asyncio.get_running_loop().create_task(coroutine, name="redispatch")
        self._redispatched.add(task)
        task.add_done_callback(self._redispatched.discard)

    async def settle(self) -> None:
        """Wait for re-dispatched updates (tests and the console call this)."""
        while self._redispatched:
            await asyncio.gather(*list(self._redispatched), return_exceptions=True)

    async def initialize(self) -> None:
        if self._initialized:
            return
        await self.services.open()
        await super().initialize()
        for hook in self.services.start_hooks:
            await hook(self)

    async def shutdown(self) -> None:
        try:
            for hook in self.services.stop_hooks:  # before the bot's HTTP client closes
                await hook(self)
            await super().shutdown()
        finally:
            await self.services.close()

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if self.persistence is not None:
            await self.update_persistence()


def _file_base_url(api_base: str) -> str:
    # https://api.telegram.org/bot -> https://api.telegram.org/file/bot
    head, _, tail = api_base.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    token: str | None = None,
    rate_limit: bool | PriorityRateLimiter | None = True,
) -> BotApplication:
    """The whole bot. `transport` replaces the network (tests and the console use a fake).

    `rate_limit`: True keeps to Telegram's limits (BROADCAST_RATE for bulk sends, 1/s per chat
    for bulk, 20/min per group, every 429; replies uncapped and first); False paces nothing
    (tests, console) but keeps the lanes and 429 pauses; a PriorityRateLimiter of your own;
    or None: no rate limiter at all (the benchmark's baseline only).
    """
    httpx_kwargs = {"transport": transport} if transport is not None else None
    request = HTTPXRequest(connection_pool_size=64, httpx_kwargs=httpx_kwargs)
    updates_request = HTTPXRequest(connection_pool_size=2, read_timeout=40,
                                   httpx_kwargs=httpx_kwargs)
    if isinstance(rate_limit, PriorityRateLimiter):
        limiter: PriorityRateLimiter | None = rate_limit
    elif rate_limit:
        limiter = PriorityRateLimiter(bulk_rate=settings.broadcast_rate)
    elif rate_limit is None:
        limiter = None
    else:
        limiter = PriorityRateLimiter.unthrottled()
    bot: ExtBot = ExtBot(
        token or settings.token(), base_url=settings.bot_api_base_url,
        base_file_url=_file_base_url(settings.bot_api_base_url), request=request,
        get_updates_request=updates_request, defaults=Defaults(tzinfo=settings.tz),
        rate_limiter=limiter)
    services = build_services(settings, clock=clock, senders=telegram_senders(bot),
                              broadcast_progress=progress_notifier(bot),
                              set_bulk_rate=limiter.bulk_rate_control() if limiter else None)
    builder = (
        ApplicationBuilder()
        .application_class(BotApplication, kwargs={"services": services})
        .bot(bot)
        .context_types(ContextTypes(context=BotContext))
        .persistence(SQLitePersistence(services.db))
        .concurrent_updates(PerUserUpdateProcessor(256))
    )
    app: BotApplication = builder.build()  # type: ignore[assignment]

    register_all(app)
    return app


ALLOWED_UPDATES = Update.ALL_TYPES
