"""Programs: what residents ask about. Others may use the matcher's text normalisation."""

from bot.features.programs.matching import normalise

__all__ = ["normalise"]
