"""A broadcast's report, from its outbox: for the operator's progress, /siaran_status and the
command line."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.text import first_line
from bot.features.broadcasts.model import Report
from bot.features.broadcasts.repo import BroadcastRepo
from bot.features.staff.service import StaffService


@dataclass
class _Run:
    task: asyncio.Task
    started: float
    sent: int = 0


class BroadcastReports:
    """Part of BroadcastService: the attributes it sets and the reports."""

    repo: BroadcastRepo
    staff: StaffService
    monotonic: Callable[[], float]
    _runs: dict[int, _Run]

    async def report(self, broadcast_id: int) -> Report | None:
        """The state of a broadcast, from the outbox (no role check: for the CLI and services
        that checked already)."""
        b = await self.repo.get(broadcast_id)
        if b is None:
            return None
        counts = await self.repo.counts(broadcast_id)
        left = counts["pending"] + counts["sending"]
        rate = eta = None
        run = self._runs.get(broadcast_id)
        if run is not None and b.status == "sending":
            elapsed = self.monotonic() - run.started
            if elapsed > 0 and run.sent:
                rate = run.sent / elapsed
                eta = left / rate
        return Report(id=b.id, status=b.status, total=b.total, sent=counts["sent"],
                      failed=counts["failed"], blocked=counts["blocked"], left=left,
                      duplicates=counts["duplicates"], restarts=b.restarts,
                      retries_429=b.retries_429, audience=b.audience, created_by=b.created_by,
                      created_at=b.created_at, finished_at=b.finished_at, rate=rate,
                      eta_seconds=eta, cancelled=counts["cancelled"], unknown=counts["unknown"],
                      scheduled_at=b.scheduled_at, started_at=b.started_at,
                      cancelled_by=b.cancelled_by, first_line=first_line(b.text_id),
                      footer=b.footer)

    async def status(self, actor_id: int, broadcast_id: int | None = None) -> Report | None:
        """For /siaran_status: one broadcast, or the latest one. Operators only."""
        await self.staff.require(actor_id, "operator")
        if broadcast_id is None:
            latest = await self.repo.latest()
            if latest is None:
                return None
            broadcast_id = latest.id
        return await self.report(broadcast_id)

    async def recent(self, actor_id: int | None, limit: int = 10,
                     offset: int = 0) -> list[Report]:
        """The latest broadcasts, newest first (for the dated /siaran_status list)."""
        if actor_id is not None:
            await self.staff.require(actor_id, "operator")
        out = []
        for b in await self.repo.recent(limit, offset):
            report = await self.report(b.id)
            if report is not None:
                out.append(report)
        return out
