"""The webhook listens on loopback unless told otherwise (issue 17, defect 7)."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_webhook_listens_on_loopback_by_default(monkeypatch):
    monkeypatch.delenv("WEBHOOK_LISTEN", raising=False)
    assert Settings(_env_file=None).webhook_listen == "127.0.0.1"
    monkeypatch.setenv("WEBHOOK_LISTEN", "0.0.0.0")
    assert Settings(_env_file=None).webhook_listen == "0.0.0.0"


def test_webhook_listen_is_documented():
    assert "WEBHOOK_LISTEN" in (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert "WEBHOOK_LISTEN=127.0.0.1" in example
