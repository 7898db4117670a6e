"""BotContext: the CallbackContext every handler gets, with the user's language and the core."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.ext import CallbackContext, ExtBot

from bot.core.i18n import Translator

if TYPE_CHECKING:
    from bot.content import Content
    from bot.repos import Store
    from bot.services import Services
    from bot.settings import Settings


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """`context.locale`, `context._()`, `context.ngettext()`, `context.store`, `context.settings`.

    The locale is set once per update by the tracking handler (group -10) from the stored
    choice, Telegram's language_code, or DEFAULT_LANGUAGE.
    """

    _locale: str | None = None

    @property
    def services(self) -> Services:
        return self.application.services  # type: ignore[attr-defined]

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def content(self) -> Content:
        return self.services.content

    @property
    def locale(self) -> str:
        return self._locale or self.settings.default_language

    @locale.setter
    def locale(self, value: str) -> None:
        self._locale = value

    @property
    def t(self) -> Translator:
        return self.services.i18n.translator(self.locale)

    def _(self, message: str) -> str:
        return self.t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.t.ngettext(singular, plural, n)
