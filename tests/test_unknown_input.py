"""Nothing a person sends is met with silence; groups get only a pointer to a private chat."""

from __future__ import annotations

import pytest

from bot.features.chat.handlers import MAX_TEXT
from tests.conftest import add_first

STICKER = {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False, "type": "regular"}}
PHOTO = {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]}
VOICE = {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}}
LOCATION = {"location": {"latitude": -7.3, "longitude": 112.7}}


@pytest.mark.parametrize("fields", [STICKER, PHOTO, VOICE, LOCATION],
                         ids=["sticker", "photo", "voice", "location"])
async def test_media_gets_a_text_only_answer(resident, fields):
    replies = await resident.send_message(**fields)
    assert len(replies) == 1
    assert "hanya bisa membaca pesan teks" in replies[0].text


async def test_media_answer_in_javanese(resident_jv):
    replies = await resident_jv.send_message(**STICKER)
    assert "Kula namung saged maos seratan teks" in replies[0].text


async def test_unknown_command(resident):
    replies = await resident.send("/hapus_semua")
    assert "tidak mengenal perintah" in replies[0].text


async def test_unrecognised_text_gets_a_way_forward(resident):
    replies = await resident.send("asdfgh")
    assert len(replies) == 1
    text = replies[0].text
    assert "tidak menemukan program" in text  # said plainly, no guessed program
    assert "/program" in text and "(031) 8290794" in text


async def test_edited_message_is_explained(resident):
    sent = await resident.send("halo")
    assert sent
    replies = await resident.edit(1, "halo lagi")
    assert "bukan pesan yang disunting" in replies[0].text


async def test_very_long_text_asks_for_a_shorter_one(resident):
    replies = await resident.send("bantuan " * (MAX_TEXT // 4))
    assert len(replies) == 1
    assert "terlalu panjang" in replies[0].text
    assert str(MAX_TEXT) in replies[0].text


async def test_forged_or_stale_button_is_answered(resident, fake):
    msg = resident.last_reply()
    await resident.press(msg, "tidak:ada:fitur:ini")
    answer = fake.calls_to("answerCallbackQuery")[-1]
    assert "tidak berlaku" in answer.params["text"]


async def test_group_chat_answers_only_start(client, fake):
    group = client(1001, chat_id=-100123, chat_type="group")
    replies = await group.send("/start")
    assert len(replies) == 1
    assert "secara pribadi" in replies[0].text
    assert "t.me/" in replies[0].text
    assert await group.send("halo semua") == []
    assert await group.send("/bantuan") == []
    assert await group.send("/start@DinsosJatimBot") != []


async def test_group_members_are_not_recorded_as_subscribers(client, app):
    group = client(4242, chat_id=-100999, chat_type="group")
    await group.send("/start")
    assert await app.services.store.subscribers.get(4242) is None


async def test_block_and_unblock_are_recorded(resident, app):
    subs = app.services.store.subscribers
    await resident.set_member_status("kicked")
    assert (await subs.get(1001)).blocked
    assert (1001, "id") not in await subs.audience()
    await resident.set_member_status("member")
    assert not (await subs.get(1001)).blocked
    assert (1001, "id") in await subs.audience()


async def test_writing_again_after_blocking_counts_as_unblocked(resident, app):
    await resident.set_member_status("kicked")
    await resident.send("/menu")
    assert not (await app.services.store.subscribers.get(1001)).blocked


async def test_an_error_gets_a_polite_apology_and_no_traceback(resident, app, fake):
    from telegram.ext import CommandHandler

    async def boom(update, context):
        raise RuntimeError("failure while reading 3578014107900002")

    add_first(app, CommandHandler("boom", boom))
    replies = await resident.send("/boom")
    assert len(replies) == 1
    assert "terjadi gangguan" in replies[0].text
    assert "3578014107900002" not in replies[0].text


async def test_a_button_press_without_data_is_a_stale_button(resident, fake, caplog):
    """PTB hands a callback query without data to every pattern handler; none may see it."""
    import logging

    caplog.set_level(logging.INFO)
    query = {"id": fake.next_callback_id(), "from": resident.user,
             "chat_instance": str(resident.chat_id), "message": resident.last_reply().to_api()}
    await resident.feed({"callback_query": query})
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    answer = fake.calls_to("answerCallbackQuery")[-1]
    assert "sudah tidak berlaku" in answer.params.get("text", "")
