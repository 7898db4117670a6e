"""The staff home (/petugas, "Menu petugas" in the staff's menu), invite links, the welcome.

- The home shows the day's figures (bot.features.staff.figures, each from its own feature's
  service, for the staff member's Scope) and a button for every staff task. A task button
  does exactly what typing its command does: the command is handed in again as if typed
  (so each feature's own checks, conversations and texts apply unchanged).
- `/start staf_<token>` redeems a one-time invite link (StaffService.redeem_invite).
- The welcome to a new officer goes through the delivery engine's outbox (kind
  "staff.welcome"): committed before it is sent, retried by the drain job, never twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from telegram import Message, MessageEntity, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.menu import CommandSpec, MenuEntry
from bot.core.ui import answer_query, keyboard, reply, show, staff_or_unknown, unknown_command
from bot.delivery.sender import Outgoing
from bot.features.staff import figures
from bot.features.staff import render as r
from bot.features.staff.service import INVITE_PAYLOAD, PermissionDenied, StaffError

if TYPE_CHECKING:
    from bot.app import BotApplication

MENU = MenuEntry("petugas", N_("Staff home"), order=1, staff_only=True)
SHOW = f"{r.HOME}:show"
TASK_PATTERN = rf"^{r.HOME}:go:([a-z_]{{1,32}})$"
INVITE_RX = rf"^/start(@\w+)? {INVITE_PAYLOAD}"
WELCOME = "staff.welcome"


def tasks_for(context: BotContext, role: str) -> list[tuple[str, str]]:
    """The task buttons this role may use, for commands some feature registered."""
    registered = {c.name for c in context.services.commands.visible(True)}
    admin = role == "admin"
    return [(command, label) for command, label, needed in r.TASKS
            if command in registered and (admin or needed == "operator")]


async def cmd_home(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    await answer_query(update)
    staff = context.services.staff
    user = update.effective_user
    try:
        scope = await staff.scope(user.id)
    except PermissionDenied:
        await unknown_command(update, context)
        return
    await staff.remember_name(user.id, user.full_name)
    f = await figures.gather(context.services, user.id, scope)
    await show(update, context, r.render_home(context.t, f, context.content),
               keyboard(r.home_rows(context.t, tasks_for(context, scope.role))),
               edit=update.callback_query is not None
               and (update.callback_query.data or "") == SHOW)


def as_typed(update: Update, command: str, context: BotContext) -> Update:
    """The update a person typing `/command` in this chat would have sent."""
    query = update.callback_query
    text = f"/{command}"
    message = Message(
        message_id=query.message.message_id, date=context.services.clock(),
        chat=query.message.chat, from_user=query.from_user, text=text,
        entities=(MessageEntity(MessageEntity.BOT_COMMAND, 0, len(text)),))
    message.set_bot(context.bot)
    typed = Update(update.update_id, message=message)
    typed.set_bot(context.bot)
    return typed


async def on_task(update: Update, context: BotContext) -> None:
    """A task button: checked (known task, registered, the role may use it), then run as the
    command. The command's own handler checks the role again, and its service once more."""
    command = context.match.group(1)
    user = update.effective_user
    role = await context.services.staff.role(user.id) if user else None
    allowed = role is not None and command in {c for c, _ in tasks_for(context, role)}
    if allowed and update.callback_query.message is None:  # too old to say where it was
        allowed = False
    if not allowed:
        if role is None:
            await staff_or_unknown(update, context, "operator")  # the unknown-command answer
        else:
            await answer_query(update, context._(N_(
                "This button is no longer active. Please open /menu again.")))
        return
    await answer_query(update)
    cast("BotApplication", context.application).redispatch(as_typed(update, command, context))


async def on_invite(update: Update, context: BotContext) -> None:
    """/start staf_<token>: a one-time invite link."""
    token = (context.args[0] if context.args else "")[len(INVITE_PAYLOAD):]
    user = update.effective_user
    try:
        member = await context.services.staff.redeem_invite(user.id, token, user.full_name)
    except StaffError as err:
        await reply(update, context, context._(r.INVITE_ERRORS.get(
            err.code, r.INVITE_ERRORS["invite_unknown"])))
        return
    t = context.t
    await reply(update, context, r.welcome_text(t, member.role, member.region_code,
                                                context.content))
    await cmd_home(update, context)


# -- the welcome, through the outbox ------------------------------------------------------------
def welcome_renderer(app: BotApplication):
    services = app.services

    async def render(user_id: int, payload: dict) -> list[Outgoing]:
        member = await services.staff.member(user_id)
        if member is None:  # removed before the welcome went out: nothing to say
            return []
        t = services.i18n.translator(await services.subscribers.locale_for(user_id))
        registered = {c.name for c in services.commands.visible(True)}
        tasks = [(c, label) for c, label, needed in r.TASKS if c in registered
                 and (member.role == "admin" or needed == "operator")]
        return [Outgoing(r.welcome_text(t, member.role, member.region_code, services.content),
                         buttons=r.home_rows(t, tasks))]

    return render


async def send_welcome(application: object, user_id: int) -> bool:
    """Queue the welcome and send it now; True if it arrived (False: the person has not
    started the bot, or blocked it; the row stays recorded as such)."""
    app = cast("BotApplication", application)
    engine = app.services.delivery
    ref = f"{user_id}:{app.services.clock().timestamp():.0f}"
    await engine.enqueue(WELCOME, ref, [user_id], {})
    report = await engine.flush(WELCOME, ref)
    return report.sent > 0


def register(app: BotApplication) -> None:
    services = app.services
    services.menu.add(MENU)
    services.commands.add(CommandSpec("petugas", N_("staff home: today's figures and tasks"),
                                      order=60, staff_only=True))
    services.delivery.register(WELCOME, welcome_renderer(app))
    app.add_handler(CommandHandler("start", on_invite, filters=filters.Regex(INVITE_RX)))
    app.add_handler(CommandHandler("petugas", cmd_home))
    app.add_handler(CallbackQueryHandler(cmd_home, pattern=rf"^(?:{MENU.pattern[1:-1]}|{SHOW})$"))
    app.add_handler(CallbackQueryHandler(on_task, pattern=TASK_PATTERN))
