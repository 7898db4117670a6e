"""The operator's draft in the chat (user_data): a message's formatting entities, the stored
draft, and how every step begins; the conversation's states. Appending a text and building the
Draft value are in draft.py (no Telegram)."""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.ext import (
    ConversationHandler,
)

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import (
    answer_query,
    reply,
    staff_or_unknown,
)

# Conversation states (strings: a stored conversation keeps its meaning when one is added).
TEXT, JV_ASK, JV_TEXT, AUDIENCE = "bc_text", "bc_jv_ask", "bc_jv_text", "bc_audience"
ROLE, REGION, CONFIRM, SCHEDULE = "bc_role", "bc_region", "bc_confirm", "broadcast:schedule"
DRAFT_KEY = "broadcast_draft"


MAX_DRAFT = 20_000  # characters of announcement; longer is surely a mistake


# -- the conversation ---------------------------------------------------------------------------
def _entities(message: Message, caption: bool) -> list[dict]:
    found = message.caption_entities if caption else message.entities
    return [e.to_dict() for e in found or () if e.type != MessageEntity.BOT_COMMAND]


def draft_of(context: BotContext) -> dict | None:
    draft = context.user_data.get(DRAFT_KEY)
    return draft if isinstance(draft, dict) and "text" in draft else None


async def _expired(update: Update, context: BotContext) -> int:
    await answer_query(update)
    await reply(update, context, context._(N_(
        "This draft is no longer here. Type /siaran to start again.")))
    return ConversationHandler.END


async def _step(update: Update, context: BotContext, *, answer: bool = True,
                audience: bool = False) -> tuple[dict | None, int | None]:
    """How every /siaran step begins: operators only (others get the unknown-command answer),
    the button acknowledged, a live draft (with its audience chosen, when the step needs it).
    Returns (draft, None) to go on, or (None, state) to return at once."""
    if not await staff_or_unknown(update, context, "operator"):
        return None, ConversationHandler.END
    if answer:
        await answer_query(update)
    draft = draft_of(context)
    if draft is None or (audience and not isinstance(draft.get("audience"), dict)):
        return None, await _expired(update, context)
    return draft, None
