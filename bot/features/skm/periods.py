"""SKM reporting periods: a quarter (the rule's unit), a month or a year."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

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
