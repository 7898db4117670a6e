"""SKM: the satisfaction survey as a conversation (/survei, the menu, a deep link from a unit's
QR code), and the staff's /ikm report with its chart and spreadsheet.

Every survey button carries the draft id and the step it answers, and the service checks both,
so a double tap or a button of an old survey is refused politely and changes nothing. The draft
is written to SQLite at every step: after a restart or a crash the next tap (or /survei)
continues at the same question.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from babel.dates import format_datetime
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
    show,
)
from bot.features.skm.callbacks import (
    ANSWER_RX,
    ANY_RX,
    BACK_RX,
    IKM_PAGE_RX,
    IKM_POP_PAGE_RX,
    IKM_POP_UNIT_RX,
    IKM_POSTER_RX,
    IKM_REPORT_RX,
    IKM_UNIT_RX,
    PAGE_RX,
)
from bot.features.skm.repo import DraftRow
from bot.features.skm.screens import (
    intro_text,
    period_label,
    render_repeat,
    render_step,
    render_thanks,
    resume_text,
)
from bot.features.skm.service import (
    ASSISTED,
    MAX_SUGGESTION,
    STEP_NIK,
    STEP_PROGRAM,
    STEP_SUGGESTION,
    STEP_UNIT,
    Outcome,
    StepResult,
    SurveyService,
)
from bot.features.skm.staff import (
    build_population_conversation,
    cmd_ikm,
    on_ikm_page,
    on_ikm_poster,
    on_ikm_report,
    on_ikm_unit,
    on_population_page,
    on_population_unit,
)

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
# approved volunteers only (the service checks it again when the survey starts)
ASSISTED_MENU = MenuEntry("dampingan", N_("Assisted survey"), order=42, audience="volunteer")


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
    if draft.step not in (STEP_UNIT, STEP_PROGRAM):
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
    if result.outcome == Outcome.LIMITED:
        assert result.retry_at is not None  # a LIMITED result says when to try again
        when = format_datetime(result.retry_at.astimezone(survey(context).tz), "HH.mm",
                               locale=t.locale)
        intro = t(N_("You have checked many NIKs in a short time. To protect beneficiaries' "
                     "data, please wait and type the NIK again from {time} WIB, or type /batal "
                     "to stop.")).format(time=when)
        return await show_step(update, context, draft, intro=intro, edit=False)
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
            CallbackQueryHandler(cmd_assisted, pattern=ASSISTED_MENU.pattern),
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
    services.menu.add(ASSISTED_MENU)
    services.menu.audience("volunteer", services.volunteers.is_approved)
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
    app.add_handler(CallbackQueryHandler(on_population_page, pattern=IKM_POP_PAGE_RX))
    app.add_handler(CallbackQueryHandler(on_population_unit, pattern=IKM_POP_UNIT_RX))
