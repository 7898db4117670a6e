"""What a resident's free-text message means: a request in words, a program (and what is asked
about it), a follow-up to the last answer, a few close programs to offer, or nothing we know.

Evidence, in order of strength:
1. phrases staff mapped with `learn()` (the tickets feature calls it);
2. a program named (bot.features.programs.matching.ProgramIndex: names, synonyms, typos);
3. concepts: situations described in words (content/concepts.yaml), after normalisation and
   morphology (bot.features.programs.normalize);
4. the follow-up memory: the program of the last answer, for a message that only asks an
   aspect ("nominalnya?", "wonten jadwalipun?") or says "kalau ...?".
Requests in words (content/requests.yaml) are read first; small talk (greetings, thanks)
only when the message says nothing else. Out-of-scope messages (no evidence, or a blocker
word such as "harga" without a program named) get no program.

No Telegram import here. Everything is built once at start (well under a second) and reading
a message does no recompilation. A DEBUG line names the concepts and the program chosen,
never the message text.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from bot.features.programs import context as memory_of
from bot.features.programs.concepts import ASPECTS, Lexicon, Phrase, PhraseIndex, build_lexicon
from bot.features.programs.intents import read_request
from bot.features.programs.matching import ASPECT_WORDS, GENERIC, Match, ProgramIndex

log = logging.getLogger(__name__)

ANSWER_AT = 1.0        # a program with this much evidence may be answered
CLEAR_LEAD = 0.8       # ... when the next one has at most this share of its evidence
OFFER_AT = 0.3         # programs with at least this much are offered as "Maksud Anda...?"
MAX_OFFERS = 3
NAMED_OWN = 3.0        # a program named by its own name or abbreviation ("pkh plus", "kube")
NAMED_STRONG = 1.5     # by a synonym of two distinctive words ("kursi roda")
NAMED_WEAK = 1.0       # by one distinctive word of a synonym ("panti", "banjir", "lansia")
LEARNED = 5.0
ASKING = frozenset({"tanya"})  # "mau tanya syarat BPNT", "tanglet babagan PKH": asks no aspect
FOLLOW_UP_WORDS = 2    # a follow-up has at most this many words that are not question words
SWITCH = frozenset({"kalau", "kalo", "klo", "kl", "lek", "nek", "menawi", "menawa", "lha",
                    "trus", "terus", "lalu", "lajeng", "gimana", "bagaimana"})
# Words that carry no topic (canonical forms): questions, pronouns, particles, register words.
FUNCTION_WORDS = frozenset("""
apa saja siapa berapa bagaimana kapan mana yang untuk saya dengan di ke dari itu ini iku punika
niku kuwi ya juga bisa harus kedah perlu mau ingin pengen badhe lalu terus trus kalau kalo klo
lek nek menawi menawa ta tah to kok sih dong ada tidak sudah belum e ne nya ipun ae sing nang ing
dhateng dateng lho seh kah dan atau utawi lan karo kan deh nggih ngih min kak mas mbak pak bu rek
cak aku kula panjenengan sampeyan kamu anda nopo napa menapa pundi endi ngendi pripun piye kados
cara boten mboten opo sopo sinten pinten piro kapan kala ingkang kangge kanggo lagi ngge nggeh
dong yo oke ok makasih matur_nuwun wonten onok enten tanya nyuwun pirsa
""".split())


@dataclass(frozen=True)
class Reading:
    kind: str                          # "request", "answer", "choices" or "none"
    request: str | None = None
    programs: tuple[str, ...] = ()     # best first; one for "answer"
    aspect: str | None = None
    concepts: tuple[str, ...] = ()
    memory: dict | None = None         # what to remember after this message
    follow_up: bool = False
    argument: str | None = None        # e.g. the language asked for ("id", "jv")
    blocked: bool = False              # out of scope by a blocker word


def _distinctive(alias: str) -> int:
    return sum(1 for w in alias.split() if w not in GENERIC)


@dataclass
class Understanding:
    index: ProgramIndex
    lexicon: Lexicon
    learned: PhraseIndex = field(default_factory=PhraseIndex)
    _aspect_of: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        weights: dict[str, dict[str, float]] = {}
        for aspect, table in ASPECT_WORDS.items():
            for word, weight in table.items():
                for canon in self.lexicon.normalizer.words(word) or [word]:
                    cell = weights.setdefault(canon, {})
                    cell[aspect] = max(cell.get(aspect, 0.0), weight)
        for word, table in self.lexicon.aspect_words.items():
            for aspect, weight in table.items():
                cell = weights.setdefault(word, {})
                cell[aspect] = max(cell.get(aspect, 0.0), weight)
        self._aspect_of = {w: list(cell.items()) for w, cell in weights.items()}
        # a program's own names ("pkh plus", "permakanan", "blt rokok"): the strongest naming
        self._own = PhraseIndex()
        for program in self.index.programs.values():
            texts = {program.key.replace("_", " "),
                     *(part for part in program.name.short.split("/"))}
            for text in texts:
                words = frozenset(self.lexicon.normalizer.words(text))
                if words:
                    self._own.add(Phrase(program.key, words))
        self._order = {p.key: p.order for p in self.index.programs.values()}
        self._topic_free = (FUNCTION_WORDS | frozenset(self._aspect_of)
                            | self.lexicon.small_talk_words)

    @classmethod
    def from_content(cls, content) -> Understanding:
        index = ProgramIndex(content.programs)
        lexicon = build_lexicon(content.concepts, content.requests, index.vocab)
        return cls(index, lexicon)

    # -- staff teach it ---------------------------------------------------------------------
    def learn(self, target: str, phrase: str, language: str) -> None:
        """Understand `phrase` as `target` from now on: a program id, "program_id:aspect", or
        "request:<name>". `language` ("id" or "jv") is for the record: phrases of both
        languages go through the same normalisation."""
        if language not in ("id", "jv"):
            raise ValueError(f"unknown language {language!r}")
        words = frozenset(self.lexicon.normalizer.words(phrase))
        if not words:
            raise ValueError("the phrase has no words")
        kind, _, rest = target.partition(":")
        if kind == "request":
            if rest not in self.lexicon.requests:
                raise ValueError(f"unknown request {rest!r}")
            self.lexicon.request_phrases.add(Phrase(rest, words))
            return
        if kind not in self.index.programs or (rest and rest not in ASPECTS):
            raise ValueError(f"unknown program or aspect {target!r}")
        self.learned.add(Phrase(target, words))

    # -- reading ----------------------------------------------------------------------------
    def aspect(self, words: list[str]) -> str | None:
        totals: dict[str, float] = {}
        for word in set(words) - ASKING:
            for aspect, weight in self._aspect_of.get(word, ()):
                totals[aspect] = totals.get(aspect, 0.0) + weight
        for phrase in self.lexicon.aspect_phrases.matches(set(words)):
            totals[phrase.owner] = totals.get(phrase.owner, 0.0) + 3.0
        if not totals:
            return None
        return max(totals, key=lambda a: (totals[a], -ASPECTS.index(a)))

    def _named(self, match: Match, bag: set[str]) -> dict[str, float]:
        scores: dict[str, float] = {}
        if match.programs:
            top = match.programs[0].score
            for cand in match.programs:
                distinct = max(1, _distinctive(cand.alias))
                weight = NAMED_STRONG if distinct >= 2 else NAMED_WEAK
                exact = min(1.0, cand.score / distinct)   # below 1 when typos were forgiven
                scores[cand.program.key] = weight * exact * exact * cand.score / top
        own = [(p.owner, p.words) for p in self._own.matches(bag)]
        for key, words in own:
            if any(words < other for _, other in own):  # "pkh plus", not also "pkh"
                continue
            longer = [c for c in match.programs if c.program.key != key
                      and words < frozenset(c.alias.split())]
            if longer:  # "pkh plsu": the matcher forgave a typo in the longer name
                key = longer[0].program.key
            scores[key] = max(scores.get(key, 0.0), NAMED_OWN)
        return scores

    def read(self, text: str, memory: object, now: dt.datetime) -> Reading:
        lex = self.lexicon
        words = lex.normalizer.words(text)
        bag = set(words)
        context = memory_of.recall(memory, now)
        # recall() found a context only in a dict: the isinstance is for mypy
        keep = memory if context is not None and isinstance(memory, dict) else None
        switch = bool(words) and words[0] in SWITCH
        # "kalau BPNT bagaimana?": the "bagaimana" asks nothing new
        aspect = self.aspect([w for w in words if not (switch and w == "bagaimana")])

        learned = self.learned.matches(bag)
        if learned:
            best = max(learned, key=lambda p: len(p.words))
            program, _, learned_aspect = best.owner.partition(":")
            chosen = learned_aspect or aspect
            log.debug("understood: learned phrase -> %s [%s]", program, chosen)
            return Reading("answer", programs=(program,), aspect=chosen,
                           memory=memory_of.remember(program, chosen, now))

        match = self.index.match(text)
        named = self._named(match, bag)
        request = read_request(lex, words, bool(named))
        if request is not None:
            argument = None
            if request == "language":
                argument = "jv" if "jawa" in bag else "id" if "indonesia" in bag else None
            log.debug("understood: request %s", request)
            return Reading("request", request=request, memory=keep, argument=argument)

        cue = bool(bag & lex.cues)
        concepts: dict[str, float] = {}
        for phrase in lex.concept_phrases.matches(bag):
            concept = lex.concepts[phrase.owner]
            if concept.needs_cue and not cue:
                continue
            concepts[concept.name] = max(concepts.get(concept.name, 0.0), 1.0)
        scores: dict[str, float] = dict(named)
        for name in concepts:
            for program, weight in lex.concepts[name].programs.items():
                if program in self.index.programs:
                    scores[program] = scores.get(program, 0.0) + weight
        names = tuple(sorted(concepts))

        content = [w for w in words if w not in self._topic_free and len(w) > 2]
        if context is not None:
            last, last_aspect = context
            short = len(content) <= FOLLOW_UP_WORDS
            if named and (switch or short) and aspect is None and len(named) == 1:
                aspect = last_aspect       # "kalau BPNT?" after "syarat PKH?"
            elif not named and short and aspect is not None and (
                    not scores or (last in scores and not switch)):
                log.debug("understood: follow-up -> %s [%s] (concepts %s)", last, aspect,
                          ",".join(names) or "-")
                return Reading("answer", programs=(last,), aspect=aspect, concepts=names,
                               memory=memory_of.remember(last, aspect, now), follow_up=True)
            elif not named and scores and switch and aspect is None:
                aspect = last_aspect       # "kalau buat anak yatim?"

        if not named and bag & lex.blockers:
            log.debug("understood: out of scope (blocker)")
            return Reading("none", concepts=names, memory=keep, blocked=True)
        if not scores:
            log.debug("understood: nothing (concepts %s)", ",".join(names) or "-")
            return Reading("none", concepts=names, memory=keep)

        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self._order.get(kv[0], 99)))
        top_key, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        if top >= ANSWER_AT and second <= CLEAR_LEAD * top:
            log.debug("understood: %s [%s] (concepts %s)", top_key, aspect,
                      ",".join(names) or "-")
            return Reading("answer", programs=(top_key,), aspect=aspect, concepts=names,
                           memory=memory_of.remember(top_key, aspect, now))
        offers = tuple(k for k, s in ranked if s >= max(OFFER_AT, 0.4 * top))[:MAX_OFFERS]
        log.debug("understood: choices %s [%s] (concepts %s)", ",".join(offers), aspect,
                  ",".join(names) or "-")
        return Reading("choices", programs=offers, aspect=aspect, concepts=names, memory=keep)
