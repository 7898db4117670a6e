"""Tickets ("Ask an officer"): the rules. No Telegram here.

A resident writes a question; it is stored masked (a 16-digit number never reaches an officer
or the database in clear), with one outbox row per officer to notify, in ONE transaction. An
officer's reply is recorded with its outbox row to the resident in ONE transaction, and a
version check makes the second of two officers answering at once fail ("answered meanwhile").
The outbox is drained by `drain(deliver)`: rows are claimed ('sending', committed durably)
before the send and finished right after, so a kill -9 between "reply recorded" and "sent"
sends it exactly once at the next start, and a kill during the send itself resends only that
row, flagged possible_duplicate. Every reply, close, hand-over and lesson is audited.

It also keeps what the bot did not understand (scrubbed, grouped by wording, 90 days) and the
phrases staff taught the matcher (re-applied at every start).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import yaml

from bot.core.clock import Clock, parse_iso
from bot.delivery.sender import Delivery, Outcome
from bot.features.programs import normalise
from bot.features.staff.service import StaffService
from bot.features.tickets.repo import (
    Learned,
    OutboxRow,
    QuestionGroup,
    Ticket,
    TicketMessage,
    TicketRepo,
)
from bot.features.volunteers.service import VolunteerService
from bot.repos import Store

log = logging.getLogger(__name__)

MAX_OPEN = 3                      # tickets waiting for staff, per resident
MAX_PER_DAY = 5                   # tickets opened per resident in 24 hours
MAX_TEXT = 2000                   # characters of one message of a ticket
MAX_ADDITIONS = 10                # messages a resident may add to one ticket
REMIND_AFTER_HOURS = 4.0          # working hours a ticket may wait before staff are reminded
KEEP_QUESTIONS = dt.timedelta(days=90)
OUTBOX_BATCH = 20
KINDS = ("not_understood", "weak")
RATINGS = ("helped", "not_helped")
ASPECTS = ("eligibility", "benefit", "schedule", "apply", "documents", "contact")
# Requests a question can be mapped to besides a program (target "request:<name>").
REQUESTS = ("officer", "status", "volunteer", "survey")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A NIK-like number: 16 digits, maybe with spaces, dots or dashes between them.
_NIK_LIKE = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){15}(?![0-9])")
# For the unanswered list: any run of 6 or more digits (phones, NIKs, KK numbers).
_LONG_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){5,}(?![0-9])")


class TicketError(Exception):
    """A ticket action that cannot go ahead; `code` names why (the handler translates it)."""

    def __init__(self, code: str, ticket: Ticket | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.ticket = ticket


def mask_numbers(text: str) -> tuple[str, bool]:
    """Mask every NIK-like number (16 digits): '3578 0101 0190 0002' -> '3578********0002'."""
    found = False

    def repl(m: re.Match[str]) -> str:
        nonlocal found
        found = True
        digits = re.sub(r"[^0-9]", "", m.group(0))
        return digits[:4] + "*" * 8 + digits[-4:]

    return _NIK_LIKE.sub(repl, text), found


def scrub(text: str) -> str:
    """For the unanswered list: runs of 6+ digits become '***', whitespace is squeezed."""
    return " ".join(_LONG_DIGITS.sub("***", text).split())[:300]


def wording(text: str) -> str:
    """The canonical words of a question (dialect and spelling variants folded, digits
    masked): questions worded alike share it and are counted together."""
    words = normalise(scrub(text).replace("***", " "))
    return " ".join(dict.fromkeys(w for w in words if not w.isdigit()))[:200]


def parse_since(text: str) -> dt.timedelta:
    """'7d', '24h', '30m' -> a timedelta; ValueError otherwise."""
    m = re.fullmatch(r"\s*([0-9]{1,4})\s*([dhm])\s*", text or "")
    if not m:
        raise ValueError(text)
    n = int(m.group(1))
    return {"d": dt.timedelta(days=n), "h": dt.timedelta(hours=n),
            "m": dt.timedelta(minutes=n)}[m.group(2)]


# -- working hours ------------------------------------------------------------------------------
class WorkingHours:
    """The office's hours per weekday, in its time zone (content/office.yaml `hours`)."""

    def __init__(self, spans: dict[str, str], tz: ZoneInfo) -> None:
        self.tz = tz
        self.spans: dict[int, tuple[dt.time, dt.time]] = {}
        for day, span in spans.items():
            start, end = span.split("-")
            self.spans[DAYS.index(day)] = (dt.time.fromisoformat(start),
                                           dt.time.fromisoformat(end))

    def _windows(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        span = self.spans.get(day.weekday())
        if span is None:
            return None
        return (dt.datetime.combine(day, span[0], self.tz),
                dt.datetime.combine(day, span[1], self.tz))

    def is_open(self, moment: dt.datetime) -> bool:
        window = self._windows(moment.astimezone(self.tz).date())
        return window is not None and window[0] <= moment < window[1]

    def next_open(self, moment: dt.datetime) -> dt.datetime | None:
        """When the office next opens after `moment` (None if it never does)."""
        day = moment.astimezone(self.tz).date()
        for offset in range(8):
            window = self._windows(day + dt.timedelta(days=offset))
            if window is not None and window[0] > moment:
                return window[0]
        return None

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time between two moments (always 24/7 time when no hours are set)."""
        if not self.spans:
            return max(dt.timedelta(0), end - start)
        total = dt.timedelta(0)
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            window = self._windows(day)
            if window is not None:
                lo, hi = max(window[0], start), min(window[1], end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total


# -- results ------------------------------------------------------------------------------------
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


Deliver = Callable[[OutboxRow], Awaitable[Delivery]]
Learner = Callable[[str, str, str], None]


@dataclass
class TicketService:
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

    def _fault(self, stage: str) -> None:
        if self.fault is not None:
            self.fault(stage)

    # -- who hears of a ticket: the one rule (issue 15 brings region-bound operators) ---------
    async def staff_recipients(self, resident_id: int) -> tuple[list[int], str | None]:
        """(officers to notify, the resident's kab/kota when known). The kab/kota is known
        when the resident is a registered volunteer; until operators are bound to regions,
        every officer is notified either way."""
        region = None
        volunteer = await self.volunteers.get(resident_id)
        if volunteer is not None and volunteer.status == "approved":
            region = volunteer.region_code
        ids = [i for i in await self.staff.staff_ids() if i != resident_id]
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
    async def _check(self, actor_id: int | None) -> None:
        if actor_id is not None:  # None: the command line, trusted like the server
            await self.staff.require(actor_id, "operator")

    def overdue(self, ticket: Ticket, now: dt.datetime | None = None) -> bool:
        if ticket.status != "open" or not ticket.waiting_since:
            return False
        waited = self.hours.elapsed(parse_iso(ticket.waiting_since), now or self.clock())
        return waited >= dt.timedelta(hours=self.remind_after)

    async def inbox(self, actor_id: int | None, limit: int = 10) -> tuple[list[InboxItem], int]:
        """Tickets waiting for staff: overdue first, then oldest first; and how many wait."""
        await self._check(actor_id)
        now = self.clock()
        ranked = []
        for t in await self.repo.waiting(limit=1000):
            since = parse_iso(t.waiting_since or t.created_at)
            ranked.append((not self.overdue(t, now), -(now - since).total_seconds(), t.id, t))
        ranked.sort(key=lambda r: r[:3])
        items = [InboxItem(t, await self.repo.first_message(t.id),
                           dt.timedelta(seconds=-secs), not on_time)
                 for on_time, secs, _, t in ranked[:limit]]
        return items, len(ranked)

    async def thread(self, actor_id: int | None, ticket_id: int) -> Thread:
        await self._check(actor_id)
        ticket = await self.repo.get(ticket_id)
        if ticket is None:
            raise TicketError("missing")
        return Thread(ticket, await self.repo.messages(ticket_id))

    async def listing(self, actor_id: int | None, status: str | None = None) -> list[Ticket]:
        await self._check(actor_id)
        return await self.repo.listing(status)

    async def reply(self, actor_id: int | None, ticket_id: int, text: str | None,
                    seen_version: int | None = None) -> int:
        """Record an officer's answer (sent by the next drain); the message id."""
        await self._check(actor_id)
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
        await self._check(actor_id)
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
        await self._check(actor_id)
        if to not in await self._staff_ids() or to == actor_id:
            raise TicketError("not_staff")
        if not await self.repo.hand_over(ticket_id, to, self.clock()):
            ticket = await self.repo.get(ticket_id)
            raise TicketError("missing" if ticket is None else "closed", ticket)
        await self.staff.audit(actor_id, "ticket.handover", target=str(ticket_id),
                               detail={"to": to})
        return await self.repo.get(ticket_id)  # type: ignore[return-value]

    async def colleagues(self, actor_id: int) -> list[int]:
        await self._check(actor_id)
        return [uid for uid in await self._staff_ids() if uid != actor_id]

    # -- reminders ----------------------------------------------------------------------------
    async def remind_due(self) -> list[int]:
        """Raise again (once) every ticket that waited the configured working hours."""
        now = self.clock()
        raised = []
        for t in await self.repo.waiting(limit=500):
            if t.reminded_at is None and self.overdue(t, now):
                notify = [t.assigned_to] if t.assigned_to else await self._staff_ids()
                if await self.repo.mark_reminded(t.id, notify, now):
                    raised.append(t.id)
        if raised:
            await self.staff.audit(None, "ticket.remind", detail={"tickets": raised})
        return raised

    # -- the outbox ---------------------------------------------------------------------------
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

    # -- learning -----------------------------------------------------------------------------
    def check_target(self, target: str) -> str:
        program, _, aspect = target.partition(":")
        if program == "request":
            if aspect in REQUESTS:
                return target
        elif program in self.program_keys and (not aspect or aspect in ASPECTS):
            return target
        raise TicketError("bad_target")

    async def _learn(self, actor_id: int | None, target: str, phrase: str, language: str,
                     source: str) -> None:
        target = self.check_target(target)
        phrase = scrub(mask_numbers(phrase)[0])
        if not phrase:
            raise TicketError("empty")
        await self.repo.learn(target, phrase, language, actor_id, self.clock(), source)
        if self.learner is not None:
            self.learner(target, phrase, language)
        await self.staff.audit(actor_id, "ticket.learn", target=target,
                               detail={"source": source, "language": language})

    async def learn_from_ticket(self, actor_id: int | None, ticket_id: int, target: str) -> str:
        """The ticket's first question teaches the matcher `target`; returns the phrase."""
        await self._check(actor_id)
        ticket = await self.repo.get(ticket_id)
        first = await self.repo.first_message(ticket_id)
        if ticket is None or first is None:
            raise TicketError("missing")
        if not first.text.strip():
            raise TicketError("empty")
        await self._learn(actor_id, target, first.text, ticket.language, f"ticket:{ticket_id}")
        await self.repo.set_learned(ticket_id, target)
        return first.text

    async def learn_from_question(self, actor_id: int | None, question_id: int,
                                  target: str) -> QuestionGroup:
        await self._check(actor_id)
        group = await self.repo.question(question_id)
        if group is None:
            raise TicketError("missing")
        await self._learn(actor_id, target, group.text, group.language,
                          f"question:{question_id}")
        await self.repo.map_questions(group.wording, group.language, target, actor_id)
        return group

    async def apply_learned(self) -> int:
        """At start: every learned phrase goes back into the matcher."""
        learned = await self.repo.learned()
        if self.learner is not None:
            for item in learned:
                try:
                    self.learner(item.target, item.phrase, item.language)
                except (KeyError, ValueError):  # a program since removed from content
                    log.warning("learned phrase for %s no longer applies", item.target)
        return len(learned)

    async def learned(self) -> list[Learned]:
        return await self.repo.learned()

    async def export_learned(self) -> str:
        """The learned phrases as YAML, per target and language, for staff to review."""
        out: dict[str, dict[str, list[dict]]] = {}
        for item in await self.repo.learned():
            out.setdefault(item.target, {}).setdefault(item.language, []).append(
                {"phrase": item.phrase, "added_by": item.added_by, "added_at": item.added_at,
                 "source": item.source})
        header = ("# Phrases staff taught the bot (dinsos-bot tickets export-learned).\n"
                  "# Review them, then add the good ones to content/programs/*.yaml synonyms.\n")
        return header + yaml.safe_dump({"learned": out}, allow_unicode=True, sort_keys=True)

    # -- what the bot did not understand ------------------------------------------------------
    async def record_unanswered(self, text: str, language: str, kind: str) -> None:
        """Keep a question the bot could not answer: scrubbed, no user id, for 90 days."""
        if kind not in KINDS:
            raise ValueError(kind)
        clean = scrub(text or "")
        words = wording(clean)
        if not words:
            return
        now = self.clock()
        await self.repo.record_question(words, clean, language if language in ("id", "jv")
                                        else "id", kind, now, now - KEEP_QUESTIONS)

    async def frequent(self, actor_id: int | None, since: dt.timedelta,
                       limit: int = 10) -> list[QuestionGroup]:
        await self._check(actor_id)
        return await self.repo.frequent_questions(self.clock() - since, limit)

    async def question(self, actor_id: int | None, question_id: int) -> QuestionGroup:
        await self._check(actor_id)
        group = await self.repo.question(question_id)
        if group is None:
            raise TicketError("missing")
        return group


def build_hours(spans: dict[str, str] | None, tz: ZoneInfo) -> WorkingHours:
    return WorkingHours(dict(spans or {}), tz)


def program_targets(keys: Iterable[str]) -> frozenset[str]:
    return frozenset(keys)
