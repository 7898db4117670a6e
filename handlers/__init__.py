"""Telegram adapters, one module per feature; each has `register(app)` and may have
`register_late(app)`.

Handler groups:
  -20  dedupe: an update delivered twice is dropped (bot.features.dedupe.handlers)
  -10  tracking: records the subscriber and sets context.locale (bot.handlers.core.track)
   -9  a button press without data is answered as a stale button and stops here
   -5  group guard: in group chats only /start gets an answer; everything else stops here
   -1  navigation: a command or button that an open conversation does not handle means the
       user went elsewhere, so that conversation ends (handlers.common.end_abandoned)
    0  everything else, in this order:
         1. each feature's register(app), in FEATURES order: conversations, commands, buttons
         2. each feature's register_late(app), in FEATURES order: the catch-alls
            (core: /start, /menu, /batal ...; programs: free-text questions; fallback: the rest)
       PTB runs at most one handler per group, so order within group 0 decides who answers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telegram.ext import Application

FEATURES = [
    "bot.features.dedupe.handlers",  # group -20: a repeated update_id stops here
    "handlers.core",
    "handlers.programs",
    "handlers.volunteers",
    "handlers.skm",
    "handlers.status",
    "handlers.staff",
    "handlers.broadcast",
    "bot.features.privacy.handlers",
    "handlers.fallback",
]

GROUP_TRACK = -10
GROUP_GUARD = -5
GROUP_NAVIGATION = -1
GROUP_MAIN = 0


def register_all(app: Application) -> None:
    modules = [import_module(name) for name in FEATURES]
    for module in modules:
        module.register(app)
    for module in modules:
        late = getattr(module, "register_late", None)
        if late is not None:
            late(app)

    from handlers.common import navigation_guard  # after every feature has registered

    app.add_handler(navigation_guard(app.handlers.get(GROUP_MAIN, [])), group=GROUP_NAVIGATION)
