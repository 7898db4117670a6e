"""What the steps of writing or editing a reminder share (compose.py, when.py): the states,
the draft in user_data, the check screen, and the answer when the service refuses."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import keyboard, reply
from bot.features.reminders import screens
from bot.features.reminders.jobs import service

# Conversation states (strings: stored ones keep their meaning when a state is added).
R_TEXT, R_JV, R_ROLE, R_REGION, R_KIND = "rem_text", "rem_jv", "rem_role", "rem_region", \
    "rem_kind"
R_DATE, R_DAYS, R_DOM, R_TIME, R_END, R_CONFIRM = "rem_date", "rem_days", "rem_dom", \
    "rem_time", "rem_end", "rem_confirm"
KEY = "remnew"

ERRORS = {
    "past": N_("That time has already passed. Please type a time in the future."),
    "end_past": N_("That end date leaves no day to send it. Please choose a later end date."),
    "long": N_("That is too long for one reminder. Please keep it under {max} characters."),
}


def draft(context: BotContext) -> dict[str, Any]:
    """The reminder being written or edited (new_start or edit_start made it)."""
    # Its steps answer a user's messages and buttons, and PTB gives every user user_data.
    assert context.user_data is not None
    return context.user_data.setdefault(KEY, {})


async def refused(update: Update, context: BotContext) -> None:
    """The service said no: outside the actor's kab/kota, or no longer staff."""
    await reply(update, context, context._(N_(
        "This reminder belongs to another kabupaten/kota, or you no longer have the right to "
        "change it. Nothing was changed.")))


# -- check, then save -----------------------------------------------------------------------------
async def confirm(update: Update, context: BotContext) -> str:
    data = draft(context)
    svc = service(context)
    d = svc.draft(text=data["text"], role=data.get("role"), region_code=data.get("region"),
                  at=data.get("at"), cron=data.get("cron"), text_jv=data.get("text_jv"),
                  ends_on=data.get("ends_on"))
    first, count = await svc.preview(d)
    text, rows = screens.draft(context.t, d, data.get("id"), first, count,
                               context.settings.tz, context.content)
    await reply(update, context, text, keyboard(rows))
    return R_CONFIRM

