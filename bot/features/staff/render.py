"""Texts and keyboards of the staff feature: /staf, adding staff, the staff home, the welcome.

Callback data (all `staf:` or `home:`, at most 64 bytes, matched by anchored patterns in the
handlers; each handler checks the role again and the service checks it once more).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.content import Content
from bot.core.datetimes import format_day, format_when
from bot.core.i18n import N_, Translator
from bot.core.numbers import format_number
from bot.core.paging import Page, page, page_caption, pager_row
from bot.features.staff.figures import Figures
from bot.features.staff.service import Member

PREFIX = "staf"
HOME = "home"
ADD = f"{PREFIX}:add"
REMOVE = f"{PREFIX}:rm"
CLOSE = f"{PREFIX}:close"
LIST_PAGER = f"{PREFIX}:list"          # staf:list:p:<n>
REGION_PAGER = f"{PREFIX}:reg"         # staf:reg:p:<n>
REGION_ALL = f"{PREFIX}:reg:all"
PICK = f"{PREFIX}:how:pick"
LINK = f"{PREFIX}:how:link"
TYPE_ID = f"{PREFIX}:how:id"
REGIONS_PER_PAGE = 10

ROLE_NAMES = {"operator": N_("operator"), "admin": N_("administrator")}
ERRORS = {
    "bad_id": N_("That is not a Telegram user id. Please send the number only, e.g. 123456789."),
    "bad_role": N_("Unknown role. Choose operator or administrator."),
    "bad_region": N_("Unknown kab/kota. Please choose one from the list."),
    "admin_region": N_("An administrator always sees the whole province."),
    "from_settings": N_("This administrator is set on the server; ask whoever runs the bot."),
    "self": N_("You cannot remove yourself. Ask another administrator."),
    "not_staff": N_("That person is not on the staff list."),
    "is_bot": N_("That is a bot, not a person. Please choose a colleague."),
}
INVITE_ERRORS = {
    "invite_unknown": N_("This invitation link is not valid. Please ask the administrator for "
                         "a new one."),
    "invite_used": N_("This invitation link has already been used. Please ask the "
                      "administrator for a new one."),
    "invite_expired": N_("This invitation link has expired. Please ask the administrator for "
                         "a new one."),
    "already_staff": N_("You are already on the staff of this bot. Your staff home: /petugas"),
}

# The staff home's buttons: (command, label, role needed). A button does exactly what typing
# the command does; only commands some feature registered are shown.
TASKS: tuple[tuple[str, str, str], ...] = (
    ("siaran", N_("Announcement"), "operator"),
    ("siaran_status", N_("Broadcasts sent"), "operator"),
    ("pengingat", N_("Reminders"), "operator"),
    ("kotak", N_("Residents' questions"), "operator"),
    ("belum_terjawab", N_("Not understood"), "operator"),
    ("ikm", N_("IKM report"), "operator"),
    ("impor", N_("Import data"), "operator"),
    ("kelola_relawan", N_("Manage volunteers"), "operator"),
    ("staf", N_("Staff"), "admin"),
)
TASK_NAMES = frozenset(name for name, _, _ in TASKS)


def region_name(content: Content, code: str | None) -> str | None:
    region = content.region(code or "") if code else None
    return region.label() if region else code


def role_text(t: Translator, role: str, region: str | None, content: Content) -> str:
    """'operator, Kota Surabaya' / 'operator, whole province' / 'administrator'."""
    text = t(ROLE_NAMES[role])
    if role == "operator":
        where = region_name(content, region) if region else t(N_("whole province"))
        text = f"{text}, {where}"
    return text


MAX_LABEL = 24  # an inline button's label, in every language (the language rules)


def label(text: str) -> str:
    """A button label cut to MAX_LABEL characters (a long name ends with '…')."""
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1].rstrip() + "…"


def who(m: Member | None, user_id: int) -> str:
    """A person as staff recognise them: 'Ahmad Fauzi (3001)', or just the id."""
    if m is not None and m.name:
        return f"{m.name} ({user_id})"
    return str(user_id)


# -- /staf -------------------------------------------------------------------------------------
def members_page(members: Sequence[Member], number: int) -> Page[Member]:
    return page(members, number)


def render_list(t: Translator, p: Page[Member], content: Content) -> str:
    lines = [t(N_("Staff of this bot:"))]
    for m in p.items:
        line = f"• {who(m, m.user_id)} — {role_text(t, m.role, m.region_code, content)}"
        if m.source == "settings":
            line += " " + t(N_("(set on the server)"))
        lines.append(line)
    caption = page_caption(t, p)
    if caption:
        lines += ["", caption]
    lines.append("")
    lines.append(t(N_("Operators may broadcast, create reminders, see reports and import; an "
                      "operator bound to a kab/kota sees only that region's questions and "
                      "broadcasts. Administrators may also manage staff.")))
    return "\n".join(lines)


def list_rows(t: Translator, p: Page[Member]) -> list[list[tuple[str, str]]]:
    rows = [[(t(N_("Add staff")), ADD), (t(N_("Remove staff")), REMOVE)]]
    pager = pager_row(t, LIST_PAGER, p)
    if pager:
        rows.append(pager)
    rows.append([(t(N_("Done")), CLOSE)])
    return rows


def role_rows(t: Translator) -> list[list[tuple[str, str]]]:
    return [[(t(ROLE_NAMES["operator"]).capitalize(), f"{PREFIX}:role:operator"),
             (t(ROLE_NAMES["admin"]).capitalize(), f"{PREFIX}:role:admin")]]


def region_rows(t: Translator, content: Content, number: int
                ) -> tuple[Page, list[list[tuple[str, str]]]]:
    """The kab/kota picker: the whole province first, then ten a page, two a row."""
    p = page(content.regions, number, REGIONS_PER_PAGE)
    rows: list[list[tuple[str, str]]] = [[(t(N_("Whole province")), REGION_ALL)]]
    items = list(p.items)
    for i in range(0, len(items), 2):
        rows.append([(r.label(), f"{PREFIX}:reg:{r.code}") for r in items[i:i + 2]])
    pager = pager_row(t, REGION_PAGER, p)
    if pager:
        rows.append(pager)
    return p, rows


def region_prompt(t: Translator, p: Page) -> str:
    text = t(N_("Which kab/kota will this operator work for? They will see only its "
                "questions and broadcasts. Choose the whole province for an operator who "
                "works for everyone."))
    caption = page_caption(t, p)
    return f"{text}\n{caption}" if caption else text


def method_rows(t: Translator) -> list[list[tuple[str, str]]]:
    return [[(t(N_("Choose a contact")), PICK)],
            [(t(N_("Make an invite link")), LINK)],
            [(t(N_("Type their user id")), TYPE_ID)]]


def method_prompt(t: Translator, role: str, region: str | None, content: Content) -> str:
    return t(N_("New staff member: {role}. How do you want to add them?\n"
                "• Choose a contact: pick them from your Telegram contacts.\n"
                "• Invite link: send them a link; it works once, for 48 hours.\n"
                "• User id: if you know their number.")).format(
        role=role_text(t, role, region, content))


def picker_prompt(t: Translator) -> str:
    return t(N_("Press the button at the bottom of the screen and choose your colleague. "
                "/batal cancels."))


def invite_text(t: Translator, link: str, role: str, region: str | None, content: Content,
                expires: dt.datetime, tz: dt.tzinfo) -> str:
    when = format_when(expires, t.locale, tz)
    return t(N_("Send this link to your colleague. When they open it, they become {role}. It "
                "works once, until {when}:\n{link}")).format(
        role=role_text(t, role, region, content), when=when, link=link)


def added_text(t: Translator, name: str, role: str, region: str | None,
               before: str | None, content: Content) -> str:
    now = role_text(t, role, region, content)
    if before is None:
        return t(N_("Done: {who} is now {role}.")).format(who=name, role=now)
    return t(N_("Done: {who} was {before} and is now {role}.")).format(
        who=name, before=t(ROLE_NAMES[before]), role=now)


def welcome_text(t: Translator, role: str, region: str | None, content: Content) -> str:
    return t(N_("Welcome to the staff of {office}! You are {role}. Your staff home is "
                "/petugas: the day's figures and a button for every task. Everything you do "
                "as staff is recorded.")).format(
        office=content.office.name.get(t.locale), role=role_text(t, role, region, content))


# -- the staff home ------------------------------------------------------------------------------
def render_home(t: Translator, f: Figures, content: Content) -> str:
    day = format_day(f.day, t.locale)
    lines = [t(N_("Staff home — {day}")).format(day=day)]
    if f.region is not None:
        lines.append(t(N_("Questions, broadcasts, reminders, volunteers and survey answers: "
                          "{region} only.")).format(region=region_name(content, f.region)))
    lines += ["", t(N_("Today:"))]
    lines.append("• " + t(N_("questions answered by the bot: {answered}; not understood: "
                             "{missed}")).format(answered=f.answered, missed=f.not_understood))
    line = "• " + t(N_("status checks: {n}; no record found: {missed}")).format(
        n=f.lookups, missed=f.lookups_missed)
    if f.miss_rate is not None:
        line += f" ({format_number(f.miss_rate * 100, t.locale, 1)}%)"
    lines.append(line)
    lines.append("• " + t(N_("questions waiting for an officer: {n}")).format(n=f.open_tickets))
    lines.append("• " + t(N_("broadcasts sending or scheduled: {n}")).format(
        n=f.broadcasts_running))
    lines.append("• " + t(N_("reminders still to send today: {n}")).format(n=f.reminders_due))
    lines.append("• " + t(N_("volunteers waiting for approval: {n}")).format(
        n=f.volunteers_pending))
    lines += ["", t(N_("This month:"))]
    lines.append("• " + t(N_("survey (SKM) answers: {n}")).format(n=f.skm_month))
    return "\n".join(lines)


def home_rows(t: Translator, tasks: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Two buttons a row; tasks are (command, label msgid)."""
    buttons = [(t(label), f"{HOME}:go:{command}") for command, label in tasks]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(t(N_("Refresh")), f"{HOME}:show")])
    return rows
