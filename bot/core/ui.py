"""Helpers every feature's handlers share: replies, keyboards, the menu, conversation exits."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.core.i18n import N_, Translator
from bot.core.menu import MenuEntry

if TYPE_CHECKING:
    from bot.app import BotApplication

Button = tuple[str, str]  # (label, callback_data)

# Handler groups (PTB runs at most one handler per group, lowest first):
GROUP_TRACK = -10      # records the subscriber and sets context.locale
GROUP_GUARD = -5       # in group chats only /start gets an answer
GROUP_MAIN = 0         # everything else, in the registry's order


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def reply(update: Update, context: BotContext, text: str,
                markup: InlineKeyboardMarkup | None = None, **kwargs: Any) -> Message | None:
    """Send a message to the chat the update came from (a message or a button press).

    Do not pass link-preview options: the third-party Bot API emulator echoes them back as a
    string, which PTB cannot parse, so the send would succeed and the handler still fail."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, reply_markup=markup, **kwargs)


async def is_staff(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and await context.services.staff.has(user.id)


def render_menu(t: Translator, entries: Sequence[MenuEntry],
                intro: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    text = intro or t(N_("What would you like to do? Choose below, or simply type your question."))
    rows = [[(t(e.label), e.callback_data)] for e in entries]
    return text, keyboard(rows)


async def send_menu(update: Update, context: BotContext, intro: str | None = None) -> None:
    user = update.effective_user
    entries = await context.services.menu.for_user(user.id if user else None,
                                                   await is_staff(update, context))
    text, markup = render_menu(context.t, entries, intro)
    await reply(update, context, text, markup)


async def answer_query(update: Update, text: str | None = None) -> None:
    """Acknowledge a button press so the client stops its spinner; ignore a stale query."""
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(text)
        except Exception:  # an old query id is rejected by Telegram; nothing to do
            pass


async def stale_button(update: Update, context: BotContext) -> None:
    """A button whose feature, item or step is gone: say so in the button's popup."""
    await answer_query(update, context._(N_(
        "This button is no longer active. Please open /menu again.")))


async def cancel_conversation(update: Update, context: BotContext) -> int:
    """/batal inside any conversation: stop, keep nothing, show the menu."""
    await answer_query(update)
    await send_menu(update, context, context._(N_("Cancelled. Nothing was saved.")))
    return ConversationHandler.END


async def leave_to_menu(update: Update, context: BotContext) -> int:
    """/start or /menu inside a conversation: end it and show the menu.

    `/start <payload>` is a deep link (e.g. a unit's survey QR code): end this conversation
    and hand the update on, so the deep link's own entry point answers it."""
    if context.args and update.message and (update.message.text or "").startswith("/start"):
        cast("BotApplication", context.application).redispatch(update)
        return ConversationHandler.END
    await send_menu(update, context)
    return ConversationHandler.END


def conversation_fallbacks() -> list[CommandHandler]:
    """Add these to every ConversationHandler's fallbacks: /batal, /menu and /start end it."""
    return [
        CommandHandler("batal", cancel_conversation),
        CommandHandler(["menu", "start"], leave_to_menu),
    ]


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def unknown_command(update: Update, context: BotContext) -> None:
    """The answer to a command we do not know; also what a non-staff user gets for a staff
    command, so that nothing reveals that staff tools exist."""
    await reply(update, context, context._(N_(
        "I do not know that command. Type /menu to see what I can do, or /bantuan for help.")))


async def staff_or_unknown(update: Update, context: BotContext, needed: str = "operator") -> bool:
    """In a staff handler: True if the user may go on; otherwise answer as for an unknown
    command and return False. The service checks the role again."""
    user = update.effective_user
    if user is not None and await context.services.staff.has(user.id, needed):
        return True
    await answer_query(update)
    await unknown_command(update, context)
    return False


async def walked_away(update: Update, context: BotContext) -> int:
    """A command or button the open conversation does not handle: the user went elsewhere.

    A resident who starts /status, then opens "Program bantuan" from the menu and types a
    question, means the question, not a NIK. So the conversation ends, and the update is handed
    on (behind the same user's lock) to the handler it was meant for. Plain text is left alone:
    inside a conversation it is an answer."""
    cast("BotApplication", context.application).redispatch(update)
    return ConversationHandler.END


def conversation(name: str, *, entry_points: Sequence[BaseHandler],
                 states: Mapping[str, Sequence[BaseHandler]],
                 fallbacks: Sequence[BaseHandler]) -> ConversationHandler:
    """Every conversation of the bot: string states (stored ones keep their meaning when a
    state is added), persisted under `name`, re-entered by its entry points, and ended when the
    user walks away (the last fallbacks). Include conversation_fallbacks() in `fallbacks`."""
    for state in states:
        if not isinstance(state, str):
            raise TypeError(f"conversation {name}: state {state!r} is not a string")
    with warnings.catch_warnings():
        # per_message=False is intended everywhere: one conversation per user's chat, and each
        # button carries what it acts on, which the service checks again.
        warnings.filterwarnings("ignore", message=r".*per_message", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=list(entry_points),
            states={state: list(handlers) for state, handlers in states.items()},
            fallbacks=[*fallbacks, MessageHandler(filters.COMMAND, walked_away),
                       CallbackQueryHandler(walked_away)],
            name=name,
            persistent=True,
            allow_reentry=True,
        )


# -- flows other features may start from a request in words ----------------------------------
def add_flow(app, name: str, starter) -> None:
    """Let the free-text reader start a feature's flow ("cek bansos" -> the status check)."""
    app.services.flows[name] = starter


async def start_flow(update: Update, context: BotContext, flow: str, /,
                     **kwargs: object) -> bool:
    """Start the named flow; False if no feature offers it."""
    starter = context.services.flows.get(flow)
    if starter is None:
        return False
    await starter(update, context, **kwargs)
    return True


def conversation_starter(conversation: ConversationHandler, entry):
    """A starter that runs a conversation's entry callback for an update the conversation
    itself did not receive (free text), then puts the user in the state it returned, as if
    the conversation had handled it (persisted like any state change)."""

    async def start(update: Update, context: BotContext, **kwargs: object) -> None:
        state = await (entry(update, context, **kwargs) if kwargs else entry(update, context))
        if state is None or state == ConversationHandler.END:
            return
        # PTB has no public way to put a user into a conversation from outside it: these two
        # private helpers are stable across PTB 20-22 (pinned <23 in pyproject), and this is
        # the only place that uses them.
        conversation._update_state(state, conversation._get_key(update))

    return start


# -- sending --------------------------------------------------------------------------------------
async def show(update: Update, context: BotContext, text: str, markup=None,
               edit: bool = True) -> None:
    """Edit the pressed message in place (a flow stays one tidy message); send otherwise."""
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except TelegramError:  # too old to edit, or unchanged: a new message will do
            pass
    await reply(update, context, text, markup)
