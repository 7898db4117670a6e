"""How the status check reads: statuses, dates and periods in words, a record, a lookup's
result, a change notification and an import's summary, from the reader's translator; and
the buttons' callback data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.core.datetimes import format_day, format_near
from bot.core.i18n import N_, Translator
from bot.core.ui import (
    keyboard,
)
from bot.delivery.sender import Outgoing
from bot.features.status.importer import REASONS, Summary
from bot.features.status.repo import Notification, Record
from bot.features.status.service import (
    LookupOutcome,
    LookupResult,
    sort_records,
)

if TYPE_CHECKING:
    pass


PREFIX = "status"


WATCH = f"{PREFIX}:watch"


UNWATCH = f"{PREFIX}:unwatch"


WATCH_PATTERN = rf"^{WATCH}$"


SHOW_PATTERN = rf"^{PREFIX}:show:([0-9]{{1,12}})$"


RETRY_NAME = f"{PREFIX}:rname"


RETRY_NIK = f"{PREFIX}:rnik"


RETRY_STOP = f"{PREFIX}:rstop"


UNWATCH_PATTERN = rf"^{UNWATCH}$"


STATUS_WORDS = {
    "DIPROSES": N_("being processed"),
    "SIAP SALUR": N_("ready to be paid out"),
    "TERSALUR": N_("paid out"),
    "GAGAL": N_("payment failed"),
    "DITOLAK": N_("not approved"),
}


# -- rendering ------------------------------------------------------------------------------------
def status_words(t: Translator, status: str) -> str:
    words = STATUS_WORDS.get(status)
    return f"{t(words)} ({status})" if words else status


def show_date(t: Translator, text: str | None) -> str | None:
    """'Sel, 15 Sep 2026' (the one date style); an unreadable date as it was imported."""
    if not text:
        return None
    try:
        return format_day(dt.date.fromisoformat(text), t.locale)
    except (ValueError, LookupError):
        return text


def show_time(t: Translator, moment: dt.datetime, now: dt.datetime, tz: dt.tzinfo) -> str:
    """'09.15 WIB' today, 'Sel, 3 Nov 2026 09.15 WIB' another day, in the office's zone."""
    return format_near(moment, now, t.locale, tz)


_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


_QUARTER = re.compile(r"^\s*(\d{4})-?Q([1-4])\s*$", re.IGNORECASE)


NEXT_STEPS = {
    "SIAP SALUR": N_("Next step: the assistance is ready. Collect it at the channel named "
                     "above, with your KTP and KKS, or as the note says. Questions: {phone}."),
    "GAGAL": N_("Next step: the payment failed. Ask the channel named above or your program "
                "facilitator (or the kab/kota social office) what to fix, for example an "
                "inactive account; then it is paid in a next round. Questions: {phone}."),
    "DITOLAK": N_("Next step: not approved for this period. Who receives is decided by the "
                  "DTSEN data: ask your village/kelurahan office about registering "
                  "(/program, then DTKS/DTSEN), or ask an officer. Questions: {phone}."),
}


def show_period(t: Translator, period: str) -> str:
    """'2026-09' -> 'September 2026', '2026-Q3' -> 'Juli–September 2026'; else as given."""
    month = _MONTH.match(period)
    quarter = _QUARTER.match(period)
    try:
        if month and 1 <= int(month.group(2)) <= 12:
            day = dt.date(int(month.group(1)), int(month.group(2)), 1)
            return format_date(day, format="LLLL y", locale=t.locale)
        if quarter:
            year, q = int(quarter.group(1)), int(quarter.group(2))
            first = format_date(dt.date(year, 3 * q - 2, 1), format="LLLL", locale=t.locale)
            last = format_date(dt.date(year, 3 * q, 1), format="LLLL", locale=t.locale)
            return f"{first}–{last} {year}"
    except (ValueError, LookupError):
        pass
    return period


def render_record(t: Translator, record: Record, phone: str = "") -> str:
    lines = [
        t(N_("Program: {program}")).format(program=record.program),
        t(N_("Period: {period}")).format(period=show_period(t, record.periode)),
        t(N_("Status: {status}")).format(status=status_words(t, record.status)),
    ]
    lines += _details(t, record.tanggal, record.lembaga_penyalur, record.keterangan,
                      record.status, phone)
    return "\n".join(lines)


def _details(t: Translator, tanggal: str | None, channel: str | None, note: str | None,
             status: str, phone: str) -> list[str]:
    """The lines a record and a change notification end with: the date, the channel, the
    office's note, and what to do next for this status."""
    lines = []
    day = show_date(t, tanggal)
    if day:
        lines.append(t(N_("Date: {date}")).format(date=day))
    if channel:
        lines.append(t(N_("Channel: {channel}")).format(channel=channel))
    if note:
        lines.append(t(N_("Note: {note}")).format(note=note))
    step = NEXT_STEPS.get(status)
    if step:
        lines.append(t(step).format(phone=phone))
    return lines


def render_result(t: Translator, result: LookupResult, masked: str, now: dt.datetime,
                  tz: dt.tzinfo, phone: str = "") -> str:
    if result.outcome == LookupOutcome.FOUND:
        head = t(N_("Records for NIK {nik}:")).format(nik=masked)
        body = "\n\n".join(render_record(t, r, phone) for r in sort_records(result.records))
        return f"{head}\n\n{body}"
    if result.outcome == LookupOutcome.NOT_FOUND:
        return t(N_(
            "We found no record for NIK {nik} with that name. Please check the NIK and write "
            "the name exactly as on your KTP. If you think this is wrong, ask your village "
            "office or the PKH facilitator, or type /bantuan for the office's contacts."
        )).format(nik=masked)
    when = show_time(t, result.retry_at, now, tz)  # type: ignore[arg-type]
    if result.outcome == LookupOutcome.LIMIT_NIK:
        return t(N_("There have been too many unsuccessful checks for this NIK, so it is "
                    "locked for a while to protect it. Please try again after {time}.")
                 ).format(time=when)
    if result.outcome == LookupOutcome.LIMIT_GLOBAL:
        return t(N_("Many people are checking right now. Please try again after {time}.")
                 ).format(time=when)
    return t(N_("You have reached the limit of status checks for now. Please try again after "
                "{time}.")).format(time=when)


def render_notification(t: Translator, note: Notification, phone: str = "") -> Outgoing:
    if note.old_status is None:
        head = t(N_("There is a new assistance record for the NIK you asked us to watch:"))
    else:
        head = t(N_("The status of your assistance has changed:"))
    lines = [head, ""]
    if note.nik_masked:
        lines.append(t(N_("NIK: {nik}")).format(nik=note.nik_masked))
    lines += [t(N_("Program: {program}")).format(program=note.program),
              t(N_("Period: {period}")).format(period=show_period(t, note.periode))]
    if note.old_status is not None:
        lines.append(t(N_("Before: {status}")).format(status=status_words(t, note.old_status)))
    lines.append(t(N_("Now: {status}")).format(status=status_words(t, note.new_status)))
    lines += _details(t, note.tanggal, note.lembaga_penyalur, note.keterangan, note.new_status,
                      phone)
    return Outgoing("\n".join(lines),
                    buttons=[[(t(N_("Show my records")), f"{PREFIX}:show:{note.id}")],
                             [(t(N_("Stop these notifications")), UNWATCH)]])


def render_summary(t: Translator, summary: Summary) -> str:
    lines = [t(N_("Import finished.")),
             t(N_("Inserted: {n}")).format(n=summary.inserted),
             t(N_("Updated: {n}")).format(n=summary.updated),
             t(N_("Unchanged: {n}")).format(n=summary.unchanged),
             t(N_("Rejected: {n}")).format(n=summary.rejected)]
    if summary.notifications:
        lines.append(t(N_("Notifications queued: {n}")).format(n=summary.notifications))
    if summary.resumed_from_line:
        lines.append(t(N_("(continued an interrupted import after line {line})")).format(
            line=summary.resumed_from_line))
    return "\n".join(lines)


def retry_keyboard(t: Translator):
    return keyboard([[(t(N_("Type the name again")), RETRY_NAME)],
                     [(t(N_("Change the NIK")), RETRY_NIK)],
                     [(t(N_("Ask an officer")), "tiket:baru"), (t(N_("Stop")), RETRY_STOP)]])


SHOW_REJECTS = 5   # rejected rows listed in the chat; the report file has them all


def render_rejects(t: Translator, summary: Summary, limit: int = SHOW_REJECTS) -> str:
    """The first rejected rows, for the chat: line, reason and the masked NIK."""
    lines = [t(N_("The first rejected rows:")) if summary.rejected > limit
             else t(N_("Rejected rows:"))]
    for line, code, masked in summary.rejects[:limit]:
        item = t(N_("line {line}: {reason}")).format(line=line,
                                                     reason=t(REASONS.get(code, code)))
        lines.append(f"• {item}" + (f" ({masked})" if masked else ""))
    if summary.rejected > limit:
        lines.append(t(N_("All {n} are in the report file below.")).format(n=summary.rejected))
    return "\n".join(lines)


def render_report(summary: Summary, t: Translator) -> str:
    """The rejected rows as CSV text: line, reason (in the reader's language), masked NIK."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([t(N_("line")), t(N_("reason")), t(N_("NIK (masked)"))])
    for line, code, masked in summary.rejects:
        w.writerow([line, t(REASONS.get(code, code)), masked])
    return out.getvalue()
