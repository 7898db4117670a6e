"""A fake Telegram Bot API on httpx.MockTransport, and a chat client that drives the real bot.

The tests and `dinsos-bot console` both use it: the real Application, handlers, database and
translations, with every Bot API call answered and recorded here instead of the network.

    fake = FakeBotAPI()
    app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN)
    siti = ChatClient(app, fake, user_id=1001)
    await siti.send("/start"); await siti.click("Bahasa Indonesia")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

import httpx
from telegram import Update

BOT_ID = 666
BOT_USERNAME = "DinsosJatimBot"


@dataclass
class FakeMessage:
    """A message in a chat, in its latest state."""

    message_id: int
    chat_id: int
    text: str | None = None
    reply_markup: dict | None = None
    kind: str = "text"        # text | photo | document
    caption: str | None = None
    filename: str | None = None
    content: bytes | None = None
    parse_mode: str | None = None
    deleted: bool = False
    from_bot: bool = True
    date: int = field(default_factory=lambda: int(time.time()))

    @property
    def body(self) -> str:
        return self.text if self.text is not None else (self.caption or "")

    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]

    def labels(self) -> list[str]:
        return [label for label, _ in self.buttons()]

    def keyboard(self) -> list[str]:
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [(b if isinstance(b, str) else b.get("text", "")) for row in rows for b in row]

    def to_api(self) -> dict:
        out: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": {"id": self.chat_id, "type": "private" if self.chat_id > 0 else "group"},
        }
        if self.from_bot:
            out["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Dinsos Jatim",
                           "username": BOT_USERNAME}
        if self.text is not None:
            out["text"] = self.text
        if self.caption is not None:
            out["caption"] = self.caption
        if self.kind == "photo":
            out["photo"] = [{"file_id": f"photo{self.message_id}", "file_unique_id": "p",
                             "width": 800, "height": 600}]
        if self.kind == "document":
            out["document"] = {"file_id": f"doc{self.message_id}", "file_unique_id": "d",
                               "file_name": self.filename or "file"}
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            out["reply_markup"] = self.reply_markup  # Telegram returns inline keyboards only
        return out


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    message: FakeMessage | None = None
    error: tuple[int, str] | None = None
    at: float = 0.0


class ApiError(Exception):
    """Raise from a fault hook to make the fake answer with a Bot API error."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


Fault = Callable[[str, dict[str, Any]], "ApiError | None"]


class FakeBotAPI:
    """Answers Bot API calls from memory and records each one."""

    def __init__(self, first_update_id: int = 1) -> None:
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[int, int], FakeMessage] = {}
        self.files: dict[str, bytes] = {}
        self.faults: list[Fault] = []
        self.blocked: set[int] = set()
        self.listeners: list[Callable[[ApiCall], None]] = []
        self.latency: float = 0.0
        self._ids: dict[int, itertools.count] = {}
        self._update_ids = itertools.count(first_update_id)
        self._callback_ids = itertools.count(1)
        self.transport = httpx.MockTransport(self._handle)

    # -- ids ------------------------------------------------------------------------------------
    def next_message_id(self, chat_id: int) -> int:
        return next(self._ids.setdefault(chat_id, itertools.count(1)))

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_callback_id(self) -> str:
        return str(next(self._callback_ids))

    # -- inspection -----------------------------------------------------------------------------
    def chat(self, chat_id: int) -> list[FakeMessage]:
        """The bot's messages in a chat, oldest first, deleted ones left out."""
        return [m for (c, _), m in sorted(self.messages.items())
                if c == chat_id and m.from_bot and not m.deleted]

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def fail_when(self, fault: Fault) -> None:
        """Add a hook (method, params) -> ApiError | None consulted before every call."""
        self.faults.append(fault)

    # -- the transport --------------------------------------------------------------------------
    async def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "/file/bot" in path:
            name = path.rsplit("/", 1)[-1]
            if name in self.files:
                return httpx.Response(200, content=self.files[name])
            return httpx.Response(404, json={"ok": False, "error_code": 404,
                                             "description": "Not Found"})
        method = path.rsplit("/", 1)[-1]
        params = _parse_params(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        call = ApiCall(method, params, at=time.monotonic())
        try:
            chat_id = params.get("chat_id")
            if chat_id is not None and int(chat_id) in self.blocked and method.startswith("send"):
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            for fault in list(self.faults):
                err = fault(method, params)
                if err is not None:
                    raise err
            result = self._dispatch(method, params, call)
        except ApiError as err:
            call.error = (err.code, err.description)
            self._record(call)
            body: dict[str, Any] = {"ok": False, "error_code": err.code,
                                    "description": err.description}
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
            return httpx.Response(err.code, json=body)
        self._record(call)
        return httpx.Response(200, json={"ok": True, "result": result})

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        for listener in list(self.listeners):
            listener(call)

    def _get(self, params: dict[str, Any]) -> FakeMessage:
        key = (int(params["chat_id"]), int(params["message_id"]))
        msg = self.messages.get(key)
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return msg

    def _dispatch(self, method: str, p: dict[str, Any], call: ApiCall) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Dinsos Jatim",
                    "username": BOT_USERNAME, "can_join_groups": True,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            text = p.get("text")
            if method == "sendMessage":
                if not text or not str(text).strip():
                    raise ApiError(400, "Bad Request: message text is empty")
                if len(str(text)) > 4096:
                    raise ApiError(400, "Bad Request: message is too long")
            chat_id = int(p["chat_id"])
            upload = p.get("photo") or p.get("document")
            msg = FakeMessage(
                message_id=self.next_message_id(chat_id), chat_id=chat_id, text=text,
                reply_markup=p.get("reply_markup"), caption=p.get("caption"),
                parse_mode=p.get("parse_mode"),
                kind={"sendPhoto": "photo", "sendDocument": "document"}.get(method, "text"),
                filename=upload[0] if isinstance(upload, tuple) else None,
                content=upload[1] if isinstance(upload, tuple) else None,
            )
            self.messages[(chat_id, msg.message_id)] = msg
            call.message = msg
            return msg.to_api()
        if method == "editMessageText":
            msg = self._get(p)
            if msg.text == p.get("text") and msg.reply_markup == p.get("reply_markup"):
                raise ApiError(400, "Bad Request: message is not modified")
            msg.text, msg.reply_markup = p.get("text"), p.get("reply_markup")
            msg.parse_mode = p.get("parse_mode")
            call.message = msg
            return msg.to_api()
        if method == "editMessageCaption":
            msg = self._get(p)
            msg.caption, msg.reply_markup = p.get("caption"), p.get("reply_markup")
            call.message = msg
            return msg.to_api()
        if method == "editMessageReplyMarkup":
            msg = self._get(p)
            msg.reply_markup = p.get("reply_markup")
            call.message = msg
            return msg.to_api()
        if method == "deleteMessage":
            key = (int(p["chat_id"]), int(p["message_id"]))
            msg = self.messages.get(key)
            if msg is None or msg.deleted:
                raise ApiError(400, "Bad Request: message to delete not found")
            msg.deleted = True
            call.message = msg
            return True
        if method == "getFile":
            file_id = p["file_id"]
            if file_id not in self.files:
                raise ApiError(400, "Bad Request: invalid file_id")
            return {"file_id": file_id, "file_unique_id": file_id,
                    "file_size": len(self.files[file_id]), "file_path": file_id}
        if method == "getUpdates":
            return []
        if method in ("answerCallbackQuery", "setMyCommands", "deleteMyCommands",
                      "sendChatAction", "setWebhook", "deleteWebhook", "close", "logOut",
                      "setChatMenuButton", "setMyDescription", "setMyShortDescription"):
            return True
        raise ApiError(400, f"Bad Request: method {method} is not supported by the fake")


def _parse_params(request: httpx.Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "")
    body = request.content
    out: dict[str, Any] = {}
    if ctype.startswith("multipart/form-data"):
        parsed = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename is not None:
                out[name] = (filename, payload)
            else:
                out[name] = _maybe_json(payload.decode())
    elif body:
        if ctype.startswith("application/json"):
            out = json.loads(body)
        else:
            out = {k: _maybe_json(v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)}
    # PTB sends attached files as attach://name references; resolve them to the part.
    for key, value in list(out.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            out[key] = out.get(value.removeprefix("attach://"), value)
    return out


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return value


class ChatClient:
    """One person in a private chat with the bot: send, click, read the replies."""

    def __init__(self, app: Any, fake: FakeBotAPI, user_id: int = 1001,
                 first_name: str = "Siti", language_code: str | None = "id",
                 chat_id: int | None = None, chat_type: str = "private") -> None:
        self.app, self.fake = app, fake
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name}
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
        raise AssertionError(f"no button {label!r}; newest buttons: {seen}")

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
            raise AssertionError("the bot has not written to this chat")
        return replies[-1]
