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
from bot.core.scope import Scope
from bot.features.skm import assisted as assisted_mod
from bot.features.skm import ikm
from bot.features.skm.periods import Period
from bot.features.skm.repo import ResponseRow, Units
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
    population_from: Period | None = None  # the period the population was set for

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
    # a regional operator's report: the units of their kab/kota (None: the whole province)
    scope_units: tuple[str, ...] | None = None
    region: str | None = None       # that kab/kota's label, e.g. "Kab. Pasuruan"
    # assisted responses per program served through: (program key, short name, count)
    programs: list[tuple[str, str, int]] = field(default_factory=list)

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
            "programs": {key: n for key, _, n in self.programs},
        }

    @property
    def units_asked(self) -> Units:
        """The units this report covers, as the repository takes them."""
        return self.unit.code if self.unit is not None else self.scope_units


def choose_population(period: Period, set_values: dict[str, int],
                      default: int | None) -> tuple[int | None, Period | None]:
    """The population for a report of `period`: the value set for that very period; else the
    one set for the latest shorter period inside it (the last month of a quarter, the last
    quarter or month of a year); else the unit's default in content (period None).

    Not a sum of months: most units are residential (panti) and serve the same people month
    after month, so a sum would count each resident three times a quarter."""
    for p in (period, *period.parts()):
        if p.code in set_values:
            return set_values[p.code], p
    return default, None


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

    async def responses_this_month(self, scope: Scope) -> int:
        """The staff home: survey answers this month (in TIMEZONE), for the units the scope
        covers (a regional operator: the units of their kab/kota; everyone else: every unit)."""
        units = None if scope.everything else tuple(u.code for u in self.units_in(scope))
        return await self.repo.count_responses(Period.month_of(self.today()).key, units)

    def local(self, when: str | dt.datetime) -> dt.datetime:
        moment = parse_iso(when) if isinstance(when, str) else when
        return moment.astimezone(self.tz)

    # -- reports (staff) ------------------------------------------------------------------------
    async def report(self, period: Period, unit_code: str | None = None,
                     suggestions: int = 5, units: tuple[str, ...] | None = None) -> Report:
        """The report of one unit, or of every unit (or of the units named in `units`, a
        regional operator's) together and each ranked."""
        unit = None
        if unit_code is not None:
            unit = self.content.unit(unit_code)
            if unit is None:
                raise ValueError(f"unknown unit {unit_code!r}")
        code: Units = unit.code if unit else units
        sums = await self.repo.unsur_sums(period.key, code)
        counts = await self.repo.respondent_counts(period.key, code)
        repeats = await self.repo.repeat_counts(period.key, code)
        assisted = await self.repo.assisted_counts(period.key, code)
        set_values = await self.repo.populations_in(
            [p.code for p in (period, *period.parts())])
        covered = [u for u in self.content.units if units is None or u.code in units]
        pops = {u.code: choose_population(period, set_values.get(u.code, {}), u.population)
                for u in covered}
        unit_reports = []
        silent = []
        for u in covered:
            if unit is not None and u.code != unit.code:
                continue
            n, rep = counts.get(u.code, 0), repeats.get(u.code, 0)
            if not n and not rep and unit is None:
                silent.append(u.code)
                continue
            population, source = pops[u.code]
            unit_reports.append(UnitReport(
                u.code, u.name, u.short, n, rep, ikm.compute(sums.get(u.code, {}), n),
                population, ikm.krejcie_morgan(population) if population else None,
                assisted.get(u.code, 0), source))
        total: dict[str, tuple[int, int]] = {}
        for per_unit in sums.values():
            for c, (s, n) in per_unit.items():
                t = total.get(c, (0, 0))
                total[c] = (t[0] + s, t[1] + n)
        respondents = sum(counts.values())
        # the office's population is known when every unit's is (set or in content)
        known = [p for p, _ in pops.values()]
        office = sum(p for p in known if p) if unit is None and known and all(known) else None
        overall = UnitReport("ALL", "", "", respondents, sum(repeats.values()),
                             ikm.compute(total, respondents), office,
                             ikm.krejcie_morgan(office) if office else None,
                             sum(assisted.values()))
        recent = [(c, self.local(at).date().isoformat(), text) for c, at, text in
                  await self.repo.recent_suggestions(period.key, suggestions, code)] \
            if suggestions else []
        report = Report(period, overall, unit_reports, silent, recent, unit,
                        unit_names={u.code: u.short for u in self.content.units},
                        scope_units=units)
        if sum(assisted.values()):
            rows = [r for r in await self.repo.responses(period.key, code)
                    if r.volunteer_id is not None]
            names = await self._volunteer_names(
                {r.volunteer_id for r in rows if r.volunteer_id is not None})
            report.volunteers = assisted_mod.tally(
                rows, names, await self.repo.volunteer_repeats(period.key, code), self.tz)
            report.flags = assisted_mod.flag_runs(rows, self.tz, names=names)
            names_of = {p.key: p.name.short for p in self.content.programs}
            report.programs = sorted(
                ((key, names_of.get(key, key), n) for key, n in
                 (await self.repo.program_counts(period.key, code)).items()),
                key=lambda kn: (-kn[2], kn[1]))
        return report

    async def _volunteer_names(self, ids: set[int]) -> dict[int, str]:
        out = {}
        for vid in ids:
            vol = await self.volunteers.get(vid) if self.volunteers is not None else None
            out[vid] = vol.name if vol else str(vid)
        return out

    # -- what a staff member may see: their kab/kota's units, or every unit -------------------
    async def scope_of(self, user_id: int | None) -> Scope:
        """The staff member's scope (PermissionDenied, audited, for anyone else)."""
        if self.staff is None:
            raise RuntimeError("no staff service")
        return await self.staff.scope(user_id)

    def units_in(self, scope: Scope) -> list[Unit]:
        return [u for u in self.content.units if scope.covers(u.region)]

    async def units_for(self, user_id: int | None) -> list[Unit]:
        """The units a staff member may see, in content order."""
        return self.units_in(await self.scope_of(user_id))

    async def unit_for(self, user_id: int | None, unit_code: str, action: str) -> Unit:
        """A unit the staff member may act on. ValueError for an unknown unit; outside their
        kab/kota the refusal is audited as `action` and PermissionDenied raised."""
        scope = await self.scope_of(user_id)
        unit = self.content.unit(unit_code)
        if unit is None:
            raise ValueError(f"unknown unit {unit_code!r}")
        if not scope.covers(unit.region):
            assert self.staff is not None  # scope_of() found it
            await self.staff.deny(user_id, action, unit.code)
        return unit

    async def poster_made(self, user_id: int | None, unit: Unit) -> None:
        """A unit's QR poster was made for a staff member (after unit_for() allowed it)."""
        if self.staff is not None:
            await self.staff.audit(user_id, "skm.poster", target=unit.code)

    async def report_for(self, user_id: int, period: Period | None = None,
                         unit_code: str | None = None) -> Report:
        """The report for a staff member: the role and the region are checked here too, and
        audited. A regional operator's "all units" is the units of their kab/kota."""
        scope = await self.scope_of(user_id)
        period = period or self.current_period()
        if unit_code is not None:
            await self.unit_for(user_id, unit_code, "skm.report")
        units = None if scope.everything else tuple(u.code for u in self.units_in(scope))
        report = await self.report(period, unit_code, units=units)
        if not scope.everything and scope.region is not None:
            region = self.content.region(scope.region)
            report.region = region.label() if region else scope.region
        assert self.staff is not None  # scope_of() found it
        await self.staff.audit(user_id, "skm.report", target=period.code,
                               detail={"unit": unit_code.upper() if unit_code else None,
                                       "region": scope.region if not scope.everything
                                       else None})
        return report

    async def set_population(self, actor_id: int | None, unit_code: str, period: Period,
                             population: int, *, trusted: bool = False) -> Unit:
        """Staff set the beneficiaries a unit served in a period (the command line is trusted;
        a regional operator only for the units of their kab/kota). ValueError for an unknown
        unit or a number that is not a positive whole number."""
        if trusted:
            unit = self.content.unit(unit_code)
            if unit is None:
                raise ValueError(f"unknown unit {unit_code!r}")
        else:
            unit = await self.unit_for(actor_id, unit_code, "skm.population")
        if not 0 < int(population) <= 10_000_000:
            raise ValueError("population must be a positive whole number")
        await self.repo.set_population(unit.code, period.code, int(population), actor_id,
                                       self.clock())
        if self.staff is not None:
            await self.staff.audit(actor_id, "skm.population", target=unit.code,
                                   detail={"period": period.code, "population": population})
        return unit

    async def report_responses(self, report: Report) -> list[ResponseRow]:
        """The responses behind a report (its unit, its region's units, or every unit)."""
        return await self.repo.responses(report.period.key, report.units_asked)

    async def responses(self, period: Period, unit_code: str | None = None
                        ) -> list[ResponseRow]:
        return await self.repo.responses(period.key, unit_code.upper() if unit_code else None)
