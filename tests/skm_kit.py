"""Helpers for the SKM tests: answer survey steps by their stored value, seed responses."""

from __future__ import annotations

import datetime as dt

from bot.features.skm.repo import NewResponse
from bot.offline.api import FakeMessage
from bot.offline.client import ChatClient

PROFILE = {"gender": "P", "age": "30-39", "education": "SMA", "occupation": "Wirausaha"}


def find_step_button(person: ChatClient, step: str, value: str) -> tuple[FakeMessage, str]:
    """The newest survey button answering `step` with `value` (skm:a:<draft>:<step>:<value>)."""
    for msg in reversed(person.replies):
        for _, data in msg.buttons():
            parts = data.split(":")
            if data.startswith("skm:a:") and parts[3] == step and parts[4] == value:
                return msg, data
    raise AssertionError(f"no survey button for {step}={value}")


async def choose(person: ChatClient, step: str, value: str) -> list[FakeMessage]:
    """Press the button answering `step` with `value`; a unit (or a program) on a later page
    is reached by turning the pages, as a person would."""
    for _ in range(10):
        try:
            msg, data = find_step_button(person, step, value)
        except AssertionError:
            if step not in ("unit", "program"):
                raise
            msg = person.last_reply()
            pages = [d for _, d in msg.buttons() if d.startswith("skm:p:")]
            if not pages:
                raise
            await person.press(msg, pages[-1])  # "Next ›" is the last page button
            continue
        return await person.press(msg, data)
    raise AssertionError(f"no unit {value} in the list")


async def complete_survey(person: ChatClient, unit: str, scores: list[int] | None = None,
                          profile: dict[str, str] | None = None, service: str = "info",
                          suggestion: str | None = None, start: bool = True
                          ) -> list[FakeMessage]:
    """Take the whole survey by values; returns the replies to the last step."""
    scores = scores or [3] * 9
    if start:
        await person.send("/survei")
        await choose(person, "unit", unit)
    await choose(person, "service", service)
    for n, score in enumerate(scores, 1):
        await choose(person, f"U{n}", str(score))
    for key, value in (profile or PROFILE).items():
        await choose(person, key, value)
    if suggestion is None:
        return await choose(person, "suggestion", "skip")
    return await person.send(suggestion)


async def seed(store, user_id: int, unit: str, scores: list[int], *, period: str = "2026-Q4",
               month: str = "2026-11", when: dt.datetime | None = None,
               suggestion: str | None = None, service: str = "info") -> int:
    """A stored response, without the conversation (for report and export tests)."""
    when = when or dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
    return await store.skm.submit(NewResponse(
        user_id, unit, period, month, when, service, dict(PROFILE),
        {f"U{n}": s for n, s in enumerate(scores, 1)}, suggestion, "id"), "")
