"""The lexicon staff edit: concepts (situations -> programs), requests in words, and the words
and affixes they are written with. Loaded from content/concepts.yaml and content/requests.yaml.

A phrase is a bag of canonical words: it matches a message that has all of them, in any order.
Matching looks only at the phrases indexed under the message's own words, so it costs a few
dictionary look-ups per word, whatever the size of the lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.features.programs.normalize import Normalizer

_SPLIT = re.compile(r"[^\w]+")
ASPECTS = ("eligibility", "benefit", "schedule", "apply", "documents", "contact")


@dataclass(frozen=True)
class Phrase:
    owner: str                      # a concept name, or a request name
    words: frozenset[str]


@dataclass
class Concept:
    name: str
    programs: dict[str, float]
    needs_cue: bool = False


@dataclass
class PhraseIndex:
    """Phrases indexed by one of their words (the rarest would be best; any is correct)."""

    by_word: dict[str, list[Phrase]] = field(default_factory=dict)

    def add(self, phrase: Phrase) -> None:
        if phrase.words:
            key = min(phrase.words, key=lambda w: (-len(w), w))  # a long word: fewer hits
            self.by_word.setdefault(key, []).append(phrase)

    def matches(self, words: set[str]) -> list[Phrase]:
        found = []
        for word in words:
            for phrase in self.by_word.get(word, ()):
                if phrase.words <= words:
                    found.append(phrase)
        return found


@dataclass
class Lexicon:
    normalizer: Normalizer
    concepts: dict[str, Concept]
    concept_phrases: PhraseIndex
    request_phrases: PhraseIndex
    small_talk: frozenset[str]        # request names read only when nothing else is said
    small_talk_words: frozenset[str]  # the words of their phrases, and the fillers
    requests: tuple[str, ...]         # request names in priority order (the file's order)
    cues: frozenset[str]
    blockers: frozenset[str]
    aspect_words: dict[str, dict[str, float]]   # canonical word -> aspect -> weight
    aspect_phrases: PhraseIndex                 # several-word aspect phrases (owner = aspect)

    def phrase(self, text: str) -> frozenset[str]:
        return frozenset(self.normalizer.words(text))

    def add_concept_phrase(self, concept: str, text: str) -> None:
        self.concept_phrases.add(Phrase(concept, self.phrase(text)))

    def add_request_phrase(self, request: str, text: str) -> None:
        self.request_phrases.add(Phrase(request, self.phrase(text)))


def _texts(entry: dict) -> list[str]:
    return [str(t) for lang in ("id", "jv") for t in (entry.get(lang) or [])]


def load_lexicon(content_dir: Path, extra_known: Iterable[str] = ()) -> Lexicon:
    concepts_doc = yaml.safe_load((content_dir / "concepts.yaml").read_text(encoding="utf-8"))
    requests_doc = yaml.safe_load((content_dir / "requests.yaml").read_text(encoding="utf-8"))
    return build_lexicon(concepts_doc, requests_doc, extra_known)


def build_lexicon(concepts_doc: dict, requests_doc: dict,
                  extra_known: Iterable[str] = ()) -> Lexicon:
    affixes = concepts_doc.get("affixes") or {}
    raw: set[str] = set(extra_known)
    for entry in (concepts_doc.get("concepts") or {}).values():
        for text in _texts(entry):
            raw.update(text.lower().split())
    for entry in (requests_doc.get("requests") or {}).values():
        for text in _texts(entry):
            raw.update(text.lower().split())
    for words in (concepts_doc.get("aspects") or {}).values():
        for text in words:
            raw.update(str(text).lower().split())
    raw.update(str(w).lower() for w in concepts_doc.get("cues") or [])
    normalizer = Normalizer({str(k): str(v) for k, v in (concepts_doc.get("words") or {}).items()},
                            affixes.get("prefixes") or [], affixes.get("suffixes") or [],
                            extra_known,
                            {str(k): str(v) for k, v in
                             (concepts_doc.get("phrases") or {}).items()})
    # The lexicon's own words, in their canonical form, become known words: a message's
    # "bansosku" or "dipunantem" is reduced to them. (Two passes, so that the phrases and
    # the messages go through the very same steps.)
    bases = [w for word in sorted(raw) for text in _SPLIT.split(word) if text
             for w in normalizer.canonical(text)]
    normalizer.add_known(bases)

    concepts: dict[str, Concept] = {}
    concept_phrases = PhraseIndex()
    for name, entry in (concepts_doc.get("concepts") or {}).items():
        concepts[name] = Concept(name, {str(k): float(v) for k, v in entry["programs"].items()},
                                 bool(entry.get("needs_cue", False)))
        for text in _texts(entry):
            concept_phrases.add(Phrase(name, frozenset(normalizer.words(text))))

    request_phrases = PhraseIndex()
    small_talk: set[str] = set()
    small_words: set[str] = set()
    names = []
    for name, entry in (requests_doc.get("requests") or {}).items():
        names.append(name)
        if entry.get("small_talk"):
            small_talk.add(name)
        for text in _texts(entry):
            words = frozenset(normalizer.words(text))
            request_phrases.add(Phrase(name, words))
            if entry.get("small_talk"):
                small_words.update(words)
    for filler in requests_doc.get("fillers") or []:
        small_words.update(normalizer.words(str(filler)))

    aspect_words: dict[str, dict[str, float]] = {}
    aspect_phrases = PhraseIndex()
    for aspect, texts in (concepts_doc.get("aspects") or {}).items():
        if aspect not in ASPECTS:
            raise ValueError(f"concepts.yaml: unknown aspect {aspect!r}")
        for text in texts:
            words = normalizer.words(str(text))
            if len(words) == 1:
                aspect_words.setdefault(words[0], {})[aspect] = 2.0
            elif words:
                aspect_phrases.add(Phrase(aspect, frozenset(words)))

    def canon(items) -> frozenset[str]:
        return frozenset(w for item in items or [] for w in normalizer.words(str(item)))

    return Lexicon(normalizer, concepts, concept_phrases, request_phrases, frozenset(small_talk),
                   frozenset(small_words), tuple(names), canon(concepts_doc.get("cues")),
                   canon(concepts_doc.get("blockers")), aspect_words, aspect_phrases)
