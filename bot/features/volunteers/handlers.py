"""Volunteers: /relawan registration and the staff's decision, told to the volunteer once.

/tugas and the reminder buttons belong to the reminders feature (bot.features.reminders.tasks).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.core.i18n import N_, Translator
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import (
    add_flow,
    answer_query,
    conversation,
    conversation_fallbacks,
    conversation_starter,
    is_private,
    keyboard,
    reply,
    send_menu,
)
from bot.delivery.sender import Outgoing
from bot.features.volunteers.decisions import (
    DECISION_KIND,
    on_decide,
    render_decision,
    start,
)
from bot.features.volunteers.repo import Volunteer
from bot.features.volunteers.service import (
    ROLES,
    VolunteerError,
    VolunteerService,
    match_regions,
    normalize_phone,
)

if TYPE_CHECKING:
    from bot.app import BotApplication

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
SKIP_WORDS = {"lewati", "skip", "liwati", "langkungi", "boten", "tidak", "-"}


def volunteers(context_or_app: BotContext | BotApplication) -> VolunteerService:
    return context_or_app.services.volunteers


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
    assert context.user_data is not None  # a private chat's update has a user, so user_data
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
    assert update.message.text is not None  # the handler's filter is filters.TEXT
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
    assert update.message.text is not None  # the handler's filter is filters.TEXT
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
    services = app.services
    send = services.senders.reply
    region = services.content.region(vol.region_code)
    for staff_id in await services.volunteers.staff_ids():
        t = services.i18n.translator(await services.subscribers.locale_for(staff_id))
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


def register(app: BotApplication) -> None:
    services = app.services
    services.menu.add(MenuEntry(MENU_KEY, N_("Register as a volunteer"), order=70))
    services.commands.add(CommandSpec("relawan", N_("register as a volunteer"), order=70))
    services.start_hooks.append(start)

    async def render(user_id: int, payload: dict) -> list[Outgoing]:
        return await render_decision(app, user_id, payload)

    services.delivery.register(DECISION_KIND, render)
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE  # edits are no answers
    registration = _registration(text)
    app.add_handler(registration)
    add_flow(app, "volunteer", conversation_starter(registration, start_registration))
    app.add_handler(CallbackQueryHandler(on_decide, pattern=DECIDE_PATTERN))


def _registration(text) -> ConversationHandler:
    return conversation(
        "volunteer_registration",
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
    )
