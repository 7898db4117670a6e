"""Texts and keyboards of the volunteers feature, from a Translator (no Telegram here).

Callback data of the staff screens (all untrusted: the service checks role and region again):
  vadm:home                  the counts and the lists          vadm:find   search by name
  vadm:l:<s>:p:<n>           a list page, s = p|a|i|r (status)  vadm:s:p:<n> a search page
  vadm:v:<id>:<s><n>         a volunteer's card (s<n>: the list and page to go back to)
  vadm:ok:<id>               approve                            vadm:no:<id> reject: reasons
  vadm:rj:<id>:<reason>      reject with a preset reason        vadm:x       export (xlsx)
  vadm:off:<id> / vadm:offy:<id>   deactivate: ask, then do     vadm:on:<id> reactivate
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.content import Kecamatan, Region
from bot.core import paging
from bot.core.i18n import N_, Translator
from bot.features.volunteers.repo import Volunteer
from bot.features.volunteers.service import (
    REJECT_REASONS,
    ROLES,
    VolunteerService,
    left_on_their_own,
)

Button = tuple[str, str]
Rows = list[list[Button]]

VADM = "vadm"
HOME = f"{VADM}:home"
FIND = f"{VADM}:find"
EXPORT = f"{VADM}:x"
STATUS_KEYS = {"p": "pending", "a": "approved", "i": "inactive", "r": "rejected"}
KEY_OF = {v: k for k, v in STATUS_KEYS.items()}
SEARCH_KEY = "s"
LIST_PATTERN = rf"^{VADM}:l:([pair]):p:(\d{{1,{paging.MAX_PAGE_DIGITS}}})$"
SEARCH_PATTERN = paging.pattern(f"{VADM}:s")
CARD_PATTERN = rf"^{VADM}:v:(\d{{1,15}}):([pairs])(\d{{1,{paging.MAX_PAGE_DIGITS}}})$"
ACTION_PATTERN = rf"^{VADM}:(ok|no|off|offy|on):(\d{{1,15}})$"
REASON_PATTERN = rf"^{VADM}:rj:(\d{{1,15}}):([a-z]{{2,12}})$"
LABEL_MAX = 24   # an inline button's label, in both languages

STATUS_LABELS = {
    "pending": N_("Waiting for approval"),
    "approved": N_("Active"),
    "inactive": N_("Deactivated"),
    "rejected": N_("Rejected"),
}
LIST_TITLES = {
    "pending": N_("Volunteers waiting for approval"),
    "approved": N_("Active volunteers"),
    "inactive": N_("Deactivated volunteers"),
    "rejected": N_("Rejected registrations"),
}
STATUS_BUTTONS = {
    "pending": N_("Waiting ({n})"),
    "approved": N_("Active ({n})"),
    "inactive": N_("Deactivated ({n})"),
    "rejected": N_("Rejected ({n})"),
}


def short(label: str, limit: int = LABEL_MAX) -> str:
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def region_label(vols: VolunteerService, code: str | None) -> str:
    region: Region | None = vols.region(code)
    return region.label() if region else (code or "-")


def kecamatan_label(vols: VolunteerService, code: str | None) -> str:
    kec: Kecamatan | None = vols.kecamatan_by_code(code)
    return kec.name if kec else ""


def reason_text(t: Translator, vol: Volunteer) -> str:
    """A rejection's reason as the reader reads it ('' if none was given)."""
    if vol.reason_code == "other":
        return vol.reason_note or ""
    return t(REJECT_REASONS[vol.reason_code]) if vol.reason_code in REJECT_REASONS else ""


def describe(t: Translator, vols: VolunteerService, vol: Volunteer, *,
             with_id: bool = True) -> str:
    kec = kecamatan_label(vols, vol.kecamatan_code)
    lines = [
        t(N_("Name: {name}")).format(name=vol.name),
        t(N_("Role: {role}")).format(role=t(ROLES.get(vol.role, vol.role))),
        t(N_("Kab/kota: {region}")).format(region=region_label(vols, vol.region_code)),
        t(N_("Kecamatan: {kecamatan}")).format(kecamatan=kec or t(N_("the whole kab/kota"))),
        t(N_("Phone: {phone}")).format(phone=vol.phone or "-"),
    ]
    if with_id:
        lines.append(t(N_("Telegram id: {id}")).format(id=vol.user_id))
    return "\n".join(lines)


def scope_label(t: Translator, vols: VolunteerService, region: str | None) -> str:
    return region_label(vols, region) if region else t(N_("whole province"))


# -- staff: the home of the volunteers' screens --------------------------------------------------
def home(t: Translator, vols: VolunteerService, counts: dict[str, int],
         region: str | None) -> tuple[str, Rows]:
    text = t(N_("Volunteers ({where})")).format(where=scope_label(t, vols, region)) + "\n" + \
        "\n".join(f"{t(STATUS_LABELS[s])}: {counts.get(s, 0)}" for s in STATUS_LABELS)
    buttons = [(short(t(STATUS_BUTTONS[s]).format(n=counts.get(s, 0))), f"{VADM}:l:{k}:p:0")
               for k, s in STATUS_KEYS.items()]
    rows = [buttons[:2], buttons[2:],
            [(short(t(N_("Search by name"))), FIND), (short(t(N_("Export (xlsx)"))), EXPORT)]]
    return text, rows


def _line(t: Translator, vols: VolunteerService, n: int, vol: Volunteer) -> str:
    kec = kecamatan_label(vols, vol.kecamatan_code)
    where = region_label(vols, vol.region_code) + (f", {kec}" if kec else "")
    role = t(ROLES.get(vol.role, vol.role)).split(" (")[0]
    return f"{n}. {vol.name}: {role}, {where}"


def volunteer_list(t: Translator, vols: VolunteerService, items: Sequence[Volunteer],
                   number: int, *, title: str, key: str, pager_prefix: str,
                   empty: str) -> tuple[str, Rows]:
    """One page of volunteers: a numbered line each, a button each to open the card, the
    pager, and the way back."""
    p = paging.page(items, number)
    head = f"{title}: {p.total}"
    caption = paging.page_caption(t, p)
    lines = [head + (f" · {caption}" if caption else "")]
    if not p.items:
        lines.append(empty)
    buttons = []
    for i, vol in enumerate(p.items, p.first):
        lines.append(_line(t, vols, i, vol))
        buttons.append((short(f"{i}. {vol.name}"), f"{VADM}:v:{vol.user_id}:{key}{p.number}"))
    rows: Rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    pager = paging.pager_row(t, pager_prefix, p)
    if pager:
        rows.append(pager)
    rows.append([(short(t(N_("« Volunteers"))), HOME)])
    return "\n".join(lines), rows


LEFT_NOTE = N_("This volunteer stopped on their own. They can register again with /relawan.")


def card(t: Translator, vols: VolunteerService, vol: Volunteer, back: str,
         dates: tuple[str | None, str | None]) -> tuple[str, Rows]:
    """A volunteer's details for staff with the actions their status allows. `back` is the
    list page's callback data; `dates` the registration and decision, formatted."""
    registered, decided = dates
    lines = [describe(t, vols, vol),
             t(N_("Status: {status}")).format(status=t(STATUS_LABELS.get(vol.status,
                                                                         vol.status)))]
    if registered:
        lines.append(t(N_("Registered: {date}")).format(date=registered))
    left = left_on_their_own(vol)
    if decided and left:
        lines.append(t(N_("Stopped on their own: {date}")).format(date=decided))
    elif decided and vol.status != "pending":
        lines.append(t(N_("Decided: {date}")).format(date=decided))
    reason = reason_text(t, vol)
    if vol.status == "rejected" and reason:
        lines.append(t(N_("Reason: {reason}")).format(reason=reason))
    uid = vol.user_id
    actions: list[Button] = []
    if vol.status == "pending":
        actions = [(short(t(N_("Approve"))), f"{VADM}:ok:{uid}"),
                   (short(t(N_("Reject"))), f"{VADM}:no:{uid}")]
    elif vol.status == "approved":
        actions = [(short(t(N_("Deactivate"))), f"{VADM}:off:{uid}")]
    elif vol.status == "inactive" and left:
        lines.append(t(LEFT_NOTE))
    elif vol.status == "inactive":
        actions = [(short(t(N_("Reactivate"))), f"{VADM}:on:{uid}")]
    rows: Rows = [actions] if actions else []
    rows.append([(short(t(N_("« Back to the list"))), back)])
    return "\n".join(lines), rows


def back_data(key: str, number: int) -> str:
    if key == SEARCH_KEY:
        return f"{VADM}:s:p:{number}"
    return f"{VADM}:l:{key}:p:{number}"


def reasons(t: Translator, vol: Volunteer) -> tuple[str, Rows]:
    text = t(N_("Why is the registration of {name} rejected? The volunteer is told the reason "
                "in their language.")).format(name=vol.name)
    rows: Rows = [[(short(t(REASON_BUTTONS[code])), f"{VADM}:rj:{vol.user_id}:{code}")]
                  for code in REJECT_REASONS]
    rows.append([(short(t(N_("‹ Back"))), f"{VADM}:v:{vol.user_id}:p0")])
    return text, rows


# Short labels of the reasons for the buttons (the full reason is what the volunteer reads).
REASON_BUTTONS = {
    "unconfirmed": N_("Work not confirmed"),
    "region": N_("Wrong kab/kota"),
    "details": N_("Details incomplete"),
    "duplicate": N_("Registered twice"),
    "other": N_("Other (type it)"),
}


def confirm_deactivate(t: Translator, vol: Volunteer, back: str) -> tuple[str, Rows]:
    text = t(N_("Deactivate {name}? They will no longer receive volunteer reminders or "
                "announcements. You can reactivate them later.")).format(name=vol.name)
    return text, [[(short(t(N_("Yes, deactivate"))), f"{VADM}:offy:{vol.user_id}"),
                   (short(t(N_("No"))), back)]]


# -- the volunteer -----------------------------------------------------------------------------
def decision_notice(t: Translator, status: str, reason: str) -> str:
    """What the volunteer is told of the office's decision, in their language."""
    if status == "approved":
        return t(N_("Your registration as a volunteer has been approved. Welcome! The office's "
                    "reminders will arrive here. Type /tugas to see your reminders and tasks."))
    text = t(N_("Sorry, your registration as a volunteer was not approved. For questions, "
                "please contact the office: type /bantuan for the contacts."))
    if reason:
        text += "\n\n" + t(N_("Reason: {reason}")).format(reason=reason)
        text += "\n" + t(N_("You may correct your details and register again with /relawan."))
    return text


def request_notice(t: Translator, vols: VolunteerService, vol: Volunteer) -> tuple[str, Rows]:
    """The staff's notice of a new registration, with the decision buttons."""
    text = t(N_("New volunteer registration:")) + "\n" + describe(t, vols, vol)
    rows = [[(short(t(N_("Approve"))), f"vol:ok:{vol.user_id}"),
             (short(t(N_("Reject"))), f"vol:no:{vol.user_id}")],
            [(short(t(N_("All waiting"))), f"{VADM}:l:p:p:0")]]
    return text, rows
