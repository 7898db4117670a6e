"""The Telegram side of delivery: send an Outgoing, classify the answer; and the wiring of
bot.delivery's engine (built once, the bulk sender attached, the drain job)."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, MessageEntity
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery.engine import DeliveryEngine
from bot.delivery.outbox_repo import OutboxRepo
from bot.ratelimit import BULK_ARGS
from bot.services.delivery import Delivery, Outcome, Outgoing, Sender
from handlers.common import keyboard

log = logging.getLogger(__name__)

NETWORK_RETRIES = 3


def telegram_sender(bot: Bot, *, network_retries: int = NETWORK_RETRIES,
                    backoff: float = 0.5, rate_limit_args: dict | None = None,
                    paid: bool = False) -> Sender:
    """`rate_limit_args=bot.ratelimit.BULK_ARGS` puts the sends in the rate limiter's bulk lane
    (every bulk send: see bulk_sender), behind the replies to residents. A timeout or network
    error is retried `network_retries` times here, then answered Outcome.NETWORK."""
    extra: dict = {"rate_limit_args": rate_limit_args} if rate_limit_args else {}
    if paid:  # Telegram's paid broadcast: above 30/s, 0.1 Stars a message from the bot's balance
        extra["allow_paid_broadcast"] = True

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
                    return Delivery(Outcome.NETWORK, error=_reason(exc))
                await asyncio.sleep(backoff * 2 ** (attempt - 1))

    return send


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


# -- the delivery engine's wiring ---------------------------------------------------------------
FEATURE = "delivery"
DRAIN_JOB = "delivery:drain"
DRAIN_EVERY = 10.0  # seconds: rows enqueued by the command line or left by a crash go out


def bulk_sender(bot: Bot, *, paid: bool = False) -> Sender:
    """The one sender of every bulk send: the rate limiter's bulk lane; no retries of its own
    (the engine retries timeouts with its backoff, after a 429 the limiter pauses). `paid`:
    with allow_paid_broadcast (paid broadcasts only)."""
    return telegram_sender(bot, network_retries=0, rate_limit_args=BULK_ARGS, paid=paid)


def build_delivery_service(runtime) -> DeliveryEngine:
    engine = DeliveryEngine(OutboxRepo(runtime.db), runtime.clock)

    async def mark_blocked(user_id: int, kind: str, reason: str) -> None:
        await runtime.subscribers.set_blocked(user_id, True)

    engine.on_blocked(mark_blocked)
    return engine


def delivery_engine(context_or_app) -> DeliveryEngine:
    """The bot's one DeliveryEngine (built on first use, so any feature may ask early)."""
    app = getattr(context_or_app, "application", None) or context_or_app
    runtime = app.runtime
    engine = runtime.extras.get(FEATURE)
    if engine is None:
        engine = runtime.extras[FEATURE] = build_delivery_service(runtime)
        engine.attach(bulk_sender(app.bot))
    return engine  # type: ignore[no-any-return]


async def drain_job(context) -> None:
    try:
        await delivery_engine(context.application).flush()
    except Exception as exc:  # a bad round must not stop the job; the next one retries
        log.warning("delivery round failed: %s", type(exc).__name__)


async def _on_start(app) -> None:
    engine = delivery_engine(app)
    again = await engine.recover()
    if again:
        log.info("%s outbox rows were in flight at a crash; sent again, flagged", again)
    if app.job_queue is not None:
        for job in app.job_queue.get_jobs_by_name(DRAIN_JOB):
            job.schedule_removal()
        app.job_queue.run_repeating(drain_job, interval=DRAIN_EVERY, first=DRAIN_EVERY,
                                    name=DRAIN_JOB)


def register(app) -> None:
    delivery_engine(app)
    app.runtime.start_hooks.append(_on_start)
