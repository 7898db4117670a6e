"""The catalogs: complete in both languages and never older than the code's strings."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}


def code_msgids() -> set[str]:
    found = set()
    for folder in ("bot",):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", ["id", "jv"])
def test_catalog_covers_every_string_in_the_code(lang):
    cat = catalog(lang)
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}
    missing = code_msgids() - have
    assert not missing, f"run `make locales-update` and translate: {sorted(missing)[:10]}"


@pytest.mark.parametrize("lang", ["id", "jv"])
def test_no_empty_or_fuzzy_translation(lang):
    cat = catalog(lang)
    bad = []
    for m in cat:
        if not m.id:
            continue
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        if not all(s and s.strip() for s in strings) or m.fuzzy:
            bad.append(m.id)
    assert not bad, f"untranslated or fuzzy in {lang}: {bad[:10]}"


@pytest.mark.parametrize("lang", ["id", "jv"])
def test_plural_forms_are_single(lang):
    assert catalog(lang).num_plurals == 1


@pytest.mark.parametrize("lang", ["id", "jv"])
def test_placeholders_survive_translation(lang):
    import re

    field = re.compile(r"\{[a-z_]*\}")
    for m in catalog(lang):
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        want = set(field.findall(ids[0]))
        for s in strings:
            assert set(field.findall(s)) == want, (lang, m.id)


def test_missing_catalogs_are_compiled_at_start(tmp_path):
    import shutil

    from bot.core.i18n import I18n

    for lang in ("id", "jv"):
        dest = tmp_path / lang / "LC_MESSAGES"
        dest.mkdir(parents=True)
        shutil.copy(ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po", dest)
    i18n = I18n(tmp_path)
    assert (tmp_path / "jv" / "LC_MESSAGES" / "messages.mo").exists()
    assert i18n.translator("jv")("Change language") == "Gantos basa"
    assert i18n.translator("id")("Change language") == "Ganti bahasa"
    assert i18n.translator("xx")("Change language") == "Ganti bahasa"  # the default
