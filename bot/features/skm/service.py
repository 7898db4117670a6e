"""The SKM survey: its steps, the draft kept at every step, the one-per-period rule.

No Telegram here. The handlers call `begin`, `answer`, `back` and `cancel`; every call names
the draft and the step the person answered (from the button), so a double tap, a button of an
old survey or a replayed update changes nothing. A draft lives in SQLite, so a restart or a
crash resumes at the same step with the earlier answers kept.

Steps, in order: unit, service, U1..U9, the respondent fields of content/skm.yaml, suggestion.
Periods are in periods.py, the staff reports in reports.py (SkmReports, which this builds on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process, utils

from bot.content import Content, Unit
from bot.core.clock import Clock, parse_iso
from bot.features.skm import ikm
from bot.features.skm.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    LOOKS_LIKE_PERIOD,
    Period,
)
from bot.features.skm.repo import DraftRow, DuplicateResponse, NewResponse
from bot.features.skm.reports import Report, SkmReports, UnitReport
from bot.features.staff.service import StaffService
from bot.features.volunteers.service import VolunteerService
from bot.repos import Store

# the names other modules (and other features) take from here
__all__ = ["FIRST_YEAR", "LAST_YEAR", "LOOKS_LIKE_PERIOD", "Outcome", "Period", "Report",
           "StepResult", "SurveyService", "UnitReport"]

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


class SurveyService(SkmReports):
    """The survey flow (a resident's own, and the assisted one) on top of the reports."""

    def __init__(self, store: Store, content: Content, clock: Clock, tz: ZoneInfo,
                 staff: StaffService | None = None,
                 nik_hasher: Callable[[str], bytes] | None = None,
                 volunteers: VolunteerService | None = None) -> None:
        super().__init__(store, content, clock, tz, staff, volunteers)
        # NIK text -> HMAC-SHA256(NIK_HMAC_KEY, NIK); raises ValueError for a malformed NIK
        # and RuntimeError without the key (built by the composition root from the status
        # feature's NIK rules)
        self.nik_hasher = nik_hasher
        self.fields = [f.key for f in self.skm.respondent]
        self.steps = [STEP_UNIT, STEP_SERVICE, *ikm.UNSUR_CODES, *self.fields, STEP_SUGGESTION]
        self.assisted_steps = [STEP_UNIT, STEP_SERVICE, STEP_CONSENT, STEP_NIK,
                               *ikm.UNSUR_CODES, *self.fields, STEP_SUGGESTION]

    def steps_of(self, draft: DraftRow | None) -> list[str]:
        """The steps of this draft: an assisted survey also asks consent and the NIK."""
        return self.assisted_steps if draft is not None and draft.data.get(ASSISTED) \
            else self.steps

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
