"""What tickets do to a resident's words: NIK-like numbers masked, long numbers scrubbed for
the unanswered list, the canonical wording questions are grouped by; and `--since 7d`."""

from __future__ import annotations

import datetime as dt
import re

from bot.features.programs import normalise

# A NIK-like number: 16 digits, maybe with spaces, dots or dashes between them.
_NIK_LIKE = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){15}(?![0-9])")
# For the unanswered list: any run of 6 or more digits (phones, NIKs, KK numbers).
_LONG_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){5,}(?![0-9])")


def mask_numbers(text: str) -> tuple[str, bool]:
    """Mask every NIK-like number (16 digits): '3578 0101 0190 0002' -> '3578********0002'."""
    found = False

    def repl(m: re.Match[str]) -> str:
        nonlocal found
        found = True
        digits = re.sub(r"[^0-9]", "", m.group(0))
        return digits[:4] + "*" * 8 + digits[-4:]

    return _NIK_LIKE.sub(repl, text), found


def scrub(text: str) -> str:
    """For the unanswered list: runs of 6+ digits become '***', whitespace is squeezed."""
    return " ".join(_LONG_DIGITS.sub("***", text).split())[:300]


def wording(text: str) -> str:
    """The canonical words of a question (dialect and spelling variants folded, digits
    masked): questions worded alike share it and are counted together."""
    words = normalise(scrub(text).replace("***", " "))
    return " ".join(dict.fromkeys(w for w in words if not w.isdigit()))[:200]


def parse_since(text: str) -> dt.timedelta:
    """'7d', '24h', '30m' -> a timedelta; ValueError otherwise."""
    m = re.fullmatch(r"\s*([0-9]{1,4})\s*([dhm])\s*", text or "")
    if not m:
        raise ValueError(text)
    n = int(m.group(1))
    return {"d": dt.timedelta(days=n), "h": dt.timedelta(hours=n),
            "m": dt.timedelta(minutes=n)}[m.group(2)]
