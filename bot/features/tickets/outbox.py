"""The tickets' outbox: rows claimed ('sending', committed durably) before the send and finished
right after, so a kill -9 between "reply recorded" and "sent" sends it exactly once at the next
start, and a kill during the send itself resends only that row, flagged possible_duplicate."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.delivery.sender import Delivery, Outcome
from bot.features.tickets.base import TicketParts
from bot.features.tickets.repo import OutboxRow

log = logging.getLogger(__name__)

OUTBOX_BATCH = 20

Deliver = Callable[[OutboxRow], Awaitable[Delivery]]


class TicketOutbox(TicketParts):
    async def recover(self) -> int:
        """At start: rows in flight at a crash go back to pending, flagged possible duplicates."""
        again = await self.repo.recover_in_flight()
        if again:
            log.info("tickets outbox: %s rows were in flight at a stop; sent again", again)
            await self.staff.audit(None, "ticket.outbox.resume", detail={"in_flight": again})
        return again

    async def drain(self, deliver: Deliver, limit: int = OUTBOX_BATCH,
                    rounds: int | None = None) -> int:
        """Send pending outbox rows (claimed before, finished right after each send); at most
        `rounds` batches (None: until the outbox is empty)."""
        sent = 0
        while rounds is None or rounds > 0:
            if rounds is not None:
                rounds -= 1
            rows = await self.repo.claim(limit, self.clock())
            if not rows:
                return sent
            self._fault("claimed")
            for i, row in enumerate(rows):
                try:
                    result = await deliver(row)
                except Exception as exc:  # a deliver should not raise; never lose the row
                    log.warning("tickets outbox row %s: %s", row.id, type(exc).__name__)
                    result = Delivery(Outcome.FAILED, error=type(exc).__name__)
                self._fault("sent")
                if result.outcome is Outcome.RETRY:
                    await self.repo.release([r.id for r in rows[i:]])
                    return sent
                status = {Outcome.SENT: "sent", Outcome.BLOCKED: "blocked"}.get(
                    result.outcome, "failed")
                await self.repo.finish(row.id, status, self.clock(), result.message_id,
                                       result.error)
                if status == "sent":
                    sent += 1
                    if row.kind in ("answer", "closed") and result.message_id:
                        await self.repo.link(row.user_id, result.message_id, row.ticket_id)
            if len(rows) < limit:
                return sent
        return sent

    async def outbox_counts(self) -> dict[str, int]:
        return await self.repo.outbox_counts()
