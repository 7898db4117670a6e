"""Delivery: how services send messages without knowing Telegram.

A service that must send (reminders, broadcasts, status notifications) takes a `Sender`; the
Telegram adapter (bot.delivery.telegram.telegram_sender) turns Bot API answers into an Outcome:

  SENT     delivered
  BLOCKED  403: the user blocked the bot, deactivated, or never started it. Never retry.
  RETRY    429 flood control: wait `retry_after` seconds, then send the same message again
  FAILED   400 (chat not found, bad request) or a network error that outlived its retries
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class Outcome(enum.StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Outgoing:
    """A message to send: text (or a photo with caption) and inline buttons (label, data).

    `photo` is the bytes of an image or a Telegram file_id. `entities` (Bot API MessageEntity
    dicts, offsets in UTF-16 units) format the text without parse_mode, so nothing the user
    typed needs escaping.
    """

    text: str
    buttons: Sequence[Sequence[tuple[str, str]]] = ()
    photo: bytes | str | None = None
    parse_mode: str | None = None
    entities: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    message_id: int | None = None
    retry_after: float | None = None
    error: str | None = field(default=None)  # a short reason for staff, never message content


Sender = Callable[[int, Outgoing], Awaitable[Delivery]]


@dataclass(frozen=True)
class Senders:
    """One sender per lane: `reply` answers people who wrote; `bulk` carries broadcasts,
    reminders and notifications behind the replies (bot.delivery.ratelimit)."""

    reply: Sender
    bulk: Sender

    @classmethod
    def refusing(cls) -> Senders:
        """For the command line, whose verbs never send: a send is a programming error."""

        async def refuse(chat_id: int, message: Outgoing) -> Delivery:
            raise RuntimeError("this process has no Telegram bot to send with")

        return cls(reply=refuse, bulk=refuse)
