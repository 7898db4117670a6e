"""SKM: the satisfaction survey as a conversation (/survei, the menu, a deep link from a unit's
QR code), and the staff's /ikm report with its chart and spreadsheet.

Every survey button carries the draft id and the step it answers, and the service checks both,
so a double tap or a button of an old survey is refused politely and changes nothing. The draft
is written to SQLite at every step: after a restart or a crash the next tap (or /survei)
continues at the same question.
"""

from __future__ import annotations

import asyncio
import html
import logging
import warnings

from babel.dates import format_date
from babel.numbers import format_decimal
from telegram import Update
from telegram.error import TelegramError
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
from bot.services import ikm, skm_files
from bot.services.skm import (
    FIRST_YEAR,
    LAST_YEAR,
    LOOKS_LIKE_PERIOD,
    MAX_SUGGESTION,
    SKIP,
    STEP_SERVICE,
    STEP_SUGGESTION,
    STEP_UNIT,
    Outcome,
    Period,
    Report,
    StepResult,
    SurveyService,
)
from bot.services.staff import PermissionDenied
from bot.storage.skm import DraftRow
from handlers.common import (
    answer_query,
    conversation_fallbacks,
    keyboard,
    reply,
    send_menu,
    staff_or_unknown,
)

log = logging.getLogger(__name__)

EXTRA_KEY = "skm"
CONVERSATION = "skm_survey"
# Conversation states: what a typed message means. The step itself lives in the draft.
CHOOSING_UNIT, ANSWERING, WRITING_SUGGESTION = "skm_unit", "skm_answer", "skm_suggestion"

# Callback data (<= 64 bytes): skm:a:<draft>:<step>:<value>, skm:b:<draft>:<step>,
# skm:p:<draft>:<page>.
PREFIX = "skm"
ANSWER_RX = r"^skm:a:(\d{1,12}):([A-Za-z0-9]{1,10}):([A-Za-z0-9<>+_.-]{1,20})$"
BACK_RX = r"^skm:b:(\d{1,12}):([A-Za-z0-9]{1,10})$"
PAGE_RX = r"^skm:p:(\d{1,12}):(\d{1,3})$"
ANY_RX = r"^skm:"
DEEP_LINK = "skm_"
DEEP_LINK_RX = r"^/start(@\w+)? skm_"
PAGE_SIZE = 8
CHECK = "✓ "
MENU = MenuEntry("skm", N_("Rate our service (survey)"), order=40)


def answer_data(draft_id: int, step: str, value: str) -> str:
    return f"{PREFIX}:a:{draft_id}:{step}:{value}"


def back_data(draft_id: int, step: str) -> str:
    return f"{PREFIX}:b:{draft_id}:{step}"


def page_data(draft_id: int, page: int) -> str:
    return f"{PREFIX}:p:{draft_id}:{page}"


def survey(context: BotContext) -> SurveyService:
    return context.runtime.extras[EXTRA_KEY]  # type: ignore[return-value]


def state_for(step: str) -> str:
    if step == STEP_UNIT:
        return CHOOSING_UNIT
    if step == STEP_SUGGESTION:
        return WRITING_SUGGESTION
    return ANSWERING


# -- rendering ------------------------------------------------------------------------------------
def period_label(period: Period, locale: str) -> str:
    first, last = period.first_day, period.last_day
    if period.kind == "month":
        return format_date(first, "MMMM y", locale=locale)
    start = format_date(first, "MMMM", locale=locale)
    return f"{start}–{format_date(last, 'MMMM y', locale=locale)}"


def long_date(day, locale: str) -> str:
    return format_date(day, "d MMMM y", locale=locale)


def number(value, locale: str, places: int = 2) -> str:
    return format_decimal(value, "#,##0." + "0" * places, locale=locale)


def _mark(label: str, chosen: bool) -> str:
    return CHECK + label if chosen else label


def render_step(t: Translator, svc: SurveyService, draft: DraftRow, page: int = 0,
                found: list | None = None, intro: str | None = None):
    """The text and buttons of the draft's current step, in the user's language."""
    loc = t.locale
    content = svc.content
    step, data, did = draft.step, draft.data, draft.id
    rows: list[list[tuple[str, str]]] = []
    parts = [intro] if intro else []
    if step == STEP_UNIT:
        units = content.units
        if found is not None:
            parts.append(t(N_("These units match what you typed. Choose one, or show the whole "
                              "list:")))
            rows = [[(_mark(u.short, data.get(STEP_UNIT) == u.code),
                      answer_data(did, STEP_UNIT, u.code))] for u in found]
            rows.append([(t(N_("Show all units")), page_data(did, 0))])
        else:
            pages = max(1, -(-len(units) // PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            parts.append(t(N_("Which service unit did you visit? Choose it below, or type its "
                              "name or town.")))
            parts.append(t(N_("Page {page} of {pages}")).format(page=page + 1, pages=pages))
            chunk = units[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
            rows = [[(_mark(u.short, data.get(STEP_UNIT) == u.code),
                      answer_data(did, STEP_UNIT, u.code))] for u in chunk]
            nav = []
            if page > 0:
                nav.append((t(N_("‹ Previous")), page_data(did, page - 1)))
            if page < pages - 1:
                nav.append((t(N_("Next ›")), page_data(did, page + 1)))
            if nav:
                rows.append(nav)
        return "\n\n".join(parts), keyboard(rows)

    unit = content.unit(data.get(STEP_UNIT, ""))
    unit_name = unit.name if unit else ""
    if step == STEP_SERVICE:
        parts.append(t(N_("Unit: {unit}")).format(unit=unit_name))
        parts.append(t(N_("Which service did you receive there?")))
        rows = [[(_mark(s.label.get(loc), data.get(step) == s.code),
                  answer_data(did, step, s.code))] for s in content.skm.services]
    elif step in ikm.UNSUR_CODES:
        u = content.skm.unsur_by_code(step)
        n = ikm.UNSUR_CODES.index(step) + 1
        parts.append(t(N_("Question {n} of {total}: {name}")).format(
            n=n, total=len(ikm.UNSUR_CODES), name=u.name.get(loc)))
        parts.append(u.question.get(loc))
        rows = [[(_mark(label.get(loc), data.get(step) == score),
                  answer_data(did, step, str(score)))]
                for score, label in enumerate(u.answers, 1)]
    elif step == STEP_SUGGESTION:
        parts.append(t(N_("Last step: do you have a criticism or a suggestion for {unit}? Type it "
                          "in one message, or press the button if you have none.")).format(
            unit=unit_name))
        rows = [[(t(N_("No suggestion, finish")), answer_data(did, step, SKIP))]]
    else:
        f = content.skm.field(step)
        n = svc.fields.index(step) + 1
        head = t(N_("About you ({n} of {total})")).format(n=n, total=len(svc.fields))
        if n == 1:
            head += "\n" + t(N_("These details are used only for statistics, never with your "
                                "name."))
        parts.append(head)
        parts.append(f.question.get(loc))
        buttons = [(_mark(o.label.get(loc), data.get(step) == o.code),
                    answer_data(did, step, o.code)) for o in f.options]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(t(N_("‹ Back")), back_data(did, step))])
    return "\n\n".join(parts), keyboard(rows)


def render_thanks(t: Translator, svc: SurveyService, result: StepResult) -> str:
    loc = t.locale
    office = svc.content.office
    return "\n\n".join([
        t(N_("Thank you! Your answers about {unit} have been recorded.")).format(
            unit=result.unit.name),
        t(N_("What happens next: the answers of all respondents are combined, without names, "
             "into the unit's satisfaction index (IKM) for {period}. The office reviews it every "
             "quarter and uses the suggestions to improve the service. You can rate this unit "
             "again from {date}.")).format(period=period_label(result.period, loc),
                                           date=long_date(result.period.next().first_day, loc)),
        t(N_("If you need an answer to a complaint, please contact the office: {complaints}"))
        .format(complaints=office.complaints.get(loc)),
    ])


def render_repeat(t: Translator, result: StepResult) -> str:
    loc = t.locale
    return t(N_("You have already filled in the survey for {unit} in this period ({period}). "
                "Thank you! Each person can rate a unit once per quarter; you can rate it again "
                "from {date}.")).format(unit=result.unit.name,
                                        period=period_label(result.period, loc),
                                        date=long_date(result.period.next().first_day, loc))


# -- sending --------------------------------------------------------------------------------------
async def show(update: Update, context: BotContext, text: str, markup=None,
               edit: bool = True) -> None:
    """Edit the pressed message in place (the survey stays one tidy message); send otherwise."""
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except TelegramError:  # too old to edit, or unchanged: a new message will do
            pass
    await reply(update, context, text, markup)


async def show_step(update: Update, context: BotContext, draft: DraftRow, *, page: int = 0,
                    found: list | None = None, intro: str | None = None,
                    edit: bool = True) -> str:
    text, markup = render_step(context.t, survey(context), draft, page, found, intro)
    await show(update, context, text, markup, edit=edit)
    return state_for(draft.step)


async def after(update: Update, context: BotContext, result: StepResult,
                edit: bool = True) -> str | int | None:
    """What the person sees after a step, and the conversation's next state."""
    t = context.t
    if result.outcome == Outcome.STALE:
        await answer_query(update, t(N_(
            "This survey is already finished or was cancelled. Type /survei to start a new one.")))
        return None
    if result.outcome == Outcome.ALREADY:
        await answer_query(update, t(N_("You have already answered this question.")))
        return None
    if result.outcome == Outcome.INVALID:
        await answer_query(update, t(N_("Please choose one of the buttons.")))
        return None
    await answer_query(update)
    if result.outcome == Outcome.REPEAT:
        await show(update, context, render_repeat(t, result), edit=edit)
        return ConversationHandler.END
    if result.outcome == Outcome.SUBMITTED:
        await show(update, context, render_thanks(t, survey(context), result), edit=edit)
        return ConversationHandler.END
    return await show_step(update, context, result.draft, edit=edit)


def intro_text(t: Translator) -> str:
    return t(N_("Thank you for taking the satisfaction survey (SKM). It has nine short questions "
                "about the service you received and takes about two minutes. Staff see your "
                "answers without your name. Press ‹ Back to correct an answer, or type /batal to "
                "stop."))


def resume_text(t: Translator) -> str:
    return t(N_("Welcome back: let us continue your survey where you left off."))


# -- the conversation --------------------------------------------------------------------------
async def cmd_survey(update: Update, context: BotContext) -> str | int | None:
    """/survei or the menu button: start, or continue an unfinished survey."""
    await answer_query(update)
    result = await survey(context).begin(update.effective_user.id)
    intro = resume_text(context.t) if result.resumed else intro_text(context.t)
    return await show_step(update, context, result.draft, intro=intro, edit=False)


async def on_deep_link(update: Update, context: BotContext) -> str | int | None:
    """/start skm_<unit>: a unit's QR code; the unit is chosen already."""
    payload = context.args[0] if context.args else ""
    code = payload[len(DEEP_LINK):]
    svc = survey(context)
    if not (1 <= len(code) <= 16) or svc.content.unit(code) is None:
        result = await svc.begin(update.effective_user.id)
        intro = context._(N_("That link is for a unit I do not know. Please choose the unit "
                             "from the list."))
        return await show_step(update, context, result.draft, intro=intro, edit=False)
    result = await svc.begin(update.effective_user.id, code)
    if result.outcome == Outcome.ACCEPTED:
        intro = resume_text(context.t) if result.resumed else intro_text(context.t)
        return await show_step(update, context, result.draft, intro=intro, edit=False)
    return await after(update, context, result, edit=False)


async def on_answer(update: Update, context: BotContext) -> str | int | None:
    draft_id, step, value = context.match.groups()
    result = await survey(context).answer(update.effective_user.id, int(draft_id), step, value,
                                          context.locale)
    return await after(update, context, result)


async def on_back(update: Update, context: BotContext) -> str | int | None:
    draft_id, step = context.match.groups()
    result = await survey(context).back(update.effective_user.id, int(draft_id), step)
    return await after(update, context, result)


async def on_page(update: Update, context: BotContext) -> str | int | None:
    draft_id, page = int(context.match.group(1)), int(context.match.group(2))
    draft = await survey(context).current(update.effective_user.id)
    if draft is None or draft.id != draft_id:
        return await after(update, context, StepResult(Outcome.STALE))
    if draft.step != STEP_UNIT:
        return await after(update, context, StepResult(Outcome.ALREADY))
    await answer_query(update)
    return await show_step(update, context, draft, page=page)


async def on_bad_button(update: Update, context: BotContext) -> None:
    await after(update, context, StepResult(Outcome.STALE))


async def _open_draft(update: Update, context: BotContext) -> DraftRow | None:
    draft = await survey(context).current(update.effective_user.id)
    if draft is None:
        await reply(update, context, context._(N_(
            "Your survey has ended. Type /survei to start again.")))
    return draft


async def on_text(update: Update, context: BotContext) -> str | int | None:
    """A typed message in the survey: a unit's name, a suggestion, or a nudge to the buttons."""
    svc = survey(context)
    draft = await svc.current(update.effective_user.id)
    if draft is None:
        await reply(update, context, context._(N_(
            "Your survey has ended. Type /survei to start again.")))
        return ConversationHandler.END
    text = update.message.text
    if draft.step == STEP_UNIT:
        found = svc.search_units(text)
        if not found:
            intro = context._(N_("I found no unit with that name. Please choose from the list, "
                                 "or type another name or town."))
            return await show_step(update, context, draft, intro=intro, edit=False)
        return await show_step(update, context, draft, found=found, edit=False)
    if draft.step != STEP_SUGGESTION:
        intro = context._(N_("Please answer with the buttons below."))
        return await show_step(update, context, draft, intro=intro, edit=False)
    result = await svc.finish(update.effective_user.id, draft.id, text, context.locale)
    if result.outcome == Outcome.INVALID:
        await reply(update, context, context._(N_(
            "Your suggestion is too long ({count} characters). Please shorten it to at most "
            "{limit} characters and send it again.")).format(count=len(text.strip()),
                                                            limit=MAX_SUGGESTION))
        return WRITING_SUGGESTION
    return await after(update, context, result, edit=False)


async def on_cancel(update: Update, context: BotContext) -> int:
    """/batal: the survey stops and nothing of it is kept."""
    await survey(context).cancel(update.effective_user.id)
    await answer_query(update)
    await send_menu(update, context, context._(N_("Cancelled. Nothing was saved.")))
    return ConversationHandler.END


# -- staff: /ikm ----------------------------------------------------------------------------------
def render_report(t: Translator, report: Report) -> list[str]:
    """The report as HTML messages (each under Telegram's limit); every text from a person or
    from content is escaped."""
    loc = t.locale
    e = html.escape
    heading = t(N_("Satisfaction index (IKM)"))
    lines = [f"<b>{e(heading)}</b>",
             e(t(N_("Period: {period} ({label})")).format(
                 period=report.period.code, label=period_label(report.period, loc))), ""]

    def block(u, title: str) -> list[str]:
        r = u.result
        out = [f"<b>{e(title)}</b>"]
        out.append(e(t.ngettext("{n} respondent", "{n} respondents", u.respondents)
                     .format(n=u.respondents)))
        if r is not None:
            out.append(e(t(N_("IKM {ikm}: mutu {mutu} ({kinerja})")).format(
                ikm=number(r.ikm, loc), mutu=r.grade.mutu, kinerja=r.grade.kinerja)))
            out.append("NRR: " + " · ".join(
                f"{c} {number(ikm.round2(r.nrr[c]), loc)}" for c in ikm.UNSUR_CODES))
        if u.min_sample is not None:
            out.append(e(t(N_("Minimum sample (Krejcie-Morgan): {sample} of a population of "
                              "{population}")).format(sample=u.min_sample,
                                                      population=u.population)))
        if u.repeats:
            out.append(e(t(N_("Rejected repeat attempts: {n}")).format(n=u.repeats)))
        return out

    chunks: list[list[str]] = [lines]
    if report.unit is not None:
        chunks[0] += block(report.main, f"{report.unit.short} ({report.unit.code})")
    else:
        chunks[0] += block(report.overall, t(N_("All units")))
        for u in report.units:
            chunks.append(["", *block(u, f"{u.short} ({u.code})")])
    if report.silent_units:
        chunks.append(["", e(t(N_("Units without responses in this period: {n}")).format(
            n=len(report.silent_units)))])
    if report.suggestions:
        latest = t(N_("Latest suggestions"))
        tail = ["", f"<b>{e(latest)}</b>"]
        for code, day, text in report.suggestions:
            short = text if len(text) <= 300 else text[:300] + "…"
            tail.append(f"• {e(code)}, {e(day)}: “{e(short)}”")
        chunks.append(tail)
    messages, current = [], ""
    for chunk in chunks:
        piece = "\n".join(chunk)
        if current and len(current) + len(piece) + 1 > 3900:
            messages.append(current)
            current = piece.lstrip("\n")
        else:
            current = f"{current}\n{piece}" if current else piece
    if current:
        messages.append(current)
    return messages


async def cmd_ikm(update: Update, context: BotContext) -> None:
    """/ikm [UNIT] [PERIOD]: the report, the NRR chart and the spreadsheet, for staff."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    svc = survey(context)
    period, unit = None, None
    for arg in context.args or []:
        try:
            period = Period.parse(arg)
        except ValueError:
            if LOOKS_LIKE_PERIOD.match(arg):
                await reply(update, context, context._(N_(
                    "{text} is not a period I can report on: use a quarter like 2026-Q4 or a "
                    "month like 2026-11 (years {first} to {last}).")).format(
                    text=arg[:20], first=FIRST_YEAR, last=LAST_YEAR))
                return
            unit = arg
    if unit is not None and svc.content.unit(unit) is None:
        await reply(update, context, context._(N_(
            "I do not know the unit {code}. Use a unit code from content/units.yaml, e.g. "
            "{example}.")).format(code=unit[:20], example=svc.content.units[0].code))
        return
    try:
        report = await svc.report_for(update.effective_user.id, period, unit)
    except PermissionDenied:
        return
    for text in render_report(context.t, report):
        await reply(update, context, text, parse_mode="HTML")
    chat_id = update.effective_chat.id
    result = report.main.result
    if result is None:
        await reply(update, context, context._(N_(
            "There are no responses in this period yet, so there is no chart or spreadsheet.")))
        return
    who = report.unit.short if report.unit else context._(N_("All units"))
    title = f"IKM {report.period.code} · {who}: {result.ikm} ({result.grade.mutu})"
    names = {u.code: u.name.id for u in svc.skm.unsur}
    png = await asyncio.to_thread(skm_files.chart_png, title,
                                  {c: float(v) for c, v in result.nrr.items()}, names)
    try:
        await context.bot.send_photo(chat_id, png, filename=f"ikm-{report.period.code}.png",
                                     caption=context._(N_("NRR per unsur, with the lines where "
                                                          "grades C, B and A begin.")))
    except TelegramError as exc:  # the report went out; the spreadsheet may still go
        log.warning("could not send the IKM chart: %s", type(exc).__name__)
    responses = await svc.responses(report.period, unit)
    head = skm_files.header(svc.content)
    body = skm_files.rows(svc.content, responses, svc.tz)
    data = await asyncio.to_thread(skm_files.xlsx_bytes, head, body,
                                   skm_files.summary_rows(report), f"SKM {report.period.code}")
    suffix = f"-{unit.upper()}" if unit else ""
    try:
        await context.bot.send_document(
            chat_id, data, filename=f"skm-{report.period.code}{suffix}.xlsx",
            caption=context.ngettext("{n} response, one row each", "{n} responses, one row each",
                                     len(body)).format(n=len(body)))
    except TelegramError as exc:
        log.warning("could not send the SKM spreadsheet: %s", type(exc).__name__)
        await reply(update, context, context._(N_(
            "The spreadsheet could not be sent here. Staff can write it on the server with: "
            "dinsos-bot skm export --period {period} --format xlsx --out FILE")).format(
            period=report.period.code))


# -- wiring ---------------------------------------------------------------------------------------
async def _start(app: BotApplication) -> None:
    runtime = app.runtime
    runtime.extras[EXTRA_KEY] = SurveyService(runtime.store, runtime.content, runtime.clock,
                                              runtime.settings.tz, runtime.staff)


def build_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    with warnings.catch_warnings():
        # per_message=False with button handlers is intended: the key is the user's chat, and
        # each button names its draft and step, which the service checks.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("survei", cmd_survey),
                CommandHandler("start", on_deep_link, filters=filters.Regex(DEEP_LINK_RX)),
                CallbackQueryHandler(cmd_survey, pattern=MENU.pattern),
                CallbackQueryHandler(on_answer, pattern=ANSWER_RX),
                CallbackQueryHandler(on_back, pattern=BACK_RX),
                CallbackQueryHandler(on_page, pattern=PAGE_RX),
                CallbackQueryHandler(on_bad_button, pattern=ANY_RX),
            ],
            states={
                CHOOSING_UNIT: [MessageHandler(text, on_text)],
                ANSWERING: [MessageHandler(text, on_text)],
                WRITING_SUGGESTION: [MessageHandler(text, on_text)],
            },
            fallbacks=[CommandHandler("batal", on_cancel), *conversation_fallbacks()],
            allow_reentry=True,
            persistent=True,
            name=CONVERSATION,
        )


def register(app: BotApplication) -> None:
    runtime = app.runtime
    runtime.menu.add(MENU)
    runtime.commands.add(CommandSpec("survei", N_("rate a service of the office (survey)"),
                                     order=40))
    runtime.commands.add(CommandSpec("ikm", N_("staff: satisfaction index (IKM) and spreadsheet"),
                                     order=80, staff_only=True))
    runtime.start_hooks.append(_start)
    app.add_handler(build_conversation())
    app.add_handler(CommandHandler("ikm", cmd_ikm))
