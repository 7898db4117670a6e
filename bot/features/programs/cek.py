"""/cek, the eligibility pre-screen: one question at a time (answers in user_data), then the
programs that may fit, by the rules in content/screener.yaml (eligibility.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    ConversationHandler,
)

from bot.content.programs import Program, Screener
from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import (
    answer_query,
    keyboard,
    reply,
    stale_button,
)
from bot.features.programs.callbacks import (
    CEK_MORE_DATA,
    CEK_START_DATA,
    CEK_WHYNOT_DATA,
    LIST_DATA,
)
from bot.features.programs.eligibility import assess
from bot.features.programs.render import (
    render_question,
    render_rest,
    render_result,
    render_why_not,
    split_message,
)

if TYPE_CHECKING:
    pass


RESIDENT_MESSAGE = 1500          # characters: what fits a phone screen (locales/STYLE.md)


ASKING = "cek_asking"            # the screener's one state: the next question is on screen


USER_KEY = "cek"                 # user_data["cek"]: {"index": n, "answers": {question: value}}


LAST_KEY = "cek_last"            # user_data["cek_last"]: the answers of the last finished check


# -- the /cek screener ------------------------------------------------------------------------
def screener_of(context: BotContext) -> Screener:
    return context.content.screener  # type: ignore[return-value]


async def ask_next(update: Update, context: BotContext) -> str | int:
    assert context.user_data is not None  # a conversation step: the update has a user
    state = context.user_data[USER_KEY]
    questions = screener_of(context).questions
    n = state["index"]
    if n >= len(questions):
        return await finish(update, context)
    text, markup = render_question(context.t, questions[n], n + 1, len(questions))
    await reply(update, context, text, markup)
    return ASKING


async def cek_start(update: Update, context: BotContext) -> str | int:
    await answer_query(update)
    assert context.user_data is not None  # a conversation entry: the update has a user
    context.user_data[USER_KEY] = {"index": 0, "answers": {}}
    await reply(update, context, context._(N_(
        "A quick check of which programs may fit your household: {count} short questions. "
        "Press a button to answer, or skip a question. This is only a pre-screen, not a "
        "decision. /batal stops it.")).format(count=len(screener_of(context).questions)))
    return await ask_next(update, context)


async def _record(update: Update, context: BotContext, key: str,
                  value: str | None) -> str | int:
    assert context.user_data is not None  # a conversation step: the update has a user
    state = context.user_data.get(USER_KEY)
    questions = screener_of(context).questions
    if state is not None and state["index"] >= len(questions):
        return await finish(update, context)  # content lost a question since: finish now
    if state is None or questions[state["index"]].key != key:
        await stale_button(update, context)
        return ASKING if state is not None else ConversationHandler.END
    q = questions[state["index"]]
    t = context.t
    if value is None:
        shown = t(N_("skipped"))
    else:
        option = q.option(value)
        if option is None:
            await answer_query(update)
            return ASKING
        state["answers"][key] = value
        shown = option.label.get(t.locale)
    state["index"] += 1
    context.user_data[USER_KEY] = state
    await answer_query(update)
    try:
        await update.callback_query.edit_message_text(f"{q.text.get(t.locale)}\n→ {shown}")
    except Exception:  # an old message cannot always be edited; the next question still comes
        pass
    return await ask_next(update, context)


async def cek_answer(update: Update, context: BotContext) -> str | int:
    return await _record(update, context, context.match.group(1), context.match.group(2))


async def cek_skip(update: Update, context: BotContext) -> str | int:
    return await _record(update, context, context.match.group(1), None)


async def cek_text(update: Update, context: BotContext) -> str:
    await reply(update, context, context._(N_(
        "Please answer with the buttons above, or press \"Skip this question\". Type /batal to "
        "stop the check.")))
    return ASKING


def _names(context: BotContext) -> dict[str, Program]:
    return context.services.programs.programs


async def finish(update: Update, context: BotContext) -> int:
    assert context.user_data is not None  # a conversation step: the update has a user
    state = context.user_data.pop(USER_KEY, None) or {"answers": {}}
    answers = {str(k): str(v) for k, v in state.get("answers", {}).items()}
    context.user_data[LAST_KEY] = answers
    t = context.t
    results = assess(screener_of(context), answers)
    text, hidden = render_result(t, results, _names(context))
    rows = [[(t(N_("See all ({n} more)")).format(n=hidden), CEK_MORE_DATA)]] if hidden else []
    markup = keyboard([*rows,
                       [(t(N_("Why not the others?")), CEK_WHYNOT_DATA)],
                       [(t(N_("Check again")), CEK_START_DATA),
                        (t(N_("All programs")), LIST_DATA)]])
    parts = split_message(text, RESIDENT_MESSAGE)
    for n, part in enumerate(parts):
        await reply(update, context, part, markup if n == len(parts) - 1 else None)
    return ConversationHandler.END


async def cek_why_not(update: Update, context: BotContext) -> None:
    answers = context.user_data.get(LAST_KEY)
    if not isinstance(answers, dict):
        await stale_button(update, context)
        return
    await answer_query(update)
    results = assess(screener_of(context), {str(k): str(v) for k, v in answers.items()})
    for part in split_message(render_why_not(context.t, results, _names(context)),
                              RESIDENT_MESSAGE):
        await reply(update, context, part)


async def cek_more(update: Update, context: BotContext) -> None:
    """"See all": the programs after the first three of the last check."""
    answers = context.user_data.get(LAST_KEY)
    if not isinstance(answers, dict):
        await stale_button(update, context)
        return
    await answer_query(update)
    results = assess(screener_of(context), {str(k): str(v) for k, v in answers.items()})
    t = context.t
    parts = split_message(render_rest(t, results, _names(context)), RESIDENT_MESSAGE)
    markup = keyboard([[(t(N_("Why not the others?")), CEK_WHYNOT_DATA)],
                       [(t(N_("Check again")), CEK_START_DATA),
                        (t(N_("All programs")), LIST_DATA)]])
    for n, part in enumerate(parts):
        await reply(update, context, part, markup if n == len(parts) - 1 else None)
