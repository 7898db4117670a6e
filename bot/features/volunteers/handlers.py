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
from bot.core.i18n import N_
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
from bot.features.volunteers import leave, pickers, selfedit, staff
from bot.features.volunteers.decisions import (
    DECISION_KIND,
    REQUEST_KIND,
    notify_staff,
    on_decide,
    render_decision,
    render_request,
    start,
)
from bot.features.volunteers.render import short
from bot.features.volunteers.service import (
    KECAMATAN_ROLES,
    ROLES,
    VolunteerError,
    VolunteerService,
    left_on_their_own,
    normalize_phone,
)

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

# Callback data (untrusted: every id is checked again against the database).
VREG = "vreg"
ROLE_PATTERN = rf"^{VREG}:role:([a-z_]{{2,20}})$"
NAME_ME = f"{VREG}:name:me"
DECIDE_PATTERN = r"^vol:(ok):(\d{1,15})$"
MENU_KEY = "volunteer"

# Conversation states.
ROLE, REGION, KECAMATAN, NAME, PHONE = ("vol_role", "vol_region", "vol_kecamatan", "vol_name",
                                        "vol_phone")
SKIP_WORDS = {"lewati", "skip", "liwati", "langkungi", "boten", "tidak", "-"}


def volunteers(context_or_app: BotContext | BotApplication) -> VolunteerService:
    return context_or_app.services.volunteers


def region_label(context: BotContext, code: str) -> str:
    region = context.content.region(code)
    return region.label() if region else code


# -- registration -------------------------------------------------------------------------------
async def start_registration(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    if not is_private(update):
        return ConversationHandler.END
    vol = await volunteers(context).get(update.effective_user.id)
    if vol is not None and vol.status in ("approved", "pending", "inactive") \
            and not left_on_their_own(vol):  # who left may register again
        await selfedit.show_details(update, context, vol)
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
    await pickers.ask_region(update, context, VREG)
    return REGION


async def on_region_button(update: Update, context: BotContext) -> str:
    await answer_query(update)
    code = context.match.group(1)
    if context.content.region(code) is None:
        await pickers.ask_region(update, context, VREG)
        return REGION
    return await region_chosen(update, context, code)


async def on_region_text(update: Update, context: BotContext) -> str:
    code = await pickers.region_from_text(update, context, VREG)
    return REGION if code is None else await region_chosen(update, context, code)


async def region_chosen(update: Update, context: BotContext, code: str) -> str:
    data = context.user_data.setdefault("vreg", {})
    data["region"] = code
    data.pop("kecamatan", None)
    if not context.content.kecamatan_of(code):  # no list for this kab/kota: go on without
        return await ask_name(update, context)
    await pickers.ask_kecamatan(update, context, VREG, code, data.get("role"))
    return KECAMATAN


async def on_kecamatan_page(update: Update, context: BotContext) -> str:
    await answer_query(update)
    data = context.user_data.setdefault("vreg", {})
    if "region" not in data:
        await pickers.ask_region(update, context, VREG)
        return REGION
    await pickers.ask_kecamatan(update, context, VREG, data["region"], data.get("role"),
                                int(context.match.group(1)), edit=True)
    return KECAMATAN


async def on_kecamatan_button(update: Update, context: BotContext) -> str:
    await answer_query(update)
    return await kecamatan_chosen(update, context, context.match.group(1))


async def on_kecamatan_text(update: Update, context: BotContext) -> str:
    data = context.user_data.setdefault("vreg", {})
    if "region" not in data:
        await pickers.ask_region(update, context, VREG)
        return REGION
    code = await pickers.kecamatan_from_text(update, context, VREG, data["region"])
    return KECAMATAN if code is None else await kecamatan_chosen(update, context, code)


async def kecamatan_chosen(update: Update, context: BotContext, code: str) -> str:
    data = context.user_data.setdefault("vreg", {})
    region, role = data.get("region"), data.get("role")
    if region is None:
        await pickers.ask_region(update, context, VREG)
        return REGION
    if (code == "all" and role in KECAMATAN_ROLES) or \
            (code != "all" and not pickers.valid_kecamatan(context, code, region)):
        await pickers.ask_kecamatan(update, context, VREG, region, role)
        return KECAMATAN
    data["kecamatan"] = None if code == "all" else code
    return await ask_name(update, context)


async def ask_name(update: Update, context: BotContext) -> str:
    data = context.user_data.setdefault("vreg", {})
    first = update.effective_user.first_name or ""
    markup = keyboard([[(short(context._(N_("Use: {name}")).format(name=first)), NAME_ME)]]) \
        if first.strip() else None
    where = region_label(context, data.get("region", ""))
    kec = context.content.kecamatan_by_code(data.get("kecamatan"))
    if kec is not None:
        where = f"{where}, Kec. {kec.name}"
    await reply(update, context, context._(N_(
        "Kab/kota: {region}.\n\nWhat is your full name?")).format(region=where), markup)
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
    if not all(k in data for k in ("role", "region", "name")) or \
            ("kecamatan" not in data and context.content.kecamatan_of(data["region"])):
        await reply(update, context, context._(N_(
            "Sorry, your registration was interrupted. Please start again with /relawan.")),
            ReplyKeyboardRemove())  # type: ignore[arg-type]
        return ConversationHandler.END
    try:
        vol = await volunteers(context).register(
            update.effective_user.id, role=data["role"], region_code=data["region"],
            name=data["name"], phone=phone, kecamatan_code=data.get("kecamatan"))
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


# The menu entry says what /relawan does for this person: register (residents, someone
# rejected or who left), their registration (waiting), their details (approved, or
# deactivated by the office).
MENU_LABELS = {"pending": N_("My volunteer registration"),
               "approved": N_("My volunteer details")}


def menu_label(vols: VolunteerService):
    async def label(user_id: int) -> str | None:
        vol = await vols.get(user_id)
        if vol is None or left_on_their_own(vol):
            return None  # never registered, or left on their own: "Register as a volunteer"
        return MENU_LABELS["approved" if vol.status == "inactive" else vol.status] \
            if vol.status in ("pending", "approved", "inactive") else None

    return label


def register(app: BotApplication) -> None:
    services = app.services
    services.menu.add(MenuEntry(MENU_KEY, N_("Register as a volunteer"), order=70))
    services.menu.label_for(MENU_KEY, menu_label(services.volunteers))
    services.commands.add(CommandSpec("relawan", N_("register as a volunteer"), order=70))
    services.start_hooks.append(start)

    async def render(user_id: int, payload: dict) -> list[Outgoing]:
        return await render_decision(app, user_id, payload)

    async def render_req(user_id: int, payload: dict) -> list[Outgoing]:
        return await render_request(app, user_id, payload)

    services.delivery.register(DECISION_KIND, render)
    services.delivery.register(REQUEST_KIND, render_req)
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE  # edits are no answers
    registration = _registration(text)
    app.add_handler(registration)
    add_flow(app, "volunteer", conversation_starter(registration, start_registration))
    selfedit.register(app, text)
    leave.register(app)
    staff.register(app, text)
    app.add_handler(CallbackQueryHandler(on_decide, pattern=DECIDE_PATTERN))


def _registration(text) -> ConversationHandler:
    return conversation(
        "volunteer_registration",
        entry_points=[CommandHandler("relawan", start_registration),
                      CallbackQueryHandler(start_registration, pattern=rf"^menu:{MENU_KEY}$")],
        states={
            ROLE: [CallbackQueryHandler(on_role, pattern=ROLE_PATTERN),
                   MessageHandler(text, on_stray_text)],
            REGION: [CallbackQueryHandler(on_region_button,
                                          pattern=pickers.region_pattern(VREG)),
                     MessageHandler(text, on_region_text)],
            KECAMATAN: [CallbackQueryHandler(on_kecamatan_button,
                                             pattern=pickers.kecamatan_pattern(VREG)),
                        CallbackQueryHandler(on_kecamatan_page,
                                             pattern=pickers.kecamatan_page_pattern(VREG)),
                        MessageHandler(text, on_kecamatan_text)],
            NAME: [CallbackQueryHandler(on_name_me, pattern=rf"^{NAME_ME}$"),
                   MessageHandler(text, on_name_text)],
            PHONE: [MessageHandler(filters.CONTACT & filters.UpdateType.MESSAGE, on_contact),
                    MessageHandler(text, on_phone_text)],
        },
        fallbacks=[CommandHandler("batal", cancel_registration), *conversation_fallbacks()],
    )
