"""The order in which features register their handlers (see bot/features/__init__.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import ConversationHandler

from bot.core.ui import GROUP_MAIN
from bot.delivery import jobs as delivery
from bot.features.broadcasts import handlers as broadcasts
from bot.features.chat import handlers as chat
from bot.features.dedupe import handlers as dedupe
from bot.features.fallback import handlers as fallback
from bot.features.privacy import handlers as privacy
from bot.features.programs import handlers as programs
from bot.features.reminders import handlers as reminders
from bot.features.skm import handlers as skm
from bot.features.staff import handlers as staff
from bot.features.status import handlers as status
from bot.features.tickets import handlers as tickets
from bot.features.volunteers import handlers as volunteers

if TYPE_CHECKING:
    from bot.app import BotApplication

FEATURES = [dedupe, delivery, chat, programs, volunteers, reminders, skm, status, staff,
            broadcasts, privacy, tickets, fallback]


def register_all(app: BotApplication) -> None:
    for module in FEATURES:
        module.register(app)
    for module in FEATURES:
        late = getattr(module, "register_late", None)
        if late is not None:
            late(app)
    conversations_first(app)


def conversations_first(app: BotApplication) -> None:
    """An open conversation sees its user's updates before any other handler of group 0, so
    that a command or button it does not handle ends it (bot.core.ui.conversation) and then
    reaches the handler it was meant for. Order among conversations, and among the others,
    is kept."""
    handlers = app.handlers.get(GROUP_MAIN, [])
    ordered = sorted(handlers, key=lambda h: not isinstance(h, ConversationHandler))
    handlers[:] = ordered
