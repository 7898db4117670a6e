"""SKM: the satisfaction survey as a conversation (/survei, the menu, a deep link from a unit's
QR code), and the staff's /ikm report with its chart and spreadsheet.

Every survey button carries the draft id and the step it answers, and the service checks both,
so a double tap or a button of an old survey is refused politely and changes nothing. The draft
is written to SQLite at every step: after a restart or a crash the next tap (or /survei)
continues at the same question.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import TelegramError
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
from bot.core.ui import (
    add_flow,
    answer_query,
    conversation,
    conversation_fallbacks,
    conversation_starter,
    reply,
    send_menu,
    staff_or_unknown,
)
from bot.features.skm import chart, ikm, poster, workbook
from bot.features.skm import render as skm_render
from bot.features.skm.callbacks import (
    ANSWER_RX,
    ANY_RX,
    BACK_RX,
    IKM_PAGE_RX,
    IKM_POP_RX,
    IKM_POSTER_RX,
    IKM_REPORT_RX,
    IKM_UNIT_RX,
    PAGE_RX,
)
from bot.features.skm.render import period_words
from bot.features.skm.repo import DraftRow
from bot.features.skm.screens import (
    intro_text,
    period_label,
    period_picker,
    render_repeat,
    render_report,
    render_step,
    render_thanks,
    report_buttons,
    resume_text,
    unit_picker,
)
from bot.features.skm.service import (
    ASSISTED,
    FIRST_YEAR,
    LAST_YEAR,
    LOOKS_LIKE_PERIOD,
    MAX_SUGGESTION,
    STEP_NIK,
    STEP_SUGGESTION,
    STEP_UNIT,
    Outcome,
    Period,
    StepResult,
    SurveyService,
)
from bot.features.skm.trend import ranking, trend
from bot.features.staff.service import PermissionDenied

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

EXTRA_KEY = "skm"
CONVERSATION = "skm_survey"
# Conversation states: what a typed message means. The step itself lives in the draft.
CHOOSING_UNIT, ANSWERING, WRITING_SUGGESTION = "skm_unit", "skm_answer", "skm_suggestion"

DEEP_LINK = "skm_"
DEEP_LINK_RX = r"^/start(@\w+)? skm_"
MENU = MenuEntry("skm", N_("Rate our service (survey)"), order=40)


def mask_nik(text: str) -> str:
    """3578********0002, as every NIK is shown (the text was already accepted as a NIK)."""
    digits = "".join(c for c in text if c.isascii() and c.isdigit())
    return digits[:4] + "*" * 8 + digits[-4:] if len(digits) == 16 else "*" * 16


def survey(context: BotContext) -> SurveyService:
    return context.services.survey


def state_for(step: str) -> str:
    if step == STEP_UNIT:
        return CHOOSING_UNIT
    if step == STEP_SUGGESTION:
        return WRITING_SUGGESTION
    return ANSWERING


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
    if result.outcome == Outcome.SUBMITTED and result.draft.data.get(ASSISTED):
        await show(update, context, t(N_(
            "Thank you! The beneficiary's answers about {unit} have been recorded as an assisted "
            "survey in your name. For the next beneficiary, type /dampingan.")).format(
            unit=result.unit.name), edit=edit)
        return ConversationHandler.END
    if result.outcome == Outcome.SUBMITTED:
        await show(update, context, render_thanks(t, survey(context), result), edit=edit)
        return ConversationHandler.END
    assert result.draft is not None  # what is left is ACCEPTED, which carries the draft
    return await show_step(update, context, result.draft, edit=edit)


# -- the conversation --------------------------------------------------------------------------
async def cmd_survey(update: Update, context: BotContext) -> str | int | None:
    """/survei or the menu button: start, or continue an unfinished survey."""
    await answer_query(update)
    result = await survey(context).begin(update.effective_user.id)
    assert result.draft is not None  # begin() without a unit is ACCEPTED, with the draft
    intro = resume_text(context.t) if result.resumed else intro_text(context.t)
    return await show_step(update, context, result.draft, intro=intro, edit=False)


async def on_deep_link(update: Update, context: BotContext) -> str | int | None:
    """/start skm_<unit>: a unit's QR code; the unit is chosen already."""
    payload = context.args[0] if context.args else ""
    code = payload[len(DEEP_LINK):]
    svc = survey(context)
    if not (1 <= len(code) <= 16) or svc.content.unit(code) is None:
        result = await svc.begin(update.effective_user.id)
        assert result.draft is not None  # begin() without a unit is ACCEPTED, with the draft
        intro = context._(N_("That link is for a unit I do not know. Please choose the unit "
                             "from the list."))
        return await show_step(update, context, result.draft, intro=intro, edit=False)
    result = await svc.begin(update.effective_user.id, code)
    if result.outcome == Outcome.ACCEPTED:
        assert result.draft is not None  # an ACCEPTED result carries the draft
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
    assert text is not None  # registered with filters.TEXT only
    if draft.step == STEP_NIK:
        return await on_beneficiary_nik(update, context, draft)
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


async def _delete_nik_message(update: Update, context: BotContext) -> None:
    """Delete the message that carried a NIK; the Bot API may refuse (too old, a group)."""
    message = update.effective_message
    try:
        await context.bot.delete_message(message.chat_id, message.message_id)
    except TelegramError as exc:
        log.info("could not delete a NIK message: %s", type(exc).__name__)


async def on_beneficiary_nik(update: Update, context: BotContext,
                             draft: DraftRow) -> str | int | None:
    """The volunteer typed the beneficiary's NIK: deleted from the chat, kept only hashed."""
    t = context.t
    text = update.message.text or ""
    await _delete_nik_message(update, context)
    try:
        result = await survey(context).beneficiary_nik(update.effective_user.id, draft.id, text)
    except ValueError:  # not a plausible NIK (the status feature's rules)
        intro = t(N_("That is not a valid NIK: a NIK has exactly 16 digits (0-9). Please check "
                     "the KTP or KK and type it again."))
        return await show_step(update, context, draft, intro=intro, edit=False)
    except RuntimeError:
        log.error("NIK_HMAC_KEY is not set: assisted surveys are unavailable")
        await reply(update, context, t(N_(
            "Sorry, assisted surveys are not available right now. Please tell the office.")))
        return ANSWERING
    if result.outcome == Outcome.REPEAT:
        assert result.period is not None  # a REPEAT result carries its unit and period
        intro = t(N_("This beneficiary has already answered the survey for {unit} in this period "
                     "({period}), so their answers are not taken again. Thank you! You can "
                     "type the NIK of another beneficiary, or /batal to stop.")).format(
            unit=result.unit.name, period=period_label(result.period, t.locale))
        return await show_step(update, context, draft, intro=intro, edit=False)
    if result.outcome != Outcome.ACCEPTED:
        return await after(update, context, result, edit=False)
    intro = t(N_("NIK {nik} received (the message was deleted). Now read each question to the "
                 "beneficiary and press their answer.")).format(nik=mask_nik(text))
    assert result.draft is not None  # an ACCEPTED result carries the draft
    return await show_step(update, context, result.draft, intro=intro, edit=False)


async def cmd_assisted(update: Update, context: BotContext) -> str | int | None:
    """/dampingan: an approved volunteer takes the survey with a beneficiary on this phone."""
    await answer_query(update)
    result = await survey(context).begin_assisted(update.effective_user.id)
    if result.outcome != Outcome.ACCEPTED:
        await reply(update, context, context._(N_(
            "Assisted surveys are for approved volunteers (relawan). To register as a "
            "volunteer, type /relawan.")))
        return ConversationHandler.END
    t = context.t
    intro = resume_text(t) if result.resumed else t(N_(
        "Assisted survey: you fill in the satisfaction survey together with a beneficiary who "
        "is with you, for example one who has no phone. Choose the unit or program that served "
        "them, ask for their consent, then read each question aloud and press their answer. "
        "Type /batal to stop."))
    assert result.draft is not None  # an ACCEPTED result carries the draft
    return await show_step(update, context, result.draft, intro=intro, edit=False)


async def on_cancel(update: Update, context: BotContext) -> int:
    """/batal: the survey stops and nothing of it is kept."""
    await survey(context).cancel(update.effective_user.id)
    await answer_query(update)
    await send_menu(update, context, context._(N_("Cancelled. Nothing was saved.")))
    return ConversationHandler.END


POPULATION = "skm_population"
ASK_POPULATION = "skm_population_number"
POP_PENDING = "skm_population"  # user_data: {"u": unit code, "p": period code}


async def cmd_ikm(update: Update, context: BotContext) -> None:
    """/ikm: staff choose the unit and the period with buttons (or type /ikm UNIT PERIOD)."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    svc = survey(context)
    if not context.args:
        text, markup = unit_picker(context.t, svc)
        await reply(update, context, text, markup)
        return
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
    await send_report(update, context, period, svc.content.unit(unit).code if unit else None)


async def on_ikm_page(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    await answer_query(update)
    text, markup = unit_picker(context.t, survey(context), int(context.match.group(1)))
    await show(update, context, text, markup)


async def on_ikm_unit(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    code = context.match.group(1)
    svc = survey(context)
    if code != "ALL" and svc.content.unit(code) is None:
        await answer_query(update, context._(N_("Please choose one of the buttons.")))
        return
    await answer_query(update)
    text, markup = period_picker(context.t, svc, code)
    await show(update, context, text, markup)


async def on_ikm_report(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    code, period_code = context.match.groups()
    svc = survey(context)
    try:
        period = Period.parse(period_code)
    except ValueError:
        period = None
    if period is None or (code != "ALL" and svc.content.unit(code) is None):
        await answer_query(update, context._(N_("Please choose one of the buttons.")))
        return
    await answer_query(update)
    await send_report(update, context, period, None if code == "ALL" else code)


async def _send_file(context: BotContext, chat_id: int, data: bytes, filename: str,
                     caption: str | None = None, photo: bool = False) -> bool:
    try:
        if photo:
            await context.bot.send_photo(chat_id, data, filename=filename, caption=caption)
        else:
            await context.bot.send_document(chat_id, data, filename=filename, caption=caption)
        return True
    except TelegramError as exc:  # the report went out; the other files may still go
        log.warning("could not send %s: %s", filename.rsplit(".", 1)[-1], type(exc).__name__)
        return False


async def send_report(update: Update, context: BotContext, period: Period | None,
                      unit: str | None) -> None:
    """The report as text, the NRR and trend charts (photo + print PDF) and the workbook."""
    svc = survey(context)
    t = context.t
    try:
        report = await svc.report_for(update.effective_user.id, period, unit)
    except PermissionDenied:
        return
    texts = render_report(t, report)
    for i, text in enumerate(texts):
        await reply(update, context, text, report_buttons(t, report)
                    if i == len(texts) - 1 and report.main.result is None else None,
                    parse_mode="HTML")
    chat_id = update.effective_chat.id
    result = report.main.result
    if result is None:
        await reply(update, context, context._(N_(
            "There are no responses in this period yet, so there is no chart or spreadsheet.")))
        return
    now = svc.clock().astimezone(svc.tz)
    names = {u.code: u.name.id for u in svc.skm.unsur}
    base = f"ikm-{report.period.code}" + (f"-{report.unit.code}" if report.unit else "")
    png, pdf = await asyncio.to_thread(chart.nrr_chart,
                                       skm_render.nrr_chart_spec(t, report, names, now))
    caption = " · ".join([skm_render.period_words(t, report.period),
                          skm_render.grade_text(t, report.main)])
    await _send_file(context, chat_id, png, f"{base}.png", caption, photo=True)
    await _send_file(context, chat_id, pdf, f"{base}.pdf",
                     context._(N_("The same chart as a PDF, sharp in print.")))
    points = await trend(svc, report.period, unit)
    tpng, _ = await asyncio.to_thread(chart.trend_chart,
                                      skm_render.trend_chart_spec(t, report, points, now))
    await _send_file(context, chat_id, tpng, f"{base}-tren.png",
                     skm_render.trend_chart_spec(t, report, points, now).subtitle, photo=True)
    ranked = [u for u in ranking(report) if u.result is not None]
    if report.unit is None and len(ranked) >= 2:
        rpng, _ = await asyncio.to_thread(
            chart.ranking_chart, skm_render.ranking_chart_spec(t, report, ranked, now))
        await _send_file(context, chat_id, rpng, f"{base}-peringkat.png",
                         context._(N_("IKM per unit")), photo=True)
    responses = await svc.responses(report.period, unit)
    data = await asyncio.to_thread(workbook.xlsx_bytes, svc.content, report, responses,
                                   svc.tz, now)
    suffix = f"-{unit.upper()}" if unit else ""
    sent = await _send_file(
        context, chat_id, data, f"skm-{report.period.code}{suffix}.xlsx",
        context.ngettext("{n} response, one row each", "{n} responses, one row each",
                         len(responses)).format(n=len(responses)))
    if not sent:
        await reply(update, context, context._(N_(
            "The spreadsheet could not be sent here. Staff can write it on the server with: "
            "dinsos-bot skm export --period {period} --format xlsx --out FILE")).format(
            period=report.period.code))
    await reply(update, context, context._(N_("What next?")), report_buttons(t, report))


async def on_ikm_poster(update: Update, context: BotContext) -> None:
    """The staff button: the unit's A4 QR poster as PDF and PNG."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    svc = survey(context)
    unit = svc.content.unit(context.match.group(1))
    me = context.bot.username
    if unit is None or not me:
        await answer_query(update, context._(N_("Please choose one of the buttons.")))
        return
    await answer_query(update)
    pdf, png = await asyncio.to_thread(poster.poster, unit, me, svc.skm)
    chat_id = update.effective_chat.id
    await _send_file(context, chat_id, pdf, f"poster-skm-{unit.code}.pdf",
                     context._(N_("QR poster for {unit} (A4, ready to print). The code opens "
                                  "the survey for this unit: {link}")).format(
                         unit=unit.name, link=poster.deep_link(me, unit.code)))
    await _send_file(context, chat_id, png, f"poster-skm-{unit.code}.png")


async def on_population_button(update: Update, context: BotContext) -> str | int:
    if not await staff_or_unknown(update, context, "operator"):
        return ConversationHandler.END
    code, period_code = context.match.groups()
    svc = survey(context)
    unit = svc.content.unit(code)
    try:
        period = Period.parse(period_code)
    except ValueError:
        period = None
    if unit is None or period is None:
        await answer_query(update, context._(N_("Please choose one of the buttons.")))
        return ConversationHandler.END
    await answer_query(update)
    assert context.user_data is not None  # staff_or_unknown found a user, so user_data exists
    context.user_data[POP_PENDING] = {"u": unit.code, "p": period.code}
    await reply(update, context, context._(N_(
        "How many beneficiaries did {unit} serve in {period}? Type one whole number, or /batal "
        "to stop.")).format(unit=unit.name, period=period_words(context.t, period)))
    return ASK_POPULATION


async def on_population_number(update: Update, context: BotContext) -> str | int:
    pending = context.user_data.get(POP_PENDING) or {}
    text = (update.message.text or "").strip().replace(".", "").replace(" ", "")
    if not pending:
        return ConversationHandler.END
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= 10_000_000:
        await reply(update, context, context._(N_(
            "Please type the number of beneficiaries as one whole number, for example 250.")))
        return ASK_POPULATION
    svc = survey(context)
    period = Period.parse(pending["p"])
    try:
        unit = await svc.set_population(update.effective_user.id, pending["u"], period,
                                        int(text))
    except PermissionDenied:
        return ConversationHandler.END
    context.user_data.pop(POP_PENDING, None)
    minimum = ikm.krejcie_morgan(int(text))
    await reply(update, context, context._(N_(
        "Saved: {unit} served {population} beneficiaries in {period}. The minimum sample "
        "(Krejcie-Morgan) is {sample} respondents.")).format(
        unit=unit.name, population=int(text), period=period_words(context.t, period),
        sample=minimum), report_buttons(context.t, await svc.report(period, unit.code, 0)))
    return ConversationHandler.END


async def on_population_cancel(update: Update, context: BotContext) -> int:
    context.user_data.pop(POP_PENDING, None)
    await send_menu(update, context, context._(N_("Cancelled. Nothing was saved.")))
    return ConversationHandler.END


def build_population_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    return conversation(
        POPULATION,
        entry_points=[CallbackQueryHandler(on_population_button, pattern=IKM_POP_RX)],
        states={ASK_POPULATION: [MessageHandler(text, on_population_number)]},
        fallbacks=[CommandHandler("batal", on_population_cancel), *conversation_fallbacks()])


# -- wiring ---------------------------------------------------------------------------------------
def build_conversation() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    # The key is the user's chat; each button names its draft and step, which the service checks.
    return conversation(
        CONVERSATION,
        entry_points=[
            CommandHandler("survei", cmd_survey),
            CommandHandler("dampingan", cmd_assisted),
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
    )


def register(app: BotApplication) -> None:
    services = app.services
    services.menu.add(MENU)
    services.commands.add(CommandSpec("survei", N_("rate a service of the office (survey)"),
                                     order=40))
    services.commands.add(CommandSpec("dampingan", N_("volunteers: survey with a beneficiary "
                                                      "(assisted survey)"), order=45))
    services.commands.add(CommandSpec("ikm", N_("staff: satisfaction index (IKM) and spreadsheet"),
                                     order=80, staff_only=True))
    survey_conversation = build_conversation()
    app.add_handler(survey_conversation)
    add_flow(app, "survey", conversation_starter(survey_conversation, cmd_survey))  # "isi survei"
    app.add_handler(build_population_conversation())
    app.add_handler(CommandHandler("ikm", cmd_ikm))
    app.add_handler(CallbackQueryHandler(on_ikm_page, pattern=IKM_PAGE_RX))
    app.add_handler(CallbackQueryHandler(on_ikm_unit, pattern=IKM_UNIT_RX))
    app.add_handler(CallbackQueryHandler(on_ikm_report, pattern=IKM_REPORT_RX))
    app.add_handler(CallbackQueryHandler(on_ikm_poster, pattern=IKM_POSTER_RX))
