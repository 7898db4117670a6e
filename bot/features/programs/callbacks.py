"""The programs' and the /cek pre-screen's callback data, matched by anchored patterns;
every key in them is checked against content again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.content.programs import ASPECTS, KEY_PATTERN

if TYPE_CHECKING:
    pass


TICKET_DATA = "tiket:baru"       # the "ask an officer" feature's entry (bot/features/tickets)


STATUS_MENU_DATA = "menu:status"  # the status check's menu button


MENU_HOME_DATA = "menu:home"


PREFIX = "prog"


CEK = "cek"


_KEY = KEY_PATTERN.strip("^$")


_ASPECT = "|".join(ASPECTS)


LIST_DATA = f"{PREFIX}:list"


LIST_PATTERN = rf"^{PREFIX}:list$"


CARD_PATTERN = rf"^{PREFIX}:card:({_KEY})$"


ASPECT_PATTERN = rf"^{PREFIX}:asp:({_KEY}):({_ASPECT})$"


CEK_START_DATA = f"{CEK}:start"


CEK_START_PATTERN = rf"^{CEK}:start$"


CEK_ANSWER_PATTERN = rf"^{CEK}:ans:({_KEY}):({_KEY})$"


CEK_SKIP_PATTERN = rf"^{CEK}:skip:({_KEY})$"


CEK_MORE_DATA = f"{CEK}:more"


CEK_MORE_PATTERN = rf"^{CEK}:more$"


CEK_WHYNOT_DATA = f"{CEK}:whynot"


CEK_WHYNOT_PATTERN = rf"^{CEK}:whynot$"
