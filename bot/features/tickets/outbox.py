"""The tickets' outbox: rows claimed ('sending', committed durably) before the send and finished
right after, so a kill -9 between "reply recorded" and "sent" sends it exactly once at the next
start, and a kill during the send itself resends only that row, flagged possible_duplicate.

Every row is sent through the one delivery engine (bot.delivery.engine) and its rule for each
Bot API answer: 429 resent after the pause every lane takes; 403 marks the subscriber blocked,
never retried; 400 failed; timeouts retried with backoff, then failed and flagged outcome
unknown. Staff notices go in the engine's bulk lane; an officer's answer to a resident (and the
"closed" notice) in the reply lane, since the resident is waiting for it. The outbox's state is
reported in the engine's one report shape (DeliveryReport)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.delivery.engine import FAILED, SENT, DeliveryEngine, DeliveryReport, Result
from bot.delivery.sender import Outgoing, Sender
from bot.features.tickets.base import TicketParts
from bot.features.tickets.repo import OutboxRow

log = logging.getLogger(__name__)

OUTBOX_BATCH = 20
RESIDENT_KINDS = ("answer", "closed")  # to the resident, in the reply lane; the rest to staff

Compose = Callable[[OutboxRow], Awaitable[Sequence[Outgoing] | None]]
"""compose(row): the messages of an outbox row in its reader's language (None: nothing to send,
e.g. the ticket is gone)."""


class TicketOutbox(TicketParts):
    engine: DeliveryEngine | None
    reply_sender: Sender | None

    async def recover(self) -> int:
        """At start: rows in flight at a crash go back to pending, flagged possible duplicates."""
        again = await self.repo.recover_in_flight()
        if again:
            log.info("tickets outbox: %s rows were in flight at a stop; sent again", again)
            await self.staff.audit(None, "ticket.outbox.resume", detail={"in_flight": again})
        return again

    async def drain(self, compose: Compose, limit: int = OUTBOX_BATCH,
                    rounds: int | None = None) -> int:
        """Send pending outbox rows (claimed before, finished right after each send); at most
        `rounds` batches (None: until the outbox is empty). How many were sent."""
        sent = 0
        while rounds is None or rounds > 0:
            if rounds is not None:
                rounds -= 1
            rows = await self.repo.claim(limit, self.clock())
            if not rows:
                return sent
            self._fault("claimed")
            for row in rows:
                result = await self._send(row, compose)
                self._fault("sent")
                await self.repo.finish(row.id, result.status, self.clock(), result.message_id,
                                       result.reason, unknown=result.unknown)
                if result.status == SENT:
                    sent += 1
                    if row.kind in RESIDENT_KINDS and result.message_id:
                        await self.repo.link(row.user_id, result.message_id, row.ticket_id)
            if len(rows) < limit:
                return sent
        return sent

    async def _send(self, row: OutboxRow, compose: Compose) -> Result:
        if self.engine is None:
            raise RuntimeError("TicketService has no delivery engine")
        try:
            messages = await compose(row)
        except Exception as exc:  # a bad row must not stop the outbox; never lose the row
            log.warning("tickets outbox row %s: %s", row.id, type(exc).__name__)
            return Result(FAILED, f"render: {type(exc).__name__}")
        if not messages:
            return Result(FAILED, "ticket_gone")
        sender = self.reply_sender if row.kind in RESIDENT_KINDS else None  # None: bulk lane
        return await self.engine.deliver(row.user_id, list(messages), kind=f"ticket.{row.kind}",
                                         sender=sender)

    async def outbox_counts(self) -> dict[str, int]:
        return await self.repo.outbox_counts()

    async def outbox_report(self) -> DeliveryReport:
        """The whole outbox in the delivery engine's report shape."""
        return DeliveryReport.from_counts(await self.repo.outbox_counts())
