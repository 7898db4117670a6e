"""The SKM survey: its steps, the draft kept at every step, the one-per-period rule, reports.

No Telegram here. The handlers call `begin`, `answer`, `back` and `cancel`; every call names
the draft and the step the person answered (from the button), so a double tap, a button of an
old survey or a replayed update changes nothing. A draft lives in SQLite, so a restart or a
crash resumes at the same step with the earlier answers kept.

Steps, in order: unit, service, U1..U9, the respondent fields of content/skm.yaml, suggestion.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process, utils

from bot.clock import Clock, parse_iso
from bot.content import Content, Skm, Unit
from bot.services import ikm
from bot.services.staff import StaffService
from bot.storage.skm import DraftRow, NewResponse, ResponseRow
from bot.storage.store import Store

STEP_UNIT = "unit"
STEP_SERVICE = "service"
STEP_SUGGESTION = "suggestion"
SKIP = "skip"
MAX_SUGGESTION = 1000
DRAFT_TTL = dt.timedelta(days=3)  # an untouched draft older than this starts over
SEARCH_LIMIT = 6
SEARCH_CUTOFF = 60

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a report period may name
LOOKS_LIKE_PERIOD = re.compile(r"^\d{4}-", re.ASCII)


# -- periods ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A reporting period: a quarter (the rule's unit, e.g. 2026-Q4) or a month (2026-11)."""

    kind: str  # quarter | month
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Period:
        text = text.strip()
        m = _QUARTER.match(text) or _MONTH.match(text)
        if m and FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
            kind = "quarter" if m.re is _QUARTER else "month"
            return cls(kind, int(m.group(1)), int(m.group(2)))
        raise ValueError(f"{text!r} is not a period: use a quarter like 2026-Q4 or a month "
                         f"like 2026-11, in the years {FIRST_YEAR} to {LAST_YEAR}")

    @classmethod
    def quarter_of(cls, day: dt.date) -> Period:
        return cls("quarter", day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        return cls("month", day.year, day.month)

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}" if self.kind == "quarter" \
            else f"{self.year}-{self.number:02d}"

    @property
    def column(self) -> str:
        return "period" if self.kind == "quarter" else "month"

    @property
    def key(self) -> tuple[str, str]:
        return self.column, self.code

    @property
    def first_day(self) -> dt.date:
        month = (self.number - 1) * 3 + 1 if self.kind == "quarter" else self.number
        return dt.date(self.year, month, 1)

    def next(self) -> Period:
        last = 4 if self.kind == "quarter" else 12
        if self.number == last:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.number + 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    def __str__(self) -> str:
        return self.code


# -- outcomes ---------------------------------------------------------------------------------
class Outcome(StrEnum):
    ACCEPTED = "accepted"    # the answer is kept; draft.step is the next question
    STALE = "stale"          # the button belongs to a survey that is over (or not this user's)
    ALREADY = "already"      # that question was already answered (a double tap)
    INVALID = "invalid"      # a value the question does not offer (forged data, too long text)
    REPEAT = "repeat"        # this person already rated this unit in this period
    SUBMITTED = "submitted"  # the survey is complete and stored


@dataclass
class StepResult:
    outcome: Outcome
    draft: DraftRow | None = None
    resumed: bool = False
    unit: Unit | None = None
    period: Period | None = None


# -- reports ----------------------------------------------------------------------------------
@dataclass
class UnitReport:
    code: str                       # unit code, or "ALL" for every unit together
    name: str
    short: str
    respondents: int
    repeats: int
    result: ikm.IkmResult | None
    population: int | None = None
    min_sample: int | None = None

    def as_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "unit": self.code, "name": self.name, "respondents": self.respondents,
            "rejected_repeats": self.repeats,
            "nrr": {c: float(ikm.round_to(v, 4)) for c, v in r.nrr.items()} if r else None,
            "ikm": float(r.ikm) if r else None,
            "ikm_exact": f"{r.ikm_exact.numerator}/{r.ikm_exact.denominator}" if r else None,
            "mutu": r.grade.mutu if r else None,
            "kinerja": r.grade.kinerja if r else None,
            "population": self.population, "min_sample": self.min_sample,
            "sample_reached": (self.respondents >= self.min_sample)
            if self.min_sample is not None else None,
        }


@dataclass
class Report:
    period: Period
    overall: UnitReport
    units: list[UnitReport]          # the units with responses or repeats (or the one asked)
    silent_units: list[str] = field(default_factory=list)  # codes with nothing this period
    suggestions: list[tuple[str, str, str]] = field(default_factory=list)  # unit, local day, text
    unit: Unit | None = None         # the report of one unit (then units is that one)

    @property
    def main(self) -> UnitReport:
        """The figures the report leads with: the unit asked for, or all units together."""
        return self.units[0] if self.unit is not None else self.overall

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period.code,
            "unit": self.unit.code if self.unit else None,
            "from": self.period.first_day.isoformat(),
            "to": self.period.last_day.isoformat(),
            "overall": self.overall.as_json(),
            "units": [u.as_json() for u in self.units],
            "units_without_responses": self.silent_units,
        }


class SurveyService:
    def __init__(self, store: Store, content: Content, clock: Clock, tz: ZoneInfo,
                 staff: StaffService | None = None) -> None:
        if content.skm is None:
            raise ValueError("content has no SKM questionnaire")
        self.store = store
        self.repo = store.skm
        self.content = content
        self.skm: Skm = content.skm
        self.clock = clock
        self.tz = tz
        self.staff = staff
        self.fields = [f.key for f in self.skm.respondent]
        self.steps = [STEP_UNIT, STEP_SERVICE, *ikm.UNSUR_CODES, *self.fields, STEP_SUGGESTION]

    # -- time -----------------------------------------------------------------------------------
    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    def current_period(self) -> Period:
        return Period.quarter_of(self.today())

    def local(self, when: str | dt.datetime) -> dt.datetime:
        moment = parse_iso(when) if isinstance(when, str) else when
        return moment.astimezone(self.tz)

    # -- steps ----------------------------------------------------------------------------------
    def previous_step(self, step: str) -> str | None:
        i = self.steps.index(step)
        return self.steps[i - 1] if i > 0 else None

    def next_step(self, step: str) -> str:
        return self.steps[self.steps.index(step) + 1]

    def valid_value(self, step: str, value: str) -> bool:
        if step == STEP_UNIT:
            return self.content.unit(value) is not None
        if step == STEP_SERVICE:
            return self.skm.service(value) is not None
        if step in ikm.UNSUR_CODES:
            return value in ("1", "2", "3", "4")
        f = self.skm.field(step)
        if f is not None:
            return any(o.code == value for o in f.options)
        return step == STEP_SUGGESTION and value == SKIP

    def search_units(self, query: str, limit: int = SEARCH_LIMIT) -> list[Unit]:
        """Units whose name, label or town resemble the typed text, best first."""
        query = query.strip()[:100]
        if not utils.default_process(query):
            return []
        choices = {u.code: f"{u.short} | {u.name} | {u.city}" for u in self.content.units}
        found = process.extract(query, choices, scorer=fuzz.WRatio,
                                processor=utils.default_process, limit=limit,
                                score_cutoff=SEARCH_CUTOFF)
        if not found:
            return []
        best = found[0][1]
        return [self.content.unit(code) for _, score, code in found if score >= best - 15]

    # -- the flow -------------------------------------------------------------------------------
    async def current(self, user_id: int) -> DraftRow | None:
        """The user's open draft, unless it has been left untouched too long."""
        draft = await self.repo.open_draft(user_id)
        if draft is None:
            return None
        if self.clock() - parse_iso(draft.updated_at) > DRAFT_TTL:
            await self.repo.close_draft(draft.id, "expired", self.clock())
            return None
        return draft

    async def begin(self, user_id: int, unit_code: str | None = None) -> StepResult:
        """Start (or resume) a survey; with unit_code (a deep link) the unit is chosen."""
        draft = await self.current(user_id)
        if draft is not None and (unit_code is None
                                  or draft.data.get(STEP_UNIT) == unit_code.upper()):
            return StepResult(Outcome.ACCEPTED, draft, resumed=True)
        if unit_code is not None and self.content.unit(unit_code) is None:
            return StepResult(Outcome.INVALID, draft)
        draft = await self.repo.create_draft(user_id, STEP_UNIT, {}, self.clock())
        if unit_code is None:
            return StepResult(Outcome.ACCEPTED, draft)
        return await self.answer(user_id, draft.id, STEP_UNIT, unit_code.upper())

    async def _draft_for(self, user_id: int, draft_id: int) -> DraftRow | None:
        draft = await self.repo.draft(draft_id)
        if draft is None or draft.user_id != user_id or draft.status != "open":
            return None
        return draft

    async def answer(self, user_id: int, draft_id: int, step: str, value: str,
                     language: str | None = None) -> StepResult:
        draft = await self._draft_for(user_id, draft_id)
        if draft is None:
            return StepResult(Outcome.STALE)
        if draft.step != step:
            return StepResult(Outcome.ALREADY, draft)
        if step not in self.steps or not self.valid_value(step, value):
            return StepResult(Outcome.INVALID, draft)
        if step == STEP_SUGGESTION:  # the "no suggestion" button
            return await self.finish(user_id, draft_id, None, language)
        now = self.clock()
        if step == STEP_UNIT:
            unit = self.content.unit(value)
            period = self.current_period()
            if await self.repo.has_response(user_id, unit.code, period.code):
                return await self._reject_repeat(draft, unit, period)
        data = dict(draft.data)
        data[step] = int(value) if step in ikm.UNSUR_CODES else value
        following = self.next_step(step)
        if not await self.repo.advance(draft.id, user_id, step, following, data, now):
            return StepResult(Outcome.ALREADY, await self.repo.draft(draft.id))
        draft.step, draft.data = following, data
        return StepResult(Outcome.ACCEPTED, draft)

    async def back(self, user_id: int, draft_id: int, from_step: str) -> StepResult:
        """Go back from from_step to the step before it, to correct that answer."""
        draft = await self._draft_for(user_id, draft_id)
        if draft is None:
            return StepResult(Outcome.STALE)
        if draft.step != from_step or from_step not in self.steps:
            return StepResult(Outcome.ALREADY, draft)
        previous = self.previous_step(from_step)
        if previous is None:
            return StepResult(Outcome.INVALID, draft)
        if not await self.repo.advance(draft.id, user_id, from_step, previous, draft.data,
                                       self.clock()):
            return StepResult(Outcome.ALREADY, await self.repo.draft(draft.id))
        draft.step = previous
        return StepResult(Outcome.ACCEPTED, draft)

    async def finish(self, user_id: int, draft_id: int, suggestion: str | None,
                     language: str | None = None) -> StepResult:
        """The last step: keep the suggestion (None to skip) and store the response."""
        draft = await self._draft_for(user_id, draft_id)
        if draft is None:
            return StepResult(Outcome.STALE)
        if draft.step != STEP_SUGGESTION:
            return StepResult(Outcome.ALREADY, draft)
        if suggestion is not None:
            suggestion = suggestion.strip() or None
            if suggestion is not None and len(suggestion) > MAX_SUGGESTION:
                return StepResult(Outcome.INVALID, draft)
        now = self.clock()
        day = now.astimezone(self.tz).date()
        period = Period.quarter_of(day)
        unit = self.content.unit(draft.data.get(STEP_UNIT, ""))
        if unit is None or STEP_SERVICE not in draft.data:  # the unit left content meanwhile
            await self.repo.close_draft(draft.id, "expired", now)
            return StepResult(Outcome.STALE)
        response = NewResponse(
            user_id=user_id, unit_code=unit.code, period=period.code,
            month=Period.month_of(day).code, submitted_at=now,
            service=draft.data[STEP_SERVICE],
            respondent={k: draft.data[k] for k in self.fields if k in draft.data},
            answers={c: int(draft.data[c]) for c in ikm.UNSUR_CODES},
            suggestion=suggestion, language=language, draft_id=draft.id)
        try:
            response_id = await self.repo.submit(response, STEP_SUGGESTION)
        except sqlite3.IntegrityError:
            return await self._reject_repeat(draft, unit, period)
        if response_id is None:
            return StepResult(Outcome.ALREADY, await self.repo.draft(draft.id))
        draft.status = "submitted"
        return StepResult(Outcome.SUBMITTED, draft, unit=unit, period=period)

    async def _reject_repeat(self, draft: DraftRow, unit: Unit, period: Period) -> StepResult:
        now = self.clock()
        month = Period.month_of(now.astimezone(self.tz).date())
        await self.repo.add_repeat(draft.user_id, unit.code, period.code, month.code, now)
        await self.repo.close_draft(draft.id, "rejected", now)
        draft.status = "rejected"
        return StepResult(Outcome.REPEAT, draft, unit=unit, period=period)

    async def cancel(self, user_id: int) -> bool:
        draft = await self.repo.open_draft(user_id)
        if draft is None:
            return False
        return await self.repo.close_draft(draft.id, "cancelled", self.clock())

    # -- reports (staff) ------------------------------------------------------------------------
    async def report(self, period: Period, unit_code: str | None = None,
                     suggestions: int = 5) -> Report:
        unit = None
        if unit_code is not None:
            unit = self.content.unit(unit_code)
            if unit is None:
                raise ValueError(f"unknown unit {unit_code!r}")
        code = unit.code if unit else None
        sums = await self.repo.unsur_sums(period.key, code)
        counts = await self.repo.respondent_counts(period.key, code)
        repeats = await self.repo.repeat_counts(period.key, code)
        units = []
        silent = []
        for u in self.content.units:
            if unit is not None and u.code != unit.code:
                continue
            n, rep = counts.get(u.code, 0), repeats.get(u.code, 0)
            if not n and not rep and unit is None:
                silent.append(u.code)
                continue
            units.append(UnitReport(
                u.code, u.name, u.short, n, rep, ikm.compute(sums.get(u.code, {}), n),
                u.population,
                ikm.krejcie_morgan(u.population) if u.population else None))
        total: dict[str, tuple[int, int]] = {}
        for per_unit in sums.values():
            for c, (s, n) in per_unit.items():
                t = total.get(c, (0, 0))
                total[c] = (t[0] + s, t[1] + n)
        respondents = sum(counts.values())
        overall = UnitReport("ALL", "", "", respondents, sum(repeats.values()),
                             ikm.compute(total, respondents))
        recent = [(c, self.local(at).date().isoformat(), text) for c, at, text in
                  await self.repo.recent_suggestions(period.key, suggestions, code)] \
            if suggestions else []
        return Report(period, overall, units, silent, recent, unit)

    async def report_for(self, user_id: int, period: Period | None = None,
                         unit_code: str | None = None) -> Report:
        """The report for a staff member: the role is checked here too, and audited."""
        if self.staff is None:
            raise RuntimeError("no staff service")
        await self.staff.require(user_id, "operator")
        period = period or self.current_period()
        report = await self.report(period, unit_code)
        await self.staff.audit(user_id, "skm.report", target=period.code)
        return report

    async def responses(self, period: Period, unit_code: str | None = None
                        ) -> list[ResponseRow]:
        return await self.repo.responses(period.key, unit_code.upper() if unit_code else None)
