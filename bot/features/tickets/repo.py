"""The SQL of tickets, their outbox, unanswered questions and learned phrases
(migrations/0006_tickets.sql)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from bot.core.clock import iso
from bot.storage.db import Database


@dataclass(frozen=True)
class Ticket:
    id: int
    user_id: int
    language: str
    region_code: str | None
    status: str
    version: int
    created_at: str
    waiting_since: str | None
    answered_at: str | None
    answered_by: int | None
    assigned_to: int | None
    reminded_at: str | None
    closed_at: str | None
    closed_by: int | None
    rating: str | None
    learned_target: str | None


@dataclass(frozen=True)
class TicketMessage:
    id: int
    ticket_id: int
    author: str          # resident | staff
    author_id: int | None
    text: str
    photo: str | None
    created_at: str


@dataclass(frozen=True)
class OutboxRow:
    id: int
    ticket_id: int
    message_id: int | None
    kind: str
    user_id: int
    status: str
    attempts: int
    possible_duplicate: bool


@dataclass(frozen=True)
class QuestionGroup:
    id: int              # the newest row of the group: what staff press to map it
    wording: str
    text: str            # the newest scrubbed example
    language: str
    count: int
    last_at: str


@dataclass(frozen=True)
class Learned:
    target: str
    phrase: str
    language: str
    added_by: int | None
    added_at: str
    source: str


def _ticket(r: sqlite3.Row) -> Ticket:
    return Ticket(*(r[k] for k in Ticket.__dataclass_fields__))


def _message(r: sqlite3.Row) -> TicketMessage:
    return TicketMessage(*(r[k] for k in TicketMessage.__dataclass_fields__))


class TicketRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- tickets --------------------------------------------------------------------------------
    async def create(self, *, user_id: int, language: str, region_code: str | None, text: str,
                     photo: str | None, now: dt.datetime,
                     notify: list[int]) -> tuple[int, int]:
        """The ticket, its first message and the staff notifications, in ONE transaction."""
        at = iso(now)
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "INSERT INTO tickets (user_id, language, region_code, created_at, waiting_since)"
                " VALUES (?, ?, ?, ?, ?)", (user_id, language, region_code, at, at))
            ticket_id = cur.lastrowid
            assert ticket_id is not None  # set by the INSERT just above
            cur = await conn.execute(
                "INSERT INTO ticket_messages (ticket_id, author, author_id, text, photo, "
                "created_at) VALUES (?, 'resident', ?, ?, ?, ?)",
                (ticket_id, user_id, text, photo, at))
            message_id = cur.lastrowid
            assert message_id is not None  # set by the INSERT just above
            await _queue(conn, ticket_id, message_id, "new", notify, at)
        return ticket_id, message_id

    async def add_resident_message(self, ticket_id: int, user_id: int, text: str,
                                   photo: str | None, now: dt.datetime,
                                   notify: list[int]) -> int | None:
        """Append to an open or answered ticket (it waits for staff again); None if closed."""
        at = iso(now)
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "UPDATE tickets SET status = 'open', waiting_since = "
                "CASE WHEN status = 'open' THEN waiting_since ELSE ? END, reminded_at = "
                "CASE WHEN status = 'open' THEN reminded_at ELSE NULL END "
                "WHERE id = ? AND user_id = ? AND status != 'closed'", (at, ticket_id, user_id))
            if cur.rowcount == 0:
                return None
            cur = await conn.execute(
                "INSERT INTO ticket_messages (ticket_id, author, author_id, text, photo, "
                "created_at) VALUES (?, 'resident', ?, ?, ?, ?)",
                (ticket_id, user_id, text, photo, at))
            message_id = cur.lastrowid
            await _queue(conn, ticket_id, message_id, "added", notify, at)
        return message_id

    async def staff_reply(self, ticket_id: int, staff_id: int | None, text: str,
                          seen_version: int | None, now: dt.datetime) -> int | None:
        """Record an officer's answer and its outbox row, in ONE transaction; None if the ticket
        is closed or (seen_version given) another officer acted on it since it was opened."""
        at = iso(now)
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "UPDATE tickets SET status = 'answered', version = version + 1, "
                "answered_at = ?, answered_by = ?, waiting_since = NULL "
                "WHERE id = ? AND status != 'closed' AND (? IS NULL OR version = ?)",
                (at, staff_id, ticket_id, seen_version, seen_version))
            if cur.rowcount == 0:
                return None
            cur = await conn.execute(
                "INSERT INTO ticket_messages (ticket_id, author, author_id, text, created_at) "
                "VALUES (?, 'staff', ?, ?, ?)", (ticket_id, staff_id, text, at))
            message_id = cur.lastrowid
            resident = await (await conn.execute(
                "SELECT user_id FROM tickets WHERE id = ?", (ticket_id,))).fetchone()
            assert resident is not None  # the UPDATE above just matched this ticket
            await _queue(conn, ticket_id, message_id, "answer", [resident[0]], at)
        return message_id

    async def close(self, ticket_id: int, by: int | None, now: dt.datetime, *,
                    resident_id: int | None = None, seen_version: int | None = None,
                    notify_resident: bool = True) -> bool:
        """Close an open or answered ticket. resident_id: only that resident's own ticket."""
        at = iso(now)
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "UPDATE tickets SET status = 'closed', version = version + 1, closed_at = ?, "
                "closed_by = ?, waiting_since = NULL WHERE id = ? AND status != 'closed' "
                "AND (? IS NULL OR user_id = ?) AND (? IS NULL OR version = ?)",
                (at, by, ticket_id, resident_id, resident_id, seen_version, seen_version))
            if cur.rowcount == 0:
                return False
            if notify_resident:
                resident = await (await conn.execute(
                    "SELECT user_id FROM tickets WHERE id = ?", (ticket_id,))).fetchone()
                assert resident is not None  # the UPDATE above just matched this ticket
                await _queue(conn, ticket_id, None, "closed", [resident[0]], at)
        return True

    async def hand_over(self, ticket_id: int, to: int, now: dt.datetime) -> bool:
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "UPDATE tickets SET assigned_to = ?, version = version + 1 "
                "WHERE id = ? AND status != 'closed'", (to, ticket_id))
            if cur.rowcount == 0:
                return False
            await _queue(conn, ticket_id, None, "handover", [to], iso(now))
        return True

    async def rate(self, ticket_id: int, user_id: int, rating: str) -> bool:
        return await self.db.execute(
            "UPDATE tickets SET rating = ? WHERE id = ? AND user_id = ? AND status = 'closed' "
            "AND rating IS NULL", (rating, ticket_id, user_id)) > 0

    async def set_learned(self, ticket_id: int, target: str) -> None:
        await self.db.execute("UPDATE tickets SET learned_target = ? WHERE id = ?",
                              (target, ticket_id))

    async def get(self, ticket_id: int) -> Ticket | None:
        row = await self.db.fetchone("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return _ticket(row) if row else None

    async def messages(self, ticket_id: int) -> list[TicketMessage]:
        rows = await self.db.fetchall(
            "SELECT * FROM ticket_messages WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        return [_message(r) for r in rows]

    async def message(self, message_id: int) -> TicketMessage | None:
        row = await self.db.fetchone("SELECT * FROM ticket_messages WHERE id = ?", (message_id,))
        return _message(row) if row else None

    async def first_message(self, ticket_id: int) -> TicketMessage | None:
        row = await self.db.fetchone(
            "SELECT * FROM ticket_messages WHERE ticket_id = ? ORDER BY id LIMIT 1",
            (ticket_id,))
        return _message(row) if row else None

    async def count_messages(self, ticket_id: int, author: str) -> int:
        return await self.db.fetchval(
            "SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = ? AND author = ?",
            (ticket_id, author))

    async def waiting(self, limit: int = 50) -> list[Ticket]:
        """Tickets waiting for staff, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM tickets WHERE status = 'open' ORDER BY waiting_since, id LIMIT ?",
            (limit,))
        return [_ticket(r) for r in rows]

    async def listing(self, status: str | None, limit: int = 100) -> list[Ticket]:
        rows = await self.db.fetchall(
            "SELECT * FROM tickets WHERE (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ?",
            (status, status, limit))
        return [_ticket(r) for r in rows]

    async def count_waiting(self) -> int:
        return await self.db.fetchval("SELECT COUNT(*) FROM tickets WHERE status = 'open'")

    async def open_count(self, user_id: int) -> int:
        """Tickets of this resident waiting for staff (answered ones do not count)."""
        return await self.db.fetchval(
            "SELECT COUNT(*) FROM tickets WHERE user_id = ? AND status = 'open'", (user_id,))

    async def created_since(self, user_id: int, since: dt.datetime) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT created_at FROM tickets WHERE user_id = ? AND created_at >= ? "
            "ORDER BY created_at", (user_id, iso(since)))
        return [r[0] for r in rows]

    async def mark_reminded(self, ticket_id: int, notify: list[int], now: dt.datetime) -> bool:
        at = iso(now)
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "UPDATE tickets SET reminded_at = ? WHERE id = ? AND status = 'open' "
                "AND reminded_at IS NULL", (at, ticket_id))
            if cur.rowcount == 0:
                return False
            await _queue(conn, ticket_id, None, "reminder", notify, at)
        return True

    # -- links: bot messages in a resident's chat that belong to a ticket ------------------------
    async def link(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO ticket_links (chat_id, message_id, ticket_id) VALUES (?, ?, ?)",
            (chat_id, message_id, ticket_id))

    async def linked(self, chat_id: int, message_id: int) -> int | None:
        return await self.db.fetchval(
            "SELECT ticket_id FROM ticket_links WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id))

    # -- the outbox -----------------------------------------------------------------------------
    async def claim(self, limit: int, now: dt.datetime) -> list[OutboxRow]:
        """Pending rows -> 'sending', committed (durably) before anything is sent."""
        async with self.db.transaction(durable=True) as conn:
            cur = await conn.execute(
                "UPDATE ticket_outbox SET status = 'sending', attempts = attempts + 1, "
                "updated_at = ? WHERE id IN (SELECT id FROM ticket_outbox WHERE status = "
                "'pending' ORDER BY id LIMIT ?) RETURNING id, ticket_id, message_id, kind, "
                "user_id, status, attempts, possible_duplicate", (iso(now), limit))
            rows = await cur.fetchall()
        return sorted((OutboxRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]))
                       for r in rows), key=lambda r: r.id)

    async def finish(self, row_id: int, status: str, now: dt.datetime,
                     sent_message_id: int | None = None, error: str | None = None, *,
                     unknown: bool = False) -> None:
        await self.db.execute(
            "UPDATE ticket_outbox SET status = ?, updated_at = ?, sent_message_id = ?, "
            "error = ?, outcome_unknown = ? WHERE id = ?",
            (status, iso(now), sent_message_id, error, int(unknown), row_id))

    async def recover_in_flight(self) -> int:
        """At start: rows left in 'sending' by a crash go back to pending, flagged."""
        return await self.db.execute(
            "UPDATE ticket_outbox SET status = 'pending', possible_duplicate = 1 "
            "WHERE status = 'sending'")

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM ticket_outbox GROUP BY status")
        out = {s: 0 for s in ("pending", "sending", "sent", "failed", "blocked")}
        out.update({r["status"]: r["n"] for r in rows})
        out["duplicates"] = await self.db.fetchval(
            "SELECT COUNT(*) FROM ticket_outbox WHERE possible_duplicate = 1")
        out["unknown"] = await self.db.fetchval(
            "SELECT COUNT(*) FROM ticket_outbox WHERE outcome_unknown = 1")
        return out

    async def outbox_of(self, ticket_id: int) -> list[dict]:
        rows = await self.db.fetchall(
            "SELECT kind, user_id, status, possible_duplicate, outcome_unknown, error "
            "FROM ticket_outbox "
            "WHERE ticket_id = ? ORDER BY id", (ticket_id,))
        return [dict(r) for r in rows]

    # -- what the bot did not understand ----------------------------------------------------------
    async def record_question(self, wording: str, text: str, language: str, kind: str,
                              now: dt.datetime, prune_before: dt.datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO unanswered_questions (wording, text, language, kind, asked_at) "
                "VALUES (?, ?, ?, ?, ?)", (wording, text, language, kind, iso(now)))
            await conn.execute("DELETE FROM unanswered_questions WHERE asked_at < ?",
                               (iso(prune_before),))

    async def frequent_questions(self, since: dt.datetime, limit: int) -> list[QuestionGroup]:
        rows = await self.db.fetchall(
            "SELECT MAX(id) AS id, wording, language, COUNT(*) AS n, MAX(asked_at) AS last_at "
            "FROM unanswered_questions WHERE asked_at >= ? AND mapped_to IS NULL "
            "GROUP BY wording, language ORDER BY n DESC, last_at DESC LIMIT ?",
            (iso(since), limit))
        out = []
        for r in rows:
            text = await self.db.fetchval(
                "SELECT text FROM unanswered_questions WHERE id = ?", (r["id"],))
            out.append(QuestionGroup(r["id"], r["wording"], text, r["language"], r["n"],
                                     r["last_at"]))
        return out

    async def question(self, question_id: int) -> QuestionGroup | None:
        row = await self.db.fetchone(
            "SELECT id, wording, text, language, asked_at FROM unanswered_questions "
            "WHERE id = ?", (question_id,))
        if row is None:
            return None
        n = await self.db.fetchval(
            "SELECT COUNT(*) FROM unanswered_questions WHERE wording = ? AND language = ?",
            (row["wording"], row["language"]))
        return QuestionGroup(row["id"], row["wording"], row["text"], row["language"], n,
                             row["asked_at"])

    async def map_questions(self, wording: str, language: str, target: str,
                            by: int | None) -> int:
        return await self.db.execute(
            "UPDATE unanswered_questions SET mapped_to = ?, mapped_by = ? "
            "WHERE wording = ? AND language = ?", (target, by, wording, language))

    # -- learned phrases ------------------------------------------------------------------------
    async def learn(self, target: str, phrase: str, language: str, by: int | None,
                    now: dt.datetime, source: str) -> None:
        await self.db.execute(
            "INSERT INTO learned_phrases (target, phrase, language, added_by, added_at, source) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (phrase, language) DO UPDATE SET "
            "target = excluded.target, added_by = excluded.added_by, "
            "added_at = excluded.added_at, source = excluded.source",
            (target, phrase, language, by, iso(now), source))

    async def learned(self) -> list[Learned]:
        rows = await self.db.fetchall(
            "SELECT target, phrase, language, added_by, added_at, source FROM learned_phrases "
            "ORDER BY target, language, phrase")
        return [Learned(*tuple(r)) for r in rows]


async def _queue(conn, ticket_id: int, message_id: int | None, kind: str,
                 recipients: list[int], at: str) -> None:
    await conn.executemany(
        "INSERT INTO ticket_outbox (ticket_id, message_id, kind, user_id, created_at) "
        "VALUES (?, ?, ?, ?, ?)", [(ticket_id, message_id, kind, uid, at) for uid in recipients])


def personal_data() -> list:
    """The tickets' rows about a person, for the privacy feature (export, erasure, retention):
    a resident's tickets lose the link to them (their messages stay, masked, with the ticket
    number only) and closed ones go after RETENTION_CLOSED_TICKETS_DAYS; the outbox rows that
    carried them are deleted."""
    from bot.features.privacy.service import PersonalTable

    return [
        PersonalTable("tickets", "user_id", erase="anonymise", age_column="closed_at",
                      retention_setting="retention_closed_tickets_days",
                      where="status = 'closed'"),
        PersonalTable("ticket_outbox", "user_id"),
    ]
