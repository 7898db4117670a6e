"""The main menu: features add their entry when they register; nothing unbuilt is shown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

MENU_PREFIX = "menu"

# whether a user belongs to an audience (e.g. approved volunteers); a feature registers it
AudienceCheck = Callable[[int], Awaitable[bool]]
# the label (an English msgid) an entry has for this user, or None for its own label
LabelFor = Callable[[int], Awaitable[str | None]]


@dataclass(frozen=True)
class MenuEntry:
    key: str            # callback data is f"menu:{key}"; the feature handles that pattern
    label: str          # an English msgid, marked with N_() and translated per user
    order: int = 50
    staff_only: bool = False
    audience: str | None = None  # shown only to users of this audience (Menu.audience)

    @property
    def callback_data(self) -> str:
        return f"{MENU_PREFIX}:{self.key}"

    @property
    def pattern(self) -> str:
        return rf"^{MENU_PREFIX}:{self.key}$"


class Menu:
    def __init__(self) -> None:
        self._entries: dict[str, MenuEntry] = {}
        self._audiences: dict[str, AudienceCheck] = {}
        self._labels: dict[str, LabelFor] = {}

    def add(self, entry: MenuEntry) -> MenuEntry:
        if entry.key in self._entries:
            raise ValueError(f"menu entry {entry.key!r} registered twice")
        self._entries[entry.key] = entry
        return entry

    def audience(self, name: str, check: AudienceCheck) -> None:
        """Say who belongs to an audience; entries with that audience are shown only to them."""
        self._audiences[name] = check

    def label_for(self, key: str, choose: LabelFor) -> None:
        """Let an entry's label depend on the user (e.g. "My volunteer details" once the
        person is a volunteer); the entry's own label stays the default."""
        self._labels[key] = choose

    def visible(self, is_staff: bool) -> list[MenuEntry]:
        """The entries for everyone (or every staff member): no audience entries."""
        return sorted((e for e in self._entries.values()
                       if (is_staff or not e.staff_only) and e.audience is None),
                      key=lambda e: (e.staff_only, e.order, e.key))

    async def for_user(self, user_id: int | None, is_staff: bool) -> list[MenuEntry]:
        """The entries this user sees: visible() plus those of the audiences they belong to
        (each audience asked once)."""
        belongs: dict[str, bool] = {}
        out = []
        for e in self._entries.values():
            if e.audience is None or (e.staff_only and not is_staff) or user_id is None:
                continue
            if e.audience not in belongs:
                check = self._audiences.get(e.audience)
                belongs[e.audience] = check is not None and await check(user_id)
            if belongs[e.audience]:
                out.append(e)
        entries = sorted([*self.visible(is_staff), *out],
                         key=lambda e: (e.staff_only, e.order, e.key))
        if user_id is None:
            return entries
        return [await self._labelled(e, user_id) for e in entries]

    async def _labelled(self, entry: MenuEntry, user_id: int) -> MenuEntry:
        choose = self._labels.get(entry.key)
        label = await choose(user_id) if choose is not None else None
        return replace(entry, label=label) if label else entry


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
