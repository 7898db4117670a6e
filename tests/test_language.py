"""The language rules of locales/STYLE.md, over the whole catalog and all content texts.

Each failure names the msgid (or content file and field), the language and the rule, so the
one who added a text can fix it. The rules' data is locales/glossary.yaml. Screens (button
labels, message lengths) are also checked on every flow test by tests/kit/screens.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("id", "jv")
CONTENT = [*sorted((ROOT / "content" / "programs").glob("*.yaml")),
           *(ROOT / "content" / n for n in ("screener.yaml", "skm.yaml", "office.yaml"))]
FIELD = re.compile(r"\{[a-z_0-9]*\}")
TAG = re.compile(r"</?[a-z]+(?: [^>]*)?>")
COMMAND = re.compile(r"(?<![\w/])/[a-z_]+")
SHELL = re.compile(r"dinsos-bot [^.;\n]*")  # a command line staff type on the server


@cache
def glossary() -> dict:
    return yaml.safe_load((ROOT / "locales" / "glossary.yaml").read_text(encoding="utf-8"))


@cache
def catalog(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def po_texts(lang: str) -> Iterator[tuple[str, str, str]]:
    """(where, msgid, msgstr) for every translation, plural forms included."""
    for m in catalog(lang):
        if not m.id:
            continue
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        for s in ([m.string] if isinstance(m.string, str) else list(m.string)):
            yield f"msgid {msgid!r}", msgid, s


def _walk(node, path: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in LANGS and isinstance(value, str):
                yield path, key, value
            else:
                yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


@cache
def content_texts() -> tuple[tuple[str, str, str], ...]:
    """(where, lang, text) for every id/jv text in the content people read."""
    out = []
    for path in CONTENT:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += list(_walk(data, path.relative_to(ROOT).as_posix()))
    return tuple(out)


def texts(lang: str) -> list[tuple[str, str]]:
    """(where, text) in one language: the catalog and the content."""
    return ([(where, s) for where, _, s in po_texts(lang)]
            + [(f"content {where}", t) for where, lg, t in content_texts() if lg == lang])


def plain(text: str) -> str:
    """Without placeholders, tags, commands and the allowed official names."""
    text = COMMAND.sub(" ", TAG.sub(" ", FIELD.sub(" ", SHELL.sub(" ", text))))
    for phrase in glossary()["allowed_phrases"]:
        text = text.replace(phrase, " ")
    return text


WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:-[A-Za-zÀ-ÿ]+)*")


def test_no_ngoko_or_indonesian_word_in_javanese():
    markers = {k.lower(): v for k, v in glossary()["ngoko_markers"].items()}
    bad = []
    for where, text in texts("jv"):
        for word in WORD.findall(plain(text)):
            for part in {word, *word.split("-")}:
                if part.lower() in markers:
                    bad.append(f"jv {where}: {part!r} is ngoko or Indonesian; krama: "
                               f"{markers[part.lower()]!r} (rule: ngoko_markers in "
                               "locales/glossary.yaml)")
    assert not bad, "\n".join(dict.fromkeys(bad))


def test_kagem_only_before_an_honoured_person():
    allowed = glossary()["kagem_only_before"]
    follow = re.compile(r"\bkagem\b(?!\s+(?:" + "|".join(map(re.escape, allowed)) + r")\b)",
                        re.IGNORECASE)
    bad = [f"jv {where}: 'kagem' before {text[m.end():m.end() + 25].strip()!r}; use 'kangge' "
           f"(rule: kagem only before {', '.join(allowed)})"
           for where, text in texts("jv") for m in follow.finditer(text)]
    assert not bad, "\n".join(bad)


def test_javanese_is_written_without_diacritics():
    letters = set(glossary()["jv_forbidden_letters"])
    bad = [f"jv {where}: {sorted(set(text) & letters)} in {text[:60]!r} (rule: no é/è)"
           for where, text in texts("jv") if set(text) & letters]
    assert not bad, "\n".join(bad)


def _loose(term: str) -> re.Pattern[str]:
    """The term with any capitals and any separators between its parts: 'dtsen', 'Kab / Kota'."""
    parts = [re.escape(p) for p in re.split(r"[\s\-/]+", term) if p]
    return re.compile(r"(?<![\w/])" + r"[\s\-/]*".join(parts) + r"(?![\w])", re.IGNORECASE)


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?:\n•(\"“"


@pytest.mark.parametrize("lang", LANGS)
def test_one_spelling_per_glossary_term(lang):
    terms = glossary()["terms"]
    bad = []
    for term in [*terms["both"], *terms[lang]]:
        use, variants = term["use"], term.get("not", [])
        pattern = _loose(use)
        for where, text in texts(lang):
            body = plain(text)
            for variant in variants:
                if re.search(r"(?<!\w)" + re.escape(variant) + r"(?!\w)", body):
                    bad.append(f"{lang} {where}: {variant!r}; write {use!r} (rule: one "
                               "spelling per glossary term)")
            for m in pattern.finditer(body):
                seen = m.group(0)
                capital = use[0].upper() + use[1:]
                if seen == use or (seen == capital and _sentence_start(body, m.start())):
                    continue
                if seen.isupper() and not use.isupper() and len(seen) > 3:
                    continue  # emphasis: "BOTEN dipunkintun"
                bad.append(f"{lang} {where}: {seen!r}; write {use!r} (rule: one spelling per "
                           "glossary term)")
    assert not bad, "\n".join(dict.fromkeys(bad))


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_tags_and_commands_match_the_msgid(lang):
    bad = []
    for where, msgid, text in po_texts(lang):
        for name, rx in (("placeholders", FIELD), ("HTML tags", TAG), ("/commands", COMMAND)):
            want, got = sorted(rx.findall(msgid)), sorted(rx.findall(text))
            if want != got:
                bad.append(f"{lang} {where}: {name} {got} differ from the msgid's {want} "
                           "(rule: placeholders and HTML identical in msgid and translations)")
    assert not bad, "\n".join(bad)


def test_content_button_labels_fit_a_phone():
    """Labels that come from content, in both languages: screener answers, SKM answers,
    program short names (two to a row)."""
    limit = glossary()["button_label_max"]
    bad = []
    for where, lang, text in content_texts():
        if any(k in where for k in (".label", ".options", ".answers")) or where.endswith(".short"):
            if len(text) > limit:
                bad.append(f"{lang} content {where}: {text!r} is {len(text)} characters, more "
                           f"than {limit} (rule: inline button labels <= {limit})")
    for path in sorted((ROOT / "content" / "programs").glob("*.yaml")):
        short = yaml.safe_load(path.read_text(encoding="utf-8"))["name"].get("short", "")
        if len(short) > limit:
            bad.append(f"content {path.name} name.short {short!r} is {len(short)} characters "
                       f"(rule: inline button labels <= {limit})")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_no_single_text_is_longer_than_a_resident_message(lang):
    limit = glossary()["resident_message_max"]
    bad = [f"{lang} {where}: {len(text)} characters (rule: a resident's message <= {limit})"
           for where, text in texts(lang) if len(text) > limit]
    assert not bad, "\n".join(bad)


INTERNAL = re.compile(r"ADMIN_IDS|NIK_HMAC_KEY|BOT_TOKEN|TIMEZONE|DATABASE_PATH|"
                      r"content/[a-z_]+\.ya?ml|\.py\b|buffer stock|\bALL\b")


@pytest.mark.parametrize("lang", LANGS)
def test_no_internal_names_on_a_screen(lang):
    """Setting names, file paths and English codes mean nothing to the reader."""
    bad = [f"{lang} {where}: {m.group(0)!r} is an internal name; say what it is (and for "
           "staff, which button or command changes it) (rule: no internal names on a screen)"
           for where, text in texts(lang) for m in INTERNAL.finditer(text)]
    assert not bad, "\n".join(bad)


def test_the_screen_check_maps_a_label_to_its_msgid_and_measures_every_language():
    from types import SimpleNamespace

    from tests.kit import screens

    entry, values = screens.source_of("Lihat semua (3 lagi)")
    assert entry is not None and entry.msgid == "See all ({n} more)" and values == {"n": "3"}

    def call(text=None, labels=(), chat=1001):
        markup = {"inline_keyboard": [[{"text": label, "callback_data": "x"}] for label in labels]}
        params = {"chat_id": chat, "text": text or "ok", "reply_markup": markup}
        return SimpleNamespace(method="sendMessage", params=params)

    assert screens.problems([call(labels=["Lewati pertanyaan ini", "Lihat semua (3 lagi)"])],
                            set()) == []
    too_long = screens.problems([call(labels=["x" * 25])], set())
    assert len(too_long) == 1 and "25 characters" in too_long[0]
    assert len(screens.problems([call(text="y" * 1501)], set())) == 1
    assert screens.problems([call(text="y" * 1501, chat=9001)], {9001}) == []


MONEY_BAD = re.compile(r"Rp\s+\d|Rp\d{1,3}(?:,\d{3})+|Rp\d{4,}")


@pytest.mark.parametrize("lang", LANGS)
def test_money_is_written_rp_without_space_and_with_dots(lang):
    bad = [f"{lang} {where}: {m.group(0)!r}; write 'Rp1.500.000' or 'Rp200 ribu' (rule: money)"
           for where, text in texts(lang) for m in MONEY_BAD.finditer(text)]
    assert not bad, "\n".join(bad)


def test_no_strftime_in_what_people_read():
    """Dates for people come from bot.core.datetimes (Babel, the chat's locale). strftime is
    left only for file names and machine-readable CSV cells."""
    allowed = {"bot/storage/backup.py", "bot/features/skm/workbook.py"}
    found = [p.relative_to(ROOT).as_posix() for p in (ROOT / "bot").rglob("*.py")
             if "strftime(" in p.read_text(encoding="utf-8")]
    assert sorted(set(found) - allowed) == [], (
        "format dates with bot.core.datetimes (format_when/format_day/format_clock), not "
        "strftime (rule: one date style for people)")
