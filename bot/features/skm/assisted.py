"""Assisted surveys ("Survei dampingan"): who gathered what, and runs that look implausible.

A volunteer who enters many identical answer sets within minutes may be filling the form
alone. Such runs are flagged for staff to look at, never hidden or dropped: the responses
still count, and the report says which volunteer, how many, and when.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.clock import parse_iso
from bot.features.skm import ikm
from bot.features.skm.repo import ResponseRow

RUN_SIZE = 5                          # this many identical answer sets ...
RUN_WINDOW = dt.timedelta(minutes=30)  # ... entered by one volunteer within this time


@dataclass(frozen=True)
class Flag:
    volunteer_id: int
    name: str
    count: int                 # identical answer sets in the run
    answers: tuple[int, ...]   # U1..U9
    first: dt.datetime         # local time of the first and the last of the run
    last: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {"volunteer": self.volunteer_id, "count": self.count,
                "answers": list(self.answers), "from": self.first.isoformat(),
                "to": self.last.isoformat()}


@dataclass(frozen=True)
class VolunteerTally:
    volunteer_id: int
    name: str
    responses: int
    units: int                 # how many units the responses are for
    repeats: int               # beneficiaries refused because they had already answered
    flagged: int               # responses that are part of a flagged run

    def as_json(self) -> dict[str, Any]:
        return {"volunteer": self.volunteer_id, "name": self.name,
                "responses": self.responses, "units": self.units, "repeats": self.repeats,
                "flagged": self.flagged}


def _answers(r: ResponseRow) -> tuple[int, ...]:
    return tuple(int(r.answers.get(c, 0)) for c in ikm.UNSUR_CODES)


def flag_runs(rows: Iterable[ResponseRow], tz: ZoneInfo, *, size: int = RUN_SIZE,
              window: dt.timedelta = RUN_WINDOW,
              names: Mapping[int, str] | None = None) -> list[Flag]:
    """Per volunteer and identical answer set: the maximal runs of at least `size` responses in
    which each follows the run's first by at most `window`, oldest first."""
    groups: dict[tuple[int, tuple[int, ...]], list[dt.datetime]] = defaultdict(list)
    for r in rows:
        if r.volunteer_id is None:
            continue
        groups[(r.volunteer_id, _answers(r))].append(parse_iso(r.submitted_at))
    flags = []
    for (vid, answers), times in groups.items():
        times.sort()
        i = 0
        while i < len(times):
            j = i
            while j + 1 < len(times) and times[j + 1] - times[i] <= window:
                j += 1
            if j - i + 1 >= size:
                flags.append(Flag(vid, (names or {}).get(vid, str(vid)), j - i + 1, answers,
                                  times[i].astimezone(tz), times[j].astimezone(tz)))
                i = j + 1
            else:
                i += 1
    return sorted(flags, key=lambda f: (f.first, f.volunteer_id))


def tally(rows: Sequence[ResponseRow], names: Mapping[int, str],
          repeats: Mapping[int, int], tz: ZoneInfo) -> list[VolunteerTally]:
    """Assisted responses per volunteer (most first), with refused repeats and flagged ones."""
    flagged: dict[int, int] = defaultdict(int)
    for f in flag_runs(rows, tz):
        flagged[f.volunteer_id] += f.count
    per: dict[int, list[ResponseRow]] = defaultdict(list)
    for r in rows:
        if r.volunteer_id is not None:
            per[r.volunteer_id].append(r)
    ids = set(per) | set(repeats)
    out = [VolunteerTally(vid, names.get(vid, str(vid)), len(per.get(vid, [])),
                          len({r.unit_code for r in per.get(vid, [])}), repeats.get(vid, 0),
                          flagged.get(vid, 0)) for vid in ids]
    return sorted(out, key=lambda v: (-v.responses, v.name))
