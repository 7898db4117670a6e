"""Numbers people read: money 'Rp1.500.000', decimals with a comma '79,94' (Babel's id/jv data).

Use these in chat texts, charts and spreadsheets alike; never str(float) or f'{x:.2f}'."""
from __future__ import annotations

from babel.numbers import format_decimal as _babel_decimal


def _locale(locale: str | None) -> str:
    return locale if locale in ("id", "jv") else "id"


def format_money(amount: int | float) -> str:
    """'Rp1.500.000' (no space, thousands with a dot, no decimals: Rupiah has no cents here)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{_babel_decimal(round(abs(amount)), '#,##0', locale='id')}"


def format_number(value: int | float, locale: str | None = "id", places: int = 0) -> str:
    """'1.500', '79,94' (places=2), '3,33'."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return _babel_decimal(value, pattern, locale=_locale(locale))
