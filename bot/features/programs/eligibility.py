"""The /cek pre-screen: evaluates the rules of content/screener.yaml against a household's answers.

The rules are data. A program is LIKELY when every criterion is met, NOT_LIKELY when one is not
met, MAYBE when some answers are missing or "don't know" and none failed. A pre-screen, never a
decision: DTSEN membership and quotas decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.content.programs import UNKNOWN, Criterion, Rule, Screener, ScreenerCase


class Verdict(StrEnum):
    LIKELY = "likely"
    MAYBE = "maybe"
    NOT_LIKELY = "not_likely"


@dataclass(frozen=True)
class Assessment:
    program: str
    verdict: Verdict
    rule: Rule
    met: list[Criterion] = field(default_factory=list)
    unmet: list[Criterion] = field(default_factory=list)
    open: list[Criterion] = field(default_factory=list)   # skipped or "don't know"


def assess_rule(rule: Rule, answers: dict[str, str]) -> Assessment:
    met, unmet, open_ = [], [], []
    for c in rule.criteria:
        answer = answers.get(c.question)
        if answer is None or answer == UNKNOWN:
            open_.append(c)
        elif answer in c.accept:
            met.append(c)
        else:
            unmet.append(c)
    if unmet:
        verdict = Verdict.NOT_LIKELY
    elif open_:
        verdict = Verdict.MAYBE
    else:
        verdict = Verdict.LIKELY
    return Assessment(rule.program, verdict, rule, met, unmet, open_)


def assess(screener: Screener, answers: dict[str, str]) -> list[Assessment]:
    """Every rule's assessment, in the content's order. Unknown answer values are ignored."""
    clean: dict[str, str] = {}
    for key, value in answers.items():
        q = screener.question(key)
        if q is not None and (value == UNKNOWN or q.option(value) is not None):
            clean[key] = value
    return [assess_rule(rule, clean) for rule in screener.rules]


def run_case(screener: Screener, case: ScreenerCase) -> list[str]:
    """The ways a content test case fails (empty when it passes)."""
    results = {a.program: a.verdict for a in assess(screener, case.answers)}
    problems = []
    likely = sorted(p for p, v in results.items() if v is Verdict.LIKELY)
    if likely != sorted(case.likely):
        problems.append(f"{case.name}: likely {likely}, expected {sorted(case.likely)}")
    for program in case.not_likely:
        if results.get(program) is not Verdict.NOT_LIKELY:
            problems.append(f"{case.name}: {program} is {results.get(program)}, expected "
                            "not_likely")
    unknown_keys = [k for k in case.answers if screener.question(k) is None]
    if unknown_keys:
        problems.append(f"{case.name}: no question {unknown_keys[0]}")
    return problems
