"""How broadcasts read: audiences and the progress report, in the reader's language."""

from __future__ import annotations

from bot.core.i18n import N_, Translator
from bot.features.broadcasts.service import KIND_VOLUNTEERS, Report
from bot.features.volunteers.service import ROLES as VOLUNTEER_ROLE_NAMES


def role_label(t: Translator, role: str) -> str:
    """The volunteers feature's name for a role, in the reader's language."""
    return t(VOLUNTEER_ROLE_NAMES[role]) if role in VOLUNTEER_ROLE_NAMES else role


def audience_label(t: Translator, audience: dict, content) -> str:
    if audience.get("kind") != KIND_VOLUNTEERS:
        return t(N_("all subscribers"))
    role, code = audience.get("role"), audience.get("region")
    region = content.region(code) if code else None
    where = region.label() if region else code
    if role and code:
        return t(N_("volunteers: {role} in {region}")).format(role=role_label(t, role),
                                                            region=where)
    if role:
        return t(N_("volunteers: {role}")).format(role=role_label(t, role))
    if code:
        return t(N_("volunteers in {region}")).format(region=where)
    return t(N_("all volunteers"))


def _duration(t: Translator, seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return t(N_("{seconds} s")).format(seconds=seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return t(N_("{minutes} min {seconds} s")).format(minutes=minutes, seconds=secs)
    hours, minutes = divmod(minutes, 60)
    return t(N_("{hours} h {minutes} min")).format(hours=hours, minutes=minutes)


def render_report(t: Translator, r: Report, content, final: bool = False) -> str:
    if r.status == "done":
        head = t(N_("Broadcast #{id} is finished.")).format(id=r.id)
    elif final:
        head = t(N_("Broadcast #{id} has stopped.")).format(id=r.id)
    else:
        head = t(N_("Broadcast #{id} is being sent.")).format(id=r.id)
    lines = [
        head,
        t(N_("To: {audience}")).format(audience=audience_label(t, r.audience, content)),
        t(N_("Sent: {sent} of {total}")).format(sent=r.sent, total=r.total),
        t(N_("Failed: {count}")).format(count=r.failed),
        t(N_("Blocked the bot: {count}")).format(count=r.blocked),
        t(N_("Left: {count}")).format(count=r.left),
    ]
    if r.status == "sending" and r.rate:
        lines.append(t(N_("Speed: {rate} messages a second; about {eta} to go")).format(
            rate=f"{r.rate:.1f}", eta=_duration(t, r.eta_seconds or 0)))
    if r.restarts:
        lines.append(t(N_("Resumed after a restart of the bot: {count}x")).format(
            count=r.restarts))
    if r.duplicates:
        lines.append(t(N_("In flight at a restart and sent again (these people may have it "
                          "twice): {count}")).format(count=r.duplicates))
    if r.retries_429:
        lines.append(t(N_("Telegram asked us to slow down {count}x; those messages were "
                          "retried.")).format(count=r.retries_429))
    return "\n".join(lines)
