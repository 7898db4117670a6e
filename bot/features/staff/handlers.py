"""/staf: administrators list, add and remove staff (operators and administrators).

Adding: the role, for an operator the kab/kota (or the whole province), then how: Telegram's
contact picker (a reply-keyboard button that requests a user; the answer is a users_shared
message), a one-time invite link (bot.features.staff.home redeems it), or the user id typed.
The new officer gets a welcome with their staff home, through the delivery engine's outbox.

The role is checked here (residents get the ordinary unknown-command answer) and again in
bot.features.staff.service, which writes every change to the audit log. Every step is a
persisted conversation state, and what was chosen so far is kept in user_data, so a restart
between two steps loses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import (
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.menu import CommandSpec
from bot.core.paging import pattern
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    show,
    staff_or_unknown,
)
from bot.features.staff import home, removal
from bot.features.staff import render as r
from bot.features.staff.service import PermissionDenied, StaffError, parse_user_id

if TYPE_CHECKING:
    from bot.app import BotApplication

PREFIX = r.PREFIX
ROLE_PATTERN = rf"^{PREFIX}:role:(operator|admin)$"
REGION_PATTERN = rf"^{PREFIX}:reg:(\d{{4}}|all)$"
REQUEST_ID = 15001  # the users_shared answer carries it back; anything else is not ours

# Conversation states (strings: a stored conversation keeps its meaning when one is added).
MENU, ASK_ROLE, ASK_REGION, ASK_HOW, ASK_USER, ASK_ID = (
    "staff_menu", "staff_ask_role", "staff_ask_region", "staff_ask_how", "staff_ask_user",
    "staff_ask_id")
PICK_REMOVE = removal.PICK_REMOVE
PENDING_KEY = "staff_pending"  # {"role": ..., "region": ...} while adding


async def _denied(update: Update, context: BotContext) -> int:
    """The service refused (a role changed meanwhile): answer as for an unknown command."""
    await staff_or_unknown(update, context, "admin")
    return ConversationHandler.END


def _data(context: BotContext) -> dict:
    assert context.user_data is not None  # staff_or_unknown found a user, so user_data exists
    return context.user_data


async def _send(update: Update, context: BotContext, text: str, markup) -> None:
    """A message with a reply keyboard (the contact picker), or one that removes it."""
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


def _pending(context: BotContext) -> dict | None:
    pending = (context.user_data or {}).get(PENDING_KEY)
    if isinstance(pending, dict) and pending.get("role") in r.ROLE_NAMES:
        return pending
    return None


async def _stale(update: Update, context: BotContext) -> int:
    await reply(update, context, context._(N_(
        "This button is no longer active. Please open /menu again.")))
    return ConversationHandler.END


# -- the list ---------------------------------------------------------------------------------
async def show_list(update: Update, context: BotContext, number: int = 0) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    try:
        members = await context.services.staff.members(update.effective_user.id)
    except PermissionDenied:
        return await _denied(update, context)
    p = r.members_page(members, number)
    await show(update, context, r.render_list(context.t, p, context.content),
               keyboard(r.list_rows(context.t, p)))
    return MENU


async def cmd_staff(update: Update, context: BotContext) -> str | int:
    return await show_list(update, context, 0)


async def on_list_page(update: Update, context: BotContext) -> str | int:
    return await show_list(update, context, int(context.match.group(1)))


# -- adding: role, region, how ------------------------------------------------------------------
async def on_add(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    context.user_data.pop(PENDING_KEY, None)
    await reply(update, context, context._(N_("Which role will the new staff member have? "
                                              "/batal cancels.")),
                keyboard(r.role_rows(context.t)))
    return ASK_ROLE


async def on_role(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    role = context.match.group(1)
    before = (context.user_data or {}).get(PENDING_KEY)
    chosen = before.get("user_id") if isinstance(before, dict) else None
    pending = {"role": role, "region": None}
    if isinstance(chosen, int):
        pending["user_id"] = chosen
    _data(context)[PENDING_KEY] = pending
    if role == "operator":
        return await _ask_region(update, context, 0)
    return await _next_after_region(update, context, pending)


async def _next_after_region(update: Update, context: BotContext, pending: dict) -> str | int:
    """How to add them; or, when the id was typed first (an older stored step), add them."""
    if isinstance(pending.get("user_id"), int):
        return await _add(update, context, pending["user_id"], None, pending)
    return await _ask_how(update, context)


async def _ask_region(update: Update, context: BotContext, number: int) -> str:
    p, rows = r.region_rows(context.t, context.content, number)
    await show(update, context, r.region_prompt(context.t, p), keyboard(rows))
    return ASK_REGION


async def on_region_page(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    return await _ask_region(update, context, int(context.match.group(1)))


async def on_region(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    pending = _pending(context)
    code = context.match.group(1)
    if pending is None or pending["role"] != "operator":
        return await _stale(update, context)
    if code != "all" and context.content.region(code) is None:
        await reply(update, context, context._(r.ERRORS["bad_region"]))
        return ASK_REGION
    pending["region"] = None if code == "all" else code
    _data(context)[PENDING_KEY] = pending
    return await _next_after_region(update, context, pending)


async def _ask_how(update: Update, context: BotContext) -> str:
    pending = _pending(context)
    assert pending is not None  # set by the step before
    await show(update, context, r.method_prompt(context.t, pending["role"], pending["region"],
                                                context.content),
               keyboard(r.method_rows(context.t)))
    return ASK_HOW


async def on_pick(update: Update, context: BotContext) -> str | int:
    """Telegram's own contact picker: a reply-keyboard button that requests one user."""
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    if _pending(context) is None:
        return await _stale(update, context)
    t = context.t
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(t(N_("Choose a colleague")), request_users=KeyboardButtonRequestUsers(
            request_id=REQUEST_ID, user_is_bot=False, max_quantity=1, request_name=True))],
         [KeyboardButton("/batal")]],
        resize_keyboard=True, one_time_keyboard=True)
    await _send(update, context, r.picker_prompt(t), markup)
    return ASK_USER


async def on_users_shared(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    shared = update.message.users_shared
    pending = _pending(context)
    if pending is None:
        return await _stale(update, context)
    if shared.request_id != REQUEST_ID or len(shared.users) != 1:
        await reply(update, context, r.picker_prompt(context.t))
        return ASK_USER
    user = shared.users[0]
    name = " ".join(x for x in (user.first_name, user.last_name) if x) or user.username
    return await _add(update, context, user.user_id, name, pending)


async def on_type_id(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    if _pending(context) is None:
        return await _stale(update, context)
    await reply(update, context, context._(N_(
        "Send the Telegram user id of the new staff member (a number). /batal cancels.")))
    return ASK_ID


async def on_id(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    pending = _pending(context)
    try:
        user_id = parse_user_id(update.message.text or "")
    except StaffError as err:
        await reply(update, context, context._(r.ERRORS[err.code]))
        return ASK_ID
    if pending is None:
        # A conversation stored by an older version, which asked for the id first: keep the
        # id, then ask the role (and region) as now.
        _data(context)[PENDING_KEY] = {"user_id": user_id}
        await reply(update, context, context._(N_("Which role for {id}?")).format(id=user_id),
                    keyboard(r.role_rows(context.t)))
        return ASK_ROLE
    return await _add(update, context, user_id, None, pending)


async def _add(update: Update, context: BotContext, user_id: int, name: str | None,
               pending: dict) -> int:
    staff = context.services.staff
    role, region = pending["role"], pending.get("region")
    if user_id == context.bot.id:
        await reply(update, context, context._(r.ERRORS["is_bot"]))
        return ConversationHandler.END
    try:
        before = await staff.add_member(update.effective_user.id, user_id, role, region, name)
    except PermissionDenied:
        return await _denied(update, context)
    except StaffError as err:
        await _send(update, context, context._(r.ERRORS[err.code]), ReplyKeyboardRemove())
        return ConversationHandler.END
    context.user_data.pop(PENDING_KEY, None)
    member = await staff.member(user_id)
    t = context.t
    text = r.added_text(t, r.who(member, user_id), role, region, before, context.content)
    if await home.send_welcome(context.application, user_id):
        text += "\n" + t(N_("They got a welcome message with their staff home."))
    else:
        text += "\n" + t(N_("They have not started the bot yet, so they got no message: ask "
                            "them to open the bot and type /petugas."))
    await _send(update, context, text, ReplyKeyboardRemove())
    await reply(update, context, t(N_("What next?")), keyboard(
        [[(t(N_("Staff list")), f"{PREFIX}:list:p:0"), (t(N_("Staff home")), home.SHOW)]]))
    return ConversationHandler.END


async def on_link(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    pending = _pending(context)
    if pending is None:
        return await _stale(update, context)
    try:
        invitation = await context.services.staff.create_invite(
            update.effective_user.id, pending["role"], pending.get("region"))
    except PermissionDenied:
        return await _denied(update, context)
    except StaffError as err:
        await reply(update, context, context._(r.ERRORS[err.code]))
        return ConversationHandler.END
    context.user_data.pop(PENDING_KEY, None)
    link = f"https://t.me/{context.bot.username}?start={home.INVITE_PAYLOAD}{invitation.token}"
    await show(update, context, r.invite_text(
        context.t, link, invitation.role, invitation.region_code, context.content,
        invitation.expires_at, context.settings.tz),
        keyboard([[(context._(N_("Staff list")), f"{PREFIX}:list:p:0"),
                   (context._(N_("Staff home")), home.SHOW)]]))
    return ConversationHandler.END


async def on_close(update: Update, context: BotContext) -> int:
    await answer_query(update)
    context.user_data.pop(PENDING_KEY, None)
    await show(update, context, context._(N_("Done. Type /staf to manage staff again.")))
    return ConversationHandler.END


def register(app: BotApplication) -> None:
    app.services.commands.add(CommandSpec("staf", N_("manage staff (administrators)"),
                                         order=82, staff_only=True))
    close = CallbackQueryHandler(on_close, pattern=rf"^{r.CLOSE}$")
    app.add_handler(conversation(
        "staff",
        entry_points=[CommandHandler("staf", cmd_staff),
                      CallbackQueryHandler(on_list_page, pattern=pattern(r.LIST_PAGER))],
        states={
            MENU: [CallbackQueryHandler(on_add, pattern=rf"^{r.ADD}$"),
                   CallbackQueryHandler(removal.on_remove_menu, pattern=rf"^{r.REMOVE}$"),
                   CallbackQueryHandler(on_list_page, pattern=pattern(r.LIST_PAGER)), close],
            ASK_ROLE: [CallbackQueryHandler(on_role, pattern=ROLE_PATTERN)],
            ASK_REGION: [CallbackQueryHandler(on_region, pattern=REGION_PATTERN),
                         CallbackQueryHandler(on_region_page, pattern=pattern(r.REGION_PAGER))],
            ASK_HOW: [CallbackQueryHandler(on_pick, pattern=rf"^{r.PICK}$"),
                      CallbackQueryHandler(on_link, pattern=rf"^{r.LINK}$"),
                      CallbackQueryHandler(on_type_id, pattern=rf"^{r.TYPE_ID}$")],
            ASK_USER: [MessageHandler(filters.StatusUpdate.USERS_SHARED, on_users_shared)],
            # one word only: an id attempt; a sentence (say an announcement typed after
            # leaving this flow for /siaran) is not taken for one
            ASK_ID: [MessageHandler(filters.Regex(r"^\s*\S{1,40}\s*$") & ~filters.COMMAND
                                    & filters.UpdateType.MESSAGE, on_id)],
            PICK_REMOVE: [*removal.handlers(), close],
        },
        fallbacks=[*conversation_fallbacks(), CommandHandler("staf", cmd_staff)],
    ))
    home.register(app)
