"""One way to show a list that may grow past one message: pages with "previous" / "next".

Render functions give a page of items and get the page number clamped, the slice, and the
pager row (label, callback data) to add under the list. Callback data is
`<prefix>:p:<n>`; a handler matching `^<prefix>:p:(\\d{1,4})$` passes n back in. A page
number from a button is untrusted and may be stale (items were removed since): page() clamps
it rather than failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.core.i18n import N_, Translator

T = TypeVar("T")

PER_PAGE = 8           # items on one page: fits a phone screen and stays far from 4096 chars
MAX_PAGE_DIGITS = 4    # callback data carries at most this many digits of page number


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int        # 0-based, clamped
    pages: int         # at least 1
    total: int

    @property
    def first(self) -> int:
        """1-based position of the first item shown (for "1-8 of 40")."""
        return self.number * PER_PAGE + 1 if self.total else 0


def page(items: Sequence[T], number: int, per_page: int = PER_PAGE) -> Page[T]:
    pages = max(1, -(-len(items) // per_page))
    number = min(max(0, number), pages - 1)
    start = number * per_page
    return Page(items[start:start + per_page], number, pages, len(items))


def pager_row(t: Translator, prefix: str, p: Page[T]) -> list[tuple[str, str]]:
    """The previous/next buttons for a page; empty when everything fits on one."""
    row: list[tuple[str, str]] = []
    if p.number > 0:
        row.append((t(N_("« Previous")), f"{prefix}:p:{p.number - 1}"))
    if p.number < p.pages - 1:
        row.append((t(N_("Next »")), f"{prefix}:p:{p.number + 1}"))
    return row


def page_caption(t: Translator, p: Page[T]) -> str:
    """'Page 2 of 5' (empty when there is a single page)."""
    if p.pages <= 1:
        return ""
    return t(N_("Page {page} of {pages}")).format(page=p.number + 1, pages=p.pages)


def pattern(prefix: str) -> str:
    return rf"^{prefix}:p:(\d{{1,{MAX_PAGE_DIGITS}}})$"
