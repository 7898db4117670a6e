"""Small helpers the `dinsos-bot` verbs share (their output is for the server operator)."""

from __future__ import annotations

import json
from typing import Any

from bot.content import Content


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def region_label(content: Content, code: str | None) -> str:
    region = content.region(code or "")
    return region.label() if region else (code or "")
