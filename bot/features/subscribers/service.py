"""Subscribers: first/last contact, language choice, subscription and blocking.

The hot path (every update) reads a small in-memory cache and writes last_seen at most every
few minutes per user, so a chatty resident does not cost a database write per message.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Sequence

from bot.core.clock import Clock
from bot.features.subscribers.repo import Subscriber
from bot.repos import Store
from bot.settings import LANGUAGES

TOUCH_EVERY = dt.timedelta(minutes=5)
CACHE_SIZE = 50_000


class SubscriberService:
    def __init__(self, store: Store, clock: Clock, default_language: str) -> None:
        self.store = store
        self.clock = clock
        self.default_language = default_language
        self._cache: OrderedDict[int, tuple[Subscriber, dt.datetime]] = OrderedDict()

    def _remember(self, sub: Subscriber, touched: dt.datetime) -> Subscriber:
        self._cache[sub.user_id] = (sub, touched)
        self._cache.move_to_end(sub.user_id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return sub

    async def seen(self, user_id: int, tg_language: str | None) -> Subscriber:
        """Record that the user wrote to us; return what we know of them."""
        now = self.clock()
        cached = self._cache.get(user_id)
        if cached and now - cached[1] < TOUCH_EVERY and not cached[0].blocked:
            return cached[0]
        sub = await self.store.subscribers.touch(user_id, tg_language, now)
        return self._remember(sub, now)

    async def get(self, user_id: int) -> Subscriber | None:
        cached = self._cache.get(user_id)
        if cached:
            return cached[0]
        return await self.store.subscribers.get(user_id)

    def locale_of(self, sub: Subscriber | None, tg_language: str | None = None) -> str:
        """The stored choice, else Telegram's language_code when id/jv, else the default."""
        if sub and sub.language in LANGUAGES:
            return sub.language
        code = (tg_language or (sub.tg_language if sub else None) or "").split("-")[0].lower()
        return code if code in LANGUAGES else self.default_language

    async def locale_for(self, user_id: int | None, tg_language: str | None = None) -> str:
        sub = await self.get(user_id) if user_id is not None else None
        return self.locale_of(sub, tg_language)

    async def _refresh(self, user_id: int) -> None:
        sub = await self.store.subscribers.get(user_id)
        if sub:
            self._remember(sub, self._cache.get(user_id, (sub, self.clock()))[1])

    async def choose_language(self, user_id: int, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(language)
        await self.store.subscribers.set_language(user_id, language)
        await self._refresh(user_id)

    async def set_subscribed(self, user_id: int, subscribed: bool) -> None:
        await self.store.subscribers.set_subscribed(user_id, subscribed)
        await self._refresh(user_id)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await self.store.subscribers.set_blocked(user_id, blocked, self.clock())
        self._cache.pop(user_id, None)

    # -- who announcements reach (the rule is in the repository, once) -------------------------
    async def audience(self) -> list[tuple[int, str]]:
        """(user_id, 'id'|'jv') of every subscriber an announcement reaches."""
        return [(uid, self.language_code(lang)) for uid, lang in
                await self.store.subscribers.audience()]

    async def reachable_of(self, user_ids: Sequence[int]) -> list[tuple[int, str]]:
        """Those of `user_ids` an announcement reaches, with their language: everyone without a
        subscriber row too (they never talked to the bot, but may have been registered)."""
        prefs = await self.store.subscribers.contact_prefs(user_ids)
        out = []
        for uid in user_ids:
            lang, reachable = prefs.get(uid, (None, True))
            if reachable:
                out.append((uid, self.language_code(lang)))
        return out

    def language_code(self, code: str | None) -> str:
        """'id' or 'jv' from a stored choice or Telegram's language_code, else the default."""
        short = (code or "").split("-")[0].split("_")[0].lower()
        return short if short in LANGUAGES else self.default_language
