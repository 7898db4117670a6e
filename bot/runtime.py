"""Runtime: what the running bot holds (settings, clock, database, translations, content).

Created by build_application, opened in Application.initialize, closed in shutdown. Nothing here
runs at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.content import Content, load_content
from bot.core.clock import Clock, system_clock
from bot.core.i18n import I18n
from bot.core.menu import Commands, Menu
from bot.features.staff.service import StaffService
from bot.features.subscribers.service import SubscriberService
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.store import Store

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger(__name__)
StartHook = Callable[["Application"], Awaitable[None]]


class Runtime:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or system_clock
        self.db = Database(settings.database_path)
        self.store = Store(self.db)
        self.menu = Menu()
        self.commands = Commands()
        self.staff = StaffService(self.store, settings.admin_ids, self.clock)
        self.subscribers = SubscriberService(self.store, self.clock, settings.default_language)
        self.i18n: I18n | None = None
        self.content: Content | None = None
        # Features append coroutines run after initialize (e.g. re-register reminder jobs).
        self.start_hooks: list[StartHook] = []
        # ... and coroutines run first in shutdown (e.g. let a broadcast sender stop cleanly).
        self.stop_hooks: list[StartHook] = []
        self.extras: dict[str, object] = {}  # feature services, keyed by feature name

    async def open(self) -> None:
        if self.i18n is None:
            self.i18n = I18n(self.settings.locales_dir, self.settings.default_language)
        if self.content is None:
            self.content = load_content(self.settings.content_dir)
        await self.db.connect()

    async def close(self) -> None:
        await self.db.close()
