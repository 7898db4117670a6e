"""The Telegram side of bot.services.delivery: send an Outgoing, classify the answer."""

from __future__ import annotations

import asyncio

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.services.delivery import Delivery, Outcome, Outgoing, Sender
from handlers.common import keyboard

NETWORK_RETRIES = 3


def telegram_sender(bot: Bot, *, network_retries: int = NETWORK_RETRIES,
                    backoff: float = 0.5) -> Sender:
    async def send(chat_id: int, message: Outgoing) -> Delivery:
        markup = keyboard(message.buttons) if message.buttons else None
        attempt = 0
        while True:
            try:
                if message.photo is not None:
                    sent = await bot.send_photo(chat_id, message.photo, caption=message.text,
                                                reply_markup=markup,
                                                parse_mode=message.parse_mode)
                else:
                    sent = await bot.send_message(chat_id, message.text, reply_markup=markup,
                                                  parse_mode=message.parse_mode)
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
