"""Lists page instead of growing past one message."""

from __future__ import annotations

import re

from bot.core.paging import PER_PAGE, page, page_caption, pager_row, pattern


def test_pages_cover_every_item_once_and_clamp_stale_numbers(app):
    t = app.services.i18n.translator("id")
    items = list(range(PER_PAGE * 2 + 3))
    seen = [x for n in range(3) for x in page(items, n).items]
    assert seen == items
    last = page(items, 99)                      # a stale button after items were removed
    assert (last.number, last.pages, list(last.items)) == (2, 3, items[-3:])
    assert [label for label, _ in pager_row(t, "rm", page(items, 0))] == ["Berikutnya »"]
    middle = pager_row(t, "rm", page(items, 1))
    assert [data for _, data in middle] == ["rm:p:0", "rm:p:2"]
    assert all(re.match(pattern("rm"), data) for _, data in middle)
    assert page_caption(app.services.i18n.translator("jv"), page(items, 1)) == "Kaca 2 saking 3"
    assert pager_row(t, "rm", page([1, 2], 0)) == [] and page_caption(t, page([], 0)) == ""
