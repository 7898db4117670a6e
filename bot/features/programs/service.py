"""How many questions the bot answered, and how many it did not understand, today.

Counted in memory on every answer (a database write per answer would cost throughput, see
README) and written behind by the programs feature's flush job (every minute) and at
shutdown. today() adds what is not written yet, so the figure is current in this process.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.repos import Store

KINDS = ("answered", "not_understood")


class QuestionStats:
    def __init__(self, store: Store, clock: Clock, tz: ZoneInfo) -> None:
        self.store = store
        self.clock = clock
        self.tz = tz
        self._pending: Counter[tuple[str, str]] = Counter()

    def day(self, moment: dt.datetime | None = None) -> str:
        return (moment or self.clock()).astimezone(self.tz).date().isoformat()

    def count(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(kind)
        self._pending[(self.day(), kind)] += 1

    async def flush(self) -> None:
        pending, self._pending = self._pending, Counter()
        try:
            await self.store.questions.add(pending)
        except Exception:
            self._pending.update(pending)  # keep them for the next flush
            raise

    async def today(self) -> dict[str, int]:
        """{'answered': n, 'not_understood': m} for today in TIMEZONE."""
        day = self.day()
        stored = await self.store.questions.of_day(day)
        return {k: stored.get(k, 0) + self._pending.get((day, k), 0) for k in KINDS}
