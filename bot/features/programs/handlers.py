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
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.content.programs import ASPECTS, KEY_PATTERN, Program, Question, Screener
from bot.context import BotContext
from bot.core.i18n import N_, Translator
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import (
    Button,
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
from bot.features.programs.eligibility import Assessment, Verdict, assess
from bot.features.programs.matching import Match, ProgramIndex
from bot.features.programs.understanding import Reading, Understanding

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

FLUSH_EVERY = 60                 # seconds between writes of the follow-up memories
TICKET_DATA = "tiket:baru"       # the "ask an officer" feature's entry (bot/features/tickets)
STATUS_MENU_DATA = "menu:status"  # the status check's menu button
MENU_HOME_DATA = "menu:home"
# 16 digits, spaces, dots or dashes allowed between them: a NIK typed outside the status check
NIK_WORDS = frozenset({"nik", "no", "nomor", "nomer", "ktp", "nama", "nami", "asma", "saya",
                       "kula", "aku", "ini", "punika", "niki", "jeneng", "jenengku", "an", "a.n",
                       "atas", "dan", "lan", "kaliyan"})
NAME_AFTER_NIK = re.compile(r"[^\W\d_][\w.,'’ -]{1,79}")  # letters first: a name, not "?"
NIK_IN_TEXT = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){15}(?![0-9])", re.ASCII)
KEYBOARDS_KEY = "programs_keyboards"  # services.memo[...]: answer keyboards, built once each
ANSWERS_KEY = "programs_answers"      # services.memo[...]: answer texts, rendered once each
PREFIX = "prog"
CEK = "cek"
_KEY = KEY_PATTERN.strip("^$")
_ASPECT = "|".join(ASPECTS)
LIST_DATA = f"{PREFIX}:list"
LIST_PATTERN = rf"^{PREFIX}:list$"
CARD_PATTERN = rf"^{PREFIX}:card:({_KEY})$"
ASPECT_PATTERN = rf"^{PREFIX}:asp:({_KEY}):({_ASPECT})$"
CEK_START_DATA = f"{CEK}:start"
CEK_START_PATTERN = rf"^{CEK}:start$"
CEK_ANSWER_PATTERN = rf"^{CEK}:ans:({_KEY}):({_KEY})$"
CEK_SKIP_PATTERN = rf"^{CEK}:skip:({_KEY})$"
CEK_WHYNOT_DATA = f"{CEK}:whynot"
CEK_WHYNOT_PATTERN = rf"^{CEK}:whynot$"

ASKING = "cek_asking"            # the screener's one state: the next question is on screen
CONVERSATION_NAME = "programs_cek"
USER_KEY = "cek"                 # user_data["cek"]: {"index": n, "answers": {question: value}}
LAST_KEY = "cek_last"            # user_data["cek_last"]: the answers of the last finished check
MAX_MESSAGE = 4000

ASPECT_LABELS = {
    "eligibility": N_("Who qualifies"),
    "benefit": N_("What it gives"),
    "schedule": N_("When it is paid"),
    "apply": N_("How to apply"),
    "documents": N_("Documents"),
    "contact": N_("Contact"),
}
CARD_BUTTONS = ("eligibility", "benefit", "apply", "documents", "contact")
# Under an answer to a free-text question: the likely next question, and the full card.
NEXT_ASPECT = {None: "eligibility", "eligibility": "apply", "benefit": "eligibility",
               "schedule": "contact", "apply": "documents", "documents": "apply",
               "contact": "apply"}


def understanding_of(context: BotContext) -> Understanding:
    return context.services.understanding


def index_of(context: BotContext) -> ProgramIndex:
    return understanding_of(context).index


# -- rendering --------------------------------------------------------------------------------
def fact_line(t: Translator, fact) -> str:
    text = fact.get(t.locale)
    if not fact.verified:
        text += " " + t(N_("(to be confirmed with an officer)"))
    return text


def render_answer(t: Translator, program: Program, aspect: str | None) -> str:
    """The answer to a question: the program's name first, then the fact asked for."""
    lines = [program.name.get(t.locale), ""]
    if aspect is None:
        lines.append(fact_line(t, program.summary))
        lines.append("")
        lines.append(t(ASPECT_LABELS["benefit"]) + ": " + fact_line(t, program.benefit))
        sources = [program.summary.source, program.benefit.source]
    else:
        fact = program.fact(aspect)
        if fact is None:  # no schedule published: say so, and what it gives
            lines.append(t(N_("No fixed payment schedule is published for this program; please "
                              "ask the contact below.")))
            fact = program.benefit
            lines.append(t(ASPECT_LABELS["benefit"]) + ": " + fact_line(t, fact))
            lines.append(t(ASPECT_LABELS["contact"]) + ": " + fact_line(t, program.contact))
            sources = [fact.source, program.contact.source]
        else:
            lines.append(t(ASPECT_LABELS[aspect]) + ": " + fact_line(t, fact))
            sources = [fact.source]
    lines.append("")
    lines.append(t(N_("Source: {source}")).format(source="; ".join(dict.fromkeys(sources))))
    return "\n".join(lines)


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
            (t(N_("More about {program}")).format(program=program.name.short),
             f"{PREFIX}:card:{program.key}"),
        ]])

    return _once(context, KEYBOARDS_KEY, ("answer", context.locale, program.key, shown), build)


def _aspect_keyboard(t: Translator, program: Program, shown: str | None):
    buttons: list[Button] = [
        (t(ASPECT_LABELS[a]), f"{PREFIX}:asp:{program.key}:{a}")
        for a in CARD_BUTTONS if a != shown
    ]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(t(N_("All programs")), LIST_DATA)])
    return keyboard(rows)


def render_not_found(t: Translator, office) -> str:
    return "\n".join([
        t(N_("I could not find a program that fits your question, so I will not guess.")),
        t(N_("Type /program to see all programs, or /cek for a quick check of what may fit "
             "you. You can also ask the office:")),
        "",
        office.name.get(t.locale),
        t(N_("Phone: {phone}")).format(phone=office.phone),
        t(N_("Email: {email}")).format(email=office.email),
        office.complaints.get(t.locale),
    ])


def not_found_keyboard(t: Translator):
    return keyboard([[(t(N_("Main menu")), MENU_HOME_DATA), (t(N_("All programs")), LIST_DATA)],
                     [(t(N_("Check what may fit me")), CEK_START_DATA)],
                     [(t(N_("Ask an officer")), TICKET_DATA)]])


def choices_keyboard(t: Translator, programs: Sequence[Program], aspect: str | None):
    rows = []
    for program in programs:
        data = (f"{PREFIX}:asp:{program.key}:{aspect}" if aspect
                else f"{PREFIX}:card:{program.key}")
        rows.append([(program.name.short, data)])
    rows.append([(t(N_("None of these")), LIST_DATA), (t(N_("Ask an officer")), TICKET_DATA)])
    return keyboard(rows)


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Telegram takes at most 4096 characters: split at line ends."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            parts.append(current)
            current = line[:limit]
        else:
            current = candidate[:limit]
    if current:
        parts.append(current)
    return parts


# -- questions in free text -------------------------------------------------------------------
async def answer_program(update: Update, context: BotContext, program: Program,
                         aspect: str | None) -> None:
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


def render_stopped(t: Translator) -> str:
    return "\n".join([
        t(N_("Why assistance can stop:")),
        "• " + t(N_("Who receives assistance is decided by the DTSEN data (the national social "
                    "and economic data), which is updated every quarter. If your household's "
                    "data changed, or it was not confirmed, the assistance can stop.")),
        "• " + t(N_("Every program has a quota; recipients are checked again every period.")),
        "• " + t(N_("Some programs end when the reason ends (for example a child leaves school, "
                    "or an elderly member dies).")),
        "",
        t(N_("What you can do: check your status here, ask your village/kelurahan office or "
             "the program's facilitator whether your data is still in DTSEN, or ask an "
             "officer.")),
    ])


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


# -- browsing ---------------------------------------------------------------------------------
def list_keyboards(t: Translator, programs: Sequence[Program]):
    out = []
    for level, title in (("provincial", N_("Programs of the East Java provincial government "
                                           "(Dinsos Jatim):")),
                         ("national", N_("National programs (Ministry of Social Affairs), "
                                         "which residents often ask about:"))):
        buttons = [(p.name.short, f"{PREFIX}:card:{p.key}") for p in programs if p.level == level]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
        out.append((t(title), keyboard(rows)))
    return out


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


# -- the /cek screener ------------------------------------------------------------------------
def screener_of(context: BotContext) -> Screener:
    return context.content.screener  # type: ignore[return-value]


def render_question(t: Translator, q: Question, n: int, total: int):
    text = t(N_("Question {n} of {total}")).format(n=n, total=total) + "\n" + q.text.get(t.locale)
    buttons = [(o.label.get(t.locale), f"{CEK}:ans:{q.key}:{o.value}") for o in q.options]
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)] if len(buttons) > 2 \
        else [buttons]
    rows.append([(t(N_("Skip this question")), f"{CEK}:skip:{q.key}")])
    return text, keyboard(rows)


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
    return index_of(context).programs


def render_result(t: Translator, results: list[Assessment], programs: dict[str, Program]) -> str:
    likely = [a for a in results if a.verdict is Verdict.LIKELY]
    maybe = [a for a in results if a.verdict is Verdict.MAYBE and a.met]
    lines = [t(N_("Result of the pre-screen (not a decision)")), ""]
    if likely:
        lines.append(t(N_("Programs that likely fit your household:")))
        for a in likely:
            lines.append("• " + programs[a.program].name.get(t.locale))
            lines.append("  " + t(N_("Why: {reasons}.")).format(
                reasons="; ".join(c.met.get(t.locale) for c in a.met)))
            lines.append("  " + t(N_("Next step: {step}")).format(
                step=a.rule.next_step.get(t.locale)))
        lines.append("")
    if maybe:
        lines.append(t(N_("Programs that may fit, but some answers were skipped or unknown:")))
        for a in maybe:
            lines.append("• " + programs[a.program].name.get(t.locale))
            lines.append("  " + t(N_("Why: {reasons}.")).format(
                reasons="; ".join(c.met.get(t.locale) for c in a.met)))
            lines.append("  " + t(N_("Still to check: {items}.")).format(
                items="; ".join(c.unmet.get(t.locale) for c in a.open)))
        lines.append("")
    if not likely and not maybe:
        lines.append(t(N_("From your answers I cannot see a program that likely fits. Rules "
                          "change and officers know more: please ask your desa/kelurahan "
                          "office or the kab/kota social office.")))
        lines.append("")
    lines.append(t(N_("This is only a pre-screen, not a decision. Who receives assistance is "
                      "decided by the DTSEN data and the quotas, after checks by officers.")))
    return "\n".join(lines)


def render_why_not(t: Translator, results: list[Assessment],
                   programs: dict[str, Program]) -> str:
    rejected = [a for a in results if a.verdict is Verdict.NOT_LIKELY]
    if not rejected:
        return t(N_("From your answers, no program was ruled out."))
    lines = [t(N_("Why the other programs likely do not fit:"))]
    for a in rejected:
        lines.append("• " + programs[a.program].name.get(t.locale) + ": " +
                     "; ".join(c.unmet.get(t.locale) for c in a.unmet) + ".")
    lines.append("")
    lines.append(t(N_("This is only a pre-screen, not a decision. Who receives assistance is "
                      "decided by the DTSEN data and the quotas, after checks by officers.")))
    return "\n".join(lines)


async def finish(update: Update, context: BotContext) -> int:
    assert context.user_data is not None  # a conversation step: the update has a user
    state = context.user_data.pop(USER_KEY, None) or {"answers": {}}
    answers = {str(k): str(v) for k, v in state.get("answers", {}).items()}
    context.user_data[LAST_KEY] = answers
    t = context.t
    results = assess(screener_of(context), answers)
    text = render_result(t, results, _names(context))
    markup = keyboard([[(t(N_("Why not the others?")), CEK_WHYNOT_DATA)],
                       [(t(N_("Check again")), CEK_START_DATA),
                        (t(N_("All programs")), LIST_DATA)]])
    parts = split_message(text)
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
    for part in split_message(render_why_not(context.t, results, _names(context))):
        await reply(update, context, part)


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


def register_late(app: BotApplication) -> None:
    app.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, on_question))
