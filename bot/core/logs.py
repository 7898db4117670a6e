"""Logging: one format, and nothing personal or secret in any line, at any level.

Two layers:
- Library loggers that print payloads (PTB prints every update and every Bot API call's
  parameters at DEBUG: message texts, names, a NIK typed by a resident, the webhook secret;
  httpx prints URLs with the token) stay at INFO or above, whatever LOG_LEVEL says. Our own
  loggers follow LOG_LEVEL; they never log message texts.
- Every formatted line (tracebacks included) is redacted: a NIK in any form people type it
  (16 digits, with spaces, dots or dashes), anything shaped like a bot token, and the values
  of the configured secrets (BOT_TOKEN, NIK_HMAC_KEY, WEBHOOK_SECRET, the WEBHOOK_URL path).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from bot.settings import Settings

_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{20,}")
# 16 or more digits, each pair separated by at most a few spaces, dots or dashes ("3578 0101
# 0190 0002", "3578.0101.0190.0002"). Over-redacting a long number is fine; leaking is not.
_NIK = re.compile(r"(?<!\d)\d(?:[ .\-\u00a0\t]{0,3}\d){15,}", re.ASCII)
# Loggers that print request or update payloads below INFO.
PAYLOAD_LOGGERS = ("telegram", "apscheduler")
# Loggers too chatty even at INFO (httpx logs every request URL, and the URL has the token).
QUIET_LOGGERS = ("httpx", "httpcore", "aiosqlite")
MIN_SECRET = 4  # a shorter value would redact ordinary words; settings refuse such secrets


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, "[SECRET]")
    return _NIK.sub("[NIK]", _TOKEN.sub("[TOKEN]", text))


def secret_values(settings: Settings | None) -> list[str]:
    """The configured secrets as they could appear in a line, longest first."""
    if settings is None:
        return []
    values = []
    for field in ("bot_token", "nik_hmac_key", "webhook_secret"):
        value = getattr(settings, field, None)
        if value is not None:
            values.append(value if isinstance(value, str) else value.get_secret_value())
    if settings.webhook_url:
        path = urlparse(settings.webhook_url).path.strip("/")
        if path:
            values.append(path)  # the secret path Telegram posts to
    return sorted({v for v in values if len(v) >= MIN_SECRET}, key=len, reverse=True)


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, tracebacks and exception messages included."""

    def __init__(self, fmt: str | None = None, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def setup_logging(level: str | int = "INFO", settings: Settings | None = None,
                  stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                            secret_values(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)
    floor = max(root.level, logging.INFO)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(floor)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
