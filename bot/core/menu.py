"""The main menu: features add their entry when they register; nothing unbuilt is shown."""

from __future__ import annotations

from dataclasses import dataclass

MENU_PREFIX = "menu"


@dataclass(frozen=True)
class MenuEntry:
    key: str            # callback data is f"menu:{key}"; the feature handles that pattern
    label: str          # an English msgid, marked with N_() and translated per user
    order: int = 50
    staff_only: bool = False

    @property
    def callback_data(self) -> str:
        return f"{MENU_PREFIX}:{self.key}"

    @property
    def pattern(self) -> str:
        return rf"^{MENU_PREFIX}:{self.key}$"


class Menu:
    def __init__(self) -> None:
        self._entries: dict[str, MenuEntry] = {}

    def add(self, entry: MenuEntry) -> MenuEntry:
        if entry.key in self._entries:
            raise ValueError(f"menu entry {entry.key!r} registered twice")
        self._entries[entry.key] = entry
        return entry

    def visible(self, is_staff: bool) -> list[MenuEntry]:
        return sorted((e for e in self._entries.values() if is_staff or not e.staff_only),
                      key=lambda e: (e.staff_only, e.order, e.key))


@dataclass(frozen=True)
class CommandSpec:
    name: str           # without the slash
    description: str    # an English msgid, marked with N_()
    order: int = 50
    staff_only: bool = False


class Commands:
    """The commands shown in Telegram's command menu and in /bantuan, per language."""

    def __init__(self) -> None:
        self._specs: dict[str, CommandSpec] = {}

    def add(self, spec: CommandSpec) -> CommandSpec:
        self._specs[spec.name] = spec
        return spec

    def visible(self, is_staff: bool) -> list[CommandSpec]:
        return sorted((c for c in self._specs.values() if is_staff or not c.staff_only),
                      key=lambda c: (c.staff_only, c.order, c.name))
