"""/siaran: an operator writes an announcement, picks the audience, previews and sends it;
/siaran_status: how a broadcast is going. The work is in bot.features.broadcasts.service.

Text is sent as plain text with the operator's own formatting entities (no parse_mode), so
nothing they type needs escaping and splitting never breaks a tag.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from telegram import Message, MessageEntity, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.core.datetimes import parse_hhmm, parse_local_datetime
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    staff_or_unknown,
    unknown_command,
)
from bot.delivery.sender import Outgoing
from bot.features.broadcasts.callbacks import (
    AUDIENCE_PATTERN,
    CANCEL,
    EDIT_AUDIENCE,
    EDIT_ID,
    EDIT_JV,
    FOOTER,
    JV_ADD,
    JV_SKIP,
    LIST_PATTERN,
    MENU_KEY,
    NEXT,
    PAID,
    PREFIX,
    REGION_PATTERN,
    ROLE_PATTERN,
    SCHEDULE_ASK,
    SEND,
    STOP_PATTERN,
    TEST,
)
from bot.features.broadcasts.render import (
    _duration,
    audience_label,
    preview_keyboard,
    region_keyboard,
    render_report,
    role_label,
    stop_markup,
)
from bot.features.broadcasts.schedule import (
    _on_start,
    _on_stop,
    schedule_job,
)
from bot.features.broadcasts.service import (
    KIND_SUBSCRIBERS,
    KIND_VOLUNTEERS,
    VOLUNTEER_ROLES,
    Audience,
    BroadcastError,
    BroadcastService,
    Draft,
    compose,
    utf16_len,
)
from bot.features.broadcasts.status import (
    cmd_status,
    on_list_page,
    on_stop,
)
from bot.features.reminders.render import local_time
from bot.features.staff.service import PermissionDenied

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

# Conversation states (strings: a stored conversation keeps its meaning when one is added).
TEXT, JV_ASK, JV_TEXT, AUDIENCE = "bc_text", "bc_jv_ask", "bc_jv_text", "bc_audience"
ROLE, REGION, CONFIRM, SCHEDULE = "bc_role", "bc_region", "bc_confirm", "broadcast:schedule"
DRAFT_KEY = "broadcast_draft"
MAX_DRAFT = 20_000  # characters of announcement; longer is surely a mistake

def service_of(context_or_app: BotContext | BotApplication) -> BroadcastService:
    return context_or_app.services.broadcasts


# -- the bot side of the service: the bulk sender and the progress message --------------------
# -- the conversation ---------------------------------------------------------------------------
def _entities(message: Message, caption: bool) -> list[dict]:
    found = message.caption_entities if caption else message.entities
    return [e.to_dict() for e in found or () if e.type != MessageEntity.BOT_COMMAND]


def _append(draft: dict, field: str, text: str, entities: list[dict]) -> None:
    """Add a message's text to the draft; its entities shift past what is already there."""
    before = draft.get(field) or ""
    sep = "\n\n" if before else ""
    shift = utf16_len(before + sep)
    draft[field] = before + sep + text
    draft[f"{field}_entities"] = (draft.get(f"{field}_entities") or []) + [
        {**e, "offset": e["offset"] + shift} for e in entities]


def draft_of(context: BotContext) -> dict | None:
    draft = context.user_data.get(DRAFT_KEY)
    return draft if isinstance(draft, dict) and "text" in draft else None


def build(draft: dict) -> Draft:
    return Draft(
        text=draft.get("text") or "",
        entities=tuple(draft.get("text_entities") or ()),
        photo=draft.get("photo"),
        text_jv=draft.get("jv"),
        entities_jv=tuple(draft.get("jv_entities") or ()),
        audience=Audience.from_dict(draft.get("audience") or {}),
        footer=bool(draft.get("footer")),
        paid=bool(draft.get("paid")),
    )


async def _expired(update: Update, context: BotContext) -> int:
    await answer_query(update)
    await reply(update, context, context._(N_(
        "This draft is no longer here. Type /siaran to start again.")))
    return ConversationHandler.END


async def _step(update: Update, context: BotContext, *, answer: bool = True,
                audience: bool = False) -> tuple[dict | None, int | None]:
    """How every /siaran step begins: operators only (others get the unknown-command answer),
    the button acknowledged, a live draft (with its audience chosen, when the step needs it).
    Returns (draft, None) to go on, or (None, state) to return at once."""
    if not await staff_or_unknown(update, context, "operator"):
        return None, ConversationHandler.END
    if answer:
        await answer_query(update)
    draft = draft_of(context)
    if draft is None or (audience and not isinstance(draft.get("audience"), dict)):
        return None, await _expired(update, context)
    return draft, None


async def cmd_broadcast(update: Update, context: BotContext) -> int | str:
    if not await staff_or_unknown(update, context, "operator"):
        return ConversationHandler.END
    await answer_query(update)
    # staff_or_unknown found a user, and PTB gives every user's update user_data
    assert context.user_data is not None
    context.user_data[DRAFT_KEY] = {"text": ""}
    await reply(update, context, context._(N_(
        "New announcement. Send the text in Indonesian; a photo with a caption is fine too. "
        "Your formatting is kept. Long texts are split into several messages for you. "
        "/batal cancels.")))
    return TEXT


async def on_text(update: Update, context: BotContext) -> int | str:
    """The Indonesian text (or the Javanese one, in JV_TEXT): each message is appended."""
    draft, end = await _step(update, context, answer=False)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    message = update.message
    assert message is not None  # the handler's filter lets only new messages in
    field = "jv" if draft.get("stage") in ("jv", "edit_jv") else "text"
    if message.photo:
        if field == "jv" or draft.get("photo") or draft.get("text"):
            await reply(update, context, context._(N_(
                "A photo can only be the first message of an announcement. Please send text, "
                "or /batal and start again.")))
            return JV_TEXT if field == "jv" else TEXT
        draft["photo"] = message.photo[-1].file_id
        _append(draft, field, message.caption or "", _entities(message, caption=True))
    else:
        _append(draft, field, message.text or "", _entities(message, caption=False))
    if len(draft.get(field) or "") > MAX_DRAFT:
        draft[field] = ""
        draft[f"{field}_entities"] = []
        await reply(update, context, context._(N_(
            "That is too long for one announcement (more than {limit} characters). Please send "
            "a shorter text.")).format(limit=MAX_DRAFT))
        return JV_TEXT if field == "jv" else TEXT
    text = draft.get(field) or ""
    parts = len(compose(text, draft.get(f"{field}_entities") or (), draft.get("photo")))
    t = context.t
    await reply(update, context, t(N_(
        "Got it: {chars} characters, sent as {parts} message(s). Send another message to add "
        "to the text, or press Continue.")).format(chars=len(text), parts=parts),
        keyboard([[(t(N_("Continue")), NEXT)]]))
    return JV_TEXT if field == "jv" else TEXT


async def on_text_done(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    t = context.t
    stage = draft.get("stage")
    if stage in ("jv", "edit_jv") and not (draft.get("jv") or "").strip():
        await reply(update, context, t(N_("Please send the Javanese text first.")))
        return JV_TEXT
    if stage == "jv":
        draft["stage"] = "audience"
        return await ask_audience(update, context)
    if not draft.get("text") and not draft.get("photo"):
        await reply(update, context, t(N_("Please send the text of the announcement first.")))
        return TEXT
    if stage in ("edit", "edit_jv"):  # a correction from the preview: back to the preview
        draft["stage"] = "done"
        return await preview(update, context)
    await reply(update, context, t(N_(
        "Add a Javanese version? Subscribers who use Javanese get it; without it they get the "
        "Indonesian text.")), keyboard([[(t(N_("Add Javanese version")), JV_ADD),
                                          (t(N_("Skip")), JV_SKIP)]]))
    return JV_ASK


async def on_jv_add(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    draft["stage"] = "jv"
    await reply(update, context, context._(N_(
        "Send the Javanese text (for a photo: its caption). /batal cancels.")))
    return JV_TEXT


async def ask_audience(update: Update, context: BotContext, note: str | None = None) -> int | str:
    t = context.t
    text = t(N_("Who should receive it?"))
    if note:
        text = note + "\n\n" + text
    await reply(update, context, text, keyboard([
        [(t(N_("All subscribers")), f"{PREFIX}:aud:all")],
        [(t(N_("All volunteers")), f"{PREFIX}:aud:vol")],
        [(t(N_("Volunteers by role")), f"{PREFIX}:aud:role")],
        [(t(N_("Volunteers by kab/kota")), f"{PREFIX}:aud:region")],
    ]))
    return AUDIENCE


async def on_jv_skip(update: Update, context: BotContext) -> int | str:
    _, end = await _step(update, context)
    if end is not None:
        return end
    return await ask_audience(update, context)


async def on_audience(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    choice = context.match.group(1)
    t = context.t
    if choice == "role":
        rows = [[(role_label(t, role), f"{PREFIX}:role:{role}")] for role in VOLUNTEER_ROLES]
        await reply(update, context, t(N_("Which volunteers?")), keyboard(rows))
        return ROLE
    if choice == "region":
        draft["audience"] = {"kind": KIND_VOLUNTEERS, "role": None, "region": None}
        await reply(update, context, t(N_("Volunteers in which kab/kota?")),
                    region_keyboard(t, context.content))
        return REGION
    draft["audience"] = {"kind": KIND_SUBSCRIBERS if choice == "all" else KIND_VOLUNTEERS,
                         "role": None, "region": None}
    return await preview(update, context)


async def on_role(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    role = context.match.group(1)
    draft["audience"] = {"kind": KIND_VOLUNTEERS, "role": role, "region": None}
    t = context.t
    await reply(update, context, t(N_("{role}: in which kab/kota?")).format(
        role=role_label(t, role)), region_keyboard(t, context.content))
    return REGION


async def on_region(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    code = context.match.group(1)
    if code != "all" and context.content.region(code) is None:
        return await _expired(update, context)
    draft["audience"]["region"] = None if code == "all" else code
    return await preview(update, context)


async def _show(context: BotContext, chat_id: int, messages: list[Outgoing]) -> None:
    for m in messages:
        entities = [MessageEntity.de_json(dict(e), context.bot) for e in m.entities] or None
        if m.photo is not None:
            await context.bot.send_photo(chat_id, m.photo, caption=m.text,
                                         caption_entities=entities)
        else:
            await context.bot.send_message(chat_id, m.text, entities=entities)


async def preview(update: Update, context: BotContext) -> int | str:
    """Show the announcement exactly as recipients will see it, and how many will."""
    draft = draft_of(context)
    assert draft is not None  # every caller's _step found the draft just now
    service = service_of(context)
    t = context.t
    try:
        d = build(draft)
        numbers = await service.preview(update.effective_user.id, d)
    except PermissionDenied:
        await unknown_command(update, context)
        return ConversationHandler.END
    except BroadcastError:
        return await _expired(update, context)
    if numbers.recipients == 0:
        return await ask_audience(update, context, t(N_(
            "Nobody would receive it: this audience has no subscribers. Choose another.")))
    chat_id = update.effective_chat.id
    await reply(update, context, t(N_("Preview: this is what recipients will see.")))
    await _show(context, chat_id, service.messages_for(d, "id"))
    if d.text_jv:
        await reply(update, context, t(N_("And the Javanese version:")))
        await _show(context, chat_id, service.messages_for(d, "jv"))
    lines = [t(N_("To: {audience}")).format(
        audience=audience_label(t, d.audience.as_dict(), context.content)),
        context.ngettext("{count} recipient", "{count} recipients",
                         numbers.recipients).format(count=numbers.recipients)]
    if d.text_jv:
        lines.append(t(N_("Of them, {count} get the Javanese version.")).format(
            count=numbers.javanese))
    lines.append(t(N_("Footer on how to stop announcements: on")) if d.footer else
                 t(N_("Footer on how to stop announcements: off")))
    if d.paid:
        lines.append(t(N_(
            "Paid broadcast: {messages} messages, at most {stars} Telegram Stars from the bot's "
            "balance; about {fast} instead of {slow}.")).format(
            messages=numbers.messages, stars=f"{numbers.stars:g}",
            fast=_duration(t, numbers.seconds), slow=_duration(t, numbers.seconds_free)))
    elif service.paid_rate:
        lines.append(t(N_("Sending takes about {time}.")).format(
            time=_duration(t, numbers.seconds)))
    lines.append(t(N_("Send it now?")))
    await reply(update, context, "\n".join(lines),
                preview_keyboard(t, d, paid_offered=bool(service.paid_rate)))
    return CONFIRM


async def on_edit_text(update: Update, context: BotContext) -> int | str:
    """From the preview: write the Indonesian text again (a photo stays)."""
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    draft.update(stage="edit", text="", text_entities=[])
    await reply(update, context, context._(N_(
        "Send the corrected Indonesian text; it replaces the old one. Then press Continue. "
        "/batal cancels the whole announcement.")))
    return TEXT


async def on_edit_jv(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    draft.update(stage="edit_jv", jv="", jv_entities=[])
    await reply(update, context, context._(N_(
        "Send the Javanese text; it replaces the old one, if any. Then press Continue. "
        "/batal cancels the whole announcement.")))
    return JV_TEXT


async def on_edit_audience(update: Update, context: BotContext) -> int | str:
    _, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    return await ask_audience(update, context)


async def on_paid(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    if not service_of(context).paid_rate:  # the setting is off: a stale or forged button
        return await preview(update, context)
    draft["paid"] = not draft.get("paid")
    return await preview(update, context)


async def on_footer(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    draft["footer"] = not draft.get("footer")
    return await preview(update, context)


async def on_test(update: Update, context: BotContext) -> int | str:
    """"Send to me first": the operator alone gets it, exactly as recipients will."""
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    t = context.t
    try:
        d = build(draft)
        status = await service_of(context).test_send(update.effective_user.id, d,
                                                     context.locale)
    except PermissionDenied:
        await unknown_command(update, context)
        return ConversationHandler.END
    except BroadcastError:
        return await _expired(update, context)
    text = (t(N_("The test above was sent to you only. If it looks right, press Send; "
                 "nothing has gone to anyone else."))
            if status == "sent" else
            t(N_("The test could not be sent to you. Nothing has gone to anyone else.")))
    await reply(update, context, text,
                preview_keyboard(t, d, paid_offered=bool(service_of(context).paid_rate)))
    return CONFIRM


async def on_schedule_ask(update: Update, context: BotContext) -> int | str:
    _, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    await reply(update, context, context._(N_(
        "When should it go out? Type the date and time in WIB, e.g. 05-12-2026 08:00, or only "
        "a time such as 08:00 for the next 08:00. /batal cancels.")))
    return SCHEDULE


def _schedule_time(text: str, tz, now):
    moment = parse_local_datetime(text, tz)
    if moment is not None:
        return moment
    hhmm = parse_hhmm(text)
    if hhmm is None:
        return None
    local_now = now.astimezone(tz)
    moment = local_now.replace(hour=hhmm[0], minute=hhmm[1], second=0, microsecond=0)
    return moment if moment > local_now else moment + dt.timedelta(days=1)


async def on_schedule_text(update: Update, context: BotContext) -> int | str:
    draft, end = await _step(update, context, answer=False, audience=True)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    t = context.t
    tz = context.settings.tz
    when = _schedule_time(update.message.text or "", tz, context.services.clock())
    if when is None:
        await reply(update, context, t(N_(
            "I could not read that time. Please type it like 05-12-2026 08:00 or 08:00.")))
        return SCHEDULE
    service = service_of(context)
    try:
        broadcast_id = await service.create(update.effective_user.id, build(draft),
                                            scheduled_at=when)
    except PermissionDenied:
        await unknown_command(update, context)
        return ConversationHandler.END
    except BroadcastError as exc:
        if exc.code in ("past", "too_far"):
            await reply(update, context, t(N_(
                "Please choose a time at least a minute from now and at most 60 days ahead."))
            )
            return SCHEDULE
        return await _expired(update, context)
    context.user_data.pop(DRAFT_KEY, None)
    chat = update.effective_chat
    await service.repo.set_progress_message(broadcast_id, chat.id, None)
    schedule_job(context.application, broadcast_id, when)  # type: ignore[arg-type]
    report = await service.report(broadcast_id)
    await reply(update, context, t(N_(
        "Broadcast #{id} is scheduled for {when}. You can cancel it until then, here or in "
        "/siaran_status.")).format(id=broadcast_id, when=local_time(when, tz)),
        stop_markup(t, report))
    return ConversationHandler.END


async def on_send(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    assert draft is not None  # _step gives a draft whenever it gives no state
    service = service_of(context)
    try:
        broadcast_id = await service.create(update.effective_user.id, build(draft))
    except PermissionDenied:
        await unknown_command(update, context)
        return ConversationHandler.END
    except BroadcastError:
        return await _expired(update, context)
    context.user_data.pop(DRAFT_KEY, None)
    report = await service.report(broadcast_id)
    assert report is not None  # the broadcast was created just now
    message = await reply(update, context, render_report(context.t, report, context.content),
                          stop_markup(context.t, report))
    if message is not None:
        await service.repo.set_progress_message(broadcast_id, message.chat_id,
                                                message.message_id)
    if report.status == "sending":
        service.launch(broadcast_id)
    return ConversationHandler.END


async def on_cancel(update: Update, context: BotContext) -> int:
    await answer_query(update)
    context.user_data.pop(DRAFT_KEY, None)
    await reply(update, context, context._(N_("The announcement was cancelled. Nothing was "
                                              "sent.")))
    return ConversationHandler.END


def register(app: BotApplication) -> None:
    services = app.services
    services.start_hooks.append(_on_start)
    services.stop_hooks.append(_on_stop)
    entry = services.menu.add(MenuEntry(MENU_KEY, N_("Send an announcement"), order=80,
                                       staff_only=True))
    services.commands.add(CommandSpec("siaran", N_("send an announcement"), order=80,
                                     staff_only=True))
    services.commands.add(CommandSpec("siaran_status", N_("how a broadcast is going"), order=81,
                                     staff_only=True))
    text_input = ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO) & filters.UpdateType.MESSAGE
    app.add_handler(conversation(
        "broadcast",
        entry_points=[CommandHandler("siaran", cmd_broadcast),
                      CallbackQueryHandler(cmd_broadcast, pattern=entry.pattern)],
        states={
            TEXT: [MessageHandler(text_input, on_text),
                   CallbackQueryHandler(on_text_done, pattern=rf"^{NEXT}$")],
            JV_ASK: [CallbackQueryHandler(on_jv_add, pattern=rf"^{JV_ADD}$"),
                     CallbackQueryHandler(on_jv_skip, pattern=rf"^{JV_SKIP}$")],
            JV_TEXT: [MessageHandler(text_input, on_text),
                      CallbackQueryHandler(on_text_done, pattern=rf"^{NEXT}$")],
            AUDIENCE: [CallbackQueryHandler(on_audience, pattern=AUDIENCE_PATTERN)],
            ROLE: [CallbackQueryHandler(on_role, pattern=ROLE_PATTERN)],
            REGION: [CallbackQueryHandler(on_region, pattern=REGION_PATTERN)],
            CONFIRM: [CallbackQueryHandler(on_send, pattern=rf"^{SEND}$"),
                      CallbackQueryHandler(on_cancel, pattern=rf"^{CANCEL}$"),
                      CallbackQueryHandler(on_test, pattern=rf"^{TEST}$"),
                      CallbackQueryHandler(on_edit_text, pattern=rf"^{EDIT_ID}$"),
                      CallbackQueryHandler(on_edit_jv, pattern=rf"^{EDIT_JV}$"),
                      CallbackQueryHandler(on_edit_audience,
                                           pattern=rf"^{EDIT_AUDIENCE}$"),
                      CallbackQueryHandler(on_footer, pattern=rf"^{FOOTER}$"),
                      CallbackQueryHandler(on_paid, pattern=rf"^{PAID}$"),
                      CallbackQueryHandler(on_schedule_ask, pattern=rf"^{SCHEDULE_ASK}$")],
            SCHEDULE: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_schedule_text)],
        },
        fallbacks=[*conversation_fallbacks(), CommandHandler("siaran", cmd_broadcast)],
    ))
    app.add_handler(CommandHandler("siaran_status", cmd_status))
    app.add_handler(CallbackQueryHandler(on_stop, pattern=STOP_PATTERN))
    app.add_handler(CallbackQueryHandler(on_list_page, pattern=LIST_PATTERN))
