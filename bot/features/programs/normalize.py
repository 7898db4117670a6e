"""Words of a resident's message, as one canonical word each: chat Indonesian, ngoko, krama and
Suroboyoan spellings mapped to one word, Indonesian affixes stripped by the Sastrawi stemmer,
Javanese affixes (dipun-, ka-, -ipun, -e/-ne, -aken/-ake, -an, ...) stripped by rules from
content/concepts.yaml, reduplication (bocah-bocah, anak2) folded.

The same function turns the phrases of content/ into words, so a phrase written in krama
matches a message written in chat Indonesian when both map to the same words.

A word's canonical form is computed once and remembered (chat repeats words); nothing here is
built at import time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from bot.features.programs.matching import PHRASE_MAP, WORD_MAP

_APOSTROPHES = str.maketrans("", "", "'`’‘ʼ")
_REDUPLICATED = re.compile(r"\b(\w+)-\1\b")
_SPLIT = re.compile(r"[^\w]+")
_DIGIT_TWO = re.compile(r"^([a-z]{3,})2$")
MEMO_SIZE = 50_000


class Normalizer:
    """Built once from content; `words(text)` gives the canonical words of a message."""

    def __init__(self, word_map: Mapping[str, str], prefixes: Iterable[str],
                 suffixes: Iterable[str], known: Iterable[str],
                 phrase_map: Mapping[str, str] | None = None) -> None:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory  # ~25 ms: at start only

        factory = StemmerFactory()
        self._stemmer = factory.create_stemmer()
        self.map: dict[str, str] = {**WORD_MAP, **{k.lower(): v.lower()
                                                  for k, v in word_map.items()}}
        self.prefixes = tuple(sorted({p.lower() for p in prefixes}, key=len, reverse=True))
        self.suffixes = tuple(sorted({s.lower() for s in suffixes}, key=len, reverse=True))
        self._dictionary = frozenset(factory.get_words())
        self.known: set[str] = set(known)
        for value in self.map.values():
            self.known.update(value.split())
        self._memo: dict[str, tuple[str, ...]] = {}
        # several words -> one ("nyuwun sewu" -> "permisi"): one pattern, longest first
        self._phrase_of = {" ".join(k.lower().split()): v.lower()
                           for k, v in (phrase_map or {}).items()}
        keys = sorted(self._phrase_of, key=len, reverse=True)
        self._phrases = (re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b")
                         if keys else None)

    def add_known(self, words: Iterable[str]) -> None:
        self.known.update(words)
        self._memo.clear()

    # -- one word -----------------------------------------------------------------------------
    def _is_word(self, word: str) -> bool:
        return word in self.known or word in self.map

    def _mapped(self, word: str) -> tuple[str, ...]:
        return tuple(self.map.get(word, word).split())

    def _javanese(self, word: str) -> str | None:
        """Strip Javanese affixes when that gives a word we know (omahku -> omah)."""
        for prefix in ("", *self.prefixes):
            if prefix and not word.startswith(prefix):
                continue
            core = word[len(prefix):]
            for suffix in ("", *self.suffixes):
                if not prefix and not suffix:
                    continue
                if suffix and not core.endswith(suffix):
                    continue
                stem = core[: len(core) - len(suffix)] if suffix else core
                if len(stem) >= 3 and (self._is_word(stem) or stem in self._dictionary):
                    return stem
        return None

    def canonical(self, word: str) -> tuple[str, ...]:
        hit = self._memo.get(word)
        if hit is not None:
            return hit
        if word in self.map:
            result = self._mapped(word)
        elif (word in self.known or word.isdigit() or len(word) <= 3
              or word in self._dictionary):  # a root word as it is (Sastrawi: kabar -> bar)
            result = (word,)
        else:
            result = self._stem(word)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[word] = result
        return result

    def _stem(self, word: str) -> tuple[str, ...]:
        m = _DIGIT_TWO.match(word)  # anak2, cair2: reduplication typed with a 2
        if m:
            return self.canonical(m.group(1))
        stemmed = self._stemmer.stem(word)
        if stemmed and stemmed != word and (self._is_word(stemmed)
                                            or stemmed in self._dictionary):
            return self._mapped(stemmed)
        jv = self._javanese(word)
        if jv is not None:
            return self._mapped(jv)
        return (word,)

    # -- a message ----------------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """Lowercase words before mapping: punctuation out, reduplication folded."""
        text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
        text = _REDUPLICATED.sub(r"\1", text)
        for pattern, repl in PHRASE_MAP:
            text = pattern.sub(repl, text)
        if self._phrases is not None:
            text = self._phrases.sub(lambda m: self._phrase_of[m.group(0)], text)
        return [w for w in _SPLIT.split(text.replace("_", " ")) if w]

    def words(self, text: str) -> list[str]:
        out: list[str] = []
        for token in self.tokens(text):
            out.extend(self.canonical(token))
        return out
