"""What part of the province a staff member may see and act on.

An administrator, and an operator bound to no region, see everything. An operator bound to a
kab/kota (a Kemendagri code such as '3578') sees only what belongs to that region. Services
take a Scope and check it themselves (not only the handlers), so every path is covered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    role: str                 # 'admin' or 'operator'
    region: str | None = None  # kab/kota code, or None: the whole province

    @property
    def everything(self) -> bool:
        return self.role == "admin" or self.region is None

    def covers(self, region: str | None) -> bool:
        """May this scope see an item of `region`? An item with no region (province-wide, or
        unknown) belongs to province-wide staff only."""
        return self.everything or (region is not None and region == self.region)

    def covers_all(self, regions: Iterable[str | None]) -> bool:
        """An item that reaches several regions (a broadcast's audience) is covered only when
        every one of them is."""
        return all(self.covers(r) for r in regions)


WHOLE_PROVINCE = Scope("admin")  # the command line: trusted like the server it runs on
