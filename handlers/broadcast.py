"""/siaran: an operator writes an announcement, picks the audience, previews and sends it;
/siaran_status: how a broadcast is going. The work is in bot.services.broadcast.

Text is sent as plain text with the operator's own formatting entities (no parse_mode), so
nothing they type needs escaping and splitting never breaks a tag.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
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
from bot.clock import iso, parse_iso
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.menu import CommandSpec, MenuEntry
from bot.ratelimit import PriorityRateLimiter
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
from bot.services.reminders import local_time, parse_hhmm, parse_local_datetime
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
from handlers.delivery import bulk_sender, delivery_engine

log = logging.getLogger(__name__)

FEATURE = "broadcast"
PREFIX = "bc"
NEXT = f"{PREFIX}:next"
JV_ADD = f"{PREFIX}:jv:add"
JV_SKIP = f"{PREFIX}:jv:skip"
SEND = f"{PREFIX}:send"
CANCEL = f"{PREFIX}:cancel"
TEST = f"{PREFIX}:test"
EDIT_ID = f"{PREFIX}:edit:id"
EDIT_JV = f"{PREFIX}:edit:jv"
EDIT_AUDIENCE = f"{PREFIX}:edit:aud"
FOOTER = f"{PREFIX}:footer"
SCHEDULE_ASK = f"{PREFIX}:sched"
STOP_PATTERN = rf"^{PREFIX}:stop:([0-9]{{1,12}})$"
LIST_PATTERN = rf"^{PREFIX}:list:([0-9]{{1,6}})$"
PAID = f"{PREFIX}:paid"
PAGE = 8              # broadcasts per page of /siaran_status
STOP_WAIT = 5.0       # seconds a stop waits for the rows already handed to Telegram
JOB_PREFIX = "broadcast:scheduled:"
AUDIENCE_PATTERN = rf"^{PREFIX}:aud:(all|vol|role|region)$"
ROLE_PATTERN = rf"^{PREFIX}:role:({'|'.join(VOLUNTEER_ROLES)})$"
REGION_PATTERN = rf"^{PREFIX}:reg:(all|35[0-9]{{2}})$"
MENU_KEY = "broadcast"

TEXT, JV_ASK, JV_TEXT, AUDIENCE, ROLE, REGION, CONFIRM = range(7)
SCHEDULE = "broadcast:schedule"
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


def render_report(t: Translator, r: Report, content, final: bool = False, tz=None) -> str:
    if r.status == "done":
        head = t(N_("Broadcast #{id} is finished.")).format(id=r.id)
    elif r.status == "scheduled":
        head = t(N_("Broadcast #{id} is scheduled for {when}.")).format(
            id=r.id, when=_when(r.scheduled_at, tz))
    elif r.status == "cancelled":
        head = t(N_("Broadcast #{id} was stopped.")).format(id=r.id)
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
    if r.cancelled:
        lines.append(t(N_("Not sent because of the stop: {count}")).format(count=r.cancelled))
    if r.unknown:
        lines.append(t(N_("No answer from Telegram (they may have it): {count}")).format(
            count=r.unknown))
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


def _when(stamp: str | None, tz) -> str:
    if not stamp:
        return "-"
    moment = parse_iso(stamp)
    return local_time(moment, tz) if tz is not None else iso(moment)


def stop_markup(t: Translator, r: Report | None):
    """The Stop button, while a broadcast can still be stopped."""
    if r is None or r.status not in ("sending", "scheduled"):
        return None
    label = t(N_("Stop sending")) if r.status == "sending" else t(N_("Cancel this broadcast"))
    return keyboard([[(label, f"{PREFIX}:stop:{r.id}")]])


def render_list(t: Translator, reports: list[Report], tz, offset: int, total: int) -> str:
    states = {"scheduled": N_("scheduled"), "sending": N_("sending"), "done": N_("finished"),
              "cancelled": N_("stopped")}
    lines = [t(N_("Broadcasts {first}-{last} of {total}, newest first:")).format(
        first=offset + 1, last=offset + len(reports), total=total)]
    for r in reports:
        when = _when(r.scheduled_at if r.status == "scheduled" else r.created_at, tz)
        lines.append("")
        lines.append(t(N_("#{id} · {when} · by {sender} · {state}")).format(
            id=r.id, when=when, sender=r.created_by, state=t(states.get(r.status, r.status))))
        first = r.first_line or t(N_("(photo)"))
        if r.status == "scheduled":  # its recipients are counted when it starts
            lines.append(f"“{first}”")
        else:
            lines.append(t(N_("“{first_line}” · sent {sent} of {total}")).format(
                first_line=first, sent=r.sent, total=r.total))
    lines.append("")
    lines.append(t(N_("Details: /siaran_status number, e.g. /siaran_status {id}")).format(
        id=reports[0].id))
    return "\n".join(lines)


# -- the bot side of the service: the bulk sender and the progress message --------------------
def attach(app: BotApplication) -> BroadcastService:
    """Give the service the bot's bulk sender (rate limiter's bulk lane) and progress callback."""
    service = service_of(app)

    async def notify(b: BroadcastRow, report: Report, final: bool) -> None:
        if b.report_chat_id is None:
            return
        runtime = app.runtime
        t = runtime.i18n.translator(await runtime.subscribers.locale_for(b.created_by))
        text = render_report(t, report, runtime.content, final, runtime.settings.tz)
        if b.progress_message_id is not None:
            try:
                await app.bot.edit_message_text(text, chat_id=b.report_chat_id,
                                                message_id=b.progress_message_id,
                                                reply_markup=None if final else
                                                stop_markup(t, report))
            except BadRequest as exc:  # "not modified", or too old: the final report follows
                log.debug("progress edit refused: %s", exc)
        if final and report.status == "done":  # a stop is answered by the stop itself
            await app.bot.send_message(b.report_chat_id, text)

    def footer(language: str) -> str:
        return app.runtime.i18n.translator(language)(N_(
            "To stop receiving announcements, type /berhenti."))

    service.attach(bulk_sender(app.bot), notify, delivery_engine(app))
    service.footer = footer
    settings = app.runtime.settings
    if settings.paid_broadcast:  # off by default: it costs Stars from the bot's balance
        service.paid_rate = settings.paid_broadcast_rate
        service.paid_sender = bulk_sender(app.bot, paid=True)
        limiter = app.bot.rate_limiter
        if isinstance(limiter, PriorityRateLimiter):
            normal = limiter.bulk_rate

            def on_rate(rate: float | None) -> None:
                limiter.set_bulk_rate(rate if rate is not None else normal)
                log.info("bulk lane at %s messages/s", limiter.bulk_rate)

            service.on_rate = on_rate
    return service


async def _on_start(app: BotApplication) -> None:
    attach(app)
    service = service_of(app)
    await service.resume_all()
    for b in await service.scheduled():  # a scheduled broadcast survives a restart
        schedule_job(app, b.id, parse_iso(b.scheduled_at or b.created_at))


# -- scheduled broadcasts -----------------------------------------------------------------------
def schedule_job(app: BotApplication, broadcast_id: int, when) -> None:
    """One JobQueue job per scheduled broadcast, with a stable name; re-registered at start
    from the database. One that fell due while the bot was down starts at once."""
    if app.job_queue is None:
        return
    name = f"{JOB_PREFIX}{broadcast_id}"
    for job in app.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    delay = (when - app.runtime.clock()).total_seconds()
    app.job_queue.run_once(scheduled_job, when=max(1.0, delay), data=broadcast_id, name=name)


def unschedule_job(app: BotApplication, broadcast_id: int) -> None:
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(f"{JOB_PREFIX}{broadcast_id}"):
            job.schedule_removal()


async def scheduled_job(context: BotContext) -> None:
    app = context.application
    service = service_of(app)
    broadcast_id = int(context.job.data)  # type: ignore[union-attr,arg-type]
    if not await service.start_scheduled(broadcast_id):
        return  # cancelled meanwhile
    b = await service.repo.get(broadcast_id)
    report = await service.report(broadcast_id)
    if b is None or report is None:
        return
    if b.report_chat_id is not None:
        runtime = app.runtime
        t = runtime.i18n.translator(await runtime.subscribers.locale_for(b.created_by))
        try:
            message = await app.bot.send_message(
                b.report_chat_id, render_report(t, report, runtime.content,
                                                tz=runtime.settings.tz),
                reply_markup=stop_markup(t, report))
            await service.repo.set_progress_message(broadcast_id, b.report_chat_id,
                                                    message.message_id)
        except Exception as exc:  # the operator's message is a courtesy; sending goes on
            log.warning("could not post the progress of broadcast %s: %s", broadcast_id,
                        type(exc).__name__)
    if report.status == "sending":
        service.launch(broadcast_id)


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


async def on_text_done(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context)
    if end is not None:
        return end
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


def preview_keyboard(t: Translator, d: Draft, paid_offered: bool = False):
    rows = [
        [(t(N_("Send")), SEND), (t(N_("Send to me first")), TEST)],
        [(t(N_("Edit text")), EDIT_ID),
         (t(N_("Edit Javanese text")) if d.text_jv else t(N_("Add Javanese version")),
          EDIT_JV)],
        [(t(N_("Change audience")), EDIT_AUDIENCE),
         (t(N_("Remove footer")) if d.footer else t(N_("Add footer")), FOOTER)],
        [(t(N_("Schedule")), SCHEDULE_ASK), (t(N_("Cancel")), CANCEL)],
    ]
    if paid_offered:  # PAID_BROADCAST is on
        rows.insert(1, [(t(N_("Send without paying")) if d.paid else
                         t(N_("Paid: send faster (Stars)")), PAID)])
    return keyboard(rows)


async def on_edit_text(update: Update, context: BotContext) -> int:
    """From the preview: write the Indonesian text again (a photo stays)."""
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    draft.update(stage="edit", text="", text_entities=[])
    await reply(update, context, context._(N_(
        "Send the corrected Indonesian text; it replaces the old one. Then press Continue. "
        "/batal cancels the whole announcement.")))
    return TEXT


async def on_edit_jv(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    draft.update(stage="edit_jv", jv="", jv_entities=[])
    await reply(update, context, context._(N_(
        "Send the Javanese text; it replaces the old one, if any. Then press Continue. "
        "/batal cancels the whole announcement.")))
    return JV_TEXT


async def on_edit_audience(update: Update, context: BotContext) -> int:
    _, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    return await ask_audience(update, context)


async def on_paid(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    if not service_of(context).paid_rate:  # the setting is off: a stale or forged button
        return await preview(update, context)
    draft["paid"] = not draft.get("paid")
    return await preview(update, context)


async def on_footer(update: Update, context: BotContext) -> int:
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
    draft["footer"] = not draft.get("footer")
    return await preview(update, context)


async def on_test(update: Update, context: BotContext) -> int:
    """"Send to me first": the operator alone gets it, exactly as recipients will."""
    draft, end = await _step(update, context, audience=True)
    if end is not None:
        return end
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


async def on_schedule_ask(update: Update, context: BotContext) -> int:
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
    t = context.t
    tz = context.settings.tz
    when = _schedule_time(update.message.text or "", tz, context.runtime.clock())
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


async def cmd_status(update: Update, context: BotContext) -> None:
    """/siaran_status: the dated list of broadcasts; /siaran_status N: one of them."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    service = service_of(context)
    args = context.args or []
    t = context.t
    if not args:
        await show_list(update, context, 0)
        return
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
        await reply(update, context, t(N_("There is no broadcast #{id}.")).format(
            id=broadcast_id))
        return
    await reply(update, context, render_report(t, report, context.content,
                                               final=not service.running(report.id),
                                               tz=context.settings.tz),
                stop_markup(t, report))


async def show_list(update: Update, context: BotContext, offset: int) -> None:
    service = service_of(context)
    t = context.t
    try:
        reports = await service.recent(update.effective_user.id, PAGE, offset)
    except PermissionDenied:
        await unknown_command(update, context)
        return
    total = await service.count()
    if not reports:
        await reply(update, context, t(N_("No broadcast has been sent yet.")))
        return
    nav = []
    if offset > 0:
        nav.append((t(N_("Newer")), f"{PREFIX}:list:{max(0, offset - PAGE)}"))
    if offset + PAGE < total:
        nav.append((t(N_("Older")), f"{PREFIX}:list:{offset + PAGE}"))
    rows = [[(t(N_("Stop #{id}")).format(id=r.id), f"{PREFIX}:stop:{r.id}")]
            for r in reports if r.status in ("sending", "scheduled")]
    if nav:
        rows.append(nav)
    await reply(update, context, render_list(t, reports, context.settings.tz, offset, total),
                keyboard(rows) if rows else None)


async def on_list_page(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    await answer_query(update)
    await show_list(update, context, int(context.match.group(1)))


async def on_stop(update: Update, context: BotContext) -> None:
    """The Stop button (progress message, /siaran_status, a scheduled broadcast's note)."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    await answer_query(update)
    service = service_of(context)
    t = context.t
    broadcast_id = int(context.match.group(1))
    try:
        stopped, report = await service.cancel(update.effective_user.id, broadcast_id)
    except PermissionDenied:
        await unknown_command(update, context)
        return
    if report is None:
        await reply(update, context, t(N_("There is no broadcast #{id}.")).format(
            id=broadcast_id))
        return
    if not stopped:
        text = (t(N_("Broadcast #{id} had already finished.")) if report.status == "done"
                else t(N_("Broadcast #{id} had already been stopped."))).format(id=report.id)
        await reply(update, context, text)
        return
    unschedule_job(context.application, broadcast_id)  # type: ignore[arg-type]
    if report.total == 0 and report.started_at is None:
        await reply(update, context, t(N_(
            "Scheduled broadcast #{id} is cancelled. Nothing was sent.")).format(id=report.id))
        return
    if service.running(broadcast_id):  # the rows already handed to Telegram finish first
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(service.wait(broadcast_id), STOP_WAIT)
    report = await service.report(broadcast_id) or report
    await reply(update, context, t(N_(
        "Broadcast #{id} is stopped. {sent} of {total} people got it; {cancelled} will not get "
        "it.")).format(id=report.id, sent=report.sent, total=report.total,
                       cancelled=report.cancelled))


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
    text_input = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO
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
            name="broadcast",
            persistent=True,
            allow_reentry=True,
        ))
    app.add_handler(CommandHandler("siaran_status", cmd_status))
    app.add_handler(CallbackQueryHandler(on_stop, pattern=STOP_PATTERN))
    app.add_handler(CallbackQueryHandler(on_list_page, pattern=LIST_PATTERN))
