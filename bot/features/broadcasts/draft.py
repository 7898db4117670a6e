"""The operator's draft as it is kept between the /siaran steps (a dict in user_data): a
message's text appended with its formatting entities shifted past what is already there
(offsets count UTF-16 code units, as Telegram's do), and the Draft value it becomes. No
Telegram here: the adapter (drafting.py) turns a message's entities into dicts first."""

from __future__ import annotations

from bot.core.text import utf16_len
from bot.features.broadcasts.model import Audience, Draft


def append(draft: dict, field: str, text: str, entities: list[dict]) -> None:
    """Add a message's text to the draft; its entities shift past what is already there."""
    before = draft.get(field) or ""
    sep = "\n\n" if before else ""
    shift = utf16_len(before + sep)
    draft[field] = before + sep + text
    draft[f"{field}_entities"] = (draft.get(f"{field}_entities") or []) + [
        {**e, "offset": e["offset"] + shift} for e in entities]


def build(draft: dict) -> Draft:
    return Draft(
        text=draft.get("text") or "",
        entities=tuple(draft.get("text_entities") or ()),
        photo=draft.get("photo"),
        text_jv=draft.get("jv"),
        entities_jv=tuple(draft.get("jv_entities") or ()),
        audience=Audience.from_dict(draft.get("audience") or {}),
        footer=bool(draft.get("footer")),
        paid=bool(draft.get("paid")),
    )
