"""Logging: one format, httpx silenced, and a filter that redacts tokens and NIK-like numbers."""

from __future__ import annotations

import logging
import re

# A bot token (digits:secret) and any run of 16 digits (a NIK) never reach a log line.
_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{20,}")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)", re.ASCII)


def redact(text: str) -> str:
    return _NIK.sub("[NIK]", _TOKEN.sub("[TOKEN]", text))


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, tracebacks and exception messages included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
