"""SKM reports for staff: per unit and for the whole office, with coverage against the
unit's population, the assisted surveys per volunteer and the flagged runs.

`SkmReports` holds what every part of the survey needs (storage, content, clock, time zone,
staff and volunteers); the survey flow (service.SurveyService) builds on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.content import Content, Skm, Unit
from bot.core.clock import Clock, parse_iso
from bot.features.skm import assisted as assisted_mod
from bot.features.skm import ikm
from bot.features.skm.periods import Period
from bot.features.skm.repo import ResponseRow
from bot.features.staff.service import StaffService
from bot.features.volunteers.service import VolunteerService
from bot.repos import Store


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


class SkmReports:
    def __init__(self, store: Store, content: Content, clock: Clock, tz: ZoneInfo,
                 staff: StaffService | None = None,
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
        self.volunteers = volunteers

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
