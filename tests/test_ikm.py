"""The IKM of PermenPANRB 14/2017 against hand-worked examples, boundaries included."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from bot.features.skm import ikm


def sums_for(n: int, total: int) -> dict[str, tuple[int, int]]:
    """n respondents whose 9n scores add up to `total`, spread as evenly as the unsur allow."""
    q, r = divmod(total, 9)
    return {f"U{k}": (q + (1 if k <= r else 0), n) for k in range(1, 10)}


def test_everyone_answering_three_gives_75_and_c():
    r = ikm.compute_from_scores([{f"U{k}": 3 for k in range(1, 10)}] * 4)
    assert r.respondents == 4
    assert all(v == 3 for v in r.nrr.values())
    assert r.ikm == Decimal("75.00")
    assert (r.grade.mutu, r.grade.kinerja) == ("C", "Kurang baik")


def test_a_small_hand_worked_unit():
    # Two respondents. U1: 4+3 -> 3.5; U2: 2+2 -> 2; U3..U9: 4+4 -> 4.
    # Sum of NRR = 3.5 + 2 + 7 x 4 = 33.5; / 9 x 25 = 93.0555... -> 93.06, A.
    a = {"U1": 4, "U2": 2, **{f"U{k}": 4 for k in range(3, 10)}}
    b = {"U1": 3, "U2": 2, **{f"U{k}": 4 for k in range(3, 10)}}
    r = ikm.compute_from_scores([a, b])
    assert r.nrr["U1"] == Fraction(7, 2) and r.nrr["U2"] == 2
    assert r.ikm_exact == Fraction(67, 2) * Fraction(25, 9)
    assert r.ikm == Decimal("93.06")
    assert r.grade.mutu == "A"


# With 250 respondents IKM = (total of all 2250 scores) / 90, so each point moves it by 0.0111.
@pytest.mark.parametrize(("total", "shown", "mutu", "kinerja"), [
    (5849, "64.99", "D", "Tidak baik"),     # 64.9888... -> 64.99
    (5850, "65.00", "C", "Kurang baik"),    # exactly 65
    (6894, "76.60", "C", "Kurang baik"),    # exactly 76.6: NRR 3.064, still C
    (6895, "76.61", "B", "Baik"),           # 76.6111...
    (7947, "88.30", "B", "Baik"),           # exactly 88.3
    (7948, "88.31", "A", "Sangat baik"),    # 88.3111...
])
def test_grade_boundaries(total, shown, mutu, kinerja):
    r = ikm.compute(sums_for(250, total), 250)
    assert r.ikm_exact == Fraction(total, 90)
    assert str(r.ikm) == shown
    assert (r.grade.mutu, r.grade.kinerja) == (mutu, kinerja)


def test_weights_rounded_to_0111_would_give_the_wrong_grade():
    r = ikm.compute(sums_for(250, 6895), 250)
    assert r.grade.mutu == "B"  # exact 1/9: 76.61
    sloppy = sum(float(v) for v in r.nrr.values()) * 0.111 * 25
    assert round(sloppy, 2) == 76.53  # what a spreadsheet with 0.111 says: C


def test_rounding_happens_once_at_the_end_half_up():
    assert ikm.round2(Fraction(76605, 1000)) == Decimal("76.61")
    assert ikm.round2(Fraction(766049, 10000)) == Decimal("76.60")
    assert ikm.round2(Fraction(200, 3)) == Decimal("66.67")
    # NRRs are not rounded before the mean: 1/3-steps would drift if they were.
    r = ikm.compute({f"U{k}": (10, 3) for k in range(1, 10)}, 3)  # NRR 3.333...
    assert r.ikm == Decimal("83.33")


@pytest.mark.parametrize(("value", "mutu"), [
    ("25.00", "D"), ("64.99", "D"), ("65.00", "C"), ("76.60", "C"), ("76.61", "B"),
    ("88.30", "B"), ("88.31", "A"), ("100.00", "A"),
])
def test_grade_table_reads_as_printed(value, mutu):
    assert ikm.grade(Decimal(value)).mutu == mutu


def test_missing_unsur_has_no_index():
    assert ikm.compute({"U1": (3, 1)}, 1) is None
    with pytest.raises(ValueError):
        ikm.nrr(9, 2)  # two answers cannot add up to 9


@pytest.mark.parametrize(("population", "sample"), [
    (10, 10), (50, 44), (100, 80), (300, 169), (1000, 278), (2000, 322), (10_000_000, 384),
])
def test_krejcie_morgan_matches_the_published_table(population, sample):
    assert ikm.krejcie_morgan(population) == sample
