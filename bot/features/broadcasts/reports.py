"""A broadcast's report, from its outbox: for the operator's progress, /siaran_status and the
command line."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.scope import Scope
from bot.core.text import first_line
from bot.features.broadcasts.model import Audience, Report
from bot.features.broadcasts.repo import BroadcastRepo, BroadcastRow
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

    # -- what a staff member may see: a regional operator, the broadcasts to their region -----
    async def _scope(self, actor_id: int | None) -> Scope | None:
        """None: everything (the command line, an administrator, an unbound operator)."""
        if actor_id is None:
            return None
        scope = await self.staff.scope(actor_id)  # PermissionDenied (audited): not staff
        return None if scope.everything else scope

    @staticmethod
    def _covers(scope: Scope | None, b: BroadcastRow) -> bool:
        return scope is None or scope.covers(Audience.from_dict(b.audience).reach)

    async def _visible(self, actor_id: int | None, broadcast_id: int,
                       action: str) -> BroadcastRow | None:
        """The broadcast, if the actor may see it; one of another region is audited as
        `action` denied and looks like no broadcast at all."""
        scope = await self._scope(actor_id)
        b = await self.repo.get(broadcast_id)
        if b is None:
            return None
        if not self._covers(scope, b):
            await self.staff.audit(actor_id, action, target=str(broadcast_id), outcome="denied",
                                   detail={"reason": "region"})
            return None
        return b

    async def _rows(self, actor_id: int | None) -> tuple[Scope | None, list[BroadcastRow]]:
        """A regional operator's broadcasts, newest first (None for everyone else)."""
        scope = await self._scope(actor_id)
        if scope is None:
            return None, []
        return scope, [b for b in await self.repo.recent(100_000, 0) if self._covers(scope, b)]

    async def status(self, actor_id: int, broadcast_id: int | None = None) -> Report | None:
        """For /siaran_status: one broadcast, or the latest one. Operators only; a regional
        operator sees only the broadcasts to their region."""
        if broadcast_id is None:
            scope, rows = await self._rows(actor_id)
            latest = (rows[0] if rows else None) if scope else await self.repo.latest()
            if latest is None:
                return None
            broadcast_id = latest.id
        if await self._visible(actor_id, broadcast_id, "broadcast.status") is None:
            return None
        return await self.report(broadcast_id)

    async def recent(self, actor_id: int | None, limit: int = 10,
                     offset: int = 0) -> list[Report]:
        """The latest broadcasts the actor may see, newest first (the dated /siaran_status)."""
        scope, rows = await self._rows(actor_id)
        if scope is None:
            rows = await self.repo.recent(limit, offset)
        else:
            rows = rows[offset:offset + limit]
        out = []
        for b in rows:
            report = await self.report(b.id)
            if report is not None:
                out.append(report)
        return out

    async def visible_count(self, actor_id: int | None) -> int:
        """How many broadcasts the actor may see (the /siaran_status pages)."""
        scope, rows = await self._rows(actor_id)
        return len(rows) if scope else await self.repo.count()

    async def running_count(self, actor_id: int | None) -> int:
        """The staff home: broadcasts sending or scheduled that the actor may see."""
        scope = await self._scope(actor_id)
        return sum(1 for b in await self.repo.unfinished() if self._covers(scope, b))
