"""The programs of content/programs, for other features: the list in the office's order and one
program by key. (Understanding a resident's question is understanding.py and matching.py.)"""

from __future__ import annotations

from collections.abc import Iterable

from bot.content.programs import Program


class ProgramService:
    def __init__(self, programs: Iterable[Program]) -> None:
        self._programs = sorted(programs, key=lambda p: (p.order, p.key))
        self._by_key = {p.key: p for p in self._programs}

    def all(self) -> list[Program]:
        """Every program, in the order of content (then by key)."""
        return list(self._programs)

    def get(self, key: str) -> Program | None:
        return self._by_key.get(key)

    def label(self, key: str) -> str:
        """The program's short name (as on a button); the key itself if it left content."""
        program = self._by_key.get(key)
        return program.name.short if program is not None else key
