"""Texts and buttons of tickets, built from the reader's translator."""

from __future__ import annotations

import datetime as dt

from bot.core.clock import parse_iso
from bot.core.datetimes import format_near
from bot.core.i18n import LANGUAGE_NAMES, N_, Translator
from bot.core.paging import Page, page_caption, pager_row
from bot.delivery.sender import Outgoing
from bot.features.tickets.hours import WorkingHours
from bot.features.tickets.learning import ASPECTS, REQUESTS
from bot.features.tickets.model import InboxItem, Thread
from bot.features.tickets.repo import QuestionGroup, Ticket, TicketMessage
from bot.features.tickets.service import MAX_ADDITIONS, MAX_OPEN, MAX_PER_DAY, MAX_TEXT

Rows = list[list[tuple[str, str]]]

PREFIX = "tiket"                 # residents' buttons
NEW = f"{PREFIX}:baru"           # the entry point others link to ("Ask an officer")
STAFF = "kotak"                  # the staff inbox's buttons
INBOX_PAGER = f"{STAFF}:list"    # kotak:list:p:<n> (bot.core.paging)
LEARN = "ajar"                   # teaching the matcher: ajar:<t|q><id>[:<target>[:<aspect>]]
CAPTION_LIMIT = 1024

ASK_LABEL = N_("Ask an officer")

ERRORS = {
    "empty": N_("Please write your question as text (a photo with a caption is fine too), or "
                "/batal to stop."),
    "too_long": N_("Your message is too long: please keep it under {limit} characters, or "
                   "send it in several shorter messages."),
    "too_many_open": N_("You already have {limit} questions waiting for an officer. Please "
                        "wait for their answers before you ask another one."),
    "daily_limit": N_("You have sent {limit} questions to our officers today. Please try "
                      "again tomorrow."),
    "too_many_additions": N_("This question already has many messages. Please wait for the "
                             "officer's answer."),
    "closed": N_("Question #{id} is already closed. To ask something new, tap \"Ask an "
                 "officer\"."),
    "missing": N_("This button is no longer active. Please open /menu again."),
}
STAFF_ERRORS = {
    "missing": N_("There is no such question."),
    "closed": N_("Question #{id} is already closed. Nothing was sent."),
    "changed": N_("Question #{id} was answered or handed over by another officer meanwhile, "
                  "so your reply was NOT sent. Open it again to see the latest."),
    "not_staff": N_("That person is not on the staff list."),
    "bad_target": N_("This button is no longer active. Please open /menu again."),
    "empty": N_("Please write your reply as text, or /batal to stop."),
    "too_long": N_("Your reply is too long: please keep it under {limit} characters."),
    "region": N_("Question #{id} is from another kab/kota, so it is not for you. Nothing was "
                 "changed."),
}
REQUEST_NAMES = {
    "officer": N_("talk to an officer"),
    "status": N_("check assistance status"),
    "volunteer": N_("volunteers"),
    "survey": N_("rate a service (survey)"),
}
ASPECT_NAMES = {
    "eligibility": N_("Who qualifies"),
    "benefit": N_("What it gives"),
    "schedule": N_("When it is paid"),
    "apply": N_("How to apply"),
    "documents": N_("Documents"),
    "contact": N_("Contact"),
}
STATUS_NAMES = {
    "open": N_("waiting for an answer"),
    "answered": N_("answered"),
    "closed": N_("closed"),
}
assert set(ASPECT_NAMES) == set(ASPECTS) and set(REQUEST_NAMES) == set(REQUESTS)


def error(t: Translator, code: str, ticket_id: int | None = None) -> str:
    return t(ERRORS.get(code, ERRORS["missing"])).format(
        limit={"too_long": MAX_TEXT, "too_many_open": MAX_OPEN,
               "daily_limit": MAX_PER_DAY}.get(code, MAX_ADDITIONS), id=ticket_id or "")


def staff_error(t: Translator, code: str, ticket_id: int | None = None) -> str:
    return t(STAFF_ERRORS.get(code, STAFF_ERRORS["missing"])).format(
        limit=MAX_TEXT, id=ticket_id or "")


# -- time ---------------------------------------------------------------------------------------
def local_time(t: Translator, moment: dt.datetime, now: dt.datetime, tz: dt.tzinfo) -> str:
    """'09.15 WIB' today, 'Sen, 2 Nov 2026 09.15 WIB' another day (the one style)."""
    return format_near(moment, now, t.locale, tz)


def age(t: Translator, delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return t(N_("{n} min")).format(n=minutes)
    if minutes < 48 * 60:
        return t(N_("{n} h")).format(n=minutes // 60)
    return t(N_("{n} days")).format(n=minutes // (24 * 60))


def hours_text(t: Translator, office) -> str:
    text = office.hours_text.get(t.locale) if office.hours_text else None
    return text or t(N_("office hours"))


def expectation(t: Translator, office, hours: WorkingHours, now: dt.datetime) -> str:
    """When an officer will read it, honestly: now, or from the next opening."""
    line = t(N_("Officers answer during working hours: {hours}.")).format(
        hours=hours_text(t, office))
    if not hours.spans:
        return line
    if hours.is_open(now):
        return line + " " + t(N_("The office is open now, so an answer usually comes today."))
    opens = hours.next_open(now)
    if opens is None:
        return line
    return line + " " + t(N_("The office is closed now; officers will read it from {when}.")
                          ).format(when=local_time(t, opens, now, hours.tz))


# -- residents ------------------------------------------------------------------------------------
def ask_prompt(t: Translator, office, hours: WorkingHours, now: dt.datetime,
               adding: int | None = None) -> str:
    if adding is not None:
        head = t(N_("Write what you want to add to question #{id}. /batal cancels.")).format(
            id=adding)
    else:
        head = t(N_("Write your question for an officer in one message; a photo with a "
                    "caption is fine too. /batal cancels."))
    return "\n\n".join([
        head, expectation(t, office, hours, now),
        t(N_("Please do not send your NIK or other personal numbers here."))])


def confirmation(t: Translator, ticket_id: int, masked: bool, office, hours: WorkingHours,
                 now: dt.datetime) -> str:
    lines = [t(N_("Thank you. Your question has been passed to the officers as number #{id}."))
             .format(id=ticket_id),
             expectation(t, office, hours, now),
             t(N_("The answer will arrive here in this chat. To add something, reply to this "
                  "message."))]
    if masked:
        lines.append(t(N_("We hid a 16-digit number in your message: please do not send your "
                          "NIK here.")))
    return "\n\n".join(lines)


def added(t: Translator, ticket_id: int, masked: bool) -> str:
    text = t(N_("Added to question #{id}. The officers will see it.")).format(id=ticket_id)
    if masked:
        text += "\n\n" + t(N_("We hid a 16-digit number in your message: please do not send "
                              "your NIK here."))
    return text


def answer_buttons(t: Translator, ticket_id: int) -> Rows:
    return [[(t(N_("Answered, close it")), f"{PREFIX}:tutup:{ticket_id}"),
             (t(N_("Add to my question")), f"{PREFIX}:tambah:{ticket_id}")]]


def rating_buttons(t: Translator, ticket_id: int) -> Rows:
    return [[(t(N_("It helped")), f"{PREFIX}:nilai:{ticket_id}:y"),
             (t(N_("It did not help")), f"{PREFIX}:nilai:{ticket_id}:n")]]


def answer_message(t: Translator, ticket_id: int, text: str) -> Outgoing:
    body = "\n\n".join([
        t(N_("Answer from an officer to your question #{id}:")).format(id=ticket_id),
        text,
        t(N_("To add something, reply to this message. If your question is answered, tap "
             "\"Answered, close it\"."))])
    return Outgoing(body, buttons=answer_buttons(t, ticket_id))


def closed_message(t: Translator, ticket_id: int) -> Outgoing:
    return Outgoing(t(N_("An officer has closed your question #{id}. Did the answer help "
                         "you?")).format(id=ticket_id), buttons=rating_buttons(t, ticket_id))


def closed_by_you(t: Translator, ticket_id: int) -> str:
    return t(N_("Question #{id} is closed. Thank you! Did the answer help you?")).format(
        id=ticket_id)


def rated(t: Translator) -> str:
    return t(N_("Thank you for your rating. It helps us serve you better."))


# -- staff ----------------------------------------------------------------------------------------
def _who(t: Translator, ticket: Ticket, content) -> str:
    bits = [LANGUAGE_NAMES.get(ticket.language, ticket.language)]
    region = content.region(ticket.region_code) if ticket.region_code else None
    if region is not None:
        bits.append(t(N_("volunteer in {region}")).format(region=region.label()))
    return " · ".join(bits)


def open_button(t: Translator, ticket_id: int) -> Rows:
    return [[(t(N_("Open #{id}")).format(id=ticket_id), f"{STAFF}:buka:{ticket_id}")]]


def staff_notice(t: Translator, kind: str, ticket: Ticket, message: TicketMessage | None,
                 content, waited: str | None = None) -> Outgoing:
    """What an officer gets: a new question, an addition, a reminder, a hand-over."""
    if kind == "new":
        head = t(N_("New question #{id} ({who}):")).format(id=ticket.id,
                                                           who=_who(t, ticket, content))
    elif kind == "added":
        head = t(N_("The resident added to question #{id}:")).format(id=ticket.id)
    elif kind == "reminder":
        head = t(N_("Question #{id} has waited {age} of working hours without an answer.")
                 ).format(id=ticket.id, age=waited or "")
    else:
        head = t(N_("Question #{id} was handed over to you.")).format(id=ticket.id)
    parts = [head]
    if message is not None and message.text and kind in ("new", "added"):
        parts.append(message.text)
    parts.append(t(N_("Open it with the button below, or type /kotak for all waiting "
                      "questions.")))
    text = "\n\n".join(parts)
    photo = message.photo if message is not None and kind in ("new", "added") else None
    if photo is not None and len(text) > CAPTION_LIMIT:
        text = text[:CAPTION_LIMIT - 1] + "…"
    return Outgoing(text, buttons=open_button(t, ticket.id), photo=photo)


def inbox(t: Translator, items: list[InboxItem], total: int,
          p: Page | None = None) -> tuple[str, Rows]:
    if not items:
        return t(N_("No question is waiting for an answer.")), []
    lines = [t(N_("Questions waiting for an answer: {n}. Overdue ones first, then the oldest."))
             .format(n=total)]
    caption = page_caption(t, p) if p is not None else ""
    if caption:
        lines.append(caption)
    lines.append("")
    rows: Rows = []
    for item in items:
        tk = item.ticket
        mark = "⏰ " if item.overdue else ""
        preview = (item.first.text if item.first else "")[:80] or t(N_("(photo)"))
        lines.append(f"{mark}#{tk.id} · {age(t, item.waiting)} · "
                     f"{LANGUAGE_NAMES.get(tk.language, tk.language)}")
        lines.append(f"   {preview}")
        rows.append([(f"{mark}#{tk.id} · {age(t, item.waiting)}", f"{STAFF}:buka:{tk.id}")])
    pager = pager_row(t, INBOX_PAGER, p) if p is not None else []
    if pager:
        rows.append(pager)
    return "\n".join(lines), rows


def thread(t: Translator, th: Thread, content, now: dt.datetime,
           tz: dt.tzinfo) -> tuple[str, Rows]:
    tk = th.ticket
    lines = [t(N_("Question #{id} · {who}")).format(id=tk.id, who=_who(t, tk, content)),
             t(N_("Status: {status}")).format(status=t(STATUS_NAMES[tk.status]))]
    if tk.assigned_to:
        lines.append(t(N_("Handed over to: {id}")).format(id=tk.assigned_to))
    lines.append("")
    for m in th.messages:
        when = local_time(t, parse_iso(m.created_at), now, tz)
        if m.author == "resident":
            who = t(N_("Resident"))
        elif m.author_id is None:
            who = t(N_("Officer (command line)"))
        else:
            who = t(N_("Officer {id}")).format(id=m.author_id)
        text = m.text or ""
        if m.photo:
            text = (t(N_("(photo)")) + " " + text).strip()
        lines.append(f"{who} · {when}\n{text}")
        lines.append("")
    body = "\n".join(lines).strip()
    if len(body) > 4000:
        body = "…" + body[-3990:]
    rows: Rows = []
    if tk.status != "closed":
        rows.append([(t(N_("Reply")), f"{STAFF}:balas:{tk.id}"),
                     (t(N_("Close")), f"{STAFF}:tutup:{tk.id}")])
        rows.append([(t(N_("Hand over")), f"{STAFF}:alih:{tk.id}")])
    rows.append([(t(N_("Back to the inbox")), f"{STAFF}:list")])
    return body, rows


def reply_prompt(t: Translator, ticket_id: int) -> str:
    return t(N_("Write your answer to question #{id}. The resident gets it exactly as you "
                "write it, marked as from an officer. /batal cancels.")).format(id=ticket_id)


def reply_recorded(t: Translator, ticket_id: int) -> str:
    return t(N_("Your answer to question #{id} was sent to the resident.")).format(id=ticket_id)


def reply_queued(t: Translator, ticket_id: int) -> str:
    return t(N_("Your answer to question #{id} is saved and will be sent to the resident "
                "shortly.")).format(id=ticket_id)


def colleagues(t: Translator, ticket_id: int, ids: list[int]) -> tuple[str, Rows]:
    if not ids:
        return t(N_("There is no other officer to hand it over to.")), []
    rows = [[(str(uid), f"{STAFF}:ke:{ticket_id}:{uid}")] for uid in ids[:20]]
    return t(N_("Hand question #{id} over to which officer?")).format(id=ticket_id), rows


def handed_over(t: Translator, ticket_id: int, to: int) -> str:
    return t(N_("Done: question #{id} is handed over to {to}.")).format(id=ticket_id, to=to)


# -- learning -------------------------------------------------------------------------------------
def learn_picker(t: Translator, source: str, programs, intro: str) -> tuple[str, Rows]:
    """Buttons: every program, the requests, and "none of these"."""
    buttons = [(p.name.short, f"{LEARN}:{source}:{p.key}") for p in programs]
    rows: Rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    reqs = [(t(REQUEST_NAMES[r]), f"{LEARN}:{source}:@{r}") for r in REQUESTS]
    rows += [reqs[i:i + 2] for i in range(0, len(reqs), 2)]
    rows.append([(t(N_("None of these")), f"{LEARN}:{source}:-")])
    return intro, rows


def closed_staff(t: Translator, ticket_id: int) -> str:
    return t(N_("Question #{id} is closed; the resident was told. What was it about? Your "
                "choice teaches the bot to answer such questions itself.")).format(id=ticket_id)


def aspect_picker(t: Translator, source: str, program_key: str, name: str,
                  phrase: str) -> tuple[str, Rows]:
    text = t(N_("Learned: \"{phrase}\" is about {program}. Was it about one aspect?")).format(
        phrase=phrase[:200], program=name)
    buttons = [(t(ASPECT_NAMES[a]), f"{LEARN}:{source}:{program_key}:{a}") for a in ASPECTS]
    rows: Rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    rows.append([(t(N_("No, the whole program")), f"{LEARN}:{source}:-")])
    return text, rows


def learned_request(t: Translator, phrase: str, request: str) -> str:
    return t(N_("Learned: \"{phrase}\" means: {request}.")).format(
        phrase=phrase[:200], request=t(REQUEST_NAMES[request]))


def learned_aspect(t: Translator, name: str, aspect: str) -> str:
    return t(N_("Learned: {program}, {aspect}.")).format(program=name,
                                                        aspect=t(ASPECT_NAMES[aspect]))


def unanswered(t: Translator, groups: list[QuestionGroup]) -> tuple[str, Rows]:
    if not groups:
        return t(N_("In the last 7 days there was no question the bot did not understand.")), []
    lines = [t(N_("Questions the bot did not understand in the last 7 days, most frequent "
                  "first. Tap one to teach the bot what it means:")), ""]
    rows: Rows = []
    for n, g in enumerate(groups, 1):
        lines.append(f"{n}. ({g.count}×, {g.language}) {g.text[:120]}")
        rows.append([(f"{n}. {g.text[:40]}", f"{LEARN}:q{g.id}")])
    return "\n".join(lines), rows


def question_intro(t: Translator, group: QuestionGroup) -> str:
    return t(N_("\"{text}\" (asked {n}×). Which program or request is it about?")).format(
        text=group.text[:200], n=group.count)
