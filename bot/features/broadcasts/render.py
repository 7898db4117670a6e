"""How broadcasts read: audiences, the progress report, the list, and their buttons, in the
reader's language."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.core.clock import iso, parse_iso
from bot.core.i18n import N_, Translator
from bot.core.numbers import format_number
from bot.core.ui import (
    keyboard,
)
from bot.features.broadcasts.callbacks import (
    CANCEL,
    EDIT_AUDIENCE,
    EDIT_ID,
    EDIT_JV,
    FOOTER,
    PAID,
    PREFIX,
    SCHEDULE_ASK,
    SEND,
    TEST,
)
from bot.features.broadcasts.model import KIND_VOLUNTEERS, Draft, Report
from bot.features.reminders.render import local_time
from bot.features.volunteers.service import ROLES as VOLUNTEER_ROLE_NAMES


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
            id=r.id, when=_when(r.scheduled_at, tz, t.locale))
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
            rate=format_number(r.rate, t.locale, 1), eta=_duration(t, r.eta_seconds or 0)))
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


def _when(stamp: str | None, tz, locale: str = "id") -> str:
    if not stamp:
        return "-"
    moment = parse_iso(stamp)
    return local_time(moment, tz, locale=locale) if tz is not None else iso(moment)


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
        when = _when(r.scheduled_at if r.status == "scheduled" else r.created_at, tz, t.locale)
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


def region_keyboard(t: Translator, content) -> InlineKeyboardMarkup:
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


def stop_footer(t: Translator) -> str:
    """The optional last line of an announcement: how to stop receiving them."""
    return t(N_("To stop receiving announcements, type /berhenti."))
