"""The repositories of every feature on one database (wiring: built by bot.services)."""

from __future__ import annotations

from bot.features.broadcasts.repo import BroadcastRepo
from bot.features.programs.repo import QuestionCountRepo
from bot.features.reminders.repo import ReminderRepo
from bot.features.skm.repo import SkmRepo
from bot.features.staff.repo import AuditRepo, InviteRepo, StaffRepo
from bot.features.status.repo import DisbursementRepo
from bot.features.subscribers.repo import SubscriberRepo
from bot.features.volunteers.repo import VolunteerRepo
from bot.storage.db import Database


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.subscribers = SubscriberRepo(db)
        self.staff = StaffRepo(db)
        self.audit = AuditRepo(db)
        self.invites = InviteRepo(db)
        self.questions = QuestionCountRepo(db)
        self.volunteers = VolunteerRepo(db)
        self.broadcasts = BroadcastRepo(db)
        self.reminders = ReminderRepo(db)
        self.skm = SkmRepo(db)
        self.disbursements = DisbursementRepo(db)
