"""The IKM over time (the last 12 months or 4 quarters, gaps kept) and the ranking of units."""

from __future__ import annotations

from dataclasses import dataclass

from bot.features.skm import ikm
from bot.features.skm.periods import Period
from bot.features.skm.reports import Report, SkmReports, UnitReport

SPAN = {"month": 12, "quarter": 4, "year": 3}


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    respondents: int
    result: ikm.IkmResult | None   # None: a gap, no responses in that period


def periods_back(last: Period, count: int) -> list[Period]:
    """`count` periods ending with `last`, oldest first."""
    out = [last]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


async def trend(svc: SkmReports, last: Period, unit_code: str | None = None,
                count: int | None = None) -> list[TrendPoint]:
    """The IKM of each of the periods up to `last`, for one unit or the whole office."""
    code = unit_code.upper() if unit_code else None
    points = []
    for p in periods_back(last, count or SPAN[last.kind]):
        sums = await svc.repo.unsur_sums(p.key, code)
        counts = await svc.repo.respondent_counts(p.key, code)
        total: dict[str, tuple[int, int]] = {}
        for per_unit in sums.values():
            for c, (s, n) in per_unit.items():
                t = total.get(c, (0, 0))
                total[c] = (t[0] + s, t[1] + n)
        n = sum(counts.values())
        points.append(TrendPoint(p, n, ikm.compute(total, n)))
    return points


def ranking(report: Report) -> list[UnitReport]:
    """Units best first by IKM; those under their minimum sample (no grade) come after them,
    by respondents."""
    graded = [(g, u) for u in report.units if (g := u.graded) is not None]
    ungraded = [u for u in report.units if u.graded is None]
    return ([u for _, u in sorted(graded, key=lambda gu: (-gu[0].ikm_exact, gu[1].code))]
            + sorted(ungraded, key=lambda u: (-u.respondents, u.code)))
