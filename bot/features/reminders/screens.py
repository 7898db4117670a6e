"""The staff's reminder screens: the paged list, a reminder's card, its recipients, the
reminder being written (or edited) before it is saved, and "cancel it?". Text and button rows
(label, callback data) from a Translator; no Telegram objects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.core.clock import parse_iso
from bot.core.i18n import N_, Translator
from bot.core.paging import Page, page, page_caption, pager_row
from bot.features.reminders.manage import Summary, View
from bot.features.reminders.render import (
    ADM,
    NEW,
    OLD,
    REASONS,
    _short,
    audience_text,
    describe,
    status_text,
    when_text,
)
from bot.features.reminders.repo import DeliveryRow, Reminder

Rows = list[list[tuple[str, str]]]
LABEL = 24          # characters of a button label (the house rule)
RECIPIENTS_PER_PAGE = 15
TEXT_IN_LIST = 70
CARD_TEXT = 1500    # two of these and the card's lines stay under Telegram's 4,096


def listing(t: Translator, p: Page[Summary], tz: ZoneInfo, content,
            *, finished: bool = False, finished_count: int = 0) -> tuple[str, Rows]:
    """One page of reminders (paging.page() of them), each with a button to its card."""
    head = t(N_("Finished and cancelled reminders:")) if finished else \
        t(N_("Reminders for volunteers:"))
    caption = page_caption(t, p)
    lines = [head + (f" ({caption})" if caption else "")]
    if not p.items:
        lines.append(t(N_("There are no reminders here.")) if finished else
                     t(N_("There are no reminders yet.")))
    for s in p.items:
        lines.append(_entry(t, s, tz, content))
    rows: Rows = []
    if not finished:
        rows.append([(t(N_("New reminder")), f"{ADM}:new")])
    rows += [[(_short(f"#{s.reminder.id} {s.reminder.text}", LABEL),
               f"{ADM}:view:{s.reminder.id}")] for s in p.items]
    pager = pager_row(t, OLD if finished else ADM, p)
    if pager:
        rows.append(pager)
    if finished:
        rows.append([(t(N_("Current reminders")), f"{ADM}:list")])
    elif finished_count:
        rows.append([(t(N_("Finished ({count})")).format(count=finished_count), f"{OLD}:p:0")])
    return "\n\n".join(lines), rows


def _entry(t: Translator, s: Summary, tz: ZoneInfo, content) -> str:
    r = s.reminder
    line = f"#{r.id} · {status_text(t, r.state)}\n{_short(r.text, TEXT_IN_LIST)}\n" \
           f"{audience_text(t, r.role, r.region_code, content)} · {describe(t, r, tz)}"
    if s.next_at:
        line += "\n" + t(N_("Next: {when}")).format(when=when_text(t, s.next_at, tz))
    return line


def card(t: Translator, view: View, tz: ZoneInfo, content) -> tuple[str, Rows]:
    """A reminder: what, to whom, when, how it went; the buttons staff act with."""
    s = view.summary
    r = s.reminder
    lines = [t(N_("Reminder #{id} · {state}")).format(id=r.id, state=status_text(t, r.state)),
             t(N_("For: {audience}")).format(
                 audience=audience_text(t, r.role, r.region_code, content)),
             t(N_("Volunteers it reaches now: {count}")).format(count=view.audience),
             t(N_("When: {when}")).format(when=describe(t, r, tz))]
    if r.paused:
        lines.append(t(N_("Paused: nothing is sent until it is resumed.")))
    if s.next_at:
        lines.append(t(N_("Next: {when}")).format(when=when_text(t, s.next_at, tz)))
    d = s.deliveries
    if view.latest is not None:
        lines += ["", t(N_("Last sent: {when}")).format(
            when=when_text(t, parse_iso(view.latest.occurrence), tz))]
        lines.append(t(N_("Altogether: received {sent}, marked done {done}, not reachable "
                          "{failed}")).format(
            sent=d.get("sent", 0) + d.get("done", 0), done=d.get("done", 0),
            failed=d.get("blocked", 0) + d.get("failed", 0)))
    if view.missed:
        lines += ["", t(N_("Missed while the bot was down: {count}")).format(
            count=len(view.missed))]
        lines += [f"• {when_text(t, parse_iso(x.occurrence), tz)}" for x in view.missed[:3]]
    lines += ["", t(N_("Text:")), _clip(r.text)]
    lines += ["", t(N_("Javanese text:")), _clip(r.text_jv)] if r.text_jv else \
        ["", t(N_("No Javanese text: volunteers who use Javanese get the Indonesian one."))]
    rows: Rows = []
    if r.status == "active":
        rows += [[(t(N_("Edit text")), f"{ADM}:ed:text:{r.id}"),
                  (t(N_("Edit recipients")), f"{ADM}:ed:aud:{r.id}")],
                 [(t(N_("Edit schedule")), f"{ADM}:ed:when:{r.id}"),
                  (t(N_("Javanese text")), f"{ADM}:ed:jv:{r.id}")]]
        pause = (t(N_("Resume")), f"{ADM}:resume:{r.id}") if r.paused else \
            (t(N_("Pause")), f"{ADM}:pause:{r.id}")
        if r.kind == "cron":
            rows.append([(t(N_("End date")), f"{ADM}:ed:end:{r.id}"), pause])
        else:
            rows.append([pause])
        rows.append([(t(N_("Cancel reminder")), f"{ADM}:cx:{r.id}")])
    if view.recipients:
        rows.append([(t(N_("Recipients ({count})")).format(count=len(view.recipients)),
                      f"{ADM}:rcp:{r.id}:0")])
    rows.append([(t(N_("All reminders")), f"{ADM}:list")])
    return "\n".join(lines), rows


def _clip(text: str, limit: int = CARD_TEXT) -> str:
    """A text on the card: whole up to `limit` (every text written since the 1,400 limit), so
    that the card stays one message even for an older, longer reminder."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def recipients(t: Translator, reminder: Reminder, rows_in: Sequence[DeliveryRow],
               names: dict[int, str], number: int, tz: ZoneInfo,
               latest: str | None) -> tuple[str, Rows]:
    """Who got the latest occurrence and what happened, a page at a time."""
    p = page(rows_in, number, RECIPIENTS_PER_PAGE)
    head = t(N_("Reminder #{id}, sent {when}:")).format(
        id=reminder.id, when=when_text(t, parse_iso(latest), tz) if latest else "-")
    caption = page_caption(t, p)
    lines = [head + (f" ({caption})" if caption else "")]
    for row in p.items:
        who = f"{names[row.user_id]} ({row.user_id})" if row.user_id in names \
            else str(row.user_id)
        state = t(N_("done")) if row.status == "done" else status_text(t, row.status)
        reason = t(REASONS[row.reason]) if row.reason in REASONS else (row.reason or "")
        lines.append(f"• {who}: {state}" + (f" ({reason})" if reason else ""))
    if not p.items:
        lines.append(t(N_("Nobody was in the audience.")))
    rows: Rows = []
    pager = [(label, f"{ADM}:rcp:{reminder.id}:{data.rsplit(':', 1)[1]}")
             for label, data in pager_row(t, ADM, p)]
    if pager:
        rows.append(pager)
    rows.append([(t(N_("Back to the reminder")), f"{ADM}:view:{reminder.id}")])
    return "\n".join(lines), rows


def draft(t: Translator, d: Reminder, editing: int | None, first: dt.datetime | None,
          count: int, tz: ZoneInfo, content) -> tuple[str, Rows]:
    """The reminder as it will be saved, with Save / Cancel and the optional parts."""
    head = t(N_("Please check the changes to reminder #{id}:")).format(id=editing) \
        if editing else t(N_("Please check the reminder:"))
    lines = [head, "", d.text]
    if d.text_jv:
        lines += ["", t(N_("Javanese text:")), d.text_jv]
    lines += ["",
              t(N_("For: {audience}")).format(
                  audience=audience_text(t, d.role, d.region_code, content)),
              t(N_("Volunteers it reaches now: {count}")).format(count=count)]
    if count == 0:
        lines.append(t(N_("Nobody would get it now: no approved volunteer is in this "
                          "audience yet.")))
    lines.append(t(N_("When: {when}")).format(when=describe(t, d, tz)))
    if first:
        lines.append(t(N_("First time: {when}")).format(when=when_text(t, first, tz)))
    rows: Rows = [[(t(N_("Save")), f"{NEW}:save"), (t(N_("Cancel")), f"{NEW}:drop")]]
    extra = [(t(N_("Edit Javanese text")) if d.text_jv else t(N_("Add Javanese text")),
              f"{NEW}:jv")]
    if d.kind == "cron":
        extra.append((t(N_("End date")), f"{NEW}:end"))
    rows.append(extra)
    return "\n".join(lines), rows


def ask_cancel(t: Translator, reminder: Reminder) -> tuple[str, Rows]:
    text = t(N_("Cancel reminder #{id}? It will not be sent again, and this cannot be "
                "undone.\n\n{text}")).format(id=reminder.id, text=_short(reminder.text, 200))
    return text, [[(t(N_("Yes, cancel it")), f"{ADM}:cancel:{reminder.id}"),
                   (t(N_("No, keep it")), f"{ADM}:view:{reminder.id}")]]
