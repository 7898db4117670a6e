"""The kab/kota and kecamatan pickers the registration and the volunteer's own edits share:
buttons (the kecamatan paged, two to a row) or a typed name, forgiving typing errors.

Callback data `<prefix>:reg:<code>`, `<prefix>:kec:<code>`, `<prefix>:kec:all` (no kecamatan:
the whole kab/kota, for roles that do not work per kecamatan) and `<prefix>:kec:p:<n>` (a page).
Untrusted: the handlers check a code against content, the service checks it again.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.core import paging
from bot.core.i18n import N_
from bot.core.ui import keyboard, reply, show
from bot.features.volunteers.render import Rows, short
from bot.features.volunteers.service import KECAMATAN_ROLES, match_kecamatan, match_regions

KEC_PER_PAGE = 12  # six rows of two: the largest kab/kota (33) takes three pages


def region_pattern(prefix: str) -> str:
    return rf"^{prefix}:reg:(35\d\d)$"


def kecamatan_pattern(prefix: str) -> str:
    return rf"^{prefix}:kec:(35\d{{4}}|all)$"


def kecamatan_page_pattern(prefix: str) -> str:
    return paging.pattern(f"{prefix}:kec")


async def ask_region(update: Update, context: BotContext, prefix: str) -> None:
    buttons = [(r.label(), f"{prefix}:reg:{r.code}") for r in context.content.regions]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    await reply(update, context, context._(N_(
        "In which kabupaten/kota do you work? Choose below, or type its name (for example "
        "Surabaya or Kab. Malang).")), keyboard(rows))


async def region_from_text(update: Update, context: BotContext, prefix: str) -> str | None:
    """The kab/kota the typed text names, or None after asking again (which one / not found)."""
    found = match_regions(update.message.text or "", context.content.regions)
    if len(found) == 1:
        return found[0].code
    if found:
        rows = [[(r.label(), f"{prefix}:reg:{r.code}")] for r in found]
        await reply(update, context, context._(N_("Which one do you mean?")), keyboard(rows))
        return None
    await reply(update, context, context._(N_(
        "I could not find that kabupaten/kota in East Java. Please type its name again, or "
        "choose a button above.")))
    return None


def kecamatan_keyboard(context: BotContext, prefix: str, region_code: str, role: str | None,
                       number: int = 0) -> Rows:
    by_name = sorted(context.content.kecamatan_of(region_code), key=lambda k: k.name)
    p = paging.page(by_name, number, KEC_PER_PAGE)
    buttons = [(short(k.name), f"{prefix}:kec:{k.code}") for k in p.items]
    rows: Rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    pager = paging.pager_row(context.t, f"{prefix}:kec", p)
    if pager:
        rows.append(pager)
    if role not in KECAMATAN_ROLES:
        rows.append([(short(context._(N_("The whole kab/kota"))), f"{prefix}:kec:all")])
    return rows


def kecamatan_question(context: BotContext, region_label: str, role: str | None) -> str:
    text = context._(N_("{region}: in which kecamatan do you work? Choose below or type its "
                        "name.")).format(region=region_label)
    if role not in KECAMATAN_ROLES:
        text += " " + context._(N_("If you work in the whole kab/kota, press \"The whole "
                                   "kab/kota\"."))
    return text


async def ask_kecamatan(update: Update, context: BotContext, prefix: str, region_code: str,
                        role: str | None, number: int = 0, *, edit: bool = False) -> None:
    region = context.content.region(region_code)
    label = region.label() if region else region_code
    text = kecamatan_question(context, label, role)
    markup = keyboard(kecamatan_keyboard(context, prefix, region_code, role, number))
    if edit:
        await show(update, context, text, markup)
    else:
        await reply(update, context, text, markup)


async def kecamatan_from_text(update: Update, context: BotContext, prefix: str,
                              region_code: str) -> str | None:
    found = match_kecamatan(update.message.text or "", context.content.kecamatan_of(region_code))
    if len(found) == 1:
        return found[0].code
    if found:
        rows = [[(short(k.name), f"{prefix}:kec:{k.code}")] for k in found]
        await reply(update, context, context._(N_("Which one do you mean?")), keyboard(rows))
        return None
    await reply(update, context, context._(N_(
        "I could not find that kecamatan in this kab/kota. Please type its name again, or "
        "choose a button above.")))
    return None


def valid_kecamatan(context: BotContext, code: str, region_code: str) -> bool:
    kec = context.content.kecamatan_by_code(code)
    return kec is not None and kec.region_code == region_code
