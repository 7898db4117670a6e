"""/siaran: an operator writes an announcement, picks the audience, previews and sends it;
/siaran_status: how a broadcast is going. The work is in bot.services.broadcast.

Text is sent as plain text with the operator's own formatting entities (no parse_mode), so
nothing they type needs escaping and splitting never breaks a tag.
"""

from __future__ import annotations

import logging
import warnings

from telegram import Message, MessageEntity, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.app import BotApplication
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.menu import CommandSpec, MenuEntry
from bot.ratelimit import BULK_ARGS
from bot.services.broadcast import (
    KIND_SUBSCRIBERS,
    KIND_VOLUNTEERS,
    VOLUNTEER_ROLES,
    Audience,
    BroadcastError,
    BroadcastService,
    Draft,
    Report,
    compose,
    utf16_len,
)
from bot.services.delivery import Outgoing
from bot.services.staff import PermissionDenied
from bot.services.volunteers import ROLES as VOLUNTEER_ROLE_NAMES
from bot.storage.broadcasts import BroadcastRow
from handlers.common import (
    answer_query,
    conversation_fallbacks,
    keyboard,
    reply,
    staff_or_unknown,
    unknown_command,
)
from handlers.delivery import telegram_sender

log = logging.getLogger(__name__)

FEATURE = "broadcast"
PREFIX = "bc"
NEXT = f"{PREFIX}:next"
JV_ADD = f"{PREFIX}:jv:add"
JV_SKIP = f"{PREFIX}:jv:skip"
SEND = f"{PREFIX}:send"
CANCEL = f"{PREFIX}:cancel"
AUDIENCE_PATTERN = rf"^{PREFIX}:aud:(all|vol|role|region)$"
ROLE_PATTERN = rf"^{PREFIX}:role:({'|'.join(VOLUNTEER_ROLES)})$"
REGION_PATTERN = rf"^{PREFIX}:reg:(all|35[0-9]{{2}})$"
MENU_KEY = "broadcast"

TEXT, JV_ASK, JV_TEXT, AUDIENCE, ROLE, REGION, CONFIRM = range(7)
DRAFT_KEY = "broadcast_draft"
MAX_DRAFT = 20_000  # characters of announcement; longer is surely a mistake

def service_of(context_or_app) -> BroadcastService:
    runtime = getattr(context_or_app, "runtime", None)
    return runtime.extras[FEATURE]  # type: ignore[union-attr,return-value]


# -- rendering ----------------------------------------------------------------------------------
def role_label(t: Translator, role: str) -> str:
    """The volunteers feature's name for a role, in the reader's language."""
    return t(VOLUNTEER_ROLE_NAMES[role]) if role in VOLUNTEER_ROLE_NAMES else role


def audience_label(t: Translator, audience: dict, content) -> str:
    if audience.get("kind") != KIND_VOLUNTEERS:
        return t(N_("all subscribers"))
    role, code = audience.get("role"), audience.get("region")
    region = content.region(code) if code else None
    where = region.label() if region else code
    if role and code:
        return t(N_("volunteers: {role} in {region}")).format(role=role_label(t, role),
                                                            region=where)
    if role:
        return t(N_("volunteers: {role}")).format(role=role_label(t, role))
    if code:
        return t(N_("volunteers in {region}")).format(region=where)
    return t(N_("all volunteers"))


def _duration(t: Translator, seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return t(N_("{seconds} s")).format(seconds=seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return t(N_("{minutes} min {seconds} s")).format(minutes=minutes, seconds=secs)
    hours, minutes = divmod(minutes, 60)
    return t(N_("{hours} h {minutes} min")).format(hours=hours, minutes=minutes)


def render_report(t: Translator, r: Report, content, final: bool = False) -> str:
    if r.status == "done":
        head = t(N_("Broadcast #{id} is finished.")).format(id=r.id)
    elif final:
        head = t(N_("Broadcast #{id} has stopped.")).format(id=r.id)
    else:
        head = t(N_("Broadcast #{id} is being sent.")).format(id=r.id)
    lines = [
        head,
        t(N_("To: {audience}")).format(audience=audience_label(t, r.audience, content)),
        t(N_("Sent: {sent} of {total}")).format(sent=r.sent, total=r.total),
        t(N_("Failed: {count}")).format(count=r.failed),
        t(N_("Blocked the bot: {count}")).format(count=r.blocked),
        t(N_("Left: {count}")).format(count=r.left),
    ]
    if r.status == "sending" and r.rate:
        lines.append(t(N_("Speed: {rate} messages a second; about {eta} to go")).format(
            rate=f"{r.rate:.1f}", eta=_duration(t, r.eta_seconds or 0)))
    if r.restarts:
        lines.append(t(N_("Resumed after a restart of the bot: {count}x")).format(
            count=r.restarts))
    if r.duplicates:
        lines.append(t(N_("In flight at a restart and sent again (these people may have it "
                          "twice): {count}")).format(count=r.duplicates))
    if r.retries_429:
        lines.append(t(N_("Telegram asked us to slow down {count}x; those messages were "
                          "retried.")).format(count=r.retries_429))
    return "\n".join(lines)


# -- the bot side of the service: the bulk sender and the progress message --------------------
def attach(app: BotApplication, *, backoff: float = 0.5) -> BroadcastService:
    """Give the service the bot's bulk sender (rate limiter's bulk lane) and progress callback."""
    service = service_of(app)

    async def notify(b: BroadcastRow, report: Report, final: bool) -> None:
        if b.report_chat_id is None:
            return
        runtime = app.runtime
        t = runtime.i18n.translator(await runtime.subscribers.locale_for(b.created_by))
        text = render_report(t, report, runtime.content, final)
        if b.progress_message_id is not None:
            try:
                await app.bot.edit_message_text(text, chat_id=b.report_chat_id,
                                                message_id=b.progress_message_id)
            except BadRequest as exc:  # "not modified", or too old: the final report follows
                log.debug("progress edit refused: %s", exc)
        if final:
            await app.bot.send_message(b.report_chat_id, text)

    service.attach(telegram_sender(app.bot, rate_limit_args=BULK_ARGS, backoff=backoff), notify)
    return service


async def _on_start(app: BotApplication) -> None:
    attach(app)
    await service_of(app).resume_all()


async def _on_stop(app: BotApplication) -> None:
    await service_of(app).stop()


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


async def cmd_broadcast(update: Update, context: BotContext) -> int:
    if not await staff_or_unknown(update, context, "operator"):
        return ConversationHandler.END
    await answer_query(update)
    context.user_data[DRAFT_KEY] = {"text": ""}
    await reply(update, context, context._(N_(
        "New announcement. Send the text in Indonesian; a photo with a caption is fine too. "
        "Your formatting is kept. Long texts are split into several messages for you. "
        "/batal cancels.")))
    return TEXT


async def on_text(update: Update, context: BotContext) -> int:
    """The Indonesian text (or the Javanese one, in JV_TEXT): each message is appended."""
    draft, end = await _step(update, context, answer=False)
    if end is not None:
        return end
    message = update.message
    field = "jv" if draft.get("stage") == "jv" else "text"
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


async def on_text_done(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context)
    if end is not None:
        return end
    if draft.get("stage") == "jv":
        draft["stage"] = "audience"
        return await ask_audience(update, context)
    t = context.t
    if not draft.get("text") and not draft.get("photo"):
        await reply(update, context, t(N_("Please send the text of the announcement first.")))
        return TEXT
    await reply(update, context, t(N_(
        "Add a Javanese version? Subscribers who use Javanese get it; without it they get the "
        "Indonesian text.")), keyboard([[(t(N_("Add Javanese version")), JV_ADD),
                                          (t(N_("Skip")), JV_SKIP)]]))
    return JV_ASK


async def on_jv_add(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context)
    if end is not None:
        return end
    draft["stage"] = "jv"
    await reply(update, context, context._(N_(
        "Send the Javanese text (for a photo: its caption). /batal cancels.")))
    return JV_TEXT


async def ask_audience(update: Update, context: BotContext, note: str | None = None) -> int:
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


async def on_jv_skip(update: Update, context: BotContext) -> int:
    _, end = await _step(update, context)
    if end is not None:
        return end
    return await ask_audience(update, context)


def region_keyboard(t: Translator, content) -> object:
    rows = [[(t(N_("All kab/kota")), f"{PREFIX}:reg:all")]]
    row: list[tuple[str, str]] = []
    for region in content.regions:
        row.append((region.label(), f"{PREFIX}:reg:{region.code}"))
        if len(row) == 3:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return keyboard(rows)


async def on_audience(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context)
    if end is not None:
        return end
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


async def on_role(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context)
    if end is not None:
        return end
    role = context.match.group(1)
    draft["audience"] = {"kind": KIND_VOLUNTEERS, "role": role, "region": None}
    t = context.t
    await reply(update, context, t(N_("{role}: in which kab/kota?")).format(
        role=role_label(t, role)), region_keyboard(t, context.content))
    return REGION


async def on_region(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
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


async def preview(update: Update, context: BotContext) -> int:
    """Show the announcement exactly as recipients will see it, and how many will."""
    draft = draft_of(context)
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
    await _show(context, chat_id, compose(d.text, d.entities, d.photo))
    if d.text_jv:
        await reply(update, context, t(N_("And the Javanese version:")))
        await _show(context, chat_id, compose(d.text_jv, d.entities_jv, d.photo))
    lines = [t(N_("To: {audience}")).format(
        audience=audience_label(t, d.audience.as_dict(), context.content)),
        context.ngettext("{count} recipient", "{count} recipients",
                         numbers.recipients).format(count=numbers.recipients)]
    if d.text_jv:
        lines.append(t(N_("Of them, {count} get the Javanese version.")).format(
            count=numbers.javanese))
    lines.append(t(N_("Send it now?")))
    await reply(update, context, "\n".join(lines), keyboard(
        [[(t(N_("Send")), SEND), (t(N_("Cancel")), CANCEL)]]))
    return CONFIRM


async def on_send(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
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
    message = await reply(update, context, render_report(context.t, report, context.content))
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


async def cmd_status(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    service = service_of(context)
    args = context.args or []
    t = context.t
    broadcast_id = None
    if args:
        raw = args[0].lstrip("#")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            await reply(update, context, t(N_("Usage: /siaran_status [number], e.g. "
                                              "/siaran_status 3")))
            return
        broadcast_id = int(raw)
    try:
        report = await service.status(update.effective_user.id, broadcast_id)
    except PermissionDenied:
        await unknown_command(update, context)
        return
    if report is None:
        text = (t(N_("There is no broadcast #{id}.")).format(id=broadcast_id)
                if broadcast_id is not None else t(N_("No broadcast has been sent yet.")))
        await reply(update, context, text)
        return
    await reply(update, context, render_report(t, report, context.content,
                                               final=not service.running(report.id)))


def register(app: BotApplication) -> None:
    runtime = app.runtime
    runtime.extras[FEATURE] = BroadcastService(
        runtime.store, runtime.staff, runtime.subscribers, runtime.clock,
        default_language=runtime.settings.default_language,
        rate=runtime.settings.broadcast_rate)
    runtime.start_hooks.append(_on_start)
    runtime.stop_hooks.append(_on_stop)
    entry = runtime.menu.add(MenuEntry(MENU_KEY, N_("Send an announcement"), order=80,
                                       staff_only=True))
    runtime.commands.add(CommandSpec("siaran", N_("send an announcement"), order=80,
                                     staff_only=True))
    runtime.commands.add(CommandSpec("siaran_status", N_("how a broadcast is going"), order=81,
                                     staff_only=True))
    text_input = ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO) & filters.UpdateType.MESSAGE
    with warnings.catch_warnings():  # per_message=False is intended: one draft per operator chat
        warnings.simplefilter("ignore", PTBUserWarning)
        app.add_handler(ConversationHandler(
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
                          CallbackQueryHandler(on_cancel, pattern=rf"^{CANCEL}$")],
            },
            fallbacks=[*conversation_fallbacks(), CommandHandler("siaran", cmd_broadcast)],
            name="broadcast",
            persistent=True,
            allow_reentry=True,
        ))
    app.add_handler(CommandHandler("siaran_status", cmd_status))
