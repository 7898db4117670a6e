"""Programs: questions in free text, requests in words, follow-ups, the concept layer.

Others may use the matcher's text normalisation (the tickets feature groups questions by it)."""

from bot.features.programs.matching import normalise

__all__ = ["normalise"]
