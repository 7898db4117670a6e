"""The offline Bot API with the faults tests inject: blocked users, refusals, latency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from bot.offline.api import ApiError, FakeBotAPI

Fault = Callable[[str, dict[str, Any]], "ApiError | None"]


class FaultyBotAPI(FakeBotAPI):
    def __init__(self) -> None:
        super().__init__()
        self.faults: list[Fault] = []
        self.blocked: set[int] = set()
        self.latency: float = 0.0

    def fail_when(self, fault: Fault) -> None:
        """Add a hook (method, params) -> ApiError | None consulted before every call."""
        self.faults.append(fault)

    async def before_call(self, method: str, params: dict[str, Any]) -> None:
        if self.latency:
            await asyncio.sleep(self.latency)
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked and method.startswith("send"):
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        for fault in list(self.faults):
            err = fault(method, params)
            if err is not None:
                raise err
