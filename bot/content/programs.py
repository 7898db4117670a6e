"""content/programs/*.yaml and content/screener.yaml: the assistance programs and the /cek rules.

Every fact a resident reads carries its `source` and whether staff `verified` it; an unverified
fact is shown with a caveat, never as certain. Indonesian is required; a missing Javanese text
falls back to Indonesian and `dinsos-bot content check` lists it.

"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.content.base import ContentError, read_yaml, validate

ASPECTS = ("eligibility", "benefit", "apply", "documents", "schedule", "contact")
KEY_PATTERN = r"^[a-z0-9_]{1,20}$"
UNKNOWN = "unknown"  # a screener answer value meaning "I do not know": never meets, never fails


class Text(BaseModel):
    """A text in Indonesian and (ideally) Javanese."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    jv: str = ""

    def get(self, locale: str) -> str:
        return self.jv if locale == "jv" and self.jv else self.id


class Fact(Text):
    """A fact shown to residents, with where it comes from and whether staff confirmed it."""

    source: str = Field(min_length=1)
    verified: bool


class ProgramName(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    jv: str = ""
    short: str = Field(min_length=1, max_length=40)

    def get(self, locale: str) -> str:
        return self.jv if locale == "jv" and self.jv else self.id


class Program(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=KEY_PATTERN)
    level: Literal["provincial", "national"]
    order: int = 50
    name: ProgramName
    summary: Fact
    benefit: Fact
    schedule: Fact | None = None
    eligibility: Fact
    documents: Fact
    apply: Fact
    contact: Fact
    synonyms: list[str] = Field(min_length=1)

    def fact(self, aspect: str) -> Fact | None:
        return getattr(self, aspect) if aspect in ASPECTS else None

    def facts(self) -> dict[str, Fact]:
        out = {"summary": self.summary}
        for aspect in ASPECTS:
            fact = self.fact(aspect)
            if fact is not None:
                out[aspect] = fact
        return out


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(pattern=KEY_PATTERN)
    label: Text


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=KEY_PATTERN)
    text: Text
    options: list[Option] = Field(min_length=2, max_length=8)

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


class Criterion(BaseModel):
    """One condition of a rule: the answer to `question` must be one of `accept`."""

    model_config = ConfigDict(extra="forbid")
    question: str
    accept: list[str] = Field(min_length=1)
    met: Text      # shown as "why" when the answer qualifies
    unmet: Text    # shown as "why not" when the answer does not


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    program: str
    criteria: list[Criterion] = Field(min_length=1)
    next_step: Text


class Screener(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    questions: list[Question] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Screener:
        by_key = {q.key: q for q in self.questions}
        if len(by_key) != len(self.questions):
            raise ValueError("two questions have the same key")
        for n, rule in enumerate(self.rules):
            for c in rule.criteria:
                q = by_key.get(c.question)
                if q is None:
                    raise ValueError(f"rules.{n} ({rule.program}): unknown question {c.question}")
                bad = [v for v in c.accept if q.option(v) is None]
                if bad:
                    raise ValueError(f"rules.{n} ({rule.program}): question {c.question} has "
                                     f"no option {bad[0]}")
        return self

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)


class ScreenerCase(BaseModel):
    """A household and the programs the rules must find likely for it (content tests)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    answers: dict[str, str]
    likely: list[str]
    not_likely: list[str] = []


def load_programs(content_dir: Path) -> list[Program]:

    folder = Path(content_dir) / "programs"
    if not folder.is_dir():
        raise ContentError(f"{folder}: folder of programs not found")
    programs: list[Program] = []
    for path in sorted(folder.glob("*.yaml")):
        program = validate(Program, read_yaml(path), path)
        if program.key != path.stem:
            raise ContentError(f"{path}: field key: must be the file's name ({path.stem})")
        programs.append(program)
    if not programs:
        raise ContentError(f"{folder}: no program files (*.yaml)")
    return sorted(programs, key=lambda p: (p.level != "provincial", p.order, p.key))


def load_screener(content_dir: Path, programs: list[Program]) -> Screener:

    path = Path(content_dir) / "screener.yaml"
    screener = validate(Screener, read_yaml(path), path)
    keys = {p.key for p in programs}
    for n, rule in enumerate(screener.rules):
        if rule.program not in keys:
            raise ContentError(f"{path}: field rules.{n}.program: no program {rule.program!r} "
                               "in content/programs")
    return screener


def load_screener_cases(content_dir: Path) -> list[ScreenerCase]:

    path = Path(content_dir) / "screener_cases.yaml"
    data = read_yaml(path) or {}
    return [validate(ScreenerCase, case, path) for case in data.get("cases", [])]
