"""Tickets ("Ask an officer"): the rules. No Telegram here.

A resident writes a question; it is stored masked (a 16-digit number never reaches an officer
or the database in clear), with one outbox row per officer to notify, in ONE transaction. An
officer's reply is recorded with its outbox row to the resident in ONE transaction, and a
version check makes the second of two officers answering at once fail ("answered meanwhile").
The outbox is drained by `drain(deliver)`: rows are claimed ('sending', committed durably)
before the send and finished right after, so a kill -9 between "reply recorded" and "sent"
sends it exactly once at the next start, and a kill during the send itself resends only that
row, flagged possible_duplicate (tickets/outbox.py). Every reply, close, hand-over and lesson is
audited.

It also keeps what the bot did not understand (scrubbed, grouped by wording, 90 days) and the
phrases staff taught the matcher (re-applied at every start): tickets/learning.py. Texts are
masked by tickets/text.py, working hours counted by tickets/hours.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core.clock import Clock, parse_iso
from bot.features.staff.service import StaffService
from bot.features.tickets.hours import WorkingHours
from bot.features.tickets.learning import Learner, TicketLearning
from bot.features.tickets.model import InboxItem, Opened, Thread, TicketError
from bot.features.tickets.outbox import TicketOutbox
from bot.features.tickets.repo import Ticket, TicketRepo
from bot.features.tickets.text import mask_numbers
from bot.features.volunteers.service import VolunteerService
from bot.repos import Store

log = logging.getLogger(__name__)

MAX_OPEN = 3                      # tickets waiting for staff, per resident
MAX_PER_DAY = 5                   # tickets opened per resident in 24 hours
MAX_TEXT = 2000                   # characters of one message of a ticket
MAX_ADDITIONS = 10                # messages a resident may add to one ticket
REMIND_AFTER_HOURS = 4.0          # working hours a ticket may wait before staff are reminded
RATINGS = ("helped", "not_helped")


@dataclass
class TicketService(TicketLearning, TicketOutbox):
    store: Store
    staff: StaffService
    volunteers: VolunteerService
    clock: Clock
    hours: WorkingHours
    program_keys: frozenset[str] = frozenset()
    remind_after: float = REMIND_AFTER_HOURS
    learner: Learner | None = None            # the matcher's learn(target, phrase, language)
    fault: Callable[[str], None] | None = None  # tests: crash at "recorded"/"claimed"/"sent"
    repo: TicketRepo = field(init=False)

    def __post_init__(self) -> None:
        self.repo = TicketRepo(self.store.db)

    # -- who hears of a ticket: the one rule ------------------------------------------------
    async def staff_recipients(self, resident_id: int) -> tuple[list[int], str | None]:
        """(officers to notify, the resident's kab/kota when known). The kab/kota is known
        when the resident is a registered volunteer. Only officers whose scope covers it are
        notified: an operator bound to a kab/kota hears of that region's questions only, and
        a question of no known region goes to province-wide staff."""
        region = None
        volunteer = await self.volunteers.get(resident_id)
        if volunteer is not None and volunteer.status == "approved":
            region = volunteer.region_code
        ids = [i for i in await self.staff.covering(region) if i != resident_id]
        return ids, region

    async def _staff_ids(self) -> list[int]:
        return await self.staff.staff_ids()

    # -- residents ----------------------------------------------------------------------------
    async def refusal(self, user_id: int) -> str | None:
        """Why this resident cannot open a ticket now ('too_many_open', 'daily_limit'), or None."""
        if await self.repo.open_count(user_id) >= MAX_OPEN:
            return "too_many_open"
        since = self.clock() - dt.timedelta(hours=24)
        if len(await self.repo.created_since(user_id, since)) >= MAX_PER_DAY:
            return "daily_limit"
        return None

    def _clean(self, text: str | None, photo: str | None) -> tuple[str, bool]:
        text = (text or "").strip()
        if not text and photo is None:
            raise TicketError("empty")
        if len(text) > MAX_TEXT:
            raise TicketError("too_long")
        return mask_numbers(text)

    async def open_ticket(self, user_id: int, language: str, text: str | None,
                          photo: str | None = None) -> Opened:
        refused = await self.refusal(user_id)
        if refused:
            raise TicketError(refused)
        clean, masked = self._clean(text, photo)
        notify, region = await self.staff_recipients(user_id)
        ticket_id, _ = await self.repo.create(
            user_id=user_id, language=language, region_code=region, text=clean, photo=photo,
            now=self.clock(), notify=notify)
        await self.staff.audit(user_id, "ticket.open", target=str(ticket_id),
                               detail={"masked": masked, "photo": photo is not None,
                                       "length": len(clean), "notified": len(notify)})
        return Opened(ticket_id, masked)

    async def add(self, user_id: int, ticket_id: int, text: str | None,
                  photo: str | None = None) -> bool:
        """A resident adds to their ticket; returns whether a number was masked."""
        ticket = await self.repo.get(ticket_id)
        if ticket is None or ticket.user_id != user_id:
            raise TicketError("missing")
        if ticket.status == "closed":
            raise TicketError("closed", ticket)
        if await self.repo.count_messages(ticket_id, "resident") > MAX_ADDITIONS:
            raise TicketError("too_many_additions", ticket)
        clean, masked = self._clean(text, photo)
        notify = [ticket.assigned_to] if ticket.assigned_to else \
            (await self.staff_recipients(user_id))[0]
        if await self.repo.add_resident_message(ticket_id, user_id, clean, photo, self.clock(),
                                                notify) is None:
            raise TicketError("closed", ticket)
        await self.staff.audit(user_id, "ticket.add", target=str(ticket_id),
                               detail={"masked": masked, "photo": photo is not None})
        return masked

    async def close_own(self, user_id: int, ticket_id: int) -> Ticket:
        ticket = await self.repo.get(ticket_id)
        if ticket is None or ticket.user_id != user_id:
            raise TicketError("missing")
        if not await self.repo.close(ticket_id, user_id, self.clock(), resident_id=user_id,
                                     notify_resident=False):
            raise TicketError("closed", ticket)
        await self.staff.audit(user_id, "ticket.close", target=str(ticket_id),
                               detail={"by": "resident"})
        return ticket

    async def rate(self, user_id: int, ticket_id: int, rating: str) -> bool:
        if rating not in RATINGS:
            raise TicketError("missing")
        done = await self.repo.rate(ticket_id, user_id, rating)
        if done:
            await self.staff.audit(user_id, "ticket.rate", target=str(ticket_id),
                                   detail={"rating": rating})
        return done

    async def ticket_of_message(self, chat_id: int, message_id: int) -> int | None:
        return await self.repo.linked(chat_id, message_id)

    async def link(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        await self.repo.link(chat_id, message_id, ticket_id)

    async def own_ticket(self, user_id: int, ticket_id: int) -> Ticket | None:
        ticket = await self.repo.get(ticket_id)
        return ticket if ticket is not None and ticket.user_id == user_id else None

    # -- staff --------------------------------------------------------------------------------
    def overdue(self, ticket: Ticket, now: dt.datetime | None = None) -> bool:
        if ticket.status != "open" or not ticket.waiting_since:
            return False
        waited = self.hours.elapsed(parse_iso(ticket.waiting_since), now or self.clock())
        return waited >= dt.timedelta(hours=self.remind_after)

    async def inbox(self, actor_id: int | None, limit: int = 10,
                    offset: int = 0) -> tuple[list[InboxItem], int]:
        """Tickets waiting for staff in the actor's region: overdue first, then oldest first
        (`limit` of them from `offset`); and how many wait."""
        scope = await self._scope(actor_id)
        now = self.clock()
        ranked = []
        for t in await self.repo.waiting(limit=1000):
            if not scope.covers(t.region_code):
                continue
            since = parse_iso(t.waiting_since or t.created_at)
            ranked.append((not self.overdue(t, now), -(now - since).total_seconds(), t.id, t))
        ranked.sort(key=lambda r: r[:3])
        items = [InboxItem(t, await self.repo.first_message(t.id),
                           dt.timedelta(seconds=-secs), not on_time)
                 for on_time, secs, _, t in ranked[offset:offset + limit]]
        return items, len(ranked)

    async def open_count(self, actor_id: int | None) -> int:
        """The staff home: questions waiting for an officer, in the actor's region."""
        return (await self.inbox(actor_id, limit=0))[1]

    async def thread(self, actor_id: int | None, ticket_id: int) -> Thread:
        ticket = await self._ticket_for(actor_id, ticket_id, "open")
        return Thread(ticket, await self.repo.messages(ticket_id))

    async def listing(self, actor_id: int | None, status: str | None = None) -> list[Ticket]:
        scope = await self._scope(actor_id)
        return [t for t in await self.repo.listing(status) if scope.covers(t.region_code)]

    async def reply(self, actor_id: int | None, ticket_id: int, text: str | None,
                    seen_version: int | None = None) -> int:
        """Record an officer's answer (sent by the next drain); the message id."""
        await self._ticket_for(actor_id, ticket_id, "reply")
        text = (text or "").strip()
        if not text:
            raise TicketError("empty")
        if len(text) > MAX_TEXT:
            raise TicketError("too_long")
        text, _ = mask_numbers(text)
        message_id = await self.repo.staff_reply(ticket_id, actor_id, text, seen_version,
                                                 self.clock())
        if message_id is None:
            ticket = await self.repo.get(ticket_id)
            code = "missing" if ticket is None else \
                "closed" if ticket.status == "closed" else "changed"
            await self.staff.audit(actor_id, "ticket.reply", target=str(ticket_id),
                                   outcome=code)
            raise TicketError(code, ticket)
        await self.staff.audit(actor_id, "ticket.reply", target=str(ticket_id),
                               detail={"length": len(text)})
        self._fault("recorded")
        return message_id

    async def close(self, actor_id: int | None, ticket_id: int,
                    seen_version: int | None = None) -> Ticket:
        await self._ticket_for(actor_id, ticket_id, "close")
        if not await self.repo.close(ticket_id, actor_id, self.clock(),
                                     seen_version=seen_version):
            ticket = await self.repo.get(ticket_id)
            code = "missing" if ticket is None else \
                "closed" if ticket.status == "closed" else "changed"
            raise TicketError(code, ticket)
        await self.staff.audit(actor_id, "ticket.close", target=str(ticket_id),
                               detail={"by": "staff"})
        return await self.repo.get(ticket_id)  # type: ignore[return-value]

    async def hand_over(self, actor_id: int | None, ticket_id: int, to: int) -> Ticket:
        ticket = await self._ticket_for(actor_id, ticket_id, "handover")
        # only to a colleague who may see it: a Malang question never lands with Surabaya
        if to not in await self.staff.covering(ticket.region_code) or to == actor_id:
            raise TicketError("not_staff")
        if not await self.repo.hand_over(ticket_id, to, self.clock()):
            now = await self.repo.get(ticket_id)
            raise TicketError("missing" if now is None else "closed", now)
        await self.staff.audit(actor_id, "ticket.handover", target=str(ticket_id),
                               detail={"to": to})
        return await self.repo.get(ticket_id)  # type: ignore[return-value]

    async def colleagues(self, actor_id: int, ticket_id: int | None = None) -> list[int]:
        """Whom the actor may hand a ticket to: staff whose scope covers its kab/kota."""
        if ticket_id is None:
            await self._check(actor_id)
            return [uid for uid in await self._staff_ids() if uid != actor_id]
        ticket = await self._ticket_for(actor_id, ticket_id, "handover")
        return [uid for uid in await self.staff.covering(ticket.region_code) if uid != actor_id]

    # -- reminders ----------------------------------------------------------------------------
    async def remind_due(self) -> list[int]:
        """Raise again (once) every ticket that waited the configured working hours."""
        now = self.clock()
        raised = []
        for t in await self.repo.waiting(limit=500):
            if t.reminded_at is None and self.overdue(t, now):
                notify = [t.assigned_to] if t.assigned_to else \
                    await self.staff.covering(t.region_code)
                if await self.repo.mark_reminded(t.id, notify, now):
                    raised.append(t.id)
        if raised:
            await self.staff.audit(None, "ticket.remind", detail={"tickets": raised})
        return raised


def program_targets(keys: Iterable[str]) -> frozenset[str]:
    return frozenset(keys)
