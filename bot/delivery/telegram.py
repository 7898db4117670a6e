"""The Telegram side of bot.delivery.sender: send an Outgoing, classify the answer."""

from __future__ import annotations

import asyncio

from telegram import Bot, MessageEntity
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core.ui import keyboard
from bot.delivery.sender import Delivery, Outcome, Outgoing, Sender, Senders

NETWORK_RETRIES = 3


def telegram_sender(bot: Bot, *, network_retries: int = NETWORK_RETRIES,
                    backoff: float = 0.5, rate_limit_args: dict | None = None) -> Sender:
    """`rate_limit_args=bot.delivery.ratelimit.BULK_ARGS` puts the sends in the rate limiter's
    bulk lane (broadcasts, reminders), behind the replies to residents."""
    extra = {"rate_limit_args": rate_limit_args} if rate_limit_args else {}

    async def send(chat_id: int, message: Outgoing) -> Delivery:
        markup = keyboard(message.buttons) if message.buttons else None
        entities = [MessageEntity.de_json(dict(e), bot) for e in message.entities] or None
        attempt = 0
        while True:
            try:
                if message.photo is not None:
                    sent = await bot.send_photo(chat_id, message.photo, caption=message.text,
                                                reply_markup=markup,
                                                parse_mode=message.parse_mode,
                                                caption_entities=entities, **extra)
                else:
                    sent = await bot.send_message(chat_id, message.text, reply_markup=markup,
                                                  parse_mode=message.parse_mode,
                                                  entities=entities, **extra)
                return Delivery(Outcome.SENT, message_id=sent.message_id)
            except RetryAfter as exc:
                retry = exc.retry_after
                seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else retry
                return Delivery(Outcome.RETRY, retry_after=float(seconds), error="429")
            except Forbidden as exc:
                return Delivery(Outcome.BLOCKED, error=_reason(exc))
            except BadRequest as exc:  # a NetworkError subclass in PTB: never retried
                return Delivery(Outcome.FAILED, error=_reason(exc))
            except (TimedOut, NetworkError) as exc:
                attempt += 1
                if attempt > network_retries:
                    return Delivery(Outcome.FAILED, error=_reason(exc))
                await asyncio.sleep(backoff * 2 ** (attempt - 1))

    return send


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def telegram_senders(bot: Bot) -> Senders:
    """The bot's two lanes: replies first, bulk sends behind them."""
    from bot.delivery.ratelimit import BULK_ARGS

    return Senders(reply=telegram_sender(bot), bulk=telegram_sender(bot, rate_limit_args=BULK_ARGS))
