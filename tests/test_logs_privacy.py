"""No personal data or secret in any log line, at INFO and at DEBUG (issue 17, defect 5)."""

from __future__ import annotations

import io
import logging

import pytest

from bot.core.logs import redact, setup_logging
from bot.offline.client import ChatClient
from tests.conftest import choose_language

WEBHOOK_SECRET = "hook_Secret-4242xyz"
HMAC_KEY = "test-nik-key"  # the settings fixture's NIK_HMAC_KEY
NIK_FORMS = ["3578 0101 0190 0002", "3578.0101.0190.0002", "3578-0101-0190-0002",
             "3578010101900002"]
NAME = "Siti Aminah Rahayuningsih"


@pytest.fixture
def isolated_logging():
    """setup_logging() replaces the root handler: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = ["telegram", "telegram.ext", "httpx", "httpcore", "apscheduler", "aiosqlite"]
    levels = {n: logging.getLogger(n).level for n in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for n, lv in levels.items():
        logging.getLogger(n).setLevel(lv)


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
async def test_a_status_check_and_a_webhook_leave_nothing_personal(
        level, make_app, fake, settings, isolated_logging):
    stream = io.StringIO()
    settings = settings.model_copy(update={"webhook_url": "https://dinsos.example/hook-path9x",
                                           "webhook_secret": WEBHOOK_SECRET})
    setup_logging(level, settings=settings, stream=stream)
    app = await make_app(webhook_url=settings.webhook_url,
                         webhook_secret=settings.webhook_secret)
    person = await choose_language(ChatClient(app, fake, user_id=1001, first_name="Siti"), "id")
    for nik in NIK_FORMS:
        await person.send("/status")
        await person.send(nik)
        await person.send(NAME)
    await app.bot.set_webhook(settings.webhook_url, secret_token=WEBHOOK_SECRET)
    mine = logging.getLogger("bot.somewhere")
    mine.warning("a careless line: nik=%s key=%s secret=%s", NIK_FORMS[0], HMAC_KEY,
                 WEBHOOK_SECRET)
    mine.debug("debug line with %s", NIK_FORMS[1])
    out = stream.getvalue()
    assert "a careless line" in out
    if level == "DEBUG":
        assert "debug line with [NIK]" in out  # our own DEBUG lines are shown, redacted
    for nik in NIK_FORMS:
        assert nik not in out
    for secret in (WEBHOOK_SECRET, HMAC_KEY, "hook-path9x", NAME, "Aminah"):
        assert secret not in out, secret


def test_every_nik_form_is_redacted():
    for nik in [*NIK_FORMS, "3578 0101  0190 0002", "3578\u00a00101\u00a001900002"]:
        assert redact(f"text {nik} end") == "text [NIK] end", nik
    assert redact("update 123456789 at 2026-11-02 08:00:00,123") == \
        "update 123456789 at 2026-11-02 08:00:00,123"
