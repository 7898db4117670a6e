"""Core chat: /start, language, menu, help, cancel, subscription, block/unblock tracking."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import BotCommand, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotContext
from bot.core.i18n import LANGUAGE_NAMES, N_, Translator
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import (
    GROUP_GUARD,
    GROUP_TRACK,
    add_flow,
    answer_query,
    is_private,
    keyboard,
    reply,
    send_menu,
)

if TYPE_CHECKING:
    from bot.app import BotApplication
    from bot.features.subscribers.service import Subscriber

log = logging.getLogger(__name__)

LANG_PREFIX = "lang"
LANG_PATTERN = rf"^{LANG_PREFIX}:(id|jv)$"
MAX_TEXT = 1000  # longer messages are not questions; we ask for a shorter one
STOP_WORDS = r"(?i)^\s*(stop|berhenti|mandheg|mandek|kendel)\s*[.!]*\s*$"


class _LongText(filters.MessageFilter):
    def filter(self, message) -> bool:
        return bool(message.text) and len(message.text) > MAX_TEXT


LONG_TEXT = _LongText(name="LongText")


# -- group -10 and -5 -------------------------------------------------------------------------
async def track(update: Update, context: BotContext) -> None:
    """Record the subscriber (private chats only) and set the locale for this update."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    subscribers = context.services.subscribers
    sub: Subscriber | None
    if is_private(update) and update.my_chat_member is None:
        sub = await subscribers.seen(user.id, user.language_code)
    else:
        sub = await subscribers.get(user.id)
    context.locale = subscribers.locale_of(sub, user.language_code)


async def group_guard(update: Update, context: BotContext) -> None:
    """In groups and channels the bot answers only /start, with a pointer to a private chat."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    message = update.effective_message
    text = (message.text or "") if message else ""
    if update.message is not None and text.split("@")[0].split(" ")[0] == "/start":
        me = context.bot.username
        link = f"https://t.me/{me}" if me else ""
        await update.message.reply_text(
            context._(N_("Hello! To ask about social assistance, please chat with me privately, "
                         "so that your data stays private: {link}")).format(link=link).strip()
        )
    if update.callback_query is not None:
        await answer_query(update)
    raise ApplicationHandlerStop


# -- language -----------------------------------------------------------------------------------
def language_keyboard():
    return keyboard([[(name, f"{LANG_PREFIX}:{code}")] for code, name in LANGUAGE_NAMES.items()])


async def ask_language(update: Update, context: BotContext, first_contact: bool) -> None:
    if first_contact:
        office = context.content.office.name.get(context.locale)
        text = context._(N_("Welcome to the service bot of {office}. Ask us about social "
                            "assistance, at any hour.")).format(office=office)
        text += "\n\n" + context._(N_("Please choose your language:"))
    else:
        text = context._(N_("Please choose your language:"))
    await reply(update, context, text, language_keyboard())


async def on_language(update: Update, context: BotContext) -> None:
    code = context.match.group(1)
    await context.services.subscribers.choose_language(update.effective_user.id, code)
    context.locale = code
    await answer_query(update)
    try:
        await update.callback_query.edit_message_text(
            context._(N_("Language: {language}")).format(language=LANGUAGE_NAMES[code])
        )
    except Exception:  # the message may be too old to edit; the menu below still answers
        pass
    await send_menu(update, context)


async def cmd_language(update: Update, context: BotContext) -> None:
    await ask_language(update, context, first_contact=False)


async def switch_language(update: Update, context: BotContext, code: str | None = None,
                          **_: object) -> None:
    """A request in words ("nganggo basa Jawa"): switch at once when the language is named,
    else show the choice."""
    if code not in LANGUAGE_NAMES:
        await ask_language(update, context, first_contact=False)
        return
    await context.services.subscribers.choose_language(update.effective_user.id, code)
    context.locale = code
    await send_menu(update, context, context._(N_("Language: {language}")).format(
        language=LANGUAGE_NAMES[code]))


# -- start, menu, help --------------------------------------------------------------------------
async def cmd_start(update: Update, context: BotContext) -> None:
    sub = await context.services.subscribers.get(update.effective_user.id)
    if sub is None or sub.language is None:
        await ask_language(update, context, first_contact=True)
        return
    office = context.content.office.name.get(context.locale)
    await send_menu(update, context, context._(
        N_("Welcome back to the service bot of {office}. What would you like to do? Choose below, "
           "or simply type your question.")).format(office=office))


async def cmd_menu(update: Update, context: BotContext) -> None:
    await send_menu(update, context)


def render_help(t: Translator, context: BotContext, commands) -> str:
    office = context.content.office
    lines = [t(N_("I am the service bot of {office}. I can help you with:")).format(
        office=office.name.get(t.locale))]
    lines += [f"/{c.name} — {t(c.description)}" for c in commands]
    lines.append("")
    lines.append(t(N_("Office contacts:")))
    lines.append(office.name.get(t.locale))
    lines.append(office.address)
    lines.append(t(N_("Phone: {phone}")).format(phone=office.phone))
    lines.append(t(N_("Email: {email}")).format(email=office.email))
    lines.append(t(N_("Website: {website}")).format(website=office.website))
    lines.append(office.complaints.get(t.locale))
    return "\n".join(lines)


async def cmd_help(update: Update, context: BotContext) -> None:
    staff = await context.services.staff.has(update.effective_user.id)
    commands = context.services.commands.visible(staff)
    await reply(update, context, render_help(context.t, context, commands))


async def on_menu_button(update: Update, context: BotContext) -> None:
    await answer_query(update)
    action = context.match.group(1)
    if action == "help":
        await cmd_help(update, context)
    elif action == "lang":
        await ask_language(update, context, first_contact=False)
    else:
        await send_menu(update, context)


async def cmd_cancel_idle(update: Update, context: BotContext) -> None:
    await send_menu(update, context, context._(N_("There is nothing to cancel.")))


# -- subscription -------------------------------------------------------------------------------
async def cmd_unsubscribe(update: Update, context: BotContext) -> None:
    await context.services.subscribers.set_subscribed(update.effective_user.id, False)
    await reply(update, context, context._(N_(
        "You will no longer receive announcements. You can still use the bot at any time. "
        "Type /langganan to receive announcements again.")))


async def cmd_subscribe(update: Update, context: BotContext) -> None:
    await context.services.subscribers.set_subscribed(update.effective_user.id, True)
    await reply(update, context, context._(N_(
        "You will receive announcements from the office again. Type /berhenti to stop them.")))


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """A user blocked or unblocked the bot in their private chat."""
    change = update.my_chat_member
    assert change is not None  # registered for ChatMemberHandler.MY_CHAT_MEMBER updates only
    if change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await context.services.subscribers.set_blocked(change.chat.id, True)
    elif status == ChatMemberStatus.MEMBER:
        await context.services.subscribers.set_blocked(change.chat.id, False)


async def on_long_text(update: Update, context: BotContext) -> None:
    assert update.message.text is not None  # LONG_TEXT passes only messages with text
    await reply(update, context, context._(N_(
        "Your message is too long for me ({count} characters). Please send a shorter question, "
        "at most {limit} characters.")).format(count=len(update.message.text), limit=MAX_TEXT))


# -- wiring -------------------------------------------------------------------------------------
async def set_commands(app: BotApplication) -> None:
    """Telegram's command menu, per language (and the default language for everyone else)."""
    services = app.services
    specs = services.commands.visible(False)
    for lang in (None, *services.i18n.languages):
        t = services.i18n.translator(lang or services.settings.default_language)
        commands = [BotCommand(c.name, t(c.description)[:256]) for c in specs]
        try:
            await app.bot.set_my_commands(commands, language_code=lang)
        except Exception as exc:  # not fatal: the bot works without the command menu
            log.warning("could not set the command menu (%s): %s", lang or "default",
                        type(exc).__name__)


def register(app: BotApplication) -> None:
    services = app.services
    services.menu.add(MenuEntry("help", N_("Help and contacts"), order=90))
    services.menu.add(MenuEntry("lang", N_("Change language"), order=95))
    for spec in (
        CommandSpec("menu", N_("show the main menu"), order=1),
        CommandSpec("bantuan", N_("help and the office's contacts"), order=90),
        CommandSpec("bahasa", N_("change the language"), order=91),
        CommandSpec("batal", N_("cancel what you are doing"), order=92),
        CommandSpec("berhenti", N_("stop receiving announcements"), order=93),
        CommandSpec("langganan", N_("receive announcements again"), order=94),
    ):
        services.commands.add(spec)
    services.start_hooks.append(set_commands)
    add_flow(app, "language", switch_language)

    app.add_handler(TypeHandler(Update, track), group=GROUP_TRACK)
    app.add_handler(TypeHandler(Update, group_guard), group=GROUP_GUARD)
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(on_language, pattern=LANG_PATTERN))
    app.add_handler(CallbackQueryHandler(on_menu_button, pattern=r"^menu:(home|help|lang)$"))


def register_late(app: BotApplication) -> None:
    app.add_handler(CommandHandler("start", cmd_start))
    app.add_handler(CommandHandler("menu", cmd_menu))
    app.add_handler(CommandHandler("bahasa", cmd_language))
    app.add_handler(CommandHandler("bantuan", cmd_help))
    app.add_handler(CommandHandler("batal", cmd_cancel_idle))
    app.add_handler(CommandHandler("berhenti", cmd_unsubscribe))
    app.add_handler(CommandHandler("langganan", cmd_subscribe))
    app.add_handler(MessageHandler(filters.Regex(STOP_WORDS) & filters.UpdateType.MESSAGE,
                                   cmd_unsubscribe))
    app.add_handler(MessageHandler(LONG_TEXT & filters.UpdateType.MESSAGE, on_long_text))
