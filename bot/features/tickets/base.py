"""What the parts of TicketService (the rules, the outbox, the learning) share: the repository,
the staff service, the clock; the role check and the tests' fault hook."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.clock import Clock
from bot.features.staff.service import StaffService
from bot.features.tickets.repo import TicketRepo


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
