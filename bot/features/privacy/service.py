"""What personal data the bot holds, how long it keeps it, and a person's export and erasure.

Each table with personal data is described by a PersonalTable. The core's are below; a feature
whose tables hold personal data (tickets, unanswered questions ...) joins by defining
`PERSONAL_DATA = [PersonalTable(...), ...]` in its handlers module (listed in FEATURES): the
export, the erasure and the daily retention job then cover it, with no change here.

Survey answers stay as anonymous statistics: erasure cuts the link to the person (the
response's user id becomes a negative pseudonym of the response itself), the answers remain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.features.privacy.repo import PrivacyRepo


@dataclass(frozen=True)
class PersonalTable:
    table: str
    user_column: str                      # the Telegram user id column
    erase: str = "delete"                 # delete | anonymise (user id -> -rowid)
    age_column: str | None = None         # ISO-8601 UTC time, for retention
    retention_setting: str | None = None  # Settings field with the days to keep (None: keep)
    where: str = ""                       # extra SQL condition for retention (trusted text)
    json_key: bool = False                # user_column holds a JSON list of ids (PTB keys)


CORE_TABLES: tuple[PersonalTable, ...] = (
    PersonalTable("subscribers", "user_id"),
    PersonalTable("volunteers", "user_id"),
    PersonalTable("status_watches", "user_id", age_column="created_at",
                  retention_setting="retention_status_watch_days"),
    PersonalTable("status_notifications", "user_id"),
    PersonalTable("status_user_attempts", "user_id"),
    PersonalTable("audit_log", "actor_id", age_column="at",
                  retention_setting="retention_lookup_audit_days",
                  where="action = 'status.lookup'"),
    PersonalTable("skm_drafts", "user_id"),
    PersonalTable("skm_repeats", "user_id"),
    PersonalTable("skm_nik_checks", "volunteer_id"),
    PersonalTable("skm_responses", "user_id", erase="anonymise"),
    PersonalTable("reminder_deliveries", "user_id"),
    PersonalTable("broadcast_outbox", "user_id"),
    PersonalTable("delivery_outbox", "user_id"),
    PersonalTable("ptb_user_data", "user_id"),
    PersonalTable("ptb_chat_data", "chat_id"),
    PersonalTable("ptb_conversations", "key", json_key=True),
)
# Rows a person's erasure keeps: what staff did is accountable (staff are removed first).
KEEP_ON_ERASE = {"audit_log": "action = 'status.lookup'"}


class PrivacyError(Exception):
    """Why an erasure was refused; one sentence."""


class PrivacyService:
    def __init__(self, repo: PrivacyRepo, clock: Callable[[], dt.datetime], settings: Any,
                 tables: Iterable[PersonalTable] = CORE_TABLES,
                 is_staff: Callable[[int], Any] | None = None) -> None:
        self.repo, self.clock, self.settings = repo, clock, settings
        self.tables: Sequence[PersonalTable] = tuple(tables)
        self.is_staff = is_staff

    async def export(self, user_id: int) -> dict[str, list[dict]]:
        """Everything held about `user_id`, table by table (empty tables left out)."""
        out = {}
        for t in self.tables:
            rows = await self.repo.rows_of(t, user_id)
            if rows:
                out[t.table] = rows
        await self.repo.audit(self.clock(), "privacy.export", user_id,
                              {"tables": sorted(out), "rows": sum(map(len, out.values()))})
        return out

    async def erase(self, user_id: int) -> dict[str, int]:
        """Delete (or anonymise) every row about `user_id` in one transaction; rows per table."""
        if self.is_staff is not None and await self.is_staff(user_id):
            raise PrivacyError(f"{user_id} is staff: remove them with `staff remove {user_id}` "
                               "first (staff actions stay in the audit log)")
        counts = await self.repo.erase(self.tables, user_id, KEEP_ON_ERASE)
        await self.repo.audit(self.clock(), "privacy.erase", user_id,
                              {k: v for k, v in counts.items() if v})
        return counts

    async def apply_retention(self) -> dict[str, int]:
        """Delete rows older than their retention setting; rows per table."""
        now = self.clock()
        limits = []
        for t in self.tables:
            if t.retention_setting and t.age_column:
                days = getattr(self.settings, t.retention_setting, None)
                if days:  # 0 or None: keep
                    limits.append((t, now - dt.timedelta(days=days)))
        counts = await self.repo.delete_older(limits)
        if any(counts.values()):
            await self.repo.audit(now, "privacy.retention", None,
                                  {k: v for k, v in counts.items() if v})
        return counts


def collect_tables(modules: Iterable[object]) -> list[PersonalTable]:
    """The core's tables and those the feature modules declare in PERSONAL_DATA."""
    tables = list(CORE_TABLES)
    for module in modules:
        declared = getattr(module, "personal_data", None)
        tables.extend(declared() if callable(declared) else getattr(module, "PERSONAL_DATA", ()))
    return tables
