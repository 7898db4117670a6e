"""Long announcements are split within Telegram's limits without breaking words or formatting,
and what the operator typed reaches people exactly as typed."""

from __future__ import annotations

import pytest

from bot.core.text import compose, split_message, utf16_len
from bot.features.broadcasts.draft import append, build
from tests.broadcast_kit import send_and_wait, texts_to


def covered(text: str, entity: dict) -> str:
    """The characters an entity covers (offsets are UTF-16 units)."""
    raw = text.encode("utf-16-le")
    start, end = entity["offset"] * 2, (entity["offset"] + entity["length"]) * 2
    return raw[start:end].decode("utf-16-le")


def test_a_second_part_keeps_its_formatting_after_an_emoji_in_the_first():
    """An operator types two messages; the second's bold word must stay on that word after
    the first (with an emoji, two UTF-16 units) and the blank line between them."""
    draft: dict = {}
    append(draft, "text", "Halo 👋 warga", [{"type": "italic", "offset": 0, "length": 4}])
    append(draft, "text", "Bansos cair besok", [{"type": "bold", "offset": 7, "length": 4}])
    value = build(draft)
    assert value.text == "Halo 👋 warga\n\nBansos cair besok"
    assert [covered(value.text, e) for e in value.entities] == ["Halo", "cair"]


def test_short_text_is_one_part_unchanged():
    ents = [{"type": "bold", "offset": 0, "length": 5}]
    parts = split_message("Halo warga Jawa Timur", ents)
    assert len(parts) == 1
    assert parts[0].text == "Halo warga Jawa Timur" and list(parts[0].entities) == ents


def test_split_on_paragraphs_first():
    paras = [f"Paragraf {n}. " + "kata " * 380 for n in range(3)]
    text = "\n\n".join(p.strip() for p in paras)
    parts = split_message(text)
    assert len(parts) == 2
    assert all(utf16_len(p.text) <= 4096 for p in parts)
    assert parts[1].text.startswith("Paragraf 2.")      # cut between paragraphs 1 and 2
    assert "\n\n".join(p.text for p in parts) == text


def test_split_on_words_when_there_is_no_paragraph():
    words = [f"kata{n}" for n in range(2000)]
    text = " ".join(words)
    parts = split_message(text)
    assert len(parts) >= 3
    assert all(utf16_len(p.text) <= 4096 for p in parts)
    assert " ".join(p.text for p in parts).split(" ") == words   # no word cut in two


def test_a_text_without_spaces_is_cut_hard_but_completely():
    text = "x" * 10_000
    parts = split_message(text)
    assert [len(p.text) for p in parts] == [4096, 4096, 1808]
    assert "".join(p.text for p in parts) == text


def test_emoji_count_double_and_stay_whole():
    text = "🙏" * 5000
    parts = split_message(text)
    assert all(utf16_len(p.text) <= 4096 for p in parts)
    assert "".join(p.text for p in parts) == text


def test_formatting_across_the_cut_is_kept_on_both_sides():
    head = "🙏 Pengumuman " + "isi " * 1000              # emoji: UTF-16 offsets differ
    bold = "PENTING: bawa KTP dan KK asli ke kantor desa"
    text = head + bold + " terima kasih."
    start = utf16_len(head)
    link_start = utf16_len("🙏 ")
    ents = [{"type": "bold", "offset": start, "length": utf16_len(bold)},
            {"type": "text_link", "offset": link_start, "length": 10,
             "url": "https://dinsos.jatimprov.go.id"}]
    parts = split_message(text, ents, limit=start + 20)  # the cut falls inside the bold run
    assert len(parts) == 2
    pieces = [covered(p.text, e) for p in parts for e in p.entities if e["type"] == "bold"]
    assert "".join(pieces).replace(" ", "") == bold.replace(" ", "")
    assert len(pieces) == 2                               # bold on both sides of the cut
    link = next(e for e in parts[0].entities if e["type"] == "text_link")
    assert covered(parts[0].text, link) == "Pengumuman" and link["url"].startswith("https")
    for p in parts:
        for e in p.entities:
            assert 0 <= e["offset"] and e["offset"] + e["length"] <= utf16_len(p.text)


def test_photo_caption_is_cut_at_1024_and_the_rest_follows():
    text = "Baris pengumuman. " * 200
    messages = compose(text, (), photo="file123")
    assert messages[0].photo == "file123" and utf16_len(messages[0].text) <= 1024
    assert all(m.photo is None and utf16_len(m.text) <= 4096 for m in messages[1:])
    assert " ".join(m.text for m in messages).split() == text.split()


@pytest.mark.staff_text
async def test_a_long_announcement_in_three_messages_arrives_whole(admin, resident, fake):
    chunks = [f"Bagian {n}. " + "Informasi penyaluran bantuan sosial. " * 100 for n in range(3)]
    await admin.send("/siaran")
    for chunk in chunks:
        reply = (await admin.send(chunk))[0].text
    assert "dikirim sebagai 3 pesan" in reply
    await admin.tap("Continue")
    await admin.tap("Skip")
    await admin.tap("All subscribers")
    await send_and_wait(admin)
    got = [c for c in fake.calls if c.method == "sendMessage" and c.params["chat_id"] == 1001
           and c.error is None][-3:]
    assert all(len(c.params["text"]) <= 4096 for c in got)
    assert [c.params["text"].split(".")[0] for c in got] == ["Bagian 0", "Bagian 1", "Bagian 2"]
    assert "\n\n".join(c.params["text"] for c in got) == "\n\n".join(s.strip() for s in chunks)


async def test_what_the_operator_typed_is_not_parsed_as_markup(admin, resident, fake):
    typed = "Syarat: <b>KTP</b> & KK, *asli* _bukan_ fotokopi <a href='x'>"
    await admin.send("/siaran")
    await admin.send_message(text=typed + " wajib",
                             entities=[{"type": "bold", "offset": len(typed) + 1, "length": 5}])
    await admin.tap("Continue")
    await admin.tap("Skip")
    await admin.tap("All subscribers")
    await send_and_wait(admin)
    call = [c for c in fake.calls if c.method == "sendMessage"
            and c.params["chat_id"] == 1001][-1]
    assert call.params["text"] == typed + " wajib"
    assert "parse_mode" not in call.params
    assert call.params["entities"] == [{"type": "bold", "offset": len(typed) + 1, "length": 5}]
    assert texts_to(fake, 1001)[-1] == typed + " wajib"
