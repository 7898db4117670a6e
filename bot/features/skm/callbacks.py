"""The survey's callback data (<= 64 bytes): skm:a:<draft>:<step>:<value>,
skm:b:<draft>:<step>, skm:p:<draft>:<page>; every button names its draft and step, which the
service checks. /ikm's pickers use ikm:<action>:..."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# Callback data (<= 64 bytes): skm:a:<draft>:<step>:<value>, skm:b:<draft>:<step>,
# skm:p:<draft>:<page>.
PREFIX = "skm"


ANSWER_RX = r"^skm:a:(\d{1,12}):([A-Za-z0-9]{1,10}):([A-Za-z0-9<>+_.-]{1,20})$"


BACK_RX = r"^skm:b:(\d{1,12}):([A-Za-z0-9]{1,10})$"


PAGE_RX = r"^skm:p:(\d{1,12}):(\d{1,3})$"


ANY_RX = r"^skm:"


PAGE_SIZE = 8


CHECK = "✓ "


def answer_data(draft_id: int, step: str, value: str) -> str:
    return f"{PREFIX}:a:{draft_id}:{step}:{value}"


def back_data(draft_id: int, step: str) -> str:
    return f"{PREFIX}:b:{draft_id}:{step}"


def page_data(draft_id: int, page: int) -> str:
    return f"{PREFIX}:p:{draft_id}:{page}"


IKM_UNIT_RX = r"^ikm:u:([A-Z0-9-]{2,16}|ALL)$"


# /ikm's unit list, page by page (bot/core/paging.py's ikm:p:<n>; ikm:g:<n> on older messages)
IKM = "ikm"
IKM_PAGE_RX = r"^ikm:[gp]:(\d{1,4})$"


# setting a population: the unit list (ikmn:p:<n>), a unit (ikmn:u:<code>), then a period
# (ikm:n:<code>:<period>, the conversation's entry)
IKM_POP = "ikmn"
IKM_POP_PAGE_RX = r"^ikmn:p:(\d{1,4})$"
IKM_POP_UNIT_RX = r"^ikmn:u:([A-Z0-9-]{2,16})$"


IKM_REPORT_RX = r"^ikm:r:([A-Z0-9-]{2,16}|ALL):(\d{4}(?:-Q[1-4]|-\d{2})?)$"


IKM_POSTER_RX = r"^ikm:q:([A-Z0-9-]{2,16})$"


IKM_POP_RX = r"^ikm:n:([A-Z0-9-]{2,16}):(\d{4}(?:-Q[1-4]|-\d{2})?)$"
