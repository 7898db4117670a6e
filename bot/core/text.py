"""Telegram's text rules: lengths in UTF-16 units, splitting a long text (and its formatting
entities) into messages at a paragraph, line or word, and a text's first line. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.delivery.sender import Outgoing

TEXT_LIMIT = 4096      # Telegram's limit for a message, in UTF-16 units after entities


CAPTION_LIMIT = 1024   # ... and for a photo's caption


FIRST_LINE = 60                      # characters of the text shown in lists


# -- splitting ----------------------------------------------------------------------------------
def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Part:
    text: str
    entities: tuple[dict[str, Any], ...] = ()


def _fit(text: str, start: int, limit: int) -> int:
    """The furthest end such that text[start:end] is at most `limit` UTF-16 units."""
    end = min(len(text), start + limit)
    while (excess := utf16_len(text[start:end]) - limit) > 0:
        end -= max(1, (excess + 1) // 2)
    return end


def _break_at(text: str, start: int, end: int) -> int:
    """Where to cut text[start:end]: a paragraph, else a line, else a word boundary in its
    second half; a hard cut only when there is none."""
    floor = start + (end - start) // 2
    for sep in ("\n\n", "\n", " "):
        at = text.rfind(sep, floor, end)
        if at > start:
            return at
    return end


def split_message(text: str, entities: Sequence[Mapping[str, Any]] = (),
                  limit: int = TEXT_LIMIT, first_limit: int | None = None) -> list[Part]:
    """Split a text with its formatting entities into parts of at most `limit` UTF-16 units
    (the first at most `first_limit`), on paragraph, line or word boundaries. Each part keeps
    the formatting that falls inside it, so nothing is ever half-bold or an unclosed tag."""
    spans: list[tuple[int, int]] = []
    start, n = 0, len(text)
    cap = first_limit or limit
    while start < n:
        end = _fit(text, start, cap)
        cut = n if end >= n else _break_at(text, start, end)
        piece = text[start:cut].rstrip()
        if piece:
            spans.append((start, start + len(piece)))
        start = cut
        while start < n and text[start].isspace():
            start += 1
        cap = limit
    if not spans:
        return [Part("", ())]
    parts = []
    for a, b in spans:
        a16, b16 = utf16_len(text[:a]), utf16_len(text[:b])
        clipped = []
        for e in entities:
            lo = max(int(e["offset"]), a16)
            hi = min(int(e["offset"]) + int(e["length"]), b16)
            if hi > lo:
                clipped.append({**e, "offset": lo - a16, "length": hi - lo})
        parts.append(Part(text[a:b], tuple(clipped)))
    return parts


def compose(text: str, entities: Sequence[Mapping[str, Any]] = (),
            photo: str | None = None) -> list[Outgoing]:
    """The messages one recipient gets: a photo with the start of the text as its caption and
    the rest as text messages, or the text alone, each within Telegram's limits."""
    if photo is not None:
        parts = split_message(text, entities, limit=TEXT_LIMIT, first_limit=CAPTION_LIMIT)
        first, rest = parts[0], parts[1:]
        out = [Outgoing(first.text, photo=photo, entities=first.entities)]
    else:
        rest = split_message(text, entities)
        out = []
    out += [Outgoing(p.text, entities=p.entities) for p in rest if p.text]
    return out


def first_line(text: str) -> str:
    """The first non-empty line of a text, cut to FIRST_LINE characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= FIRST_LINE else line[:FIRST_LINE - 1].rstrip() + "…"
