"""How programs read: the answer card and its buttons, the not-understood answer, the list,
the /cek questions and result, from the reader's translator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.content.programs import Program, Question
from bot.core.i18n import N_, Translator
from bot.core.ui import (
    Button,
    keyboard,
)
from bot.features.programs.callbacks import (
    CEK,
    CEK_START_DATA,
    LIST_DATA,
    MENU_HOME_DATA,
    PREFIX,
    TICKET_DATA,
)
from bot.features.programs.eligibility import Assessment, Verdict

if TYPE_CHECKING:
    pass


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


def render_question(t: Translator, q: Question, n: int, total: int):
    text = t(N_("Question {n} of {total}")).format(n=n, total=total) + "\n" + q.text.get(t.locale)
    buttons = [(o.label.get(t.locale), f"{CEK}:ans:{q.key}:{o.value}") for o in q.options]
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)] if len(buttons) > 2 \
        else [buttons]
    rows.append([(t(N_("Skip this question")), f"{CEK}:skip:{q.key}")])
    return text, keyboard(rows)


CEK_TOP = 3  # programs on the /cek result screen; the rest behind "See all (n more)"


def _ranked(results: list[Assessment]) -> list[Assessment]:
    """Likely first, then those that may fit (some answers skipped), in content order."""
    return ([a for a in results if a.verdict is Verdict.LIKELY]
            + [a for a in results if a.verdict is Verdict.MAYBE and a.met])


def _program_lines(t: Translator, a: Assessment, programs: dict[str, Program]) -> list[str]:
    lines = ["• " + programs[a.program].name.get(t.locale),
             "  " + t(N_("Why: {reasons}.")).format(
                 reasons="; ".join(c.met.get(t.locale) for c in a.met))]
    if a.verdict is Verdict.LIKELY:
        lines.append("  " + t(N_("Next step: {step}")).format(step=a.rule.next_step.get(t.locale)))
    else:
        lines.append("  " + t(N_("Still to check: {items}.")).format(
            items="; ".join(c.unmet.get(t.locale) for c in a.open)))
    return lines


def _grouped(t: Translator, shown: list[Assessment], programs: dict[str, Program]) -> list[str]:
    lines: list[str] = []
    likely = [a for a in shown if a.verdict is Verdict.LIKELY]
    maybe = [a for a in shown if a.verdict is not Verdict.LIKELY]
    if likely:
        lines.append(t(N_("Programs that likely fit your household:")))
        for a in likely:
            lines += _program_lines(t, a, programs)
        lines.append("")
    if maybe:
        lines.append(t(N_("Programs that may fit, but some answers were skipped or unknown:")))
        for a in maybe:
            lines += _program_lines(t, a, programs)
        lines.append("")
    return lines


def render_result(t: Translator, results: list[Assessment], programs: dict[str, Program],
                  top: int = CEK_TOP) -> tuple[str, int]:
    """The result screen: the `top` best programs; returns the text and how many are left
    for "See all"."""
    ranked = _ranked(results)
    lines = [t(N_("Result of the pre-screen (not a decision)")), ""]
    lines += _grouped(t, ranked[:top], programs)
    if not ranked:
        lines.append(t(N_("From your answers I cannot see a program that likely fits. Rules "
                          "change and officers know more: please ask your desa/kelurahan "
                          "office or the kab/kota social office.")))
        lines.append("")
    lines.append(t(N_("This is only a pre-screen, not a decision. Who receives assistance is "
                      "decided by the DTSEN data and the quotas, after checks by officers.")))
    return "\n".join(lines), max(0, len(ranked) - top)


def render_rest(t: Translator, results: list[Assessment], programs: dict[str, Program],
                top: int = CEK_TOP) -> str:
    """The programs after the first `top`, for "See all"."""
    rest = _ranked(results)[top:]
    if not rest:
        return t(N_("There are no other programs that may fit."))
    return "\n".join(_grouped(t, rest, programs)).rstrip()


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
