"""/staf: administrators list, add and remove staff (operators and administrators).

The role is checked here (residents get the ordinary unknown-command answer) and again in
bot.features.staff.service, which writes every change to the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.core.i18n import N_, Translator
from bot.core.menu import CommandSpec
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    staff_or_unknown,
)
from bot.features.staff.service import PermissionDenied, StaffError, parse_user_id

if TYPE_CHECKING:
    from bot.app import BotApplication

PREFIX = "staf"
ADD = f"{PREFIX}:add"
REMOVE = f"{PREFIX}:rm"
CLOSE = f"{PREFIX}:close"
ROLE_PATTERN = rf"^{PREFIX}:role:(operator|admin)$"
REMOVE_PATTERN = rf"^{PREFIX}:rm:([0-9]{{1,16}})$"

# Conversation states (strings: a stored conversation keeps its meaning when one is added).
MENU, ASK_ID, ASK_ROLE, PICK_REMOVE = "staff_menu", "staff_ask_id", "staff_ask_role", \
    "staff_pick_remove"
PENDING_KEY = "staff_pending_id"

ROLE_NAMES = {"operator": N_("operator"), "admin": N_("administrator")}
ERRORS = {
    "bad_id": N_("That is not a Telegram user id. Please send the number only, e.g. 123456789."),
    "bad_role": N_("Unknown role. Choose operator or administrator."),
    "from_settings": N_("This administrator is set in the bot's settings on the server; only the "
                          "server's maintainer can change it."),
    "self": N_("You cannot remove yourself. Ask another administrator."),
    "not_staff": N_("That person is not on the staff list."),
}


def render_list(t: Translator, members: list[tuple[int, str, str]]) -> str:
    lines = [t(N_("Staff of this bot:"))]
    for user_id, role, source in members:
        line = f"• {user_id} — {t(ROLE_NAMES[role])}"
        if source == "settings":
            line += " " + t(N_("(set on the server)"))
        lines.append(line)
    lines.append("")
    lines.append(t(N_("Operators may broadcast, create reminders, see reports and import. "
                      "Administrators may also manage staff.")))
    return "\n".join(lines)


def menu_keyboard(t: Translator):
    return keyboard([[(t(N_("Add staff")), ADD), (t(N_("Remove staff")), REMOVE)],
                     [(t(N_("Done")), CLOSE)]])


async def _denied(update: Update, context: BotContext) -> int:
    """The service refused (a role changed meanwhile): answer as for an unknown command."""
    await staff_or_unknown(update, context, "admin")
    return ConversationHandler.END


async def cmd_staff(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    try:
        members = await context.services.staff.list_members(update.effective_user.id)
    except PermissionDenied:
        return await _denied(update, context)
    await reply(update, context, render_list(context.t, members), menu_keyboard(context.t))
    return MENU


async def on_add(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    await reply(update, context, context._(N_(
        "Send the Telegram user id of the new staff member (a number). They can see it by "
        "writing to @userinfobot. /batal cancels.")))
    return ASK_ID


async def on_id(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    try:
        user_id = parse_user_id(update.message.text or "")
    except StaffError as err:
        await reply(update, context, context._(ERRORS[err.code]))
        return ASK_ID
    assert context.user_data is not None  # staff_or_unknown found a user, so user_data exists
    context.user_data[PENDING_KEY] = user_id
    t = context.t
    await reply(update, context, t(N_("Which role for {id}?")).format(id=user_id), keyboard(
        [[(t(ROLE_NAMES["operator"]).capitalize(), f"{PREFIX}:role:operator"),
          (t(ROLE_NAMES["admin"]).capitalize(), f"{PREFIX}:role:admin")]]))
    return ASK_ROLE


async def on_role(update: Update, context: BotContext) -> int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    user_id = context.user_data.pop(PENDING_KEY, None)
    if not isinstance(user_id, int):
        await reply(update, context, context._(N_(
            "This button is no longer active. Please open /menu again.")))
        return ConversationHandler.END
    role = context.match.group(1)
    try:
        before = await context.services.staff.add_member(update.effective_user.id, user_id, role)
    except PermissionDenied:
        return await _denied(update, context)
    except StaffError as err:
        await reply(update, context, context._(ERRORS[err.code]))
        return ConversationHandler.END
    t = context.t
    if before is None:
        text = t(N_("Done: {id} is now {role}.")).format(id=user_id, role=t(ROLE_NAMES[role]))
    else:
        text = t(N_("Done: {id} was {before} and is now {role}.")).format(
            id=user_id, before=t(ROLE_NAMES[before]), role=t(ROLE_NAMES[role]))
    await reply(update, context, text)
    return ConversationHandler.END


async def on_remove_menu(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    me = update.effective_user.id
    try:
        members = await context.services.staff.list_members(me)
    except PermissionDenied:
        return await _denied(update, context)
    t = context.t
    removable = [(uid, role) for uid, role, source in members
                 if source == "table" and uid != me]
    if not removable:
        await reply(update, context, t(N_("There is nobody you can remove.")))
        return ConversationHandler.END
    rows = [[(t(N_("Remove {id}")).format(id=uid),
              f"{REMOVE}:{uid}")] for uid, role in removable]
    rows.append([(t(N_("Done")), CLOSE)])
    await reply(update, context, t(N_("Whom do you want to remove?")), keyboard(rows))
    return PICK_REMOVE


async def on_remove(update: Update, context: BotContext) -> int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    user_id = int(context.match.group(1))
    try:
        before = await context.services.staff.remove_member(update.effective_user.id, user_id)
    except PermissionDenied:
        return await _denied(update, context)
    except StaffError as err:
        await reply(update, context, context._(ERRORS[err.code]))
        return ConversationHandler.END
    await reply(update, context, context._(N_("Done: {id} ({role}) is no longer staff.")).format(
        id=user_id, role=context._(ROLE_NAMES[before])))
    return ConversationHandler.END


async def on_close(update: Update, context: BotContext) -> int:
    await answer_query(update)
    await reply(update, context, context._(N_("Done. Type /staf to manage staff again.")))
    return ConversationHandler.END


def register(app: BotApplication) -> None:
    app.services.commands.add(CommandSpec("staf", N_("manage staff (administrators)"),
                                         order=82, staff_only=True))
    app.add_handler(conversation(
        "staff",
        entry_points=[CommandHandler("staf", cmd_staff)],
        states={
            MENU: [CallbackQueryHandler(on_add, pattern=rf"^{ADD}$"),
                   CallbackQueryHandler(on_remove_menu, pattern=rf"^{REMOVE}$"),
                   CallbackQueryHandler(on_close, pattern=rf"^{CLOSE}$")],
            # one word only: an id attempt; a sentence (say an announcement typed after
            # leaving this flow for /siaran) is not taken for one
            ASK_ID: [MessageHandler(filters.Regex(r"^\s*\S{1,40}\s*$") & ~filters.COMMAND
                                    & filters.UpdateType.MESSAGE, on_id)],
            ASK_ROLE: [CallbackQueryHandler(on_role, pattern=ROLE_PATTERN)],
            PICK_REMOVE: [CallbackQueryHandler(on_remove, pattern=REMOVE_PATTERN),
                          CallbackQueryHandler(on_close, pattern=rf"^{CLOSE}$")],
        },
        fallbacks=[*conversation_fallbacks(), CommandHandler("staf", cmd_staff)],
    ))
