"""The composition root: every service of the bot, built once, typed, shared.

`build_services(settings)` loads content and translations, opens nothing yet, and builds each
feature's service with what it needs, senders included. The bot (`bot.app.build_application`),
the offline console and every `dinsos-bot` verb use this one function, so no verb builds a graph
of its own and no service is ever half-built.

Senders come per lane (bot.delivery.sender.Senders): `reply` for answers to people who wrote,
`bulk` for broadcasts, reminders and notifications. The bot passes Telegram senders; the
command line passes `Senders.refusing()`, because no verb sends messages.

Nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, TypeVar

from bot.content import Content, load_content
from bot.core.clock import Clock, system_clock
from bot.core.errors import UserError
from bot.core.i18n import I18n
from bot.core.menu import Commands, Menu
from bot.delivery.engine import DeliveryEngine
from bot.delivery.outbox_repo import OutboxRepo
from bot.delivery.sender import Senders
from bot.features.broadcasts import render as broadcasts_render
from bot.features.broadcasts.sending import Notify
from bot.features.broadcasts.service import BroadcastService, PaidBroadcasts
from bot.features.dedupe.repo import SeenUpdatesRepo
from bot.features.dedupe.service import KEEP_AT_MOST, KEEP_FOR, DedupeService
from bot.features.privacy.repo import PrivacyRepo
from bot.features.privacy.service import PrivacyService, collect_tables
from bot.features.programs.context import FollowUpStore
from bot.features.programs.matching import ProgramIndex
from bot.features.programs.service import QuestionStats
from bot.features.programs.understanding import Understanding
from bot.features.reminders.service import ReminderService
from bot.features.skm.service import SurveyService
from bot.features.staff.service import StaffService
from bot.features.status import nik as niks
from bot.features.status.service import StatusService
from bot.features.subscribers.service import SubscriberService
from bot.features.tickets import repo as tickets_repo
from bot.features.tickets.hours import build_hours
from bot.features.tickets.service import TicketService
from bot.features.volunteers.service import VolunteerService
from bot.repos import Store
from bot.settings import Settings, SettingsError
from bot.storage.db import Database

if TYPE_CHECKING:
    from bot.app import BotApplication

T = TypeVar("T")

log = logging.getLogger(__name__)
Hook = Callable[["BotApplication"], Awaitable[None]]


@dataclass(eq=False)
class Services:
    """What the running bot (or a verb) holds. Open it before use, close it after."""

    settings: Settings
    clock: Clock
    db: Database
    store: Store
    i18n: I18n
    content: Content
    senders: Senders
    delivery: DeliveryEngine
    staff: StaffService
    subscribers: SubscriberService
    programs: ProgramIndex
    understanding: Understanding
    follow_ups: FollowUpStore
    questions: QuestionStats
    status: StatusService
    survey: SurveyService
    volunteers: VolunteerService
    reminders: ReminderService
    broadcasts: BroadcastService
    tickets: TicketService
    dedupe: DedupeService
    privacy: PrivacyService
    menu: Menu = field(default_factory=Menu)
    commands: Commands = field(default_factory=Commands)
    # Features add coroutines run after Application.initialize (e.g. schedule their jobs) ...
    start_hooks: list[Hook] = field(default_factory=list)
    # ... and coroutines run first in shutdown (e.g. let a broadcast sender stop cleanly).
    stop_hooks: list[Hook] = field(default_factory=list)
    # Rendered texts and keyboards kept by the handlers that build them (content is fixed
    # while the bot runs), one dict per kind. Caches only: never a service.
    memo: dict[str, dict] = field(default_factory=dict)
    # Flows a request in words may start ("cek bansos" -> the status check), by name; each
    # feature adds its own in register() (bot.core.ui.add_flow).
    flows: dict[str, Callable[..., Awaitable[None]]] = field(default_factory=dict)

    async def open(self, *, migrate: bool = True) -> None:
        await self.db.connect(migrate=migrate)

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Services:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def nik_hasher(settings: Settings) -> Callable[[str], bytes]:
    """For the SKM's assisted surveys: NIK text -> HMAC-SHA256(NIK_HMAC_KEY, NIK), by the status
    feature's NIK rules. ValueError for a malformed NIK, RuntimeError without the key."""

    def hash_nik(text: str) -> bytes:
        nik = niks.normalise(text)
        try:
            key = settings.nik_key()
        except SettingsError:
            raise RuntimeError("NIK_HMAC_KEY is not set") from None
        return niks.digest(key, nik)

    return hash_nik


def build_services(
    settings: Settings, *, clock: Clock | None = None, senders: Senders | None = None,
    broadcast_progress: Callable[[I18n, Content, SubscriberService, tzinfo], Notify] | None = None,
    set_bulk_rate: Callable[[float | None], None] | None = None,
) -> Services:
    """Every service, built once. `broadcast_progress` makes the broadcast service's progress
    callback (the bot's Telegram side; the command line has none); `set_bulk_rate` raises the
    rate limiter's bulk lane while a paid broadcast sends (None restores it)."""
    clock = clock or system_clock
    senders = senders or Senders.refusing()
    content = load_content(settings.content_dir)
    i18n = I18n(settings.locales_dir, settings.default_language)
    db = Database(settings.database_path)
    store = Store(db)
    staff = StaffService(store, settings.admin_ids, clock,
                         regions=[r.code for r in content.regions])
    subscribers = SubscriberService(store, clock, settings.default_language)
    progress = (broadcast_progress(i18n, content, subscribers, settings.tz)
                if broadcast_progress else None)
    volunteers = VolunteerService(store, staff, clock, content.regions)
    understanding = Understanding.from_content(content)
    programs = understanding.index
    delivery = DeliveryEngine(OutboxRepo(db), clock)
    delivery.attach(senders.bulk)

    async def mark_blocked(user_id: int, kind: str, reason: str) -> None:
        await subscribers.set_blocked(user_id, True)

    delivery.on_blocked(mark_blocked)
    paid = PaidBroadcasts(settings.paid_broadcast_rate, senders.paid_bulk, set_bulk_rate) \
        if settings.paid_broadcast else None  # off by default: it costs the bot's Stars
    return Services(
        settings=settings, clock=clock, db=db, store=store, i18n=i18n, content=content,
        senders=senders, staff=staff, subscribers=subscribers,
        programs=programs, understanding=understanding, follow_ups=FollowUpStore(),
        questions=QuestionStats(store, clock, settings.tz),
        status=StatusService(store, clock, settings.nik_key, staff.audit),
        survey=SurveyService(store, content, clock, settings.tz, staff,
                             nik_hasher=nik_hasher(settings), volunteers=volunteers),
        volunteers=volunteers,
        delivery=delivery,
        reminders=ReminderService(
            store, staff, volunteers, clock, engine=delivery, tz=settings.tz,
            grace=settings.reminder_grace, regions=content.regions, translator=i18n.translator,
            locale_for=subscribers.locale_for, sender=senders.bulk),
        broadcasts=BroadcastService(
            store, staff, subscribers, volunteers, clock, engine=delivery, sender=senders.bulk,
            notify=progress, rate=settings.broadcast_rate, paid=paid,
            footer=lambda language: broadcasts_render.stop_footer(i18n.translator(language))),
        dedupe=DedupeService(SeenUpdatesRepo(db), clock, KEEP_AT_MOST, KEEP_FOR),
        privacy=PrivacyService(PrivacyRepo(db), clock, settings, collect_tables(
            [tickets_repo]), is_staff=staff.role),
        tickets=TicketService(
            store, staff, volunteers, clock, build_hours(content.office.hours, settings.tz),
            program_keys=frozenset(p.key for p in content.programs),
            remind_after=settings.ticket_remind_hours, learner=understanding.learn),
    )


async def with_services(settings: Settings, work: Callable[[Services], Awaitable[T]], *,
                        clock: Clock | None = None, migrate: bool = True,
                        existing_database: bool = False) -> T:
    """For a `dinsos-bot` verb: the same services as the bot's, opened for `work`, closed after.
    `existing_database`: refuse (one clear line) when DATABASE_PATH does not exist yet."""
    if existing_database and not settings.database_path.exists():
        raise UserError(f"there is no database at {settings.database_path} (DATABASE_PATH)")
    services = build_services(settings, clock=clock)
    await services.open(migrate=migrate)
    try:
        return await work(services)
    finally:
        await services.close()


def run_with_services(settings: Settings, work: Callable[[Services], Awaitable[T]],
                      **kwargs: object) -> T:
    """with_services from synchronous code (the verbs)."""
    return asyncio.run(with_services(settings, work, **kwargs))  # type: ignore[arg-type]
