"""Volunteers: /relawan registration, the staff's decision, /tugas, and the reminder buttons.

The staff's reminder tools and the job queue wiring are in handlers.reminders (registered from
here, so FEATURES has one entry for the feature).
"""

from __future__ import annotations

import logging
import warnings

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.app import BotApplication
from bot.clock import parse_iso
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.menu import CommandSpec, MenuEntry
from bot.ratelimit import BULK_ARGS
from bot.services.delivery import Outgoing
from bot.services.reminders import (
    DONE_PATTERN,
    SNOOZE_PATTERN,
    ReminderService,
    describe,
    local_time,
)
from bot.services.staff import PermissionDenied
from bot.services.volunteers import (
    ROLES,
    VolunteerError,
    VolunteerService,
    match_regions,
    normalize_phone,
)
from bot.storage.volunteers import Volunteer
from handlers import reminders as reminder_handlers
from handlers.common import (
    answer_query,
    conversation_fallbacks,
    is_private,
    keyboard,
    reply,
    send_menu,
    staff_or_unknown,
)
from handlers.delivery import telegram_sender

log = logging.getLogger(__name__)

# Callback data (untrusted: every id is checked again against the database).
VREG = "vreg"
ROLE_PATTERN = rf"^{VREG}:role:([a-z_]{{2,20}})$"
REGION_PATTERN = rf"^{VREG}:reg:(35\d\d)$"
NAME_ME = f"{VREG}:name:me"
DECIDE_PATTERN = r"^vol:(ok|no):(\d{1,15})$"
MENU_KEY = "volunteer"

# Conversation states.
ROLE, REGION, NAME, PHONE = "vol_role", "vol_region", "vol_name", "vol_phone"
SKIP_WORDS = {"lewati", "skip", "liwati", "boten", "tidak", "-"}


def volunteers(context_or_app) -> VolunteerService:
    runtime = getattr(context_or_app, "runtime", None) or context_or_app.application.runtime
    return runtime.extras["volunteers"]  # type: ignore[return-value]


def reminder_service(context_or_app) -> ReminderService:
    runtime = getattr(context_or_app, "runtime", None) or context_or_app.application.runtime
    return runtime.extras["reminders"]  # type: ignore[return-value]


def region_label(context: BotContext, code: str) -> str:
    region = context.content.region(code)
    return region.label() if region else code


def describe_volunteer(t: Translator, vol: Volunteer, region: str) -> str:
    lines = [
        t(N_("Name: {name}")).format(name=vol.name),
        t(N_("Role: {role}")).format(role=t(ROLES.get(vol.role, vol.role))),
        t(N_("Kab/kota: {region}")).format(region=region),
        t(N_("Phone: {phone}")).format(phone=vol.phone or "-"),
        t(N_("Telegram id: {id}")).format(id=vol.user_id),
    ]
    return "\n".join(lines)


# -- registration -------------------------------------------------------------------------------
async def start_registration(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    if not is_private(update):
        return ConversationHandler.END
    vol = await volunteers(context).get(update.effective_user.id)
    if vol is not None and vol.status == "approved":
        await reply(update, context, context._(N_(
            "You are already registered as a volunteer ({role}, {region}). Type /tugas to see "
            "your reminders and tasks.")).format(role=context._(ROLES.get(vol.role, vol.role)),
                                                 region=region_label(context, vol.region_code)))
        return ConversationHandler.END
    if vol is not None and vol.status == "pending":
        await reply(update, context, context._(N_(
            "Your registration is waiting for the office's approval. You will be told here as "
            "soon as it is decided.")))
        return ConversationHandler.END
    context.user_data["vreg"] = {}
    rows = [[(context._(label), f"{VREG}:role:{code}")] for code, label in ROLES.items()]
    await reply(update, context, context._(N_(
        "Register as a volunteer of the social services office. You can stop at any time with "
        "/batal.\n\nWhat is your role?")), keyboard(rows))
    return ROLE


async def on_role(update: Update, context: BotContext) -> str:
    await answer_query(update)
    code = context.match.group(1)
    if code not in ROLES:
        await reply(update, context, context._(N_("Please choose one of the buttons.")))
        return ROLE
    context.user_data.setdefault("vreg", {})["role"] = code
    await ask_region(update, context)
    return REGION


async def ask_region(update: Update, context: BotContext) -> None:
    regions = context.content.regions
    buttons = [(r.label(), f"{VREG}:reg:{r.code}") for r in regions]
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    await reply(update, context, context._(N_(
        "In which kabupaten/kota do you work? Choose below, or type its name (for example "
        "Surabaya or Kab. Malang).")), keyboard(rows))


async def on_region_button(update: Update, context: BotContext) -> str:
    await answer_query(update)
    code = context.match.group(1)
    if context.content.region(code) is None:
        await ask_region(update, context)
        return REGION
    return await region_chosen(update, context, code)


async def on_region_text(update: Update, context: BotContext) -> str:
    found = match_regions(update.message.text, context.content.regions)
    if len(found) == 1:
        return await region_chosen(update, context, found[0].code)
    if found:
        rows = [[(r.label(), f"{VREG}:reg:{r.code}")] for r in found]
        await reply(update, context, context._(N_("Which one do you mean?")), keyboard(rows))
        return REGION
    await reply(update, context, context._(N_(
        "I could not find that kabupaten/kota in East Java. Please type its name again, or "
        "choose a button above.")))
    return REGION


async def region_chosen(update: Update, context: BotContext, code: str) -> str:
    context.user_data.setdefault("vreg", {})["region"] = code
    first = update.effective_user.first_name or ""
    markup = keyboard([[(context._(N_("Use: {name}")).format(name=first), NAME_ME)]]) \
        if first.strip() else None
    await reply(update, context, context._(N_(
        "Kab/kota: {region}.\n\nWhat is your full name?")).format(
        region=region_label(context, code)), markup)
    return NAME


async def on_name_text(update: Update, context: BotContext) -> str:
    return await name_chosen(update, context, update.message.text)


async def on_name_me(update: Update, context: BotContext) -> str:
    await answer_query(update)
    user = update.effective_user
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return await name_chosen(update, context, name)


async def name_chosen(update: Update, context: BotContext, name: str) -> str:
    name = " ".join(name.split())
    if not 2 <= len(name) <= 100:
        await reply(update, context, context._(N_(
            "Please type your name (2 to 100 characters).")))
        return NAME
    context.user_data.setdefault("vreg", {})["name"] = name
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(context._(N_("Share my phone number")), request_contact=True)],
         [KeyboardButton(context._(N_("Skip")))]],
        resize_keyboard=True, one_time_keyboard=True)
    await reply(update, context, context._(N_(
        "Last step: may the office contact you by phone? Press \"Share my phone number\" "
        "below, or \"Skip\".")), markup)  # type: ignore[arg-type]
    return PHONE


async def on_contact(update: Update, context: BotContext) -> str | int:
    contact = update.message.contact
    if contact.user_id is not None and contact.user_id != update.effective_user.id:
        await reply(update, context, context._(N_(
            "Please share your own number with the button, or press \"Skip\".")))
        return PHONE
    return await finish_registration(update, context, normalize_phone(contact.phone_number))


async def on_phone_text(update: Update, context: BotContext) -> str | int:
    text = update.message.text.strip()
    if text == context._(N_("Skip")) or text.lower() in SKIP_WORDS:
        return await finish_registration(update, context, None)
    phone = normalize_phone(text)
    if phone is None:
        await reply(update, context, context._(N_(
            "That does not look like a phone number. Press \"Share my phone number\", type the "
            "number (for example 0812 3456 7890), or press \"Skip\".")))
        return PHONE
    return await finish_registration(update, context, phone)


async def finish_registration(update: Update, context: BotContext,
                              phone: str | None) -> int:
    data = context.user_data.pop("vreg", {})
    if not all(k in data for k in ("role", "region", "name")):
        await reply(update, context, context._(N_(
            "Sorry, your registration was interrupted. Please start again with /relawan.")),
            ReplyKeyboardRemove())  # type: ignore[arg-type]
        return ConversationHandler.END
    try:
        vol = await volunteers(context).register(
            update.effective_user.id, role=data["role"], region_code=data["region"],
            name=data["name"], phone=phone)
    except VolunteerError as exc:
        text = context._(N_("You are already registered as a volunteer. Type /tugas.")) \
            if exc.code == "already" else context._(N_(
                "Sorry, your registration was interrupted. Please start again with /relawan."))
        await reply(update, context, text, ReplyKeyboardRemove())  # type: ignore[arg-type]
        return ConversationHandler.END
    await reply(update, context, context._(N_(
        "Thank you, {name}. Your registration as {role} in {region} has been sent to the "
        "office. You will be told here when it is approved.")).format(
        name=vol.name, role=context._(ROLES[vol.role]),
        region=region_label(context, vol.region_code)),
        ReplyKeyboardRemove())  # type: ignore[arg-type]
    await notify_staff(context.application, vol)  # type: ignore[arg-type]
    return ConversationHandler.END


async def notify_staff(app: BotApplication, vol: Volunteer) -> None:
    runtime = app.runtime
    send = telegram_sender(app.bot)
    region = runtime.content.region(vol.region_code)
    for staff_id in await runtime.extras["volunteers"].staff_ids():  # type: ignore[union-attr]
        t = runtime.i18n.translator(await runtime.subscribers.locale_for(staff_id))
        text = t(N_("New volunteer registration:")) + "\n" + describe_volunteer(
            t, vol, region.label() if region else vol.region_code)
        buttons = [[(t(N_("Approve")), f"vol:ok:{vol.user_id}"),
                    (t(N_("Reject")), f"vol:no:{vol.user_id}")]]
        await _send_safely(send, staff_id, Outgoing(text, buttons))


async def _send_safely(send, chat_id: int, message: Outgoing) -> None:
    """A notification that cannot be delivered is logged; it never fails the user's step."""
    try:
        result = await send(chat_id, message)
    except Exception as exc:
        log.warning("could not send a volunteer notification: %s", type(exc).__name__)
        return
    if result.error:
        log.info("could not send a volunteer notification: %s", result.error)


async def on_stray_text(update: Update, context: BotContext) -> str:
    await reply(update, context, context._(N_("Please choose one of the buttons.")))
    return ROLE


async def cancel_registration(update: Update, context: BotContext) -> int:
    """/batal: drop what was typed and take the phone keyboard away."""
    context.user_data.pop("vreg", None)
    await reply(update, context, context._(N_("Cancelled. Nothing was saved.")),
                ReplyKeyboardRemove())  # type: ignore[arg-type]
    await send_menu(update, context)
    return ConversationHandler.END


# -- the staff's decision -----------------------------------------------------------------------
async def on_decide(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context):
        return
    action, uid = context.match.group(1), int(context.match.group(2))
    try:
        decision = await volunteers(context).decide(update.effective_user.id, uid,
                                                    action == "ok")
    except PermissionDenied:
        await answer_query(update)
        return
    query = update.callback_query
    if decision.volunteer is None:
        await answer_query(update, context._(N_("This registration no longer exists.")))
        return
    vol = decision.volunteer
    status = context._(N_("Approved")) if vol.status == "approved" else \
        context._(N_("Rejected")) if vol.status == "rejected" else context._(N_("Waiting"))
    if decision.result == "already":
        await answer_query(update, context._(N_("This request was already decided: {status}."))
                           .format(status=status))
    else:
        await answer_query(update, status)
        await notify_decision(context.application, vol)  # type: ignore[arg-type]
    try:
        await query.edit_message_text(
            (query.message.text or "") + "\n\n" + context._(N_("Decision: {status}")).format(
                status=status))
    except Exception:  # the message is too old to edit, or unchanged
        pass


async def notify_decision(app: BotApplication, vol: Volunteer) -> None:
    """Tell the volunteer the staff's decision, once (also decisions made on the command line)."""
    runtime = app.runtime
    if not await runtime.store.volunteers.mark_notified(vol.user_id, runtime.clock()):
        return
    t = runtime.i18n.translator(await runtime.subscribers.locale_for(vol.user_id))
    if vol.status == "approved":
        text = t(N_("Your registration as a volunteer has been approved. Welcome! The office's "
                    "reminders will arrive here. Type /tugas to see your reminders and tasks."))
    else:
        text = t(N_("Sorry, your registration as a volunteer was not approved. For questions, "
                    "please contact the office: type /bantuan for the contacts."))
    await _send_safely(telegram_sender(app.bot), vol.user_id, Outgoing(text))


async def notify_pending_decisions(app: BotApplication) -> None:
    for vol in await app.runtime.store.volunteers.unnotified_decisions():
        await notify_decision(app, vol)


# -- /tugas ---------------------------------------------------------------------------------------
async def cmd_tasks(update: Update, context: BotContext) -> None:
    uid = update.effective_user.id
    if not await context.store.volunteers.is_approved(uid):
        await reply(update, context, context._(N_(
            "This is for registered volunteers. Type /relawan to register.")))
        return
    service = reminder_service(context)
    tz = context.settings.tz
    upcoming = await service.upcoming_for(uid)
    tasks = await service.open_tasks(uid)
    if not upcoming and not tasks:
        await reply(update, context, context._(N_(
            "You have no upcoming reminders and no open tasks.")))
        return
    lines: list[str] = []
    if upcoming:
        lines.append(context._(N_("Upcoming reminders:")))
        for reminder, when in upcoming:
            lines.append(f"• {local_time(when, tz)}: {_short(reminder.text)}")
            lines.append("   " + describe(context.t, reminder, tz))
    buttons = []
    if tasks:
        if lines:
            lines.append("")
        lines.append(context._(N_("Open tasks (press the button when done):")))
        for n, task in enumerate(tasks, 1):
            lines.append(f"{n}. {local_time(_parse(task.occurrence), tz)}: {_short(task.text)}")
            buttons.append([(context._(N_("Done: task {n}")).format(n=n),
                             f"rem:done:{task.id}")])
    await reply(update, context, "\n".join(lines), keyboard(buttons) if buttons else None)


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _parse(stamp: str):
    return parse_iso(stamp)


# -- the reminder buttons -------------------------------------------------------------------------
def _without(query, delivery_id: int):
    """The pressed message's buttons minus those of this delivery."""
    markup = query.message.reply_markup if query.message else None
    rows = []
    for row in (markup.inline_keyboard if markup else ()):
        kept = [(b.text, b.callback_data) for b in row
                if not str(b.callback_data or "").endswith(f":{delivery_id}")]
        if kept:
            rows.append(kept)
    return keyboard(rows) if rows else None


async def _edit(query, text: str, markup) -> None:
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except Exception:  # too old to edit, or unchanged: the answer above already told them
        pass


async def on_done(update: Update, context: BotContext) -> None:
    delivery_id = int(context.match.group(1))
    state, _ = await reminder_service(context).mark_done(delivery_id, update.effective_user.id)
    if state == "foreign":
        await answer_query(update, context._(N_(
            "Sorry, this button is not valid for you any more.")))
        return
    if state == "already":
        await answer_query(update, context._(N_("Already marked as done. Thank you!")))
        return
    await answer_query(update, context._(N_("Marked as done. Thank you!")))
    query = update.callback_query
    if query.message is not None:
        await _edit(query, (query.message.text or "") + "\n\n✅ " + context._(N_(
            "Marked as done. Thank you!")), _without(query, delivery_id))


async def on_snooze(update: Update, context: BotContext) -> None:
    delivery_id = int(context.match.group(1))
    service = reminder_service(context)
    state, _, until = await service.snooze(delivery_id, update.effective_user.id)
    if state == "foreign":
        await answer_query(update, context._(N_(
            "Sorry, this button is not valid for you any more.")))
        return
    if state == "done" or until is None:
        await answer_query(update, context._(N_("This reminder is already done.")))
        return
    reminder_handlers.schedule_snooze(context.application, delivery_id, until)  # type: ignore[arg-type]
    when = local_time(until, context.settings.tz, with_date=False)
    await answer_query(update, context._(N_("I will remind you again at {time}.")).format(
        time=when))
    query = update.callback_query
    if query.message is not None:
        await _edit(query, (query.message.text or "") + "\n\n⏰ " + context._(N_(
            "I will remind you again at {time}.")).format(time=when),
            _without(query, delivery_id))


# -- wiring ---------------------------------------------------------------------------------------
async def setup(app: BotApplication) -> None:
    """At start: build the services, then let handlers.reminders catch up and register jobs."""
    runtime = app.runtime
    if "volunteers" not in runtime.extras:
        runtime.extras["volunteers"] = VolunteerService(
            runtime.store, runtime.staff, runtime.clock, runtime.content.regions)
        runtime.extras["reminders"] = ReminderService(
            runtime.store, runtime.staff, runtime.clock, tz=runtime.settings.tz,
            grace=runtime.settings.reminder_grace, regions=runtime.content.regions,
            translator=runtime.i18n.translator, locale_for=runtime.subscribers.locale_for)
    # Reminders go to many volunteers at once: the bulk lane, so no resident waits behind them.
    runtime.extras["reminders"].sender = telegram_sender(app.bot, rate_limit_args=BULK_ARGS)
    try:
        await reminder_handlers.start(app)
        await notify_pending_decisions(app)
    except Exception:  # never keep the bot from starting; the sync job tries again in 30 s
        log.exception("reminders could not catch up at start")
        reminder_handlers.ensure_sync(app)


def register(app: BotApplication) -> None:
    runtime = app.runtime
    runtime.menu.add(MenuEntry(MENU_KEY, N_("Register as a volunteer"), order=70))
    runtime.commands.add(CommandSpec("relawan", N_("register as a volunteer"), order=70))
    runtime.commands.add(CommandSpec("tugas", N_("volunteers: your reminders and tasks"),
                                     order=71))
    runtime.start_hooks.append(setup)
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE  # edits are no answers
    with warnings.catch_warnings():  # per_message=False is intended: one registration per chat
        warnings.simplefilter("ignore", PTBUserWarning)
        conversation = _registration(text)
    app.add_handler(conversation)
    app.add_handler(CallbackQueryHandler(on_decide, pattern=DECIDE_PATTERN))
    app.add_handler(CommandHandler("tugas", cmd_tasks))
    app.add_handler(CallbackQueryHandler(on_done, pattern=DONE_PATTERN))
    app.add_handler(CallbackQueryHandler(on_snooze, pattern=SNOOZE_PATTERN))
    reminder_handlers.register(app)


def _registration(text) -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CommandHandler("relawan", start_registration),
                      CallbackQueryHandler(start_registration, pattern=rf"^menu:{MENU_KEY}$")],
        states={
            ROLE: [CallbackQueryHandler(on_role, pattern=ROLE_PATTERN),
                   MessageHandler(text, on_stray_text)],
            REGION: [CallbackQueryHandler(on_region_button, pattern=REGION_PATTERN),
                     MessageHandler(text, on_region_text)],
            NAME: [CallbackQueryHandler(on_name_me, pattern=rf"^{NAME_ME}$"),
                   MessageHandler(text, on_name_text)],
            PHONE: [MessageHandler(filters.CONTACT & filters.UpdateType.MESSAGE, on_contact),
                    MessageHandler(text, on_phone_text)],
        },
        fallbacks=[CommandHandler("batal", cancel_registration), *conversation_fallbacks()],
        name="volunteer_registration",
        persistent=True,
        allow_reentry=True,
    )
