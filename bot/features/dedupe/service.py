"""Which update ids were handled already: an in-memory window backed by SQLite.

The check is synchronous (no await before the decision), so it adds no wait to an update and
a repeat that arrives while the first delivery is still being handled is caught too. New ids
are written behind, in batches; at start the newest ids are read back, so a restart remembers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable

from bot.features.dedupe.repo import SeenUpdatesRepo

log = logging.getLogger(__name__)


KEEP_FOR = dt.timedelta(days=2)  # Telegram gives up re-delivering well within this
KEEP_AT_MOST = 100_000


class DedupeService:
    def __init__(self, repo: SeenUpdatesRepo, clock: Callable[[], dt.datetime],
                 keep: int = 100_000, keep_for: dt.timedelta = dt.timedelta(days=2)) -> None:
        self.repo, self.clock, self.keep, self.keep_for = repo, clock, keep, keep_for
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._pending: list[tuple[int, dt.datetime]] = []
        self._flushing: asyncio.Task | None = None

    async def load(self) -> None:
        for update_id in await self.repo.newest(self.keep):
            self._remember(update_id)

    def admit(self, update_id: int) -> bool:
        """True the first time `update_id` is seen (handle it), False for a repeat."""
        if update_id in self._seen:
            return False
        self._remember(update_id)
        self._pending.append((update_id, self.clock()))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_soon())
        return True

    def _remember(self, update_id: int) -> None:
        self._seen[update_id] = None
        while len(self._seen) > self.keep:
            self._seen.popitem(last=False)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(0)  # gather the ids of updates arriving together
        await self.flush()

    async def flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self.repo.add(batch)
            except Exception as exc:  # kept in memory; only a restart could miss these
                log.warning("could not store %d update ids: %s", len(batch),
                            type(exc).__name__)
                return

    async def close(self) -> None:
        if self._flushing is not None:
            await asyncio.gather(self._flushing, return_exceptions=True)
        await self.flush()

    async def prune(self) -> int:
        return await self.repo.prune(self.clock(), self.keep, self.keep_for)
