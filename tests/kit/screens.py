"""What fits a phone: checked on every screen the whole test suite produces.

Why at run time: button labels are built in many ways (a msgid, a msgid with a program's short
name, a unit or region name from content, a reminder's first line), so no source scan finds all
of them; the fake Bot API sees every keyboard that is really sent. Each label is mapped back to
its msgid (a template with placeholders matches too) and that msgid is checked in EVERY
language with the same values, so a Javanese label that is too long fails a test that ran in
Indonesian. Labels that come from no msgid (content names) are checked as they are; content
labels are also checked in both languages, statically, by tests/test_language.py.

`conftest.make_app` calls `problems(...)` after every test that built an app.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
GLOSSARY = ROOT / "locales" / "glossary.yaml"
LANGS = ("id", "jv")
FIELD = re.compile(r"\{([a-z_]*)\}")


@cache
def limits() -> tuple[int, int]:
    g = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))
    return int(g["button_label_max"]), int(g["resident_message_max"])


@dataclass(frozen=True)
class Entry:
    msgid: str
    texts: dict[str, str]  # "en" (the msgid), "id", "jv"


@cache
def entries() -> tuple[Entry, ...]:
    cats = {}
    for lang in LANGS:
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            cats[lang] = read_po(fh, locale=lang)
    out = []
    for m in cats["id"]:
        if not m.id or not isinstance(m.id, str):
            continue
        texts = {"en": m.id}
        for lang in LANGS:
            other = cats[lang].get(m.id)
            if other is not None and isinstance(other.string, str) and other.string:
                texts[lang] = other.string
        out.append(Entry(m.id, texts))
    return tuple(out)


def _pattern(template: str) -> re.Pattern[str]:
    parts, names, pos = [], set(), 0
    for m in FIELD.finditer(template):
        parts.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        parts.append(f"(?P={name})" if name in names else f"(?P<{name}>.+?)")
        names.add(name)
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    return re.compile("".join(parts), re.DOTALL)


@cache
def _index() -> tuple[dict[str, list[Entry]], list[tuple[re.Pattern[str], Entry]]]:
    exact: dict[str, list[Entry]] = {}
    templated: list[tuple[re.Pattern[str], Entry]] = []
    for e in entries():
        for text in e.texts.values():
            if FIELD.search(text):
                templated.append((_pattern(text), e))
            else:
                exact.setdefault(text, []).append(e)
    return exact, templated


@cache
def source_of(label: str) -> tuple[Entry | None, dict[str, str]]:
    """The catalog entry a shown label was made from, with the values put into it."""
    exact, templated = _index()
    if label in exact:
        return exact[label][0], {}
    for pattern, entry in templated:
        m = pattern.fullmatch(label)
        if m:
            return entry, m.groupdict()
    return None, {}


def label_problems(label: str, where: str) -> list[str]:
    limit, _ = limits()
    entry, values = source_of(label)
    out = []
    if entry is None:
        if len(label) > limit:
            out.append(f"button label {label!r} ({where}) is {len(label)} characters, more than "
                       f"{limit} (rule: inline button labels <= {limit}; not from a msgid: "
                       "shorten the content name or the code that builds it)")
        return out
    for lang in LANGS:
        text = entry.texts.get(lang)
        if text is None:
            continue
        try:
            shown = text.format(**values) if values else text
        except (KeyError, IndexError, ValueError):
            shown = text
        if len(shown) > limit:
            out.append(f"button label msgid {entry.msgid!r} in {lang} is {shown!r}, "
                       f"{len(shown)} characters, more than {limit} (rule: inline button "
                       f"labels <= {limit} in both languages; seen {where})")
    return out


def problems(calls, staff_chats: set[int], check_messages: bool = True) -> list[str]:
    """Every label too long, and every message to a resident over the message limit."""
    _, message_limit = limits()
    found: list[str] = []
    for call in calls:
        p = call.params
        markup = p.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard") or []:
                for button in row:
                    found += label_problems(button.get("text", ""), f"in {call.method}")
        text = p.get("text") if call.method in ("sendMessage", "editMessageText") else None
        if text is None and call.method in ("sendPhoto", "sendDocument", "editMessageCaption"):
            text = p.get("caption")
        chat = p.get("chat_id")
        try:
            chat_id = int(chat) if chat is not None else None
        except (TypeError, ValueError):
            chat_id = None
        if check_messages and text and chat_id is not None and chat_id not in staff_chats \
                and len(text) > message_limit:
            entry, _ = source_of(text)
            what = f"msgid {entry.msgid!r}" if entry else f"text starting {text[:80]!r}"
            found.append(f"a resident (chat {chat_id}) received {len(text)} characters in one "
                         f"{call.method}, more than {message_limit}: {what} (rule: a resident's "
                         f"message <= {message_limit}, or split it behind a 'more' button)")
    _record_stats(calls, staff_chats)
    return list(dict.fromkeys(found))


def _record_stats(calls, staff_chats: set[int]) -> None:
    """With DINSOS_SCREEN_STATS=FILE, append the longest label and resident message seen (for
    the figures in a report; off by default)."""
    path = os.environ.get("DINSOS_SCREEN_STATS")
    if not path:
        return
    labels = [b.get("text", "") for c in calls if isinstance(c.params.get("reply_markup"), dict)
              for row in c.params["reply_markup"].get("inline_keyboard") or [] for b in row]
    texts = [c.params.get("text") or c.params.get("caption") or "" for c in calls
             if str(c.params.get("chat_id", "")).lstrip("-").isdigit()
             and int(c.params["chat_id"]) not in staff_chats
             and c.method in ("sendMessage", "editMessageText", "sendPhoto")]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"label": max(labels, key=len, default=""),
                             "message": max(texts, key=len, default="")[:80],
                             "message_len": max(map(len, texts), default=0)}) + "\n")
