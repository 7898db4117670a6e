"""Requests in words ("cek bansos", "matur nuwun", "mau bicara dengan petugas"): which one a
message makes, if any. The phrases are data (content/requests.yaml)."""

from __future__ import annotations

from bot.features.programs.concepts import Lexicon


def read_request(lexicon: Lexicon, words: list[str], named_program: bool) -> str | None:
    """The request a message makes. Small talk (greeting, thanks) counts only when every word
    of the message is a small-talk word; the other requests win over a named program."""
    bag = set(words)
    found = {p.owner for p in lexicon.request_phrases.matches(bag)}
    if not found:
        return None
    for name in lexicon.requests:          # the file's order is the priority
        if name in found and name not in lexicon.small_talk:
            return name
    if named_program or not bag <= lexicon.small_talk_words:
        return None
    for name in lexicon.requests:
        if name in found:
            return name
    return None
