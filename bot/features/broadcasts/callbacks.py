"""The broadcasts' callback data: `bc:<action>[:<id>]`, matched by anchored patterns. Every
button's data is untrusted; the handlers check the id and the role again."""

from __future__ import annotations

from bot.features.broadcasts.model import VOLUNTEER_ROLES

PREFIX = "bc"
NEXT = f"{PREFIX}:next"
JV_ADD = f"{PREFIX}:jv:add"
JV_SKIP = f"{PREFIX}:jv:skip"
SEND = f"{PREFIX}:send"
CANCEL = f"{PREFIX}:cancel"
TEST = f"{PREFIX}:test"
EDIT_ID = f"{PREFIX}:edit:id"
EDIT_JV = f"{PREFIX}:edit:jv"
EDIT_AUDIENCE = f"{PREFIX}:edit:aud"
FOOTER = f"{PREFIX}:footer"
SCHEDULE_ASK = f"{PREFIX}:sched"
STOP_PATTERN = rf"^{PREFIX}:stop:([0-9]{{1,12}})$"
LIST_PATTERN = rf"^{PREFIX}:list:([0-9]{{1,6}})$"
PAID = f"{PREFIX}:paid"
AUDIENCE_PATTERN = rf"^{PREFIX}:aud:(all|vol|role|region)$"
ROLE_PATTERN = rf"^{PREFIX}:role:({'|'.join(VOLUNTEER_ROLES)})$"
REGION_PATTERN = rf"^{PREFIX}:reg:(all|35[0-9]{{2}})$"
MENU_KEY = "broadcast"
