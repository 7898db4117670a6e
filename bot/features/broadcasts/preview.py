"""The /siaran preview and what an operator may do from it: edit either text or the audience,
a test send to themselves, the footer, a paid broadcast, a time to send it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from telegram import MessageEntity, Update
from telegram.ext import (
    ConversationHandler,
)

from bot.context import BotContext
from bot.core.datetimes import parse_hhmm, parse_local_datetime
from bot.core.i18n import N_
from bot.core.ui import (
    keyboard,
    reply,
    unknown_command,
)
from bot.delivery.sender import Outgoing
from bot.features.broadcasts.callbacks import PREFIX
from bot.features.broadcasts.draft import build
from bot.features.broadcasts.drafting import (
    AUDIENCE,
    CONFIRM,
    DRAFT_KEY,
    JV_TEXT,
    SCHEDULE,
    TEXT,
    _expired,
    _step,
    draft_of,
)
from bot.features.broadcasts.model import (
    BroadcastError,
)
from bot.features.broadcasts.render import (
    _duration,
    audience_label,
    preview_keyboard,
    stop_markup,
)
from bot.features.broadcasts.schedule import (
    schedule_job,
)
from bot.features.reminders.render import local_time
from bot.features.staff.service import PermissionDenied

if TYPE_CHECKING:
    pass


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
    service = context.services.broadcasts
    t = context.t
    try:
        d = build(draft)
        numbers = await service.preview(update.effective_user.id, d)
    except PermissionDenied:
        await unknown_command(update, context)
        return ConversationHandler.END
    except BroadcastError as exc:
        if exc.code == "region":
            return await ask_audience(update, context, outside_region(context))
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
    if not context.services.broadcasts.paid_rate:  # the setting is off: a stale or forged button
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
        status = await context.services.broadcasts.test_send(update.effective_user.id, d,
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
                preview_keyboard(t, d, paid_offered=bool(context.services.broadcasts.paid_rate)))
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
    service = context.services.broadcasts
    try:
        broadcast_id = await service.create(update.effective_user.id, build(draft),
                                            scheduled_at=when)
    except PermissionDenied:
        await unknown_command(update, context)
        return ConversationHandler.END
    except BroadcastError as exc:
        if exc.code == "region":
            return await ask_audience(update, context, outside_region(context))
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
        "/siaran_status.")).format(id=broadcast_id, when=local_time(when, tz, locale=t.locale)),
        stop_markup(t, report))
    return ConversationHandler.END


def outside_region(context: BotContext) -> str:
    """For an operator bound to a kab/kota who chose an audience outside it."""
    return context._(N_("You work for one kab/kota, so you can send only to the volunteers of "
                        "your kab/kota. Please choose them."))


async def own_region(update: Update, context: BotContext) -> str | None:
    """The kab/kota an operator bound to one works for (None: the whole province). Only what
    is offered; the service checks the audience again."""
    try:
        scope = await context.services.staff.scope(update.effective_user.id)
    except PermissionDenied:
        return None
    return None if scope.everything else scope.region


async def ask_audience(update: Update, context: BotContext, note: str | None = None) -> int | str:
    t = context.t
    text = t(N_("Who should receive it?"))
    if note:
        text = note + "\n\n" + text
    region = await own_region(update, context)
    if region is not None:  # a regional operator: only audiences inside their kab/kota
        name = context.content.region(region)
        rows = [[(t(N_("Volunteers of {region}")).format(
                    region=name.label() if name else region), f"{PREFIX}:aud:region")],
                [(t(N_("Volunteers by role")), f"{PREFIX}:aud:role")]]
    else:
        rows = [[(t(N_("All subscribers")), f"{PREFIX}:aud:all")],
                [(t(N_("All volunteers")), f"{PREFIX}:aud:vol")],
                [(t(N_("Volunteers by role")), f"{PREFIX}:aud:role")],
                [(t(N_("Volunteers by kab/kota")), f"{PREFIX}:aud:region")]]
    await reply(update, context, text, keyboard(rows))
    return AUDIENCE
