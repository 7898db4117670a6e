"""What a volunteer typed: a kab/kota, a kecamatan, a phone number, a name to search for."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz, process, utils

from bot.content import Kecamatan, Region

T = TypeVar("T")

# Short forms people type for a kab/kota; several codes mean "ask which one".
REGION_ALIASES: dict[str, tuple[str, ...]] = {
    "sby": ("3578",), "suroboyo": ("3578",), "sda": ("3515",), "bwi": ("3510",),
    "jbr": ("3509",), "bjn": ("3522",), "lmg": ("3524",), "gsk": ("3525",), "pct": ("3501",),
    "png": ("3502",), "tlg": ("3504",), "ta": ("3504",), "ngw": ("3521",), "mgt": ("3520",),
    "mlg": ("3507", "3573"), "kdr": ("3506", "3571"), "mjk": ("3516", "3576"),
    "pas": ("3514", "3575"), "psr": ("3514", "3575"), "pbl": ("3513", "3574"),
    "pro": ("3513", "3574"), "mdn": ("3519", "3577"), "btr": ("3505", "3572"),
}
MIN_SCORE = 78
SEARCH_CUTOFF = 70      # a name search: how alike a name must be to be listed ...
SEARCH_SPREAD = 10      # ... and how far below the best match
PHONE_RX = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$", re.ASCII)


def _normalize(text: str) -> str:
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def match_regions(text: str, regions: Sequence[Region]) -> list[Region]:
    """The kab/kota a person meant: one (sure), several (ask which), or none.

    Tolerant of case, punctuation, typos, "kab"/"kabupaten"/"kota" and common short forms;
    a name that is both a kabupaten and a kota ("malang") gives both unless the kind is said.
    """
    q = _normalize(text)
    if not q:
        return []
    if q.isdigit():
        return [r for r in regions if r.code == q]
    kind = None
    for prefix, k in (("kabupaten ", "kabupaten"), ("kab ", "kabupaten"), ("kota ", "kota"),
                      ("kot ", "kota"), ("kodya ", "kota")):
        if q.startswith(prefix):
            kind, q = k, q[len(prefix):].strip()
            break
    pool = [r for r in regions if kind is None or r.kind == kind]
    if q in REGION_ALIASES:
        return [r for r in pool if r.code in REGION_ALIASES[q]]
    if len(q) < 3:
        return []
    return _best(q, pool, lambda r: r.name.lower())


def match_kecamatan(text: str, kecamatan: Sequence[Kecamatan]) -> list[Kecamatan]:
    """The kecamatan of one kab/kota a person meant ("kec. rungkut", "Tengilis"): one, several
    (ask which) or none. Spaces do not matter ("Bandar Kedung Mulyo" is Bandarkedungmulyo)."""
    q = _normalize(text)
    for prefix in ("kecamatan ", "kec "):
        if q.startswith(prefix):
            q = q[len(prefix):].strip()
    if len(q) < 3:
        return []
    exact = [k for k in kecamatan if k.name.lower().replace(" ", "") == q.replace(" ", "")]
    if exact:
        return exact
    return _best(q, kecamatan, lambda k: k.name.lower())


def _best(q: str, pool: Sequence[T], name: Callable[[T], str]) -> list[T]:
    scored = [(max(fuzz.WRatio(q, name(x)), fuzz.ratio(q, name(x))), x) for x in pool]
    best = max((s for s, _ in scored), default=0)
    if best < MIN_SCORE:
        return []
    return [x for s, x in sorted(scored, key=lambda p: -p[0]) if s >= best - 3][:6]


def search_by_name(query: str, items: Sequence[T], name: Callable[[T], str]) -> list[T]:
    """Items whose name resembles the typed text (typos, order, part of a name), best first."""
    query = query.strip()[:100]
    if not utils.default_process(query):
        return []
    choices = {i: name(x) for i, x in enumerate(items)}
    found = process.extract(query, choices, scorer=fuzz.WRatio, processor=utils.default_process,
                            limit=None, score_cutoff=SEARCH_CUTOFF)
    best = found[0][1] if found else 0
    return [items[i] for _, score, i in found if score >= best - SEARCH_SPREAD]


def normalize_phone(text: str) -> str | None:
    """An Indonesian phone number as digits with a leading +62, or None if it is not one."""
    text = text.strip()
    if not PHONE_RX.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if not 9 <= len(digits) <= 15:
        return None
    return "+" + digits
