"""The day's figures on the staff home, each from its own feature's service.

No Telegram here: the figures are gathered for a Scope (which only StaffService.scope hands
out, after checking the role), so an operator bound to a kab/kota sees the figures of their
region wherever the data has one (tickets, broadcasts, reminders, volunteers, survey answers
through their unit's kab/kota). Questions and status lookups carry no region: everyone sees
the province's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.scope import Scope

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class Figures:
    day: dt.date                # today in TIMEZONE
    region: str | None          # the scope's kab/kota; None: the whole province
    answered: int               # questions the bot answered today
    not_understood: int         # ... and did not understand
    lookups: int                # status lookups today
    lookups_missed: int         # ... that found no record (a rising share: bad import data?)
    open_tickets: int           # questions waiting for an officer
    broadcasts_running: int     # sending now or scheduled
    reminders_due: int          # still to be sent today
    volunteers_pending: int     # waiting for approval
    skm_month: int              # survey answers this month (the scope's units)

    @property
    def miss_rate(self) -> float | None:
        return self.lookups_missed / self.lookups if self.lookups else None


def start_of_day(now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def gather(services: Services, user_id: int, scope: Scope) -> Figures:
    now = services.clock()
    tz = services.settings.tz
    questions = await services.questions.today()
    lookups, missed = await services.status.lookups_since(start_of_day(now, tz))
    return Figures(
        day=now.astimezone(tz).date(),
        region=None if scope.everything else scope.region,
        answered=questions["answered"],
        not_understood=questions["not_understood"],
        lookups=lookups,
        lookups_missed=missed,
        open_tickets=await services.tickets.open_count(user_id),
        broadcasts_running=await services.broadcasts.running_count(user_id),
        reminders_due=await services.reminders.due_today(scope),
        volunteers_pending=await services.volunteers.pending_count(scope),
        skm_month=await services.survey.responses_this_month(scope),
    )
