"""A fake Telegram Bot API on httpx.MockTransport, and a chat client that drives the real bot.

The tests and `dinsos-bot console` both use it: the real Application, handlers, database and
translations, with every Bot API call answered and recorded here instead of the network.

    fake = FakeBotAPI()
    app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN)
    siti = ChatClient(app, fake, user_id=1001)  # bot.offline.client
    await siti.send("/start"); await siti.click("Bahasa Indonesia")
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, cast
from urllib.parse import parse_qsl

import httpx

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


class FakeBotAPI:
    """Answers Bot API calls from memory and records each one."""

    def __init__(self, first_update_id: int = 1) -> None:
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[int, int], FakeMessage] = {}
        self.files: dict[str, bytes] = {}
        self.listeners: list[Callable[[ApiCall], None]] = []
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

    async def before_call(self, method: str, params: dict[str, Any]) -> None:
        """Called before every Bot API call is answered; raise ApiError to refuse it. Nothing
        here: the test kit's FaultyBotAPI adds faults, blocked users and latency."""

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
        call = ApiCall(method, params, at=time.monotonic())
        try:
            await self.before_call(method, params)
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
        msg: FakeMessage | None  # the message a branch works on (deleteMessage checks for None)
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
            # PTB names every part with a plain ASCII name: never missing, never RFC 2231-encoded
            name = cast(str, part.get_param("name", header="content-disposition"))
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
