"""What staff teach the matcher (phrases re-applied at every start) and what the bot did not
understand (scrubbed, grouped by wording, kept 90 days)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import yaml

from bot.features.tickets.base import TicketParts
from bot.features.tickets.model import TicketError
from bot.features.tickets.repo import Learned, QuestionGroup
from bot.features.tickets.text import mask_numbers, scrub, wording

log = logging.getLogger(__name__)

KEEP_QUESTIONS = dt.timedelta(days=90)
KINDS = ("not_understood", "weak")
ASPECTS = ("eligibility", "benefit", "schedule", "apply", "documents", "contact")
# Requests a question can be mapped to besides a program (target "request:<name>").
REQUESTS = ("officer", "status", "volunteer", "survey")

Learner = Callable[[str, str, str], None]


class TicketLearning(TicketParts):
    program_keys: frozenset[str]
    learner: Learner | None

    def check_target(self, target: str) -> str:
        program, _, aspect = target.partition(":")
        if program == "request":
            if aspect in REQUESTS:
                return target
        elif program in self.program_keys and (not aspect or aspect in ASPECTS):
            return target
        raise TicketError("bad_target")

    async def _learn(self, actor_id: int | None, target: str, phrase: str, language: str,
                     source: str) -> None:
        target = self.check_target(target)
        phrase = scrub(mask_numbers(phrase)[0])
        if not phrase:
            raise TicketError("empty")
        await self.repo.learn(target, phrase, language, actor_id, self.clock(), source)
        if self.learner is not None:
            self.learner(target, phrase, language)
        await self.staff.audit(actor_id, "ticket.learn", target=target,
                               detail={"source": source, "language": language})

    async def learn_from_ticket(self, actor_id: int | None, ticket_id: int, target: str) -> str:
        """The ticket's first question teaches the matcher `target`; returns the phrase."""
        ticket = await self._ticket_for(actor_id, ticket_id, "learn")
        first = await self.repo.first_message(ticket_id)
        if first is None:
            raise TicketError("missing")
        if not first.text.strip():
            raise TicketError("empty")
        await self._learn(actor_id, target, first.text, ticket.language, f"ticket:{ticket_id}")
        await self.repo.set_learned(ticket_id, target)
        return first.text

    async def learn_from_question(self, actor_id: int | None, question_id: int,
                                  target: str) -> QuestionGroup:
        await self._check(actor_id)
        group = await self.repo.question(question_id)
        if group is None:
            raise TicketError("missing")
        await self._learn(actor_id, target, group.text, group.language,
                          f"question:{question_id}")
        await self.repo.map_questions(group.wording, group.language, target, actor_id)
        return group

    async def apply_learned(self) -> int:
        """At start: every learned phrase goes back into the matcher."""
        learned = await self.repo.learned()
        if self.learner is not None:
            for item in learned:
                try:
                    self.learner(item.target, item.phrase, item.language)
                except (KeyError, ValueError):  # a program since removed from content
                    log.warning("learned phrase for %s no longer applies", item.target)
        return len(learned)

    async def learned(self) -> list[Learned]:
        return await self.repo.learned()

    async def export_learned(self) -> str:
        """The learned phrases as YAML, per target and language, for staff to review."""
        out: dict[str, dict[str, list[dict]]] = {}
        for item in await self.repo.learned():
            out.setdefault(item.target, {}).setdefault(item.language, []).append(
                {"phrase": item.phrase, "added_by": item.added_by, "added_at": item.added_at,
                 "source": item.source})
        header = ("# Phrases staff taught the bot (dinsos-bot tickets export-learned).\n"
                  "# Review them, then add the good ones to content/programs/*.yaml synonyms.\n")
        return header + yaml.safe_dump({"learned": out}, allow_unicode=True, sort_keys=True)

    # -- what the bot did not understand ------------------------------------------------------
    async def record_unanswered(self, text: str, language: str, kind: str) -> None:
        """Keep a question the bot could not answer: scrubbed, no user id, for 90 days."""
        if kind not in KINDS:
            raise ValueError(kind)
        clean = scrub(text or "")
        words = wording(clean)
        if not words:
            return
        now = self.clock()
        await self.repo.record_question(words, clean, language if language in ("id", "jv")
                                        else "id", kind, now, now - KEEP_QUESTIONS)

    async def frequent(self, actor_id: int | None, since: dt.timedelta,
                       limit: int = 10) -> list[QuestionGroup]:
        await self._check(actor_id)
        return await self.repo.frequent_questions(self.clock() - since, limit)

    async def question(self, actor_id: int | None, question_id: int) -> QuestionGroup:
        await self._check(actor_id)
        group = await self.repo.question(question_id)
        if group is None:
            raise TicketError("missing")
        return group
