"""Writing a reminder in the chat, and editing one from its card: one conversation.

A new reminder goes text -> recipients (role, then kab/kota) -> when -> the check screen,
where a Javanese text and an end date may be added before saving. An edit (a button on the
card: text, recipients, schedule, Javanese text, end date) starts at that step with the
reminder loaded, and comes back to the same check screen. The draft lives in user_data
(persisted), so a restart in the middle loses nothing; the service checks everything again
(the actor's role and region included) when it is saved.
"""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.context import BotContext
from bot.core.clock import parse_iso
from bot.core.i18n import N_
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    staff_or_unknown,
)
from bot.features.reminders import when
from bot.features.reminders.jobs import schedule_reminder, service
from bot.features.reminders.manage import MAX_TEXT
from bot.features.reminders.render import EDIT_PATTERN, NEW, NEW_PATTERN, when_text
from bot.features.reminders.schedule import LAST_DAY, ReminderError
from bot.features.reminders.steps import (
    ERRORS,
    KEY,
    R_CONFIRM,
    R_DATE,
    R_DAYS,
    R_DOM,
    R_END,
    R_JV,
    R_KIND,
    R_REGION,
    R_ROLE,
    R_TEXT,
    R_TIME,
    confirm,
    draft,
    refused,
)
from bot.features.staff.service import PermissionDenied
from bot.features.volunteers.service import ROLES, match_regions


# -- entry: new, or an edit from the card ---------------------------------------------------------
async def new_start(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context):
        return ConversationHandler.END
    await answer_query(update)
    assert context.user_data is not None  # staff_or_unknown found a user
    context.user_data[KEY] = {}
    await reply(update, context, context._(N_(
        "New reminder for volunteers (/batal stops). Type the reminder text: what should the "
        "volunteers do?")))
    return R_TEXT


async def edit_start(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context):
        return ConversationHandler.END
    await answer_query(update)
    field, rid = context.match.group(1), int(context.match.group(2))
    try:
        reminder = await service(context).editable(update.effective_user.id, rid)
    except PermissionDenied:
        await refused(update, context)
        return ConversationHandler.END
    if reminder is None:
        await reply(update, context, context._(N_(
            "This reminder is finished or cancelled; it can no longer be changed.")))
        return ConversationHandler.END
    assert context.user_data is not None  # staff_or_unknown found a user
    context.user_data[KEY] = {
        "id": rid, "text": reminder.text, "text_jv": reminder.text_jv, "role": reminder.role,
        "region": reminder.region_code, "at": reminder.at, "cron": reminder.cron,
        "ends_on": reminder.ends_on, "edit": field}
    if field == "text":
        await reply(update, context, context._(N_(
            "Type the new text of the reminder (/batal stops).")))
        return R_TEXT
    if field == "jv":
        return await _ask_jv(update, context)
    if field == "aud":
        return await _ask_role(update, context)
    if field == "end" and reminder.kind == "cron":
        return await when.ask_end_date(update, context)
    return await when.ask_kind(update, context)


# -- the text, in Indonesian and in Javanese ------------------------------------------------------
def _too_long(text: str) -> bool:
    return len(text) > MAX_TEXT


async def new_text(update: Update, context: BotContext) -> str:
    text = (update.message.text or "").strip()
    if _too_long(text):
        await reply(update, context, context._(ERRORS["long"]).format(max=MAX_TEXT))
        return R_TEXT
    data = draft(context)
    data["text"] = text
    if data.get("id"):
        return await confirm(update, context)
    return await _ask_role(update, context)


async def _ask_jv(update: Update, context: BotContext) -> str:
    rows = [[(context._(N_("Without Javanese text")), f"{NEW}:jvnone")]]
    await reply(update, context, context._(N_(
        "Type the reminder in Javanese. Volunteers who use Javanese get it; without it they get "
        "the Indonesian text.")), keyboard(rows))
    return R_JV


async def ask_jv(update: Update, context: BotContext) -> str:
    await answer_query(update)
    return await _ask_jv(update, context)


async def jv_text(update: Update, context: BotContext) -> str:
    text = (update.message.text or "").strip()
    if _too_long(text):
        await reply(update, context, context._(ERRORS["long"]).format(max=MAX_TEXT))
        return R_JV
    draft(context)["text_jv"] = text
    return await confirm(update, context)


async def jv_none(update: Update, context: BotContext) -> str:
    await answer_query(update)
    draft(context)["text_jv"] = None
    return await confirm(update, context)


# -- recipients -----------------------------------------------------------------------------------
async def _ask_role(update: Update, context: BotContext) -> str:
    rows = [[(context._(N_("All volunteers")), f"{NEW}:role:all")]]
    rows += [[(context._(label), f"{NEW}:role:{code}")] for code, label in ROLES.items()]
    await reply(update, context, context._(N_("Who should receive it?")), keyboard(rows))
    return R_ROLE


async def new_role(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    code = context.match.group(1)
    if code != "all" and code not in ROLES:
        return R_ROLE
    draft(context)["role"] = None if code == "all" else code
    try:
        scope = await service(context).scope(update.effective_user.id)
    except PermissionDenied:
        await refused(update, context)
        return ConversationHandler.END
    if scope.region is not None and not scope.everything:  # their kab/kota only
        region = context.content.region(scope.region)
        await reply(update, context, context._(N_(
            "Kabupaten/kota: {region} (the one you work for).")).format(
            region=region.label() if region else scope.region))
        return await _region_done(update, context, scope.region)
    await reply(update, context, context._(N_(
        "In which kabupaten/kota? Type its name, or choose all.")),
        keyboard([[(context._(N_("All kabupaten/kota")), f"{NEW}:reg:all")]]))
    return R_REGION


async def new_region_button(update: Update, context: BotContext) -> str:
    await answer_query(update)
    code = context.match.group(1)
    if code != "all" and context.content.region(code) is None:
        return R_REGION
    return await _region_done(update, context, None if code == "all" else code)


async def new_region_text(update: Update, context: BotContext) -> str:
    found = match_regions(update.message.text or "", context.content.regions)
    if len(found) == 1:
        return await _region_done(update, context, found[0].code)
    if found:
        rows = [[(r.label(), f"{NEW}:reg:{r.code}")] for r in found]
        await reply(update, context, context._(N_("Which one do you mean?")), keyboard(rows))
    else:
        await reply(update, context, context._(N_(
            "I could not find that kabupaten/kota in East Java. Please type its name again, or "
            "choose a button above.")))
    return R_REGION


async def _region_done(update: Update, context: BotContext, code: str | None) -> str:
    data = draft(context)
    data["region"] = code
    if data.get("id"):
        return await confirm(update, context)
    return await when.ask_kind(update, context)


async def new_save(update: Update, context: BotContext) -> int | str:
    await answer_query(update)
    data = draft(context)
    svc, uid = service(context), update.effective_user.id
    at = parse_iso(data["at"]) if data.get("at") else None
    ends_on = dt.date.fromisoformat(data["ends_on"]) if data.get("ends_on") else None
    try:
        if data.get("id"):
            reminder = await svc.update(uid, data["id"], {
                "text": data.get("text"), "text_jv": data.get("text_jv"),
                "role": data.get("role"), "region_code": data.get("region"), "at": at,
                "cron": None if at else data.get("cron"), "ends_on": ends_on})
        else:
            reminder = await svc.create(
                uid, text=data.get("text", ""), role=data.get("role"),
                region_code=data.get("region"), at=at, cron=data.get("cron"),
                text_jv=data.get("text_jv"), ends_on=ends_on)
    except PermissionDenied:
        context.user_data.pop(KEY, None)
        await refused(update, context)
        return ConversationHandler.END
    except ReminderError as exc:
        if exc.code in ("past", "end_past"):  # time went by on the check screen: ask again
            await reply(update, context, context._(ERRORS[exc.code]))
            return await (when.ask_end_date(update, context) if exc.code == "end_past"
                          else when.ask_kind(update, context))
        context.user_data.pop(KEY, None)
        await reply(update, context, context._(N_(
            "Sorry, that reminder could not be saved. Please start again with /pengingat.")))
        return ConversationHandler.END
    context.user_data.pop(KEY, None)
    if reminder is None:
        await reply(update, context, context._(N_(
            "This reminder is finished or cancelled; it can no longer be changed.")))
        return ConversationHandler.END
    nxt = schedule_reminder(context.application, reminder)  # type: ignore[arg-type]
    first = when_text(context.t, nxt, context.settings.tz) if nxt else "-"
    text = context._(N_("Reminder #{id} is changed. Next time: {when}.")) if data.get("id") \
        else context._(N_("Reminder #{id} is saved. First time: {when}."))
    if reminder.paused:
        text += "\n" + context._(N_("It is still paused: press Resume on its card."))
    rows = [[(context._(N_("Open reminder")), f"remadm:view:{reminder.id}"),
             (context._(N_("All reminders")), "remadm:list")]]
    await reply(update, context, text.format(id=reminder.id, when=first), keyboard(rows))
    return ConversationHandler.END


async def new_drop(update: Update, context: BotContext) -> int:
    await answer_query(update)
    context.user_data.pop(KEY, None)
    await reply(update, context, context._(N_("Cancelled. Nothing was saved.")))
    return ConversationHandler.END


def build(text) -> ConversationHandler:
    """The conversation; `text` is the filter of typed answers."""
    return conversation(
        "reminder_new",
        entry_points=[CallbackQueryHandler(new_start, pattern=NEW_PATTERN),
                      CallbackQueryHandler(edit_start, pattern=EDIT_PATTERN)],
        states={
            R_TEXT: [MessageHandler(text, new_text)],
            R_JV: [MessageHandler(text, jv_text),
                   CallbackQueryHandler(jv_none, pattern=rf"^{NEW}:jvnone$")],
            R_ROLE: [CallbackQueryHandler(new_role, pattern=rf"^{NEW}:role:([a-z_]{{2,20}})$")],
            R_REGION: [CallbackQueryHandler(new_region_button,
                                            pattern=rf"^{NEW}:reg:(all|35\d\d)$"),
                       MessageHandler(text, new_region_text)],
            R_KIND: [CallbackQueryHandler(when.new_kind,
                                          pattern=rf"^{NEW}:kind:(once|daily|weekly|monthly)$")],
            R_DATE: [MessageHandler(text, when.new_date)],
            R_DAYS: [CallbackQueryHandler(when.new_day, pattern=rf"^{NEW}:day:([0-6])$"),
                     CallbackQueryHandler(when.new_days_done, pattern=rf"^{NEW}:days$")],
            R_DOM: [CallbackQueryHandler(when.new_dom,
                                         pattern=rf"^{NEW}:dom:(\d{{1,2}}|{LAST_DAY})$"),
                    MessageHandler(text, when.new_dom)],
            R_TIME: [MessageHandler(text, when.new_time)],
            R_END: [MessageHandler(text, when.end_text),
                    CallbackQueryHandler(when.end_none, pattern=rf"^{NEW}:endnone$")],
            R_CONFIRM: [CallbackQueryHandler(new_save, pattern=rf"^{NEW}:save$"),
                        CallbackQueryHandler(new_drop, pattern=rf"^{NEW}:drop$"),
                        CallbackQueryHandler(ask_jv, pattern=rf"^{NEW}:jv$"),
                        CallbackQueryHandler(when.ask_end, pattern=rf"^{NEW}:end$")],
        },
        fallbacks=conversation_fallbacks(),
    )
