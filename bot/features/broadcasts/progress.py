"""The Telegram side of a broadcast's progress: the operator's message, edited as it goes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import tzinfo

from telegram import Bot
from telegram.error import BadRequest

from bot.content import Content
from bot.core.i18n import I18n
from bot.features.broadcasts.model import Report
from bot.features.broadcasts.render import render_report, stop_markup
from bot.features.broadcasts.repo import BroadcastRow
from bot.features.broadcasts.sending import Notify
from bot.features.subscribers.service import SubscriberService

log = logging.getLogger(__name__)


Progress = Callable[[I18n, Content, SubscriberService, tzinfo], Notify]


def progress_notifier(bot: Bot) -> Progress:
    """For the composition root: the broadcast service's progress callback on this bot."""

    def build(i18n: I18n, content: Content, subscribers: SubscriberService,
              tz: tzinfo) -> Notify:
        async def notify(b: BroadcastRow, report: Report, final: bool) -> None:
            if b.report_chat_id is None:
                return
            t = i18n.translator(await subscribers.locale_for(b.created_by))
            text = render_report(t, report, content, final, tz)
            if b.progress_message_id is not None:
                try:
                    await bot.edit_message_text(text, chat_id=b.report_chat_id,
                                                message_id=b.progress_message_id,
                                                reply_markup=None if final else
                                                stop_markup(t, report))
                except BadRequest as exc:  # "not modified", or too old: the final report follows
                    log.debug("progress edit refused: %s", exc)
            if final and report.status == "done":  # a stop is answered by the stop itself
                await bot.send_message(b.report_chat_id, text)

        return notify

    return build
