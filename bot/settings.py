"""Settings: read from the environment or `.env`, validated once, never printed whole.

A bad value becomes a `SettingsError` with one clear line that names the setting but never its
value (a token or a key must not reach a terminal or a log).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LANGUAGES = ("id", "jv")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """A setting is missing or malformed; the message is safe to print."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    bot_api_base_url: str = "https://api.telegram.org/bot"
    database_path: Path = Path("data/dinsos.sqlite3")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    nik_hmac_key: SecretStr | None = None
    bot_username: str | None = None  # for `skm poster` offline; the bot itself asks getMe
    timezone: str = "Asia/Jakarta"
    default_language: Literal["id", "jv"] = "id"
    broadcast_rate: float = Field(default=25.0, gt=0, le=30)
    paid_broadcast: bool = False  # offer Telegram's paid broadcasts (allow_paid_broadcast)
    paid_broadcast_rate: float = Field(default=100.0, gt=30, le=1000)
    reminder_grace: dt.timedelta = dt.timedelta(hours=6)
    ticket_remind_hours: float = Field(default=4.0, gt=0, le=200)  # working hours
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_listen: str = "127.0.0.1"  # behind a reverse proxy on the same machine
    content_dir: Path = PROJECT_ROOT / "content"
    locales_dir: Path = PROJECT_ROOT / "locales"
    log_level: str = "INFO"
    # Personal data lifecycle (bot/features/privacy): days to keep; 0 keeps for ever.
    retention_lookup_audit_days: int = Field(default=180, ge=0)
    retention_status_watch_days: int = Field(default=365, ge=0)
    retention_closed_tickets_days: int = Field(default=365, ge=0)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            if not all(p.isascii() and p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be Telegram user ids (numbers) separated by commas")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known time zone (e.g. Asia/Jakarta)") from exc
        return value

    @field_validator("default_language", mode="before")
    @classmethod
    def _lower_language(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("webhook_url", "bot_token", "nik_hmac_key", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("reminder_grace", mode="before")
    @classmethod
    def _seconds_or_iso(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().isdigit():
            return dt.timedelta(seconds=int(value.strip()))
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token(self) -> str:
        if self.bot_token is None:
            raise SettingsError("BOT_TOKEN is not set: put the token from @BotFather in .env")
        return self.bot_token.get_secret_value()

    def nik_key(self) -> bytes:
        if self.nik_hmac_key is None:
            raise SettingsError("NIK_HMAC_KEY is not set: it is needed to import or look up NIKs")
        return self.nik_hmac_key.get_secret_value().encode()

    def check_for_run(self) -> None:
        self.token()
        if self.webhook_url and self.webhook_secret is None:
            raise SettingsError("WEBHOOK_SECRET must be set when WEBHOOK_URL is set")


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; raise SettingsError with one safe line when something is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err.get("loc") else "a setting"
        msg = err.get("msg", "is invalid")
        msg = msg.removeprefix("Value error, ")
        if err.get("type") == "literal_error" and name == "DEFAULT_LANGUAGE":
            msg = "must be 'id' or 'jv'"
        raise SettingsError(f"{name} {msg}") from None
