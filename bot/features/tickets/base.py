"""What the parts of TicketService (the rules, the outbox, the learning) share: the repository,
the staff service, the clock; the role check and the tests' fault hook."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.clock import Clock
from bot.core.scope import WHOLE_PROVINCE, Scope
from bot.features.staff.service import StaffService
from bot.features.tickets.model import TicketError
from bot.features.tickets.repo import Ticket, TicketRepo


class TicketParts:
    """Attributes TicketService (a dataclass) sets; its mixins use them."""

    repo: TicketRepo
    staff: StaffService
    clock: Clock
    fault: Callable[[str], None] | None

    def _fault(self, stage: str) -> None:
        if self.fault is not None:
            self.fault(stage)

    async def _check(self, actor_id: int | None) -> None:
        if actor_id is not None:  # None: the command line, trusted like the server
            await self.staff.require(actor_id, "operator")

    async def _scope(self, actor_id: int | None) -> Scope:
        """The actor's part of the province (the command line: all of it); PermissionDenied
        (audited) for someone who is not staff."""
        if actor_id is None:
            return WHOLE_PROVINCE
        return await self.staff.scope(actor_id)

    async def _ticket_for(self, actor_id: int | None, ticket_id: int, action: str) -> Ticket:
        """The ticket, if the actor's scope covers its kab/kota (a ticket with none is for
        province-wide staff only). Out of region: audited as `ticket.<action>` denied, and
        PermissionDenied('region'); no ticket: TicketError('missing')."""
        scope = await self._scope(actor_id)
        ticket = await self.repo.get(ticket_id)
        if ticket is None:
            raise TicketError("missing")
        if not scope.covers(ticket.region_code):
            await self.staff.deny(actor_id, f"ticket.{action}", str(ticket_id))
        return ticket
