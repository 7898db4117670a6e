"""The satisfaction index (IKM) of PermenPANRB No. 14 Tahun 2017, as pure functions.

NRR of an unsur = sum of its scores / number of answers. IKM = (sum of the nine NRRs x 1/9) x 25,
computed with exact fractions (a weight of 0.111 gives wrong grades near the boundaries) and
rounded once, at the end, to two decimals (half up, as people round by hand). The grade (mutu)
is read from the rounded figure exactly as the standard's table reads:

    25.00 - 64.99  D  Tidak baik
    65.00 - 76.60  C  Kurang baik
    76.61 - 88.30  B  Baik
    88.31 - 100.00 A  Sangat baik
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

UNSUR_CODES = tuple(f"U{n}" for n in range(1, 10))
SCALE = 25
TWO_PLACES = Decimal("0.01")

# (lowest rounded IKM, mutu, kinerja), best first; read top-down.
GRADES = (
    (Decimal("88.31"), "A", "Sangat baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang baik"),
    (Decimal("25.00"), "D", "Tidak baik"),
)
# The lines drawn on the chart, in NRR (IKM / 25) terms: where C, B and A begin.
GRADE_LINES_NRR = {"C": 2.60, "B": 3.0644, "A": 3.5324}

# Krejcie-Morgan: chi-square for 1 degree of freedom at 95%, P = 0.5, d = 0.05.
KM_CHI2 = Fraction("3.841")
KM_P = Fraction(1, 2)
KM_D = Fraction(5, 100)


@dataclass(frozen=True)
class Grade:
    mutu: str      # A | B | C | D
    kinerja: str   # the standard's wording: Sangat baik | Baik | Kurang baik | Tidak baik


def nrr(total: int, count: int) -> Fraction:
    """Nilai rata-rata of one unsur: sum of scores / number of answers (exact)."""
    if count <= 0:
        raise ValueError("an unsur with no answers has no NRR")
    if not count <= total <= 4 * count:
        raise ValueError("scores are 1-4, so the sum must lie between count and 4 x count")
    return Fraction(total, count)


def ikm_exact(nrrs: Mapping[str, Fraction]) -> Fraction:
    """(sum of NRR x 1/9) x 25 with the exact weight 1/9; all nine unsur are needed."""
    missing = [code for code in UNSUR_CODES if code not in nrrs]
    if missing:
        raise ValueError(f"no NRR for {', '.join(missing)}")
    return sum((Fraction(nrrs[code]) * Fraction(1, 9) for code in UNSUR_CODES),
               Fraction(0)) * SCALE


def round_to(value: Fraction, places: int) -> Decimal:
    """Round an exact (non-negative) value half up to `places` decimals."""
    scaled = Fraction(value) * 10 ** places
    floor = scaled.numerator // scaled.denominator
    units = floor + (1 if scaled - floor >= Fraction(1, 2) else 0)
    return Decimal(units).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def round2(value: Fraction) -> Decimal:
    """The IKM's rounding: two decimals, half up, done once at the very end."""
    return round_to(value, 2)


def grade(ikm_rounded: Decimal) -> Grade:
    """The mutu and kinerja for a converted IKM already rounded to two decimals."""
    value = Decimal(ikm_rounded).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    for lowest, mutu, kinerja in GRADES:
        if value >= lowest:
            return Grade(mutu, kinerja)
    return Grade("D", "Tidak baik")


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    nrr: dict[str, Fraction]    # per unsur code, exact
    ikm_exact: Fraction
    ikm: Decimal                # rounded to two decimals
    grade: Grade


def compute(sums: Mapping[str, tuple[int, int]], respondents: int) -> IkmResult | None:
    """From {unsur: (sum of scores, number of answers)}; None when an unsur has no answers."""
    if any(sums.get(code, (0, 0))[1] <= 0 for code in UNSUR_CODES):
        return None
    nrrs = {code: nrr(*sums[code]) for code in UNSUR_CODES}
    exact = ikm_exact(nrrs)
    rounded = round2(exact)
    return IkmResult(respondents, nrrs, exact, rounded, grade(rounded))


def compute_from_scores(responses: Iterable[Mapping[str, int]]) -> IkmResult | None:
    """The IKM of a list of responses, each {unsur code: score 1-4}: for tests and checks."""
    sums: dict[str, tuple[int, int]] = {}
    n = 0
    for answers in responses:
        n += 1
        for code, score in answers.items():
            total, count = sums.get(code, (0, 0))
            sums[code] = (total + int(score), count + 1)
    return compute(sums, n)


def krejcie_morgan(population: int) -> int:
    """Minimum sample s = chi2 N P(1-P) / (d^2 (N-1) + chi2 P(1-P)), to the nearest whole person.

    Nearest, not up: it is what the published table and the standard's figures give
    (N=50 -> 44, N=2000 -> 322, large N -> 384; rounding up would give 45, 323 and 385).
    """
    if population <= 0:
        raise ValueError("population must be positive")
    n = Fraction(population)
    pq = KM_P * (1 - KM_P)
    s = KM_CHI2 * n * pq / (KM_D ** 2 * (n - 1) + KM_CHI2 * pq)
    floor = s.numerator // s.denominator
    return min(population, floor + (1 if s - floor >= Fraction(1, 2) else 0))
