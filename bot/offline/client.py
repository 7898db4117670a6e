"""A person in a chat with the bot, as updates fed to the real Application (the console and
the tests): send(text), click(label), press(message, data), and what the bot answered."""

from __future__ import annotations

import re
import time
from typing import Any

from telegram import Update

from bot.offline.api import BOT_ID, FakeBotAPI, FakeMessage


class ChatClient:
    """One person in a private chat with the bot: send, click, read the replies."""

    def __init__(self, app: Any, fake: FakeBotAPI, user_id: int = 1001,
                 first_name: str = "Siti", language_code: str | None = "id",
                 chat_id: int | None = None, chat_type: str = "private") -> None:
        self.app, self.fake = app, fake
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            self.user["language_code"] = language_code
        self.chat_id = chat_id if chat_id is not None else user_id
        self.chat = {"id": self.chat_id, "type": chat_type}
        if chat_type == "private":
            self.chat["first_name"] = first_name
        else:
            self.chat["title"] = "Grup Warga"

    @property
    def user_id(self) -> int:
        return self.user["id"]

    # -- building updates -----------------------------------------------------------------------
    def _message(self, **fields: Any) -> dict:
        mid = self.fake.next_message_id(self.chat_id)
        msg = FakeMessage(message_id=mid, chat_id=self.chat_id, text=fields.get("text"),
                          from_bot=False)
        self.fake.messages[(self.chat_id, mid)] = msg
        return {"message_id": mid, "date": int(time.time()), "chat": self.chat,
                "from": self.user, **fields}

    async def feed(self, data: dict) -> list[FakeMessage]:
        """Process one raw update; return the bot messages it sent or edited in this chat."""
        start = len(self.fake.calls)
        data = {"update_id": self.fake.next_update_id(), **data}
        update = Update.de_json(data, self.app.bot)
        await self.app.process_update(update)
        settle = getattr(self.app, "settle", None)
        if settle is not None:
            await settle()
        return self._since(start)

    def _since(self, start: int) -> list[FakeMessage]:
        out: list[FakeMessage] = []
        for call in self.fake.calls[start:]:
            msg = call.message
            if msg is not None and msg.chat_id == self.chat_id and not msg.deleted \
                    and msg not in out:
                out.append(msg)
        return out

    async def send(self, text: str) -> list[FakeMessage]:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.feed({"message": self._message(**fields)})

    async def send_message(self, **fields: Any) -> list[FakeMessage]:
        """A message with arbitrary fields (sticker, photo, voice, contact, document ...)."""
        return await self.feed({"message": self._message(**fields)})

    def requested_users(self) -> int | None:
        """The request_id of the newest reply-keyboard button asking to choose a user."""
        for msg in reversed(self.fake.chat(self.chat_id)):
            rows = (msg.reply_markup or {}).get("keyboard") or []
            for button in (b for row in rows for b in row if isinstance(b, dict)):
                if "request_users" in button:
                    return int(button["request_users"]["request_id"])
        return None

    async def share_user(self, user_id: int, first_name: str | None = None,
                         last_name: str | None = None,
                         request_id: int | None = None) -> list[FakeMessage]:
        """What Telegram sends when the person picks a user with a "choose a user" button
        (request_id: the button's; by default the newest such button's)."""
        rid = request_id if request_id is not None else self.requested_users()
        user: dict[str, Any] = {"user_id": user_id}
        if first_name:
            user["first_name"] = first_name
        if last_name:
            user["last_name"] = last_name
        return await self.send_message(users_shared={"request_id": rid or 0, "users": [user]})

    async def send_document(self, filename: str, content: bytes,
                            caption: str | None = None) -> list[FakeMessage]:
        file_id = f"upload{len(self.fake.files) + 1}"
        self.fake.files[file_id] = content
        doc = {"file_id": file_id, "file_unique_id": file_id, "file_name": filename,
               "file_size": len(content)}
        fields: dict[str, Any] = {"document": doc}
        if caption:
            fields["caption"] = caption
            if caption.startswith("/"):
                fields["caption_entities"] = [{"type": "bot_command", "offset": 0,
                                               "length": len(caption.split()[0])}]
        return await self.send_message(**fields)

    async def send_photo(self, content: bytes, caption: str | None = None) -> list[FakeMessage]:
        """A photo (its bytes are kept in fake.files, so the bot can download or resend it)."""
        file_id = f"photo_upload{len(self.fake.files) + 1}"
        self.fake.files[file_id] = content
        fields: dict[str, Any] = {"photo": [{"file_id": file_id, "file_unique_id": file_id,
                                             "width": 800, "height": 600,
                                             "file_size": len(content)}]}
        if caption:
            fields["caption"] = caption
        return await self.send_message(**fields)

    async def edit(self, message_id: int, text: str) -> list[FakeMessage]:
        msg = {"message_id": message_id, "date": int(time.time()), "edit_date": int(time.time()),
               "chat": self.chat, "from": self.user, "text": text}
        return await self.feed({"edited_message": msg})

    def find_button(self, label: str) -> tuple[FakeMessage, str]:
        """The newest message with a button whose label is `label` (exact, else a regex)."""
        messages = list(reversed(self.fake.chat(self.chat_id)))
        for msg in messages:
            for text, data in msg.buttons():
                if text == label:
                    return msg, data
        rx = re.compile(label, re.I)
        for msg in messages:
            for text, data in msg.buttons():
                if rx.search(text):
                    return msg, data
        seen = [m.labels() for m in messages if m.buttons()][:3]
        raise LookupError(f"no button {label!r}; newest buttons: {seen}")

    async def click(self, label: str) -> list[FakeMessage]:
        msg, data = self.find_button(label)
        return await self.press(msg, data)

    async def press(self, msg: FakeMessage, data: str) -> list[FakeMessage]:
        """Press a button by its callback data (also for stale or forged data)."""
        query = {"id": self.fake.next_callback_id(), "from": self.user,
                 "chat_instance": str(self.chat_id), "data": data, "message": msg.to_api()}
        return await self.feed({"callback_query": query})

    async def set_member_status(self, status: str) -> list[FakeMessage]:
        """my_chat_member: 'kicked' when the user blocks the bot, 'member' when unblocking."""
        old = "member" if status == "kicked" else "kicked"
        bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Dinsos Jatim"}
        change = {"chat": self.chat, "from": self.user, "date": int(time.time()),
                  "old_chat_member": {"status": old, "user": bot_user,
                                      **({"until_date": 0} if old == "kicked" else {})},
                  "new_chat_member": {"status": status, "user": bot_user,
                                      **({"until_date": 0} if status == "kicked" else {})}}
        return await self.feed({"my_chat_member": change})

    # -- reading ----------------------------------------------------------------------------------
    @property
    def replies(self) -> list[FakeMessage]:
        return self.fake.chat(self.chat_id)

    def last_reply(self) -> FakeMessage:
        replies = self.replies
        if not replies:
            raise LookupError("the bot has not written to this chat")
        return replies[-1]
