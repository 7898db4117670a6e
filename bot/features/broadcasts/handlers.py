"""/siaran: an operator writes an announcement, picks the audience, previews and sends it;
/siaran_status: how a broadcast is going. The work is in bot.features.broadcasts.service.

Text is sent as plain text with the operator's own formatting entities (no parse_mode), so
nothing they type needs escaping and splitting never breaks a tag.
"""

from __future__ import annotations

import logging
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
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.paging import pattern
from bot.core.text import compose
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    staff_or_unknown,
    unknown_command,
)
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
from bot.features.broadcasts.draft import append, build
from bot.features.broadcasts.drafting import (
    AUDIENCE,
    CONFIRM,
    DRAFT_KEY,
    JV_ASK,
    JV_TEXT,
    MAX_DRAFT,
    REGION,
    ROLE,
    SCHEDULE,
    TEXT,
    _entities,
    _expired,
    _step,
)
from bot.features.broadcasts.model import (
    KIND_SUBSCRIBERS,
    KIND_VOLUNTEERS,
    VOLUNTEER_ROLES,
    BroadcastError,
)
from bot.features.broadcasts.preview import (
    ask_audience,
    on_edit_audience,
    on_edit_jv,
    on_edit_text,
    on_footer,
    on_paid,
    on_schedule_ask,
    on_schedule_text,
    on_test,
    outside_region,
    own_region,
    preview,
)
from bot.features.broadcasts.render import (
    region_keyboard,
    render_report,
    role_label,
    stop_markup,
)
from bot.features.broadcasts.schedule import (
    _on_start,
    _on_stop,
)
from bot.features.broadcasts.service import BroadcastService
from bot.features.broadcasts.status import (
    LIST_PAGER,
    cmd_status,
    on_list_page,
    on_stop,
)
from bot.features.staff.service import PermissionDenied

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)


def service_of(context_or_app: BotContext | BotApplication) -> BroadcastService:
    return context_or_app.services.broadcasts


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
        append(draft, field, message.caption or "", _entities(message, caption=True))
    else:
        append(draft, field, message.text or "", _entities(message, caption=False))
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
        region = await own_region(update, context)
        draft["audience"] = {"kind": KIND_VOLUNTEERS, "role": None, "region": region}
        if region is not None:  # a regional operator: their kab/kota, no question
            return await preview(update, context)
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
    region = await own_region(update, context)
    draft["audience"] = {"kind": KIND_VOLUNTEERS, "role": role, "region": region}
    if region is not None:  # a regional operator: their kab/kota, no question
        return await preview(update, context)
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


async def on_send(update: Update, context: BotContext) -> int | str:
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
    except BroadcastError as exc:
        if exc.code == "region":
            return await ask_audience(update, context, outside_region(context))
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
    app.add_handler(CallbackQueryHandler(on_list_page, pattern=pattern(LIST_PAGER)))
