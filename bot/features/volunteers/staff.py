"""Staff manage volunteers in the chat: counts, paged lists, search by name, a card with the
actions its status allows (approve, reject with a reason, deactivate, reactivate), export.

A thin adapter: every button is untrusted, so each handler asks the service, which reads the
staff member's Scope again (a regional operator sees and acts on their own kab/kota only).
Typed input (a search, the words of a rejection's reason) is a persisted conversation.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from babel.dates import format_datetime
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot.context import BotContext
from bot.core.clock import parse_iso
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    show,
    staff_or_unknown,
)
from bot.features.staff.service import PermissionDenied
from bot.features.volunteers import decisions, render
from bot.features.volunteers.export import volunteers_xlsx
from bot.features.volunteers.repo import Volunteer
from bot.features.volunteers.service import REJECT_REASONS, ROLES, VolunteerError

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

COMMAND = "kelola_relawan"
MENU_KEY = "vadm"
SEARCH, REASON = "vadm_search", "vadm_reason"
QUERY_KEY, REASON_KEY = "vadm_query", "vadm_reason_for"


def _uid(update: Update) -> int:
    return update.effective_user.id


async def _denied(update: Update, context: BotContext) -> None:
    await answer_query(update, context._(N_("This volunteer is not in your region.")))


def _when(context: BotContext, value: str | None) -> str | None:
    if not value:
        return None
    local = parse_iso(value).astimezone(context.services.settings.tz)
    return f"{format_datetime(local, 'd MMM y HH.mm', locale=context.t.locale)} WIB"


# -- home and lists -------------------------------------------------------------------------------
async def open_home(update: Update, context: BotContext) -> int:
    if not await staff_or_unknown(update, context):
        return ConversationHandler.END
    await answer_query(update)
    vols = context.services.volunteers
    try:
        counts = await vols.counts_for(_uid(update))
        scope = await vols.scope(_uid(update))
    except PermissionDenied:
        return ConversationHandler.END
    text, rows = render.home(context.t, vols, counts, None if scope.everything else scope.region)
    await show(update, context, text, keyboard(rows))
    return ConversationHandler.END


async def on_list(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    await answer_query(update)
    key, number = context.match.group(1), int(context.match.group(2))
    status = render.STATUS_KEYS[key]
    try:
        items = await context.services.volunteers.list_for(_uid(update), status)
    except PermissionDenied:
        return
    text, rows = render.volunteer_list(
        context.t, context.services.volunteers, items, number,
        title=context._(render.LIST_TITLES[status]), key=key,
        pager_prefix=f"{render.VADM}:l:{key}", empty=context._(N_("Nobody here.")))
    await show(update, context, text, keyboard(rows))


async def _show_search(update: Update, context: BotContext, number: int) -> None:
    query = (context.user_data or {}).get(QUERY_KEY)
    if not query:
        await answer_query(update)
        await ask_search(update, context)
        return
    try:
        items = await context.services.volunteers.list_for(_uid(update), query=query)
    except PermissionDenied:
        return
    text, rows = render.volunteer_list(
        context.t, context.services.volunteers, items, number,
        title=context._(N_("Volunteers named like \"{query}\"")).format(query=query),
        key=render.SEARCH_KEY, pager_prefix=f"{render.VADM}:s",
        empty=context._(N_("No volunteer has a name like that. Type another name, or press "
                           "\"« Volunteers\".")))
    await show(update, context, text, keyboard(rows))


async def on_search_page(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    await answer_query(update)
    await _show_search(update, context, int(context.match.group(1)))


async def ask_search(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context):
        return ConversationHandler.END
    await answer_query(update)
    await reply(update, context, context._(N_(
        "Type a volunteer's name, or part of it (typing errors are forgiven). /batal to stop.")))
    return SEARCH


async def on_search_text(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context):
        return ConversationHandler.END
    query = " ".join((update.message.text or "").split())[:100]
    if len(query) < 2:
        await reply(update, context, context._(N_("Please type at least two letters of the "
                                                  "name.")))
        return SEARCH
    assert context.user_data is not None  # a user's update
    context.user_data[QUERY_KEY] = query
    await _show_search(update, context, 0)
    return ConversationHandler.END


# -- a volunteer's card and its actions ----------------------------------------------------------
async def _card(update: Update, context: BotContext, vol: Volunteer, back: str) -> None:
    text, rows = render.card(context.t, context.services.volunteers, vol, back,
                             (_when(context, vol.requested_at), _when(context, vol.decided_at)))
    await show(update, context, text, keyboard(rows))


async def on_card(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    uid, key, number = (int(context.match.group(1)), context.match.group(2),
                        int(context.match.group(3)))
    try:
        vol = await context.services.volunteers.view(_uid(update), uid)
    except PermissionDenied:
        await _denied(update, context)
        return
    if vol is None:
        await answer_query(update, context._(N_("This registration no longer exists.")))
        return
    await answer_query(update)
    assert context.user_data is not None  # a user's update
    context.user_data["vadm_back"] = render.back_data(key, number)
    await _card(update, context, vol, render.back_data(key, number))


def _back(context: BotContext, vol: Volunteer) -> str:
    return str((context.user_data or {}).get("vadm_back")
               or render.back_data(render.KEY_OF.get(vol.status, "p"), 0))


async def on_action(update: Update, context: BotContext) -> None:
    """vadm:ok / no / off / offy / on: approve, the reasons, deactivate (ask, do), reactivate."""
    if not await staff_or_unknown(update, context):
        return
    action, uid = context.match.group(1), int(context.match.group(2))
    vols = context.services.volunteers
    actor = _uid(update)
    try:
        if action in ("no", "off"):
            vol = await vols.view(actor, uid)
            if vol is None:
                await answer_query(update, context._(N_("This registration no longer exists.")))
                return
            await answer_query(update)
            if action == "no" and vol.status == "pending":
                text, rows = render.reasons(context.t, vol)
            elif action == "off" and vol.status == "approved":
                text, rows = render.confirm_deactivate(context.t, vol, _back(context, vol))
            else:
                await _card(update, context, vol, _back(context, vol))
                return
            await show(update, context, text, keyboard(rows))
            return
        if action == "ok":
            decision = await vols.decide(actor, uid, True)
        else:
            decision = await vols.set_active(actor, uid, action == "on")
    except PermissionDenied:
        await _denied(update, context)
        return
    await _after(update, context, decision)


async def _after(update: Update, context: BotContext, decision) -> None:
    vol = decision.volunteer
    if vol is None:
        await answer_query(update, context._(N_("This registration no longer exists.")))
        return
    status = context._(render.STATUS_LABELS.get(vol.status, vol.status))
    if decision.result == "left":
        await answer_query(update, context._(render.LEFT_NOTE))
    elif decision.result == "already":
        await answer_query(update, context._(N_("Already done: {status}.")).format(
            status=status))
    else:
        await answer_query(update, status)
        if vol.status in ("approved", "rejected") and vol.notified_at is None:
            await decisions.notify_decision(context.application, vol)  # type: ignore[arg-type]
    await _card(update, context, vol, _back(context, vol))


async def on_reason(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context):
        return ConversationHandler.END
    uid, code = int(context.match.group(1)), context.match.group(2)
    if code not in REJECT_REASONS:
        await answer_query(update)
        return ConversationHandler.END
    vols = context.services.volunteers
    if code == "other":
        try:
            vol = await vols.view(_uid(update), uid)
        except PermissionDenied:
            await _denied(update, context)
            return ConversationHandler.END
        if vol is None or vol.status != "pending":
            await answer_query(update, context._(N_("This registration no longer exists."))
                               if vol is None else None)
            if vol is not None:
                await _card(update, context, vol, _back(context, vol))
            return ConversationHandler.END
        await answer_query(update)
        assert context.user_data is not None  # a user's update
        context.user_data[REASON_KEY] = uid
        await reply(update, context, context._(N_(
            "Type the reason for {name} in a sentence. The volunteer reads it as you write it. "
            "/batal to stop.")).format(name=vol.name))
        return REASON
    try:
        decision = await vols.decide(_uid(update), uid, False, reason_code=code)
    except PermissionDenied:
        await _denied(update, context)
        return ConversationHandler.END
    await _after(update, context, decision)
    return ConversationHandler.END


async def on_reason_text(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context):
        return ConversationHandler.END
    uid = (context.user_data or {}).get(REASON_KEY)
    if not isinstance(uid, int):
        return ConversationHandler.END
    try:
        decision = await context.services.volunteers.decide(
            _uid(update), uid, False, reason_code="other", reason_note=update.message.text)
    except VolunteerError:
        await reply(update, context, context._(N_(
            "Please type the reason in 2 to 300 characters, or /batal to stop.")))
        return REASON
    except PermissionDenied:
        await reply(update, context, context._(N_("This volunteer is not in your region.")))
        return ConversationHandler.END
    context.user_data.pop(REASON_KEY, None)
    await _after(update, context, decision)
    return ConversationHandler.END


# -- export ---------------------------------------------------------------------------------------
async def on_export(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    await answer_query(update)
    services = context.services
    vols = services.volunteers
    try:
        scope = await vols.scope(_uid(update))
        rows = await vols.export(_uid(update))
    except PermissionDenied:
        return
    rows.sort(key=lambda v: (render.region_label(vols, v.region_code), v.name.lower()))
    t = context.t
    region = None if scope.everything else scope.region
    where = render.scope_label(t, vols, region)
    now = services.clock().astimezone(services.settings.tz)
    title = t(N_("Volunteers ({where}), {date}")).format(
        where=where, date=format_datetime(now, "d MMMM y HH.mm", locale=t.locale) + " WIB")
    data = await asyncio.to_thread(
        volunteers_xlsx, t, rows, title=title, role=lambda c: t(ROLES.get(c, c)),
        region=lambda c: render.region_label(vols, c),
        kecamatan=lambda c: render.kecamatan_label(vols, c) or t(N_("the whole kab/kota")),
        status=lambda s: t(render.STATUS_LABELS.get(s, s)),
        reason=lambda v: render.reason_text(t, v) if v.status == "rejected" else "",
        tz=services.settings.tz)
    filename = f"relawan-{region or 'jatim'}-{now:%Y%m%d}.xlsx"
    caption = context.ngettext("{n} volunteer ({where})", "{n} volunteers ({where})",
                               len(rows)).format(n=len(rows), where=where)
    await context.bot.send_document(update.effective_chat.id, data, filename=filename,
                                    caption=caption)


async def _cancel(update: Update, context: BotContext) -> int:
    for key in (REASON_KEY,):
        context.user_data.pop(key, None)
    await reply(update, context, context._(N_("Cancelled. Nothing was changed.")))
    return ConversationHandler.END


# -- wiring ---------------------------------------------------------------------------------------
def register(app: BotApplication, text) -> None:
    services = app.services
    services.menu.add(MenuEntry(MENU_KEY, N_("Manage volunteers"), order=45, staff_only=True))
    services.commands.add(CommandSpec(COMMAND, N_("volunteers: lists, approve, export"),
                                      order=45, staff_only=True))
    app.add_handler(conversation(
        "volunteer_staff",
        entry_points=[CallbackQueryHandler(ask_search, pattern=rf"^{render.FIND}$"),
                      CallbackQueryHandler(on_reason, pattern=render.REASON_PATTERN)],
        states={SEARCH: [MessageHandler(text, on_search_text)],
                REASON: [MessageHandler(text, on_reason_text)]},
        fallbacks=[CommandHandler("batal", _cancel), *conversation_fallbacks()],
    ))
    app.add_handler(CommandHandler(COMMAND, open_home))
    app.add_handler(CallbackQueryHandler(open_home, pattern=rf"^({render.HOME}|menu:{MENU_KEY})$"))
    app.add_handler(CallbackQueryHandler(on_list, pattern=render.LIST_PATTERN))
    app.add_handler(CallbackQueryHandler(on_search_page, pattern=render.SEARCH_PATTERN))
    app.add_handler(CallbackQueryHandler(on_card, pattern=render.CARD_PATTERN))
    app.add_handler(CallbackQueryHandler(on_action, pattern=render.ACTION_PATTERN))
    app.add_handler(CallbackQueryHandler(on_action, pattern=r"^vol:(no):(\d{1,15})$"))
    app.add_handler(CallbackQueryHandler(on_export, pattern=rf"^{render.EXPORT}$"))
