"""Programs: free-text questions answered from content, /program cards, and the /cek pre-screen.

Thin: reading free text is understanding.py, the screener rules eligibility.py; this module
parses updates and renders with the user's translator.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.content.programs import Program
from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import (
    answer_query,
    conversation,
    conversation_fallbacks,
    keyboard,
    reply,
    send_menu,
    stale_button,
    start_flow,
)
from bot.features.programs import context as follow_up
from bot.features.programs.callbacks import (
    ASPECT_PATTERN,
    CARD_PATTERN,
    CEK_ANSWER_PATTERN,
    CEK_MORE_PATTERN,
    CEK_SKIP_PATTERN,
    CEK_START_PATTERN,
    CEK_WHYNOT_PATTERN,
    LIST_PATTERN,
    PREFIX,
    STATUS_MENU_DATA,
    TICKET_DATA,
)
from bot.features.programs.cek import (
    ASKING,
    cek_answer,
    cek_more,
    cek_skip,
    cek_start,
    cek_text,
    cek_why_not,
)
from bot.features.programs.matching import Match, ProgramIndex
from bot.features.programs.render import (
    ASPECT_LABELS,
    _aspect_keyboard,
    choices_keyboard,
    list_keyboards,
    not_found_keyboard,
    render_answer,
    render_not_found,
    render_stopped,
)
from bot.features.programs.understanding import Reading, Understanding

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

FLUSH_EVERY = 60                 # seconds between writes of the follow-up memories
# 16 digits, spaces, dots or dashes allowed between them: a NIK typed outside the status check
NIK_WORDS = frozenset({"nik", "no", "nomor", "nomer", "ktp", "nama", "nami", "asma", "saya",
                       "kula", "aku", "ini", "punika", "niki", "jeneng", "jenengku", "an", "a.n",
                       "atas", "dan", "lan", "kaliyan"})
NAME_AFTER_NIK = re.compile(r"[^\W\d_][\w.,'’ -]{1,79}")  # letters first: a name, not "?"
NIK_IN_TEXT = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){15}(?![0-9])", re.ASCII)
KEYBOARDS_KEY = "programs_keyboards"  # services.memo[...]: answer keyboards, built once each
ANSWERS_KEY = "programs_answers"      # services.memo[...]: answer texts, rendered once each

CONVERSATION_NAME = "programs_cek"

# Under an answer to a free-text question: the likely next question, and the full card.
NEXT_ASPECT = {None: "eligibility", "eligibility": "apply", "benefit": "eligibility",
               "schedule": "contact", "apply": "documents", "documents": "apply",
               "contact": "apply"}


def understanding_of(context: BotContext) -> Understanding:
    return context.services.understanding


def index_of(context: BotContext) -> ProgramIndex:
    return understanding_of(context).index


def _once(context: BotContext, store: str, key: tuple, build):
    """build() once per key, kept in services.memo (content is fixed while the bot runs;
    rebuilding texts and keyboards for every answer showed in the benchmark)."""
    cache: dict = context.services.memo.setdefault(store, {})
    value = cache.get(key)
    if value is None:
        value = cache[key] = build()
    return value


def answer_text(context: BotContext, program: Program, aspect: str | None) -> str:
    """render_answer, once per language, program and aspect."""
    return _once(context, ANSWERS_KEY, (context.locale, program.key, aspect),
                 lambda: render_answer(context.t, program, aspect))


def aspect_keyboard(context: BotContext, program: Program, shown: str | None):
    """The buttons under an answer; built once per language, program and aspect."""
    return _once(context, KEYBOARDS_KEY, (context.locale, program.key, shown),
                 lambda: _aspect_keyboard(context.t, program, shown))


def answer_keyboard(context: BotContext, program: Program, shown: str | None):
    """Two buttons under a free-text answer: the likely next question and the whole card.
    (Few buttons: easier on a small screen, and each button costs time on every answer.)"""

    def build():
        t = context.t
        after = NEXT_ASPECT.get(shown, "eligibility")
        return keyboard([[
            (t(ASPECT_LABELS[after]), f"{PREFIX}:asp:{program.key}:{after}"),
            (t(N_("Full details")),
             f"{PREFIX}:card:{program.key}"),
        ]])

    return _once(context, KEYBOARDS_KEY, ("answer", context.locale, program.key, shown), build)


# -- questions in free text -------------------------------------------------------------------
async def answer_program(update: Update, context: BotContext, program: Program,
                         aspect: str | None) -> None:
    context.services.questions.count("answered")
    await reply(update, context, answer_text(context, program, aspect),
                answer_keyboard(context, program, aspect))


async def answer_match(update: Update, context: BotContext, match: Match) -> None:
    """The old matcher's answer (kept for callers of the ProgramIndex alone)."""
    if match.best is not None:
        await answer_program(update, context, match.best, match.aspect)
        return
    kind = "weak" if match.ambiguous else "none"
    await on_not_understood(update, context, update.message.text or "", kind,
                            [c.program.key for c in match.programs], match.aspect)


async def on_not_understood(update: Update, context: BotContext, text: str, kind: str,
                            offers: Sequence[str] = (), aspect: str | None = None) -> None:
    """Every "not understood" answer goes through here (one place for the recorder of
    unanswered questions to attach to). kind: "weak" (some evidence: the closest programs
    are offered as buttons), "none" (nothing close) or "out_of_scope" (never a program)."""
    t = context.t
    context.services.questions.count("not_understood")
    if text:  # every question not answered is kept, scrubbed, for staff (the tickets feature)
        await context.services.tickets.record_unanswered(
            text, context.locale, "weak" if kind == "weak" else "not_understood")
    programs = [p for p in (index_of(context).programs.get(k) for k in offers) if p]
    if kind == "weak" and programs:
        await reply(update, context, t(N_("Did you mean one of these programs?")),
                    choices_keyboard(t, programs, aspect))
        return
    await reply(update, context, render_not_found(t, context.content.office),
                not_found_keyboard(t))


def follow_ups(context_or_app: BotContext | BotApplication) -> follow_up.FollowUpStore:
    return context_or_app.services.follow_ups


def recall(update: Update, context: BotContext) -> object:
    user_id = update.effective_user.id
    assert context.user_data is not None  # the update has a user, so user_data exists
    return follow_ups(context).get(user_id, context.user_data)


def remember(update: Update, context: BotContext, memory: dict | None) -> None:
    """Keep the follow-up memory (written behind into user_data, see FollowUpStore)."""
    store = follow_ups(context)
    user_id = update.effective_user.id
    assert context.user_data is not None  # the update has a user, so user_data exists
    if store.get(user_id, context.user_data) != memory:
        store.put(user_id, memory)


async def flush_follow_ups(app: BotApplication) -> None:
    """Copy the follow-up memories into user_data and persist them (job and stop hook)."""
    pending = follow_ups(app).drain()
    if not pending or app.persistence is None:
        return
    for user_id, memory in pending.items():
        data = app.user_data[user_id]
        if memory is None:
            data.pop(follow_up.USER_KEY, None)
        else:
            data[follow_up.USER_KEY] = memory
    app.mark_data_for_update_persistence(user_ids=list(pending))
    await app.update_persistence()


async def flush_job(context: BotContext) -> None:
    try:
        await flush_follow_ups(cast("BotApplication", context.application))
    except Exception as exc:  # the next round tries again
        log.warning("could not persist follow-up memories: %s", type(exc).__name__)
    await flush_counts(cast("BotApplication", context.application))


async def flush_counts(app: BotApplication) -> None:
    """Write the questions answered / not understood counted since the last time (the staff
    home's figures); job and stop hook."""
    try:
        await app.services.questions.flush()
    except Exception as exc:  # kept in memory; the next round tries again
        log.warning("could not store the question counts: %s", type(exc).__name__)


async def schedule_flush(app: BotApplication) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(flush_job, interval=FLUSH_EVERY, first=FLUSH_EVERY,
                                    name="programs-follow-ups")


async def on_request(update: Update, context: BotContext, reading: Reading) -> None:
    """A request in words, routed to what the bot already has."""
    t = context.t
    name = reading.request
    if name == "greeting":
        office_name = context.content.office.name.get(context.locale)
        await send_menu(update, context, t(N_(
            "Hello, welcome to the service bot of {office}. How can we help you? Choose "
            "below, or simply type your question.")).format(office=office_name))
    elif name == "thanks":
        await reply(update, context, t(N_(
            "You are welcome. If you have another question, just type it, or open /menu.")))
    elif name == "stopped":
        await reply(update, context, render_stopped(t), keyboard([
            [(t(N_("Check assistance status")), STATUS_MENU_DATA)],
            [(t(N_("Registration in the DTSEN data")), f"{PREFIX}:card:dtsen")],
            [(t(N_("Ask an officer")), TICKET_DATA)]]))
    elif name == "officer" and await start_flow(update, context, "officer"):
        return  # the tickets feature takes the question
    elif name == "officer":
        office = context.content.office
        await reply(update, context, "\n".join([
            t(N_("You can put your question to an officer here: press the button below and "
                 "write it; an officer answers in this chat. You can also contact the office:")),
            "",
            office.name.get(t.locale),
            t(N_("Phone: {phone}")).format(phone=office.phone),
            t(N_("Email: {email}")).format(email=office.email),
        ]), keyboard([[(t(N_("Ask an officer")), TICKET_DATA)]]))
    elif name == "language":
        if not await start_flow(update, context, "language", code=reading.argument):
            await on_not_understood(update, context, "", "none")
    elif name in ("status", "survey", "volunteer"):
        if not await start_flow(update, context, name):
            await on_not_understood(update, context, "", "none")
    else:  # a request staff added to content/requests.yaml that no feature handles yet
        await on_not_understood(update, context, update.message.text or "", "none")


def name_beside_nik(context: BotContext, rest: str) -> str | None:
    """The name typed with a NIK ("3578... Siti Aminah", "NIK 3578..., nama Siti"), if the
    rest of the message is a name and not a request or a question ("cek status 3578...")."""
    words = [w for w in rest.replace(":", " ").split() if w.lower().strip(".,") not in NIK_WORDS]
    name = " ".join(words).strip(" ,.")
    if not NAME_AFTER_NIK.fullmatch(name):
        return None
    reading = understanding_of(context).read(name, None, context.services.clock())
    return name if reading.kind == "none" else None


async def on_question(update: Update, context: BotContext) -> None:
    text = update.message.text or ""
    found = NIK_IN_TEXT.search(text)
    if found is not None:
        log.debug("understood: a NIK typed outside the status check")
        digits = found.group(0).translate(str.maketrans("", "", " .-"))
        name = name_beside_nik(context, text[:found.start()] + " " + text[found.end():])
        if await start_flow(update, context, "status_nik", nik=digits, name=name):
            return
    reading = understanding_of(context).read(text, recall(update, context),
                                             context.services.clock())
    remember(update, context, reading.memory)
    if reading.kind == "request":
        await on_request(update, context, reading)
        return
    programs = index_of(context).programs
    if reading.kind == "answer" and reading.programs[0] in programs:
        await answer_program(update, context, programs[reading.programs[0]], reading.aspect)
        return
    if reading.kind == "choices":
        await on_not_understood(update, context, text, "weak", reading.programs, reading.aspect)
        return
    await on_not_understood(update, context, text, "out_of_scope" if reading.blocked else "none")


async def show_list(update: Update, context: BotContext) -> None:
    await answer_query(update)
    for text, markup in list_keyboards(context.t, context.content.programs):
        await reply(update, context, text, markup)


def program_by_key(context: BotContext, key: str) -> Program | None:
    return index_of(context).programs.get(key)


async def on_card(update: Update, context: BotContext) -> None:
    program = program_by_key(context, context.match.group(1))
    if program is None:
        await stale_button(update, context)
        return
    await answer_query(update)
    remember(update, context, follow_up.remember(program.key, None, context.services.clock()))
    await reply(update, context, answer_text(context, program, None),
                aspect_keyboard(context, program, None))


async def on_aspect(update: Update, context: BotContext) -> None:
    program = program_by_key(context, context.match.group(1))
    if program is None:
        await stale_button(update, context)
        return
    await answer_query(update)
    aspect = context.match.group(2)
    remember(update, context, follow_up.remember(program.key, aspect, context.services.clock()))
    await reply(update, context, answer_text(context, program, aspect),
                aspect_keyboard(context, program, aspect))


# -- wiring -----------------------------------------------------------------------------------
def register(app: BotApplication) -> None:
    services = app.services
    programs_entry = services.menu.add(MenuEntry("programs", N_("Assistance programs"), order=10))
    cek_entry = services.menu.add(MenuEntry("cek", N_("Check which programs may fit me"),
                                           order=11))
    services.commands.add(CommandSpec("program", N_("the list of assistance programs"), order=10))
    services.commands.add(CommandSpec("cek", N_("check which programs may fit you"), order=11))
    services.start_hooks.append(schedule_flush)
    services.stop_hooks.append(flush_follow_ups)
    services.stop_hooks.append(flush_counts)

    screener = conversation(
        CONVERSATION_NAME,
        entry_points=[
            CommandHandler("cek", cek_start),
            CallbackQueryHandler(cek_start, pattern=cek_entry.pattern),
            CallbackQueryHandler(cek_start, pattern=CEK_START_PATTERN),
        ],
        states={
            ASKING: [
                CallbackQueryHandler(cek_answer, pattern=CEK_ANSWER_PATTERN),
                CallbackQueryHandler(cek_skip, pattern=CEK_SKIP_PATTERN),
                MessageHandler(filters.TEXT & ~filters.COMMAND, cek_text),
            ],
        },
        fallbacks=conversation_fallbacks(),
    )
    app.add_handler(screener)
    app.add_handler(CommandHandler("program", show_list))
    app.add_handler(CallbackQueryHandler(show_list, pattern=programs_entry.pattern))
    app.add_handler(CallbackQueryHandler(show_list, pattern=LIST_PATTERN))
    app.add_handler(CallbackQueryHandler(on_card, pattern=CARD_PATTERN))
    app.add_handler(CallbackQueryHandler(on_aspect, pattern=ASPECT_PATTERN))
    app.add_handler(CallbackQueryHandler(cek_why_not, pattern=CEK_WHYNOT_PATTERN))
    app.add_handler(CallbackQueryHandler(cek_more, pattern=CEK_MORE_PATTERN))


def register_late(app: BotApplication) -> None:
    app.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, on_question))
