"""Staff's side of the survey in the chat: /ikm with its unit and period pickers, the report
with its chart, workbook and poster, and setting a unit's population."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.content import Unit
from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    reply,
    send_menu,
    show,
    staff_or_unknown,
)
from bot.features.skm import chart, ikm, poster, workbook
from bot.features.skm import render as skm_render
from bot.features.skm.callbacks import (
    IKM_POP_RX,
)
from bot.features.skm.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    LOOKS_LIKE_PERIOD,
    Period,
)
from bot.features.skm.render import period_words
from bot.features.skm.staff_screens import (
    matches_picker,
    period_picker,
    render_report,
    report_buttons,
    unit_picker,
)
from bot.features.skm.trend import ranking, trend
from bot.features.staff.service import PermissionDenied

log = logging.getLogger(__name__)


POPULATION = "skm_population"


ASK_POPULATION = "skm_population_number"


POP_PENDING = "skm_population"  # user_data: {"u": unit code, "p": period code}


async def _scoped_units(update: Update, context: BotContext) -> tuple[list[Unit], str | None]:
    """The units this staff member may see and their kab/kota's label (None: every unit)."""
    svc = context.services.survey
    scope = await svc.scope_of(update.effective_user.id)
    region = None
    if not scope.everything and scope.region is not None:
        found = svc.content.region(scope.region)
        region = found.label() if found else scope.region
    return svc.units_in(scope), region


async def _outside_region(update: Update, context: BotContext) -> None:
    text = context._(N_("That unit is outside your region, so its report is not shown. "
                        "Choose one of your units with /ikm."))
    if update.callback_query is not None:
        await answer_query(update, text)
    else:
        await reply(update, context, text)


async def cmd_ikm(update: Update, context: BotContext) -> None:
    """/ikm: staff choose the unit and the period with buttons, or type a unit's name (and a
    period): /ikm pasuruan, /ikm PSTW-PSR 2026-11."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    svc = context.services.survey
    try:
        units, region = await _scoped_units(update, context)
    except PermissionDenied:
        return
    if not units:
        await reply(update, context, context._(N_(
            "There are no service units in {region} yet, so there is no report to show.")).format(
            region=region or ""))
        return
    period, words = None, []
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
            words.append(arg)
    if not words and period is None:
        text, markup = unit_picker(context.t, units, 0, region)
        await reply(update, context, text, markup)
        return
    if not words:
        await send_report(update, context, period, None)
        return
    query = " ".join(words)
    exact = svc.content.unit(query) if len(query) <= 16 else None
    found = [exact] if exact is not None else svc.search_units(query, among=units)
    if not found:
        text, markup = unit_picker(context.t, units, 0, region, intro=context._(N_(
            "I found no unit matching “{text}”. Choose one from the list:")).format(
            text=query[:40]))
        await reply(update, context, text, markup)
        return
    if len(found) > 1:
        text, markup = matches_picker(context.t, found, period)
        await reply(update, context, text, markup)
        return
    if period is None:
        try:
            await svc.unit_for(update.effective_user.id, found[0].code, "skm.report")
        except PermissionDenied:
            await _outside_region(update, context)
            return
        text, markup = period_picker(context.t, svc, found[0].code, region)
        await reply(update, context, text, markup)
        return
    await send_report(update, context, period, found[0].code)


async def _unit_page(update: Update, context: BotContext, *, population: bool) -> None:
    """A page of the units this staff member may see (for the report, or to set a population)."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    await answer_query(update)
    try:
        units, region = await _scoped_units(update, context)
    except PermissionDenied:
        return
    text, markup = unit_picker(context.t, units, int(context.match.group(1)), region,
                               population=population)
    await show(update, context, text, markup)


async def on_ikm_page(update: Update, context: BotContext) -> None:
    await _unit_page(update, context, population=False)


async def on_ikm_unit(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    code = context.match.group(1)
    svc = context.services.survey
    try:
        _, region = await _scoped_units(update, context)
        if code != "ALL":
            await svc.unit_for(update.effective_user.id, code, "skm.report")
    except ValueError:
        await answer_query(update, context._(N_("Please choose one of the buttons.")))
        return
    except PermissionDenied:
        await _outside_region(update, context)
        return
    await answer_query(update)
    text, markup = period_picker(context.t, svc, code, region)
    await show(update, context, text, markup)


async def on_population_page(update: Update, context: BotContext) -> None:
    """Setting a population: the units this staff member may set it for, page by page."""
    await _unit_page(update, context, population=True)


async def on_population_unit(update: Update, context: BotContext) -> None:
    """Setting a population: the unit is chosen; now the period, with buttons."""
    if not await staff_or_unknown(update, context, "operator"):
        return
    svc = context.services.survey
    try:
        unit = await svc.unit_for(update.effective_user.id, context.match.group(1),
                                  "skm.population")
    except ValueError:
        await answer_query(update, context._(N_("Please choose one of the buttons.")))
        return
    except PermissionDenied:
        await _outside_region(update, context)
        return
    await answer_query(update)
    text, markup = period_picker(context.t, svc, unit.code, population=True)
    await show(update, context, text, markup)


async def on_ikm_report(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    code, period_code = context.match.groups()
    svc = context.services.survey
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
    svc = context.services.survey
    t = context.t
    try:
        report = await svc.report_for(update.effective_user.id, period, unit)
    except PermissionDenied as exc:
        if str(exc) == "region":
            await _outside_region(update, context)
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
    points = await trend(svc, report.period, unit, units=report.scope_units)
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
    responses = await svc.report_responses(report)
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
    svc = context.services.survey
    me = context.bot.username
    try:
        unit = await svc.unit_for(update.effective_user.id, context.match.group(1), "skm.poster")
    except ValueError:
        unit = None
    except PermissionDenied:
        await _outside_region(update, context)
        return
    if unit is None or not me:
        await answer_query(update, context._(N_("Please choose one of the buttons.")))
        return
    await svc.poster_made(update.effective_user.id, unit)
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
    svc = context.services.survey
    try:
        period: Period | None = Period.parse(period_code)
        unit: Unit | None = await svc.unit_for(update.effective_user.id, code,
                                               "skm.population")
    except ValueError:
        period = unit = None
    except PermissionDenied:
        await _outside_region(update, context)
        return ConversationHandler.END
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
    svc = context.services.survey
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
