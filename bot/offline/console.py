"""`dinsos-bot console`: chat with the full bot in a terminal, with no token and no network.

The same Application, handlers, database and translations as `run`; the Bot API is the fake
that the tests use. Bot messages are printed with their buttons numbered; type a number to
press one. `/file PATH [caption]` sends a file as a document; `/photo PATH [caption]` sends an
image as a photo; `/contact [PHONE]` shares a phone number as Telegram's contact button does;
`/user ID [NAME]` picks a user as Telegram's "choose a user" button does; `/quit` leaves.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from bot.app import OFFLINE_TOKEN, build_application
from bot.offline.api import ApiCall, FakeBotAPI, FakeMessage
from bot.offline.client import ChatClient
from bot.settings import Settings

INTRO = (
    "Dinsos Jatim bot console: the full bot, offline. Type as a resident would; a number presses\n"
    "the button with that number; /file PATH [caption] sends a document; /photo PATH [caption]\n"
    "sends a photo; /contact [PHONE] shares your phone number (Telegram's contact button);\n"
    "/user ID [NAME] picks a user (Telegram's \"choose a user\" button); /quit leaves.\n"
)


class ConsolePrinter:
    """Prints what the bot sends to the console user, numbering the inline buttons."""

    def __init__(self, out: TextIO, chat_id: int, downloads: Path) -> None:
        self.out = out
        self.chat_id = chat_id
        self.downloads = downloads
        self.buttons: list[tuple[FakeMessage, str, str]] = []

    def __call__(self, call: ApiCall) -> None:
        msg = call.message
        if msg is None or msg.chat_id != self.chat_id:
            return
        if call.method == "deleteMessage":
            whose = "a message" if msg.from_bot else "your message"
            self.out.write(f"  (the bot deleted {whose})\n")
            self.out.flush()
            return
        if not msg.from_bot:
            return
        edited = call.method.startswith("edit")
        head = "bot (edited)>" if edited else "bot>"
        if msg.kind == "photo":
            self.out.write(f"{head} [photo] {msg.caption or ''}\n")
            self._save(msg)
        elif msg.kind == "document":
            self.out.write(f"{head} [document {msg.filename}] {msg.caption or ''}\n")
            self._save(msg)
        else:
            body = (msg.text or "").replace("\n", "\n     ")
            self.out.write(f"{head} {body}\n")
        labels = msg.buttons()
        if labels:
            self.buttons = [(msg, label, data) for label, data in labels]
            for n, (_, label, _) in enumerate(self.buttons, 1):
                self.out.write(f"     [{n}] {label}\n")
        keys = msg.keyboard()
        if keys:
            self.out.write("     (keyboard: " + " | ".join(keys) + ")\n")
        self.out.flush()

    def _save(self, msg: FakeMessage) -> None:
        if msg.content is None:
            return
        self.downloads.mkdir(parents=True, exist_ok=True)
        name = Path(msg.filename or f"file{msg.message_id}").name
        path = self.downloads / name
        path.write_bytes(msg.content)
        self.out.write(f"     (saved to {path})\n")


async def run_console(settings: Settings, *, user_id: int = 1, first_name: str = "Warga",
                      language_code: str | None = "id", stdin: TextIO | None = None,
                      stdout: TextIO | None = None, intro: str = "") -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    # The bot remembers update ids it handled (duplicates are dropped), also across sessions
    # on this database: number this session's updates from the clock, past any earlier one.
    fake = FakeBotAPI(first_update_id=time.time_ns() // 1000)
    app = build_application(settings, transport=fake.transport, token=OFFLINE_TOKEN,
                            rate_limit=False)
    printer = ConsolePrinter(stdout, user_id, Path(tempfile.gettempdir()) / "dinsos-console")
    client = ChatClient(app, fake, user_id=user_id, first_name=first_name,
                        language_code=language_code)
    stdout.write(INTRO + intro)
    stdout.flush()
    async with app:
        await app.start()  # the job queue runs, so reminders arrive here too
        fake.listeners.append(printer)
        try:
            while True:
                if stdin.isatty():
                    stdout.write("you> ")
                    stdout.flush()
                line = await asyncio.to_thread(stdin.readline)
                if not line:
                    break
                text = line.rstrip("\r\n")
                if not text.strip():
                    continue
                if not stdin.isatty():
                    stdout.write(f"you> {text}\n")
                if text.strip() in ("/quit", "/exit"):
                    break
                await _act(client, printer, text, stdout)
        finally:
            fake.listeners.remove(printer)
            await app.stop()
    return 0


async def _act(client: ChatClient, printer: ConsolePrinter, text: str, out: TextIO) -> None:
    stripped = text.strip()
    if stripped.isdigit() and stripped.isascii() and len(stripped) <= 2:  # a NIK is text
        n = int(stripped)
        if 1 <= n <= len(printer.buttons):
            msg, _, data = printer.buttons[n - 1]
            await client.press(msg, data)
            return
        if n <= 99:
            out.write(f"  (there is no button {n})\n")
            return
        # a longer number is no button: send it as text (a Telegram user id, a NIK)
    if stripped.startswith(("/photo ", "/file ")):
        parts = stripped.split(maxsplit=2)
        path = Path(parts[1])
        caption = parts[2] if len(parts) > 2 else None
        try:
            upload = await asyncio.to_thread(lambda: path.expanduser().read_bytes())
        except OSError:
            out.write(f"  (cannot read the file {path})\n")
            return
        if parts[0] == "/photo":
            await client.send_photo(upload, caption)
        else:
            await client.send_document(path.name, upload, caption)
        return
    if stripped.startswith("/user "):
        parts = stripped.split(maxsplit=2)
        if parts[1].isascii() and parts[1].isdigit():
            await client.share_user(int(parts[1]), parts[2] if len(parts) > 2 else None)
        else:
            out.write("  (/user takes a Telegram user id, then optionally a name)\n")
        return
    if stripped.startswith("/contact"):
        # What Telegram's "share my phone number" button sends: the user's own contact.
        phone = stripped.removeprefix("/contact").strip() or "6281234567890"
        await client.send_message(contact={"phone_number": phone,
                                           "first_name": client.user["first_name"],
                                           "user_id": client.user_id})
        return
    await client.send(text)
