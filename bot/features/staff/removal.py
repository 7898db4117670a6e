"""/staf -> "Hapus staf": the paged list of staff one may remove, then a confirmation.

The role is checked here and again in StaffService.remove_member (audited).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.paging import page, page_caption, pager_row, pattern
from bot.core.ui import answer_query, keyboard, reply, show, staff_or_unknown
from bot.features.staff import render as r
from bot.features.staff.service import PermissionDenied, StaffError

PREFIX = r.PREFIX
REMOVE_PATTERN = rf"^{PREFIX}:rm:([0-9]{{1,16}})$"
REMOVE_OK_PATTERN = rf"^{PREFIX}:rmok:([0-9]{{1,16}})$"
REMOVE_PAGER = f"{PREFIX}:rml"
PICK_REMOVE = "staff_pick_remove"


async def _denied(update: Update, context: BotContext) -> int:
    """The service refused (a role changed meanwhile): answer as for an unknown command."""
    await staff_or_unknown(update, context, "admin")
    return ConversationHandler.END


async def show_remove(update: Update, context: BotContext, number: int = 0) -> str | int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    me = update.effective_user.id
    try:
        members = await context.services.staff.members(me)
    except PermissionDenied:
        return await _denied(update, context)
    t = context.t
    removable = [m for m in members if m.source == "table" and m.user_id != me]
    if not removable:
        await reply(update, context, t(N_("There is nobody you can remove.")))
        return ConversationHandler.END
    p = page(removable, number)
    rows = [[(r.label(t(N_("Remove {who}")).format(who=m.name or m.user_id)),
              f"{r.REMOVE}:{m.user_id}")] for m in p.items]
    rows += [row for row in [pager_row(t, REMOVE_PAGER, p)] if row]
    rows.append([(t(N_("Done")), r.CLOSE)])
    text = t(N_("Whom do you want to remove?"))
    caption = page_caption(t, p)
    await show(update, context, f"{text}\n{caption}" if caption else text, keyboard(rows))
    return PICK_REMOVE


async def on_remove_menu(update: Update, context: BotContext) -> str | int:
    return await show_remove(update, context, 0)


async def on_remove_page(update: Update, context: BotContext) -> str | int:
    return await show_remove(update, context, int(context.match.group(1)))


async def on_remove(update: Update, context: BotContext) -> str | int:
    """First press: ask to confirm (nobody loses their rights by a slip of the thumb)."""
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    user_id = int(context.match.group(1))
    member = await context.services.staff.member(user_id)
    if member is None or member.source != "table":
        await reply(update, context, context._(r.ERRORS["not_staff"]))
        return ConversationHandler.END
    t = context.t
    await show(update, context, t(N_("Remove {who} ({role}) from the staff?")).format(
        who=r.who(member, user_id), role=r.role_text(t, member.role, member.region_code,
                                                      context.content)),
        keyboard([[(t(N_("Yes, remove")), f"{PREFIX}:rmok:{user_id}"),
                   (t(N_("No")), r.CLOSE)]]))
    return PICK_REMOVE


async def on_remove_ok(update: Update, context: BotContext) -> int:
    if not await staff_or_unknown(update, context, "admin"):
        return ConversationHandler.END
    await answer_query(update)
    user_id = int(context.match.group(1))
    member = await context.services.staff.member(user_id)
    try:
        before = await context.services.staff.remove_member(update.effective_user.id, user_id)
    except PermissionDenied:
        return await _denied(update, context)
    except StaffError as err:
        await reply(update, context, context._(r.ERRORS[err.code]))
        return ConversationHandler.END
    await show(update, context, context._(N_("Done: {who} ({role}) is no longer staff.")).format(
        who=r.who(member, user_id), role=context._(r.ROLE_NAMES[before])),
        keyboard([[(context._(N_("Staff list")), f"{PREFIX}:list:p:0")]]))
    return ConversationHandler.END


def handlers() -> list[CallbackQueryHandler]:
    """The PICK_REMOVE state's buttons."""
    return [CallbackQueryHandler(on_remove, pattern=REMOVE_PATTERN),
            CallbackQueryHandler(on_remove_ok, pattern=REMOVE_OK_PATTERN),
            CallbackQueryHandler(on_remove_page, pattern=pattern(REMOVE_PAGER))]
