"""SKM storage: survey drafts, responses (answers by unsur code) and rejected repeats."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.clock import iso
from bot.storage.db import Database

PROFILE_COLUMNS = ("gender", "age", "education", "occupation")


@dataclass
class DraftRow:
    id: int
    user_id: int
    step: str
    data: dict[str, Any]
    status: str
    started_at: str
    updated_at: str


@dataclass
class NewResponse:
    user_id: int
    unit_code: str
    period: str
    month: str
    submitted_at: dt.datetime
    service: str
    respondent: dict[str, str]
    answers: dict[str, int]
    suggestion: str | None
    language: str | None
    draft_id: int | None = None
    volunteer_id: int | None = None        # an assisted survey: the volunteer who entered it
    beneficiary_hash: bytes | None = None  # HMAC-SHA256 of the beneficiary's NIK, never the NIK
    program: str | None = None             # an assisted survey: the program, a content key


@dataclass
class ResponseRow:
    id: int
    unit_code: str
    submitted_at: str
    service: str
    respondent: dict[str, str]
    suggestion: str | None
    language: str | None
    answers: dict[str, int] = field(default_factory=dict)
    volunteer_id: int | None = None
    program: str | None = None


def _draft(row: sqlite3.Row | None) -> DraftRow | None:
    if row is None:
        return None
    return DraftRow(row["id"], row["user_id"], row["step"], json.loads(row["data"]),
                    row["status"], row["started_at"], row["updated_at"])


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# one unit's code, a set of units (a regional operator's), or None for every unit
Units = str | tuple[str, ...] | None


def _period_clause(column_value: tuple[str, str], unit: Units,
                   alias: str = "") -> tuple[str, list[Any]]:
    column, value = column_value
    if column not in ("period", "month", "year"):
        raise ValueError(column)
    where = f"substr({alias}month, 1, 4) = ?" if column == "year" else f"{alias}{column} = ?"
    params: list[Any] = [value]
    if isinstance(unit, str):
        where += f" AND {alias}unit_code = ?"
        params.append(unit)
    elif unit is not None:
        marks = ", ".join("?" * len(unit))
        where += f" AND {alias}unit_code IN ({marks})" if unit else " AND 0"
        params.extend(unit)
    return where, params


class DuplicateResponse(Exception):
    """This person (or this beneficiary) already answered for the unit in the period."""


class SkmRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- drafts ---------------------------------------------------------------------------------
    async def open_draft(self, user_id: int) -> DraftRow | None:
        return _draft(await self.db.fetchone(
            "SELECT * FROM skm_drafts WHERE user_id = ? AND status = 'open'", (user_id,)))

    async def draft(self, draft_id: int) -> DraftRow | None:
        return _draft(await self.db.fetchone("SELECT * FROM skm_drafts WHERE id = ?",
                                             (draft_id,)))

    async def create_draft(self, user_id: int, step: str, data: dict[str, Any],
                           now: dt.datetime) -> DraftRow:
        """A new open draft; any other open draft of the user is closed as cancelled."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE skm_drafts SET status = 'cancelled', updated_at = ? "
                "WHERE user_id = ? AND status = 'open'", (iso(now), user_id))
            cur = await conn.execute(
                "INSERT INTO skm_drafts (user_id, step, data, status, started_at, updated_at) "
                "VALUES (?, ?, ?, 'open', ?, ?)", (user_id, step, _dump(data), iso(now), iso(now)))
            draft_id = cur.lastrowid
            assert draft_id is not None  # set by the INSERT just above
        return DraftRow(draft_id, user_id, step, data, "open", iso(now), iso(now))

    async def advance(self, draft_id: int, user_id: int, expect_step: str, step: str,
                      data: dict[str, Any], now: dt.datetime) -> bool:
        """Move an open draft from expect_step to step; False if it was not at expect_step
        (a double tap, an old button) or is no longer open."""
        changed = await self.db.execute(
            "UPDATE skm_drafts SET step = ?, data = ?, updated_at = ? "
            "WHERE id = ? AND user_id = ? AND status = 'open' AND step = ?",
            (step, _dump(data), iso(now), draft_id, user_id, expect_step))
        return changed > 0

    async def close_draft(self, draft_id: int, status: str, now: dt.datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE skm_drafts SET status = ?, updated_at = ? WHERE id = ? AND status = 'open'",
            (status, iso(now), draft_id))
        return changed > 0

    # -- responses ------------------------------------------------------------------------------
    async def has_response(self, user_id: int, unit_code: str, period: str) -> bool:
        return await self.db.fetchval(
            "SELECT 1 FROM skm_responses WHERE user_id = ? AND unit_code = ? AND period = ?",
            (user_id, unit_code, period)) is not None

    async def has_beneficiary(self, unit_code: str, period: str, beneficiary_hash: bytes
                              ) -> bool:
        """Whether this beneficiary (by the keyed hash of the NIK) already answered."""
        return await self.db.fetchval(
            "SELECT 1 FROM skm_responses WHERE unit_code = ? AND period = ? "
            "AND beneficiary_hash = ?", (unit_code, period, beneficiary_hash)) is not None

    async def add_repeat(self, user_id: int, unit_code: str, period: str, month: str,
                         now: dt.datetime, volunteer_id: int | None = None) -> None:
        await self.db.execute(
            "INSERT INTO skm_repeats (user_id, unit_code, period, month, at, volunteer_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, unit_code, period, month, iso(now), volunteer_id))

    async def submit(self, response: NewResponse, expect_step: str) -> int | None:
        """Store the response and close its draft in one transaction.

        None if the draft was no longer at expect_step (nothing stored); DuplicateResponse if
        the person (or the beneficiary) already answered for this unit and period.
        """
        r = response
        profile = [r.respondent.get(c) for c in PROFILE_COLUMNS]
        async with self.db.transaction() as conn:
            if r.draft_id is not None:
                cur = await conn.execute(
                    "UPDATE skm_drafts SET status = 'submitted', updated_at = ? "
                    "WHERE id = ? AND status = 'open' AND step = ?",
                    (iso(r.submitted_at), r.draft_id, expect_step))
                if cur.rowcount == 0:
                    return None
            try:
                cur = await conn.execute(
                    "INSERT INTO skm_responses (user_id, unit_code, period, month, "
                    "submitted_at, service, gender, age, education, occupation, respondent, "
                    "suggestion, language, draft_id, volunteer_id, beneficiary_hash, program) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (r.user_id, r.unit_code, r.period, r.month, iso(r.submitted_at),
                     r.service, *profile, _dump(r.respondent), r.suggestion, r.language,
                     r.draft_id, r.volunteer_id, r.beneficiary_hash, r.program))
            except sqlite3.IntegrityError:  # the one-answer-per-period unique index
                raise DuplicateResponse(r.unit_code, r.period) from None
            response_id = cur.lastrowid
            await conn.executemany(
                "INSERT INTO skm_answers (response_id, unsur, score) VALUES (?, ?, ?)",
                [(response_id, code, int(score)) for code, score in sorted(r.answers.items())])
        return response_id

    # -- reports --------------------------------------------------------------------------------
    async def unsur_sums(self, by: tuple[str, str], unit: Units = None
                         ) -> dict[str, dict[str, tuple[int, int]]]:
        """{unit_code: {unsur: (sum of scores, answers)}} for a period or month."""
        where, params = _period_clause(by, unit, "r.")
        rows = await self.db.fetchall(
            "SELECT r.unit_code, a.unsur, SUM(a.score) AS total, COUNT(*) AS n "
            "FROM skm_answers a JOIN skm_responses r ON r.id = a.response_id "
            f"WHERE {where} GROUP BY r.unit_code, a.unsur", params)
        out: dict[str, dict[str, tuple[int, int]]] = {}
        for row in rows:
            out.setdefault(row["unit_code"], {})[row["unsur"]] = (row["total"], row["n"])
        return out

    async def respondent_counts(self, by: tuple[str, str], unit: Units = None
                                ) -> dict[str, int]:
        where, params = _period_clause(by, unit)
        rows = await self.db.fetchall(
            f"SELECT unit_code, COUNT(*) AS n FROM skm_responses WHERE {where} "
            "GROUP BY unit_code", params)
        return {r["unit_code"]: r["n"] for r in rows}

    async def repeat_counts(self, by: tuple[str, str], unit: Units = None) -> dict[str, int]:
        where, params = _period_clause(by, unit)
        rows = await self.db.fetchall(
            f"SELECT unit_code, COUNT(*) AS n FROM skm_repeats WHERE {where} GROUP BY unit_code",
            params)
        return {r["unit_code"]: r["n"] for r in rows}

    async def count_responses(self, by: tuple[str, str], unit: Units = None) -> int:
        where, params = _period_clause(by, unit)
        return int(await self.db.fetchval(
            f"SELECT COUNT(*) FROM skm_responses WHERE {where}", params))

    async def responses(self, by: tuple[str, str], unit: Units = None
                        ) -> list[ResponseRow]:
        """Every response of the period with its answers, oldest first."""
        where, params = _period_clause(by, unit, "r.")
        rows = await self.db.fetchall(
            "SELECT r.id, r.unit_code, r.submitted_at, r.service, r.respondent, r.suggestion, "
            f"r.language, r.volunteer_id, r.program FROM skm_responses r WHERE {where} "
            "ORDER BY r.submitted_at, r.id", params)
        out = {r["id"]: ResponseRow(r["id"], r["unit_code"], r["submitted_at"], r["service"],
                                    json.loads(r["respondent"]), r["suggestion"], r["language"],
                                    volunteer_id=r["volunteer_id"], program=r["program"])
               for r in rows}
        if out:
            answers = await self.db.fetchall(
                "SELECT a.response_id, a.unsur, a.score FROM skm_answers a "
                f"JOIN skm_responses r ON r.id = a.response_id WHERE {where}", params)
            for a in answers:
                out[a["response_id"]].answers[a["unsur"]] = a["score"]
        return list(out.values())

    async def recent_suggestions(self, by: tuple[str, str], limit: int = 5,
                                 unit: Units = None) -> list[tuple[str, str, str]]:
        """(unit_code, submitted_at, suggestion), newest first."""
        where, params = _period_clause(by, unit)
        rows = await self.db.fetchall(
            "SELECT unit_code, submitted_at, suggestion FROM skm_responses "
            f"WHERE {where} AND suggestion IS NOT NULL AND suggestion != '' "
            "ORDER BY submitted_at DESC, id DESC LIMIT ?", [*params, limit])
        return [(r["unit_code"], r["submitted_at"], r["suggestion"]) for r in rows]

    async def assisted_counts(self, by: tuple[str, str], unit: Units = None
                              ) -> dict[str, int]:
        """{unit_code: responses entered by volunteers} for a period."""
        where, params = _period_clause(by, unit)
        rows = await self.db.fetchall(
            f"SELECT unit_code, COUNT(*) AS n FROM skm_responses WHERE {where} "
            "AND volunteer_id IS NOT NULL GROUP BY unit_code", params)
        return {r["unit_code"]: r["n"] for r in rows}

    async def volunteer_repeats(self, by: tuple[str, str], unit: Units = None
                                ) -> dict[int, int]:
        """{volunteer_id: refused repeats} for a period."""
        where, params = _period_clause(by, unit)
        rows = await self.db.fetchall(
            f"SELECT volunteer_id, COUNT(*) AS n FROM skm_repeats WHERE {where} "
            "AND volunteer_id IS NOT NULL GROUP BY volunteer_id", params)
        return {r["volunteer_id"]: r["n"] for r in rows}

    async def program_counts(self, by: tuple[str, str], unit: Units = None) -> dict[str, int]:
        """{program key: assisted responses about it} for a period."""
        where, params = _period_clause(by, unit)
        rows = await self.db.fetchall(
            f"SELECT program, COUNT(*) AS n FROM skm_responses WHERE {where} "
            "AND program IS NOT NULL GROUP BY program", params)
        return {r["program"]: r["n"] for r in rows}

    # -- NIK checks of assisted surveys (for their limit) ----------------------------------------
    async def nik_checks_since(self, volunteer_id: int, since: dt.datetime) -> list[str]:
        """The times (ISO, oldest first) of the volunteer's counted NIK checks since `since`."""
        rows = await self.db.fetchall(
            "SELECT at FROM skm_nik_checks WHERE volunteer_id = ? AND at > ? "
            "AND outcome != 'limited' ORDER BY at", (volunteer_id, iso(since)))
        return [r["at"] for r in rows]

    async def add_nik_check(self, volunteer_id: int, now: dt.datetime, outcome: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO skm_nik_checks (volunteer_id, at, outcome) VALUES (?, ?, ?)",
                (volunteer_id, iso(now), outcome))
            await conn.execute("DELETE FROM skm_nik_checks WHERE at < ?",
                               (iso(now - dt.timedelta(days=1)),))

    # -- populations ----------------------------------------------------------------------------
    async def set_population(self, unit_code: str, period: str, population: int,
                             actor_id: int | None, now: dt.datetime) -> None:
        await self.db.execute(
            "INSERT INTO skm_populations (unit_code, period, population, set_by, set_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (unit_code, period) DO UPDATE SET "
            "population = excluded.population, set_by = excluded.set_by, "
            "set_at = excluded.set_at", (unit_code, period, population, actor_id, iso(now)))

    async def populations(self, period: str) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT unit_code, population FROM skm_populations WHERE period = ?", (period,))
        return {r["unit_code"]: r["population"] for r in rows}

    async def populations_in(self, periods: Sequence[str]) -> dict[str, dict[str, int]]:
        """{unit_code: {period code: population}} for the periods named."""
        if not periods:
            return {}
        marks = ", ".join("?" * len(periods))
        rows = await self.db.fetchall(
            "SELECT unit_code, period, population FROM skm_populations "
            f"WHERE period IN ({marks})", list(periods))
        out: dict[str, dict[str, int]] = {}
        for r in rows:
            out.setdefault(r["unit_code"], {})[r["period"]] = r["population"]
        return out
