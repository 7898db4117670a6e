"""What the tickets' rules give back: the error a refused action raises and the results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.features.tickets.repo import Ticket, TicketMessage


class TicketError(Exception):
    """A ticket action that cannot go ahead; `code` names why (the handler translates it)."""

    def __init__(self, code: str, ticket: Ticket | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.ticket = ticket


@dataclass(frozen=True)
class Opened:
    ticket_id: int
    masked: bool             # a NIK-like number was hidden


@dataclass(frozen=True)
class InboxItem:
    ticket: Ticket
    first: TicketMessage | None
    waiting: dt.timedelta    # wall-clock time since it started waiting
    overdue: bool            # waited more than the reminder's working hours


@dataclass(frozen=True)
class Thread:
    ticket: Ticket
    messages: list[TicketMessage]
