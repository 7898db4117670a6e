"""Translations: catalogs loaded once at start; a Translator per language, never a global `_`.

msgids are English in the code; `locales/<lang>/LC_MESSAGES/messages.po` holds Indonesian and
Javanese. A missing or stale `.mo` is compiled from its `.po` at start, so a plain
`pip install -e .` works without make.
"""

from __future__ import annotations

import gettext
import logging
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import LANGUAGES

log = logging.getLogger(__name__)
DOMAIN = "messages"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "jv": "Basa Jawa"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated later, per user)."""
    return message


@dataclass(frozen=True)
class Translator:
    """The strings of one language. Render functions take one of these."""

    locale: str
    _catalog: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    __call__ = gettext


def compile_catalogs(locales_dir: Path) -> None:
    """Compile every .po whose .mo is missing or older than it."""
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo_path.with_suffix(".mo.tmp")
        try:
            with tmp.open("wb") as fh:
                write_mo(fh, catalog, use_fuzzy=False)
            tmp.replace(mo_path)
        except OSError as exc:  # a read-only install: use whatever .mo is there
            log.warning("cannot compile %s (%s); run `make locales-compile`", po_path,
                        type(exc).__name__)
            continue
        log.info("compiled %s", mo_path)


class I18n:
    """All catalogs, loaded once."""

    def __init__(self, locales_dir: Path, default: str = "id") -> None:
        self.default = default
        self._translators: dict[str, Translator] = {}
        compile_catalogs(locales_dir)
        for lang in LANGUAGES:
            catalog: gettext.NullTranslations
            try:
                catalog = gettext.translation(DOMAIN, localedir=str(locales_dir), languages=[lang])
            except OSError:
                log.warning("no catalog for %s in %s; showing English", lang, locales_dir)
                catalog = gettext.NullTranslations()
            self._translators[lang] = Translator(lang, catalog)

    def translator(self, locale: str | None) -> Translator:
        return self._translators.get(locale or self.default) or self._translators[self.default]

    @property
    def languages(self) -> tuple[str, ...]:
        return LANGUAGES
