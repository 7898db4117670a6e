"""The survey's chat screens, from the reader's translator: the steps, the thank-you, the
repeat. /ikm's screens are in staff_screens.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.core import paging
from bot.core.datetimes import format_day
from bot.core.i18n import N_, Translator
from bot.core.ui import (
    keyboard,
)
from bot.features.skm import ikm
from bot.features.skm.callbacks import (
    CHECK,
    PAGE_SIZE,
    answer_data,
    back_data,
    page_data,
)
from bot.features.skm.repo import DraftRow
from bot.features.skm.service import (
    ASSISTED,
    NO_PROGRAM,
    SKIP,
    STEP_CONSENT,
    STEP_NIK,
    STEP_PROGRAM,
    STEP_SERVICE,
    STEP_SUGGESTION,
    STEP_UNIT,
    YES,
    Period,
    Report,
    StepResult,
    SurveyService,
)

if TYPE_CHECKING:
    pass


# -- rendering ------------------------------------------------------------------------------------
def period_label(period: Period, locale: str) -> str:
    first, last = period.first_day, period.last_day
    if period.kind == "year":
        return str(period.year)
    if period.kind == "month":
        return format_date(first, "MMMM y", locale=locale)
    start = format_date(first, "MMMM", locale=locale)
    return f"{start}–{format_date(last, 'MMMM y', locale=locale)}"


def long_date(day, locale: str) -> str:
    """'Jum, 1 Jan 2027': the one date style (bot.core.datetimes)."""
    return format_day(day, locale)


def number(value, locale: str, places: int = 2) -> str:
    return format_decimal(value, "#,##0." + "0" * places, locale=locale)


def svc_unit_short(report: Report, code: str) -> str:
    unit = report.unit_names.get(code)
    return unit or code


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
    if data.get(ASSISTED):
        parts.insert(0, t(N_("Assisted survey (for a beneficiary with you)")))
    if step == STEP_CONSENT:
        parts.append(t(N_("Unit: {unit}")).format(unit=unit_name))
        parts.append(t(N_("Please ask the beneficiary first: do they agree to answer nine "
                          "questions about the service of {unit}? Their answers are recorded "
                          "without their name; their NIK is used only so that each person "
                          "answers once.")).format(unit=unit_name))
        rows = [[(t(N_("Yes, the beneficiary agrees")), answer_data(did, step, YES))]]
    elif step == STEP_NIK:
        parts.append(t(N_("Type the beneficiary's NIK (16 digits, from their KTP or KK). The "
                          "message is deleted at once and the NIK is never stored: it only "
                          "checks that each person answers once per period.")))
    elif step == STEP_PROGRAM:
        parts.append(t(N_("Unit: {unit}")).format(unit=unit_name))
        parts.append(t(N_("Was the beneficiary served through a program? Choose it, or "
                          "\u201cNo particular program\u201d.")))
        p = paging.page(svc.programs.all(), page)
        rows = [[(_mark(pr.name.short, data.get(step) == pr.key),
                  answer_data(did, step, pr.key))] for pr in p.items]
        rows.append([(_mark(t(N_("No particular program")), data.get(step) == NO_PROGRAM),
                      answer_data(did, step, NO_PROGRAM))])
        # the kernel pager's labels and page numbers, as this draft's page buttons
        nav = [(label, page_data(did, int(cb.rsplit(":", 1)[1])))
               for label, cb in paging.pager_row(t, "x", p)]
        if nav:
            rows.append(nav)
        if caption := paging.page_caption(t, p):
            parts.append(caption)
    elif step == STEP_SERVICE:
        parts.append(t(N_("Unit: {unit}")).format(unit=unit_name))
        parts.append(t(N_("Which service did you receive there?")))
        rows = [[(_mark(s.label.get(loc), data.get(step) == s.code),
                  answer_data(did, step, s.code))] for s in svc.skm.services]
    elif step in ikm.UNSUR_CODES:
        u = svc.skm.unsur_by_code(step)
        assert u is not None  # the step is one of the nine unsur codes
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
        f = svc.skm.field(step)
        assert f is not None  # the remaining steps are the respondent fields
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
    # a SUBMITTED result carries its unit and period
    assert result.period is not None and result.unit is not None
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
    # a REPEAT result carries its unit and period
    assert result.period is not None and result.unit is not None
    return t(N_("You have already filled in the survey for {unit} in this period ({period}). "
                "Thank you! Each person can rate a unit once per quarter; you can rate it again "
                "from {date}.")).format(unit=result.unit.name,
                                        period=period_label(result.period, loc),
                                        date=long_date(result.period.next().first_day, loc))


def intro_text(t: Translator) -> str:
    return t(N_("Thank you for taking the satisfaction survey (SKM). It has nine short questions "
                "about the service you received and takes about two minutes. Staff see your "
                "answers without your name. Press ‹ Back to correct an answer, or type /batal to "
                "stop."))


def resume_text(t: Translator) -> str:
    return t(N_("Welcome back: let us continue your survey where you left off."))
