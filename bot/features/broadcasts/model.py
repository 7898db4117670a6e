"""What a broadcast is made of: its audience, the operator's draft, the preview's figures and
the report of how it went; and the error a bad draft raises. Values only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.features.volunteers.service import ROLES as VOLUNTEER_ROLE_NAMES

STARS_PER_MESSAGE = 0.1              # Telegram's fee for a paid broadcast message


VOLUNTEER_ROLES = tuple(VOLUNTEER_ROLE_NAMES)  # the volunteers feature's role codes


KIND_SUBSCRIBERS = "subscribers"


KIND_VOLUNTEERS = "volunteers"


class BroadcastError(Exception):
    """A broadcast request that cannot go ahead; `code` names why (the handler translates)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# -- audiences and drafts -----------------------------------------------------------------------
@dataclass(frozen=True)
class Audience:
    kind: str = KIND_SUBSCRIBERS          # subscribers | volunteers
    role: str | None = None               # volunteers only
    region: str | None = None             # volunteers only: a kab/kota code

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "role": self.role, "region": self.region}

    @property
    def reach(self) -> str | None:
        """The one kab/kota the audience lies inside, or None: it reaches the province (all
        subscribers, or volunteers of every kab/kota). A regional operator may send only to
        an audience inside their region (bot.core.scope)."""
        return self.region if self.kind == KIND_VOLUNTEERS else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Audience:
        audience = cls(str(data.get("kind") or KIND_SUBSCRIBERS), data.get("role"),
                       data.get("region"))
        audience.check()
        return audience

    def check(self) -> None:
        if self.kind not in (KIND_SUBSCRIBERS, KIND_VOLUNTEERS):
            raise BroadcastError("bad_audience")
        if self.kind == KIND_SUBSCRIBERS and (self.role or self.region):
            raise BroadcastError("bad_audience")
        if self.role is not None and self.role not in VOLUNTEER_ROLES:
            raise BroadcastError("bad_audience")
        if self.region is not None and not (len(self.region) == 4 and self.region.isdigit()
                                            and self.region.startswith("35")):
            raise BroadcastError("bad_audience")


@dataclass(frozen=True)
class Draft:
    text: str
    entities: tuple[dict[str, Any], ...] = ()
    photo: str | None = None
    text_jv: str | None = None
    entities_jv: tuple[dict[str, Any], ...] = ()
    audience: Audience = field(default_factory=Audience)
    footer: bool = False      # end with how to stop announcements (in each one's language)
    paid: bool = False        # a paid broadcast (allow_paid_broadcast), only if PAID_BROADCAST

    def check(self) -> None:
        if not self.text.strip() and self.photo is None:
            raise BroadcastError("empty")
        if self.text_jv is not None and not self.text_jv.strip():
            raise BroadcastError("empty")
        self.audience.check()


@dataclass(frozen=True)
class Preview:
    recipients: int
    javanese: int   # how many of them get the Javanese version
    messages: int = 0           # Bot API messages in all (long texts are several each)
    stars: float = 0.0          # the most a paid broadcast costs (0 if not paid)
    seconds: float = 0.0        # about how long sending takes at the rate it will use
    seconds_free: float = 0.0   # ... and at BROADCAST_RATE


@dataclass(frozen=True)
class Report:
    id: int
    status: str            # scheduled | sending | done | cancelled
    total: int
    sent: int
    failed: int
    blocked: int
    left: int              # pending or in flight
    duplicates: int        # rows resent after a crash: those people may have it twice
    restarts: int
    retries_429: int
    audience: dict[str, Any]
    created_by: int
    created_at: str
    finished_at: str | None
    rate: float | None = None         # messages per second in this run, while sending
    eta_seconds: float | None = None  # time to finish at that rate
    cancelled: int = 0                # rows a stop kept from being sent
    unknown: int = 0                  # failed after timeouts: may have arrived
    scheduled_at: str | None = None
    started_at: str | None = None
    cancelled_by: int | None = None
    first_line: str = ""
    footer: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
