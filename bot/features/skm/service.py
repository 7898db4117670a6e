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
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process, utils

from bot.content import Content, Skm, Unit
from bot.core.clock import Clock, parse_iso
from bot.features.skm import assisted as assisted_mod
from bot.features.skm import ikm
from bot.features.skm.repo import DraftRow, DuplicateResponse, NewResponse, ResponseRow
from bot.features.staff.service import StaffService
from bot.features.volunteers.service import VolunteerService
from bot.repos import Store

STEP_UNIT = "unit"
STEP_SERVICE = "service"
STEP_SUGGESTION = "suggestion"
STEP_CONSENT = "consent"  # assisted surveys: the beneficiary agreed to answer
STEP_NIK = "nik"          # assisted surveys: the beneficiary's NIK, kept only as a keyed hash
ASSISTED = "assisted"     # the draft data key marking an assisted survey (the volunteer's phone)
NIK_HASH = "nik_h"        # the draft data key of the beneficiary's HMAC (hex), never the NIK
YES = "yes"
SKIP = "skip"
MAX_SUGGESTION = 1000
DRAFT_TTL = dt.timedelta(days=3)  # an untouched draft older than this starts over
SEARCH_LIMIT = 6
SEARCH_CUTOFF = 60

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a report period may name
LOOKS_LIKE_PERIOD = re.compile(r"^\d{4}", re.ASCII)


# -- periods ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A reporting period: a quarter (the rule's unit, e.g. 2026-Q4), a month (2026-11) or a
    year (2026)."""

    kind: str  # quarter | month | year
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Period:
        text = text.strip()
        m = _QUARTER.match(text) or _MONTH.match(text)
        if m and FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
            kind = "quarter" if m.re is _QUARTER else "month"
            return cls(kind, int(m.group(1)), int(m.group(2)))
        if (m := _YEAR.match(text)) and FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
            return cls("year", int(m.group(1)), 1)
        raise ValueError(f"{text!r} is not a period: use a quarter like 2026-Q4, a month "
                         f"like 2026-11 or a year like 2026, in the years {FIRST_YEAR} to "
                         f"{LAST_YEAR}")

    @classmethod
    def quarter_of(cls, day: dt.date) -> Period:
        return cls("quarter", day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        return cls("month", day.year, day.month)

    @classmethod
    def year_of(cls, day: dt.date) -> Period:
        return cls("year", day.year, 1)

    @property
    def code(self) -> str:
        if self.kind == "year":
            return str(self.year)
        return f"{self.year}-Q{self.number}" if self.kind == "quarter" \
            else f"{self.year}-{self.number:02d}"

    @property
    def column(self) -> str:
        return {"quarter": "period", "month": "month", "year": "year"}[self.kind]

    @property
    def key(self) -> tuple[str, str]:
        return self.column, self.code

    @property
    def first_day(self) -> dt.date:
        month = (self.number - 1) * 3 + 1 if self.kind == "quarter" else self.number
        return dt.date(self.year, month, 1)

    @property
    def _last_number(self) -> int:
        return {"quarter": 4, "month": 12, "year": 1}[self.kind]

    def next(self) -> Period:
        if self.number == self._last_number:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.number + 1)

    def previous(self) -> Period:
        if self.number == 1:
            return Period(self.kind, self.year - 1, self._last_number)
        return Period(self.kind, self.year, self.number - 1)

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
    assisted: int = 0               # responses entered by volunteers (Survei dampingan)

    @property
    def sample_ok(self) -> bool | None:
        """Whether the Krejcie-Morgan minimum is reached; None when the population is unknown."""
        if self.min_sample is None:
            return None
        return self.respondents >= self.min_sample

    @property
    def graded(self) -> ikm.IkmResult | None:
        """The result to show a grade for: none while the sample is below its minimum."""
        return None if self.sample_ok is False else self.result

    @property
    def coverage(self) -> float | None:
        """Respondents as a share of the population (1.0 = every beneficiary answered)."""
        return self.respondents / self.population if self.population else None

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
            "sample_reached": self.sample_ok, "assisted": self.assisted,
        }


@dataclass
class Report:
    period: Period
    overall: UnitReport
    units: list[UnitReport]          # the units with responses or repeats (or the one asked)
    silent_units: list[str] = field(default_factory=list)  # codes with nothing this period
    suggestions: list[tuple[str, str, str]] = field(default_factory=list)  # unit, local day, text
    unit: Unit | None = None         # the report of one unit (then units is that one)
    volunteers: list[Any] = field(default_factory=list)  # assisted.VolunteerTally, most first
    flags: list[Any] = field(default_factory=list)       # assisted.Flag: implausible runs
    unit_names: dict[str, str] = field(default_factory=dict)  # code -> short label, every unit

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
            "volunteers": [v.as_json() for v in self.volunteers],
            "flags": [f.as_json() for f in self.flags],
        }


class SurveyService:
    def __init__(self, store: Store, content: Content, clock: Clock, tz: ZoneInfo,
                 staff: StaffService | None = None,
                 nik_hasher: Callable[[str], bytes] | None = None,
                 volunteers: VolunteerService | None = None) -> None:
        if content.skm is None:
            raise ValueError("content has no SKM questionnaire")
        self.store = store
        self.repo = store.skm
        self.content = content
        self.skm: Skm = content.skm
        self.clock = clock
        self.tz = tz
        self.staff = staff
        # NIK text -> HMAC-SHA256(NIK_HMAC_KEY, NIK); raises ValueError for a malformed NIK
        # and RuntimeError without the key (built by the composition root from the status
        # feature's NIK rules)
        self.nik_hasher = nik_hasher
        self.volunteers = volunteers
        self.fields = [f.key for f in self.skm.respondent]
        self.steps = [STEP_UNIT, STEP_SERVICE, *ikm.UNSUR_CODES, *self.fields, STEP_SUGGESTION]
        self.assisted_steps = [STEP_UNIT, STEP_SERVICE, STEP_CONSENT, STEP_NIK,
                               *ikm.UNSUR_CODES, *self.fields, STEP_SUGGESTION]

    def steps_of(self, draft: DraftRow | None) -> list[str]:
        """The steps of this draft: an assisted survey also asks consent and the NIK."""
        return self.assisted_steps if draft is not None and draft.data.get(ASSISTED) \
            else self.steps

    # -- time -----------------------------------------------------------------------------------
    def today(self) -> dt.date:
        return self.clock().astimezone(self.tz).date()

    def current_period(self) -> Period:
        return Period.quarter_of(self.today())

    async def responses_this_month(self) -> int:
        """The staff home: survey answers this month (in TIMEZONE), every unit."""
        return await self.repo.count_responses(Period.month_of(self.today()).key)

    def local(self, when: str | dt.datetime) -> dt.datetime:
        moment = parse_iso(when) if isinstance(when, str) else when
        return moment.astimezone(self.tz)

    # -- steps ----------------------------------------------------------------------------------
    def previous_step(self, step: str, draft: DraftRow | None = None) -> str | None:
        steps = self.steps_of(draft)
        i = steps.index(step)
        return steps[i - 1] if i > 0 else None

    def next_step(self, step: str, draft: DraftRow | None = None) -> str:
        steps = self.steps_of(draft)
        return steps[steps.index(step) + 1]

    def valid_value(self, step: str, value: str) -> bool:
        if step == STEP_UNIT:
            return self.content.unit(value) is not None
        if step == STEP_SERVICE:
            return self.skm.service(value) is not None
        if step in ikm.UNSUR_CODES:
            return value in ("1", "2", "3", "4")
        if step == STEP_CONSENT:
            return value == YES
        f = self.skm.field(step)
        if f is not None:
            return any(o.code == value for o in f.options)
        return step == STEP_SUGGESTION and value == SKIP

    def search_units(self, query: str, limit: int = SEARCH_LIMIT) -> list[Unit]:
        """Units whose name, label or town resemble the typed text, best first."""
        query = query.strip()[:100]
        if not utils.default_process(query):
            return []
        units = {u.code: u for u in self.content.units}
        choices = {code: f"{u.short} | {u.name} | {u.city}" for code, u in units.items()}
        found = process.extract(query, choices, scorer=fuzz.WRatio,
                                processor=utils.default_process, limit=limit,
                                score_cutoff=SEARCH_CUTOFF)
        if not found:
            return []
        best = found[0][1]
        return [units[code] for _, score, code in found if score >= best - 15]

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
        if step not in self.steps_of(draft) or step == STEP_NIK \
                or not self.valid_value(step, value):
            return StepResult(Outcome.INVALID, draft)
        if step == STEP_SUGGESTION:  # the "no suggestion" button
            return await self.finish(user_id, draft_id, None, language)
        now = self.clock()
        if step == STEP_UNIT and not draft.data.get(ASSISTED):
            unit = self.content.unit(value)
            assert unit is not None  # valid_value() above found it
            period = self.current_period()
            if await self.repo.has_response(user_id, unit.code, period.code):
                return await self._reject_repeat(draft, unit, period)
        data = dict(draft.data)
        data[step] = int(value) if step in ikm.UNSUR_CODES else value
        following = self.next_step(step, draft)
        if not await self.repo.advance(draft.id, user_id, step, following, data, now):
            return StepResult(Outcome.ALREADY, await self.repo.draft(draft.id))
        draft.step, draft.data = following, data
        return StepResult(Outcome.ACCEPTED, draft)

    async def back(self, user_id: int, draft_id: int, from_step: str) -> StepResult:
        """Go back from from_step to the step before it, to correct that answer."""
        draft = await self._draft_for(user_id, draft_id)
        if draft is None:
            return StepResult(Outcome.STALE)
        if draft.step != from_step or from_step not in self.steps_of(draft):
            return StepResult(Outcome.ALREADY, draft)
        previous = self.previous_step(from_step, draft)
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
        assisted = bool(draft.data.get(ASSISTED))
        if assisted and NIK_HASH not in draft.data:
            await self.repo.close_draft(draft.id, "expired", now)
            return StepResult(Outcome.STALE)
        response = NewResponse(
            # an assisted response is the beneficiary's, not the volunteer's: minus the draft id
            user_id=-draft.id if assisted else user_id, unit_code=unit.code, period=period.code,
            month=Period.month_of(day).code, submitted_at=now,
            service=draft.data[STEP_SERVICE],
            respondent={k: draft.data[k] for k in self.fields if k in draft.data},
            answers={c: int(draft.data[c]) for c in ikm.UNSUR_CODES},
            suggestion=suggestion, language=language, draft_id=draft.id,
            volunteer_id=user_id if assisted else None,
            beneficiary_hash=bytes.fromhex(draft.data[NIK_HASH]) if assisted else None)
        try:
            response_id = await self.repo.submit(response, STEP_SUGGESTION)
        except DuplicateResponse:
            return await self._reject_repeat(draft, unit, period)
        if response_id is None:
            return StepResult(Outcome.ALREADY, await self.repo.draft(draft.id))
        draft.status = "submitted"
        return StepResult(Outcome.SUBMITTED, draft, unit=unit, period=period)

    async def _reject_repeat(self, draft: DraftRow, unit: Unit, period: Period) -> StepResult:
        now = self.clock()
        month = Period.month_of(now.astimezone(self.tz).date())
        volunteer = draft.user_id if draft.data.get(ASSISTED) else None
        await self.repo.add_repeat(draft.user_id, unit.code, period.code, month.code, now,
                                   volunteer)
        await self.repo.close_draft(draft.id, "rejected", now)
        draft.status = "rejected"
        return StepResult(Outcome.REPEAT, draft, unit=unit, period=period)

    # -- assisted surveys (Survei dampingan) ------------------------------------------------------
    async def begin_assisted(self, volunteer_id: int) -> StepResult:
        """An approved volunteer starts (or resumes) a survey for a beneficiary with them.
        INVALID when the person is not an approved volunteer (checked here, not only in chat)."""
        if self.volunteers is None or not await self.volunteers.is_approved(volunteer_id):
            return StepResult(Outcome.INVALID)
        draft = await self.current(volunteer_id)
        if draft is not None and draft.data.get(ASSISTED):
            return StepResult(Outcome.ACCEPTED, draft, resumed=True)
        draft = await self.repo.create_draft(volunteer_id, STEP_UNIT, {ASSISTED: 1},
                                             self.clock())
        return StepResult(Outcome.ACCEPTED, draft)

    async def beneficiary_nik(self, volunteer_id: int, draft_id: int, text: str) -> StepResult:
        """The NIK typed for the beneficiary: only its keyed hash is kept (in the draft, then
        with the response). REPEAT when that beneficiary already answered for the unit in this
        period: the refusal is counted for the volunteer and the draft stays at the NIK step.
        Raises ValueError for a malformed NIK and RuntimeError without NIK_HMAC_KEY."""
        draft = await self._draft_for(volunteer_id, draft_id)
        if draft is None or not draft.data.get(ASSISTED):
            return StepResult(Outcome.STALE)
        if draft.step != STEP_NIK:
            return StepResult(Outcome.ALREADY, draft)
        if self.nik_hasher is None:
            raise RuntimeError("NIK_HMAC_KEY is not set")
        digest = self.nik_hasher(text)
        if self.volunteers is None or not await self.volunteers.is_approved(volunteer_id):
            return StepResult(Outcome.STALE)
        unit = self.content.unit(draft.data.get(STEP_UNIT, ""))
        period = self.current_period()
        now = self.clock()
        if unit is None:
            return StepResult(Outcome.STALE)
        if await self.repo.has_beneficiary(unit.code, period.code, digest):
            month = Period.month_of(now.astimezone(self.tz).date())
            await self.repo.add_repeat(volunteer_id, unit.code, period.code, month.code, now,
                                       volunteer_id)
            return StepResult(Outcome.REPEAT, draft, unit=unit, period=period)
        data = dict(draft.data)
        data[NIK_HASH] = digest.hex()
        following = self.next_step(STEP_NIK, draft)
        if not await self.repo.advance(draft.id, volunteer_id, STEP_NIK, following, data, now):
            return StepResult(Outcome.ALREADY, await self.repo.draft(draft.id))
        draft.step, draft.data = following, data
        return StepResult(Outcome.ACCEPTED, draft, unit=unit, period=period)

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
        assisted = await self.repo.assisted_counts(period.key, code)
        populations = await self.repo.populations(period.code)
        units = []
        silent = []
        for u in self.content.units:
            if unit is not None and u.code != unit.code:
                continue
            n, rep = counts.get(u.code, 0), repeats.get(u.code, 0)
            if not n and not rep and unit is None:
                silent.append(u.code)
                continue
            population = populations.get(u.code) or u.population
            units.append(UnitReport(
                u.code, u.name, u.short, n, rep, ikm.compute(sums.get(u.code, {}), n),
                population, ikm.krejcie_morgan(population) if population else None,
                assisted.get(u.code, 0)))
        total: dict[str, tuple[int, int]] = {}
        for per_unit in sums.values():
            for c, (s, n) in per_unit.items():
                t = total.get(c, (0, 0))
                total[c] = (t[0] + s, t[1] + n)
        respondents = sum(counts.values())
        # the office's population is known when every unit's is (set or in content)
        pops = [populations.get(u.code) or u.population for u in self.content.units]
        office = sum(p for p in pops if p) if unit is None and pops and all(pops) else None
        overall = UnitReport("ALL", "", "", respondents, sum(repeats.values()),
                             ikm.compute(total, respondents), office,
                             ikm.krejcie_morgan(office) if office else None,
                             sum(assisted.values()))
        recent = [(c, self.local(at).date().isoformat(), text) for c, at, text in
                  await self.repo.recent_suggestions(period.key, suggestions, code)] \
            if suggestions else []
        report = Report(period, overall, units, silent, recent, unit,
                        unit_names={u.code: u.short for u in self.content.units})
        if sum(assisted.values()):
            rows = [r for r in await self.responses(period, code) if r.volunteer_id is not None]
            names = await self._volunteer_names(
                {r.volunteer_id for r in rows if r.volunteer_id is not None})
            report.volunteers = assisted_mod.tally(
                rows, names, await self.repo.volunteer_repeats(period.key, code), self.tz)
            report.flags = assisted_mod.flag_runs(rows, self.tz, names=names)
        return report

    async def _volunteer_names(self, ids: set[int]) -> dict[int, str]:
        out = {}
        for vid in ids:
            vol = await self.volunteers.get(vid) if self.volunteers is not None else None
            out[vid] = vol.name if vol else str(vid)
        return out

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

    async def set_population(self, actor_id: int | None, unit_code: str, period: Period,
                             population: int, *, trusted: bool = False) -> Unit:
        """Staff set the beneficiaries a unit served in a period (the command line is trusted).
        ValueError for an unknown unit or a number that is not a positive whole number."""
        if not trusted:
            if self.staff is None:
                raise RuntimeError("no staff service")
            await self.staff.require(actor_id, "operator")
        unit = self.content.unit(unit_code)
        if unit is None:
            raise ValueError(f"unknown unit {unit_code!r}")
        if not 0 < int(population) <= 10_000_000:
            raise ValueError("population must be a positive whole number")
        await self.repo.set_population(unit.code, period.code, int(population), actor_id,
                                       self.clock())
        if self.staff is not None:
            await self.staff.audit(actor_id, "skm.population", target=unit.code,
                                   detail={"period": period.code, "population": population})
        return unit

    async def responses(self, period: Period, unit_code: str | None = None
                        ) -> list[ResponseRow]:
        return await self.repo.responses(period.key, unit_code.upper() if unit_code else None)
