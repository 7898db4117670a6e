"""One package per feature. Each has handlers.py with `register(app)` (and may have
`register_late(app)`); bot/features/registry.py lists them in order.

Handler groups (bot.core.ui):
  -20  dedupe: an update delivered twice is dropped (bot.features.dedupe.handlers)
  -10  tracking: records the subscriber and sets context.locale (bot.features.chat.handlers.track)
   -9  a button press without data is answered as a stale button and stops here
   -5  group guard: in group chats only /start gets an answer; everything else stops here
   -2  ticket replies: a resident's reply to a ticket message adds to that ticket
       (bot.features.tickets.handlers.on_reply_to_ticket); anything else goes on
    0  everything else, in this order:
         1. each feature's register(app), in FEATURES order: conversations, commands, buttons
         2. each feature's register_late(app), in FEATURES order: the catch-alls
            (chat: /start, /menu, /batal ...; programs: free-text questions; fallback: the rest)
       PTB runs at most one handler per group, so order within group 0 decides who answers.
       Every conversation is made by bot.core.ui.conversation: a command or button it does not
       handle ends it and goes on to the handler it was meant for.
"""
