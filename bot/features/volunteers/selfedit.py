"""A volunteer's own details: shown by /relawan once registered, each one changed by a button.

Name, kecamatan and phone change at once; a new role or kab/kota goes back to the office for
approval (the staff of that region are told, through the delivery engine). Callback data
`vme:...` (untrusted: checked against content here and by the service). Typed answers are a
persisted conversation; what is chosen half-way (a new kab/kota before its kecamatan) is kept
in user_data, so a restart between the two steps loses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    show,
)
from bot.features.volunteers import pickers, render
from bot.features.volunteers.decisions import notify_staff
from bot.features.volunteers.repo import Volunteer
from bot.features.volunteers.service import (
    KECAMATAN_ROLES,
    ROLES,
    VolunteerError,
    normalize_phone,
)

if TYPE_CHECKING:
    from bot.app import BotApplication

VME = "vme"
FIELD_PATTERN = rf"^{VME}:f:(name|role|reg|kec|phone)$"
ROLE_PATTERN = rf"^{VME}:role:([a-z_]{{2,20}})$"
PHONE_DELETE = f"{VME}:ph:del"
LEAVE = f"{VME}:leave"  # "Stop being a volunteer": bot.features.volunteers.leave
ME_NAME, ME_REGION, ME_KEC, ME_PHONE = "vme_name", "vme_region", "vme_kec", "vme_phone"
PENDING = "vme"  # user_data: a role or kab/kota chosen, waiting for its kecamatan


def _pending(context: BotContext) -> dict:
    return context.user_data.setdefault(PENDING, {})


async def show_details(update: Update, context: BotContext, vol: Volunteer, *,
                       note: str | None = None, edit: bool = False) -> None:
    vols = context.services.volunteers
    if vol.status == "inactive":
        head = context._(N_("The office has deactivated your volunteer registration, so "
                            "volunteer reminders no longer come. For questions, type /bantuan "
                            "for the office's contacts."))
        await show(update, context, head, None, edit=edit)
        return
    if vol.status == "pending":
        head = context._(N_("Your registration is waiting for the office's approval. You will "
                            "be told here as soon as it is decided."))
    else:
        head = context._(N_("You are registered as a volunteer. Type /tugas to see your "
                            "reminders and tasks."))
    text = "\n\n".join(x for x in (note, head, context._(N_("Your details:")) + "\n" +
                                   render.describe(context.t, vols, vol, with_id=False),
                                   context._(N_("To change something, press a button. A new "
                                                "role or kab/kota needs the office's approval "
                                                "again."))) if x)
    t, s = context.t, render.short
    rows = [[(s(t(N_("Change name"))), f"{VME}:f:name"),
             (s(t(N_("Change phone"))), f"{VME}:f:phone")],
            [(s(t(N_("Change role"))), f"{VME}:f:role"),
             (s(t(N_("Change kab/kota"))), f"{VME}:f:reg")]]
    if context.content.kecamatan_of(vol.region_code):
        rows.append([(s(t(N_("Change kecamatan"))), f"{VME}:f:kec")])
    if vol.status == "approved":
        rows.append([(s(t(N_("Stop being a volunteer"))), LEAVE)])
    await show(update, context, text, keyboard(rows), edit=edit)


async def _me(update: Update, context: BotContext) -> Volunteer | None:
    vol = await context.services.volunteers.get(update.effective_user.id)
    if vol is None or vol.status not in ("pending", "approved"):
        await answer_query(update)
        await reply(update, context, context._(N_(
            "You are not registered as a volunteer. Type /relawan to register.")))
        return None
    return vol


async def on_field(update: Update, context: BotContext) -> str | int:
    vol = await _me(update, context)
    if vol is None:
        return ConversationHandler.END
    await answer_query(update)
    context.user_data.pop(PENDING, None)
    field = context.match.group(1)
    if field == "name":
        await reply(update, context, context._(N_(
            "Type your full name as it should appear (2 to 100 characters). /batal to stop.")))
        return ME_NAME
    if field == "role":
        rows = [[(context._(label), f"{VME}:role:{code}")] for code, label in ROLES.items()]
        await reply(update, context, context._(N_("What is your role now?")), keyboard(rows))
        return ConversationHandler.END
    if field == "reg":
        await pickers.ask_region(update, context, VME)
        return ME_REGION
    if field == "kec":
        await pickers.ask_kecamatan(update, context, VME, vol.region_code, vol.role)
        return ME_KEC
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton(context._(N_("Share my phone number")), request_contact=True)]],
        resize_keyboard=True, one_time_keyboard=True)
    await reply(update, context, context._(N_(
        "Type your new phone number (for example 0812 3456 7890), or press \"Share my phone "
        "number\" below. /batal to stop.")), markup)  # type: ignore[arg-type]
    if vol.phone:
        await reply(update, context, context._(N_("Or remove the number the office has:")),
                    keyboard([[(render.short(context._(N_("Remove my number"))),
                                PHONE_DELETE)]]))
    return ME_PHONE


async def _save(update: Update, context: BotContext, **changes) -> str | int:
    try:
        vol, again = await context.services.volunteers.update_details(
            update.effective_user.id, **changes)
    except VolunteerError as exc:
        if exc.code == "kecamatan":  # e.g. a TKSK without one: ask for it, keep the choice
            current = await context.services.volunteers.get(update.effective_user.id)
            region = changes.get("region_code") or (current.region_code if current else None)
            role = changes.get("role") or (current.role if current else None)
            if region:
                _pending(context).update({k: v for k, v in changes.items()
                                          if k in ("role", "region_code")})
                await pickers.ask_kecamatan(update, context, VME, region, role)
                return ME_KEC
        await reply(update, context, context._(N_(
            "Sorry, that could not be saved. Please try again with /relawan.")),
            ReplyKeyboardRemove())  # type: ignore[arg-type]
        return ConversationHandler.END
    context.user_data.pop(PENDING, None)
    note: str | None = context._(N_(
        "Saved. The new role or kab/kota goes to the office for approval; you will be told "
        "here.")) if again else context._(N_("Saved."))
    if update.message is not None:  # take a phone keyboard away
        await reply(update, context, note, ReplyKeyboardRemove())  # type: ignore[arg-type]
        note = None
    await show_details(update, context, vol, note=note, edit=False)
    if again:
        await notify_staff(context.application, vol)  # type: ignore[arg-type]
    return ConversationHandler.END


async def on_name(update: Update, context: BotContext) -> str | int:
    name = " ".join((update.message.text or "").split())
    if not 2 <= len(name) <= 100:
        await reply(update, context, context._(N_("Please type your name (2 to 100 "
                                                  "characters).")))
        return ME_NAME
    return await _save(update, context, name=name)


async def on_role(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    if await _me(update, context) is None:
        return ConversationHandler.END
    code = context.match.group(1)
    if code not in ROLES:
        return ConversationHandler.END
    return await _save(update, context, role=code)


async def on_region_button(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    code = context.match.group(1)
    if context.content.region(code) is None:
        await pickers.ask_region(update, context, VME)
        return ME_REGION
    return await _region_chosen(update, context, code)


async def on_region_text(update: Update, context: BotContext) -> str | int:
    code = await pickers.region_from_text(update, context, VME)
    return ME_REGION if code is None else await _region_chosen(update, context, code)


async def _region_chosen(update: Update, context: BotContext, code: str) -> str | int:
    vol = await _me(update, context)
    if vol is None:
        return ConversationHandler.END
    if not context.content.kecamatan_of(code):
        return await _save(update, context, region_code=code, clear_kecamatan=True)
    _pending(context)["region_code"] = code
    await pickers.ask_kecamatan(update, context, VME, code,
                                _pending(context).get("role", vol.role))
    return ME_KEC


async def on_kecamatan_page(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    vol = await _me(update, context)
    if vol is None:
        return ConversationHandler.END
    pending = _pending(context)
    await pickers.ask_kecamatan(update, context, VME, pending.get("region_code", vol.region_code),
                                pending.get("role", vol.role), int(context.match.group(1)),
                                edit=True)
    return ME_KEC


async def on_kecamatan_button(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    return await _kecamatan_chosen(update, context, context.match.group(1))


async def on_kecamatan_text(update: Update, context: BotContext) -> str | int:
    vol = await _me(update, context)
    if vol is None:
        return ConversationHandler.END
    region = _pending(context).get("region_code", vol.region_code)
    code = await pickers.kecamatan_from_text(update, context, VME, region)
    return ME_KEC if code is None else await _kecamatan_chosen(update, context, code)


async def _kecamatan_chosen(update: Update, context: BotContext, code: str) -> str | int:
    vol = await _me(update, context)
    if vol is None:
        return ConversationHandler.END
    pending = _pending(context)
    region = pending.get("region_code", vol.region_code)
    role = pending.get("role", vol.role)
    if (code == "all" and role in KECAMATAN_ROLES) or \
            (code != "all" and not pickers.valid_kecamatan(context, code, region)):
        await pickers.ask_kecamatan(update, context, VME, region, role)
        return ME_KEC
    changes = {k: v for k, v in pending.items() if k in ("role", "region_code")}
    if code == "all":
        return await _save(update, context, clear_kecamatan=True, **changes)
    return await _save(update, context, kecamatan_code=code, **changes)


async def on_contact(update: Update, context: BotContext) -> str | int:
    contact = update.message.contact
    if contact.user_id is not None and contact.user_id != update.effective_user.id:
        await reply(update, context, context._(N_(
            "Please share your own number with the button, or type it.")))
        return ME_PHONE
    phone = normalize_phone(contact.phone_number)
    return await _save(update, context, phone=phone, clear_phone=phone is None)


async def on_phone_text(update: Update, context: BotContext) -> str | int:
    phone = normalize_phone(update.message.text or "")
    if phone is None:
        await reply(update, context, context._(N_(
            "That does not look like a phone number. Type it like 0812 3456 7890, or /batal to "
            "stop.")))
        return ME_PHONE
    return await _save(update, context, phone=phone)


async def on_phone_delete(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    if await _me(update, context) is None:
        return ConversationHandler.END
    return await _save(update, context, clear_phone=True)


async def _cancel(update: Update, context: BotContext) -> int:
    context.user_data.pop(PENDING, None)
    await reply(update, context, context._(N_("Cancelled. Nothing was changed.")),
                ReplyKeyboardRemove())  # type: ignore[arg-type]
    return ConversationHandler.END


def register(app: BotApplication, text) -> None:
    region = CallbackQueryHandler(on_region_button, pattern=pickers.region_pattern(VME))
    kec = CallbackQueryHandler(on_kecamatan_button, pattern=pickers.kecamatan_pattern(VME))
    page = CallbackQueryHandler(on_kecamatan_page, pattern=pickers.kecamatan_page_pattern(VME))
    app.add_handler(conversation(
        "volunteer_edit",
        # every button is an entry point: it works after a restart and from an older message
        entry_points=[CallbackQueryHandler(on_field, pattern=FIELD_PATTERN),
                      CallbackQueryHandler(on_role, pattern=ROLE_PATTERN),
                      CallbackQueryHandler(on_phone_delete, pattern=rf"^{PHONE_DELETE}$"),
                      region, kec, page],
        states={
            ME_NAME: [MessageHandler(text, on_name)],
            ME_REGION: [MessageHandler(text, on_region_text)],
            ME_KEC: [MessageHandler(text, on_kecamatan_text)],
            ME_PHONE: [MessageHandler(tg_filters.CONTACT & tg_filters.UpdateType.MESSAGE,
                                      on_contact),
                       MessageHandler(text, on_phone_text)],
        },
        fallbacks=[CommandHandler("batal", _cancel), *conversation_fallbacks()],
    ))
