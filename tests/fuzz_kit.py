"""Random well-formed traffic through the real Application (issue 17: the fuzz test).

A seeded generator of what careless users and attackers send: texts of every shape, every
command with odd arguments, real, stale and forged buttons, edits, media, documents, contacts,
group chats, blocks and unblocks, and updates delivered twice. `run_fuzz` drives it against an
app and returns what a person would have noticed; tests/test_fuzz.py and scripts/fuzz_long.py
check it.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import sqlite3
import time
from collections import deque
from dataclasses import dataclass, field

from telegram import Update

from bot.offline.api import FakeBotAPI
from bot.offline.client import ChatClient

ADMIN_ID = 9001
COMMANDS = ["/start", "/menu", "/bahasa", "/bantuan", "/batal", "/berhenti", "/langganan",
            "/program", "/cek", "/status", "/survei", "/relawan", "/tugas", "/ikm", "/impor",
            "/pengingat", "/siaran", "/siaran_status", "/staf", "/tidak_ada", "/start@DinsosBot"]
START_PAYLOADS = ["skm_PSTW-PSR", "skm_", "skm_NOPE", "x" * 70, "skm_pstw-psr", "status",
                  "../../etc", "skm_PSTW-PSR\u200b"]
COMMAND_ARGS = ["", " 2026-Q4", " 0000-Q1", " 9999-12", " PSTW-PSR 2026-11", " 1", " -1",
                " 99999999999999999999", " abc", " 2026-Q5", " \u202e", " ' OR 1=1 --"]
WORDS = ["syarat pkh plus apa aja", "aspd brp sebulan", "Menapa syaratipun PKH Plus?", "halo",
         "stop", "berhenti", "mandheg", "sby", "surbaya", "malang", "Kota Malang", "Lewati",
         "Lanjut", "Kirim", "Selesai", "07:30", "25:99", "05-11-2026 08:00",
         "9999-12-31T23:59:59-23:59", "2026-02-30 08:00", "15", "0", "29", "4242", "12ab",
         "Siti Aminah", "H. Budi Santoso, S.Pd", "binti", "jadwal kereta", "resep rendang",
         "<b>tebal</b>", "*tebal* _miring_", "=HYPERLINK(\"http://x\")", "@everyone", "null",
         "None", "{}", "[]", "%s %d {0} {name}", "\\", "'; DROP TABLE subscribers; --"]
NIKS = ["3578010101900002", "3578 0101 0190 0002", "3578.0101.0190.0002",
        "3578-0101-0190-0002", "1234567890123456", "357801010190000", "35780101019000021",
        "３５７８０１０１０１９００００２", "3578014107900002", "0000000000000000"]
ODD = ["", " ", "\n\n", "\u200b", "\u202e\u202d", "\x00", "\x07\x1b[31m", "🙂" * 50,
       "ꦱꦸꦫꦧꦪ", "مرحبا", "𝕯𝖎𝖓𝖘𝖔𝖘", "a\u0301" * 20, "\ud7ff", "\t\t"]
FORGED = ["staf:role:admin", "staf:rm:9001", "skm:a:U1:4", "skm:unit:NOPE", "menu:home",
          "menu:lang", "menu:nope", "lang:xx", "lang:id", "lang:jv", "vreg:role:dukun",
          "vreg:reg:9999", "rem:view:999999", "rem:done:-1", "bc:aud:all", "bc:send",
          "status:watch", "status:unwatch:zz", "prog:show:nope", "cek:a:q1:yes",
          "tidak:ada:fitur:ini", "", ":", "::::", "x" * 64, "é" * 32, "\x00", "skm:a:U1:99",
          "rem:snooze:1", "vol:ok:1001", "vol:no:1001", "vme:leave", "vme:leave:yes",
          "vme:leave:no", "remtask:done:999999:0", "remtask:done:1:9999"]
STICKER = {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False, "type": "regular"}}
VOICE = {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}}
LOCATION = {"location": {"latitude": -7.3, "longitude": 112.7}}
APOLOGIES = ("terjadi gangguan", "wonten gangguan", "something went wrong")
TRACEBACK_SIGNS = ("Traceback", 'File "', "Error:", "sqlite3.", "NoneType")


@dataclass
class FuzzResult:
    updates: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)        # ERROR (or worse) log records
    leaks: list[str] = field(default_factory=list)          # bot texts a person should not see
    seconds: float = 0.0
    culprits: list[dict] = field(default_factory=list)     # updates that caused the errors


class _ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.30:
        return rng.choice(COMMANDS) + rng.choice(COMMAND_ARGS)
    if roll < 0.35:
        return "/start " + rng.choice(START_PAYLOADS)
    if roll < 0.55:
        return rng.choice(WORDS)
    if roll < 0.65:
        return rng.choice(NIKS)
    if roll < 0.75:
        return rng.choice(ODD)
    if roll < 0.78:
        return "bantuan " * rng.randint(500, 700)  # over the length limit
    if roll < 0.85:
        return str(rng.randint(1, 40))
    alphabet = "abcdefghijklmnopqrstuvwxyz 0123456789.,-/:?!éñ"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))


class Fuzzer:
    def __init__(self, app, fake: FakeBotAPI, clock, seed: int, users: int = 10) -> None:
        self.app, self.fake, self.clock = app, fake, clock
        self.rng = random.Random(seed)
        langs = ["id", "jv", "en", None]
        self.people = [ChatClient(app, fake, user_id=1001 + n, first_name=f"Warga{n}",
                                  language_code=langs[n % len(langs)]) for n in range(users)]
        self.people.append(ChatClient(app, fake, user_id=ADMIN_ID, first_name="Admin"))
        self.groups = [ChatClient(app, fake, user_id=1001, chat_id=-100500, chat_type="group"),
                       ChatClient(app, fake, user_id=ADMIN_ID, chat_id=-100501,
                                  chat_type="supergroup")]
        self.sent: list[dict] = []  # raw updates, to deliver some again
        self.result = FuzzResult()
        self.collector = _ErrorCollector()
        self.culprits: list[dict] = []  # the updates after which an ERROR was logged
        self.recent: dict[int, deque] = {}  # chat id -> the bot's latest messages there

    def _count(self, kind: str) -> None:
        self.result.kinds[kind] = self.result.kinds.get(kind, 0) + 1

    async def step(self) -> None:
        rng = self.rng
        person = rng.choice(self.people)
        roll = rng.random()
        if roll < 0.40:
            kind = "text"
            await self._feed(person, {"message": person._message(**_fields(_text(rng)))})
        elif roll < 0.62:
            kind = "button"
            await self._press_real(person)
        elif roll < 0.67:
            kind = "stale button"
            await self._press_real(person, stale=True)
        elif roll < 0.72:
            kind = "forged button"
            recent = self.recent.get(person.chat_id)
            msg = recent[-1] if recent else None
            data = rng.choice(FORGED)
            query = {"id": self.fake.next_callback_id(), "from": person.user,
                     "chat_instance": str(person.chat_id), "data": data}
            if msg is not None and rng.random() < 0.8:
                query["message"] = msg.to_api()
            await self._feed(person, {"callback_query": query})
        elif roll < 0.79:
            kind = "edit"
            mid = rng.randint(1, max(1, self.fake.next_message_id(person.chat_id)))
            text = rng.choice([*NIKS, *WORDS, _text(rng)])
            msg = {"message_id": mid, "date": int(time.time()), "edit_date": int(time.time()),
                   "chat": person.chat, "from": person.user, "text": text}
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
            await self._feed(person, {"edited_message": msg})
        elif roll < 0.85:
            kind = "media"
            await self._media(person)
        elif roll < 0.90:
            kind = "group"
            group = rng.choice(self.groups)
            await self._feed(group, {"message": group._message(**_fields(_text(rng)))})
        elif roll < 0.93:
            kind = "block"
            await person.set_member_status(rng.choice(["kicked", "member"]))
        elif roll < 0.97 and self.sent:
            kind = "repeat"
            data = rng.choice(self.sent[-50:])
            await self._feed_raw(person, data)
        else:
            kind = "time passes"
            self.clock.advance(minutes=rng.choice([1, 30, 90, 60 * 7, 60 * 24 * 4]))
        self._count(kind)
        self.result.updates += 1

    async def _feed(self, person: ChatClient, data: dict) -> None:
        data = {"update_id": self.fake.next_update_id(), **data}
        self.sent.append(data)
        if len(self.sent) > 200:
            del self.sent[:100]
        await self._feed_raw(person, data)

    async def _feed_raw(self, person: ChatClient, data: dict) -> None:
        start, errors = len(self.fake.calls), len(self.collector.records)
        await self.app.process_update(Update.de_json(data, self.app.bot))
        await self.app.settle()
        if len(self.collector.records) > errors:
            self.culprits.append(data)
        calls = self.fake.calls[start:]
        for call in calls:
            if call.message is not None:
                self.recent.setdefault(call.message.chat_id, deque(maxlen=30)).append(
                    call.message)
            for key in ("text", "caption"):
                value = str(call.params.get(key) or "")
                if any(sign in value for sign in (*APOLOGIES, *TRACEBACK_SIGNS)):
                    self.result.leaks.append(f"{call.method}: {value[:200]}")
        if len(self.fake.calls) > 5000:  # keep a long run linear: nobody reads old calls
            del self.fake.calls[:]

    async def _press_real(self, person: ChatClient, stale: bool = False) -> None:
        with_buttons = [m for m in self.recent.get(person.chat_id, ())
                        if m.buttons() and not m.deleted]
        if not with_buttons:
            await self._feed(person, {"message": person._message(**_fields("/menu"))})
            return
        msg = self.rng.choice(with_buttons[:-1] or with_buttons) if stale else with_buttons[-1]
        _, data = self.rng.choice(msg.buttons())
        query = {"id": self.fake.next_callback_id(), "from": person.user,
                 "chat_instance": str(person.chat_id), "data": data, "message": msg.to_api()}
        await self._feed(person, {"callback_query": query})

    async def _media(self, person: ChatClient) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.2:
            fields = dict(rng.choice([STICKER, VOICE, LOCATION]))
        elif roll < 0.4:
            fid = f"photo{len(self.fake.files) + 1}"
            self.fake.files[fid] = b"\x89PNG not really"
            fields = {"photo": [{"file_id": fid, "file_unique_id": fid, "width": 9,
                                 "height": 9, "file_size": 15}]}
            if rng.random() < 0.5:
                fields["caption"] = _text(rng)
        elif roll < 0.7:
            fid = f"doc{len(self.fake.files) + 1}"
            content = rng.choice([b"", b"\xff\xfe garbage", b"nik,nama\n1,2\n",
                                  b"nik,nama,program,periode,status,tanggal,lembaga_penyalur,"
                                  b"keterangan,kabupaten\n3578010101900002,Siti,PKH,2026-Q4,"
                                  b"TERSALUR,2026-11-01,POS,,Surabaya\n"])
            self.fake.files[fid] = content
            fields = {"document": {"file_id": fid, "file_unique_id": fid,
                                   "file_name": rng.choice(["a.csv", "b.xlsx", "", "x" * 90]),
                                   "file_size": len(content)}}
            caption = rng.choice(["/impor", "/impor extra", "", "halo"])
            if caption:
                fields["caption"] = caption
                if caption.startswith("/"):
                    fields["caption_entities"] = [{"type": "bot_command", "offset": 0,
                                                   "length": 6}]
        else:
            own = rng.random() < 0.6
            fields = {"contact": {"phone_number": rng.choice(["6281234567890", "+62 812-3456",
                                                              "abc", "0" * 30]),
                                  "first_name": "X",
                                  **({"user_id": person.user_id} if own else {"user_id": 42})}}
        await self._feed(person, {"message": person._message(**fields)})


def _fields(text: str) -> dict:
    fields: dict = {"text": text}
    if text.startswith("/"):
        fields["entities"] = [{"type": "bot_command", "offset": 0,
                               "length": len(text.split()[0])}]
    return fields


async def run_fuzz(app, fake: FakeBotAPI, clock, *, seed: int, updates: int,
                   users: int = 10) -> FuzzResult:
    fuzzer = Fuzzer(app, fake, clock, seed, users)
    collector = fuzzer.collector
    root = logging.getLogger()
    root.addHandler(collector)
    started = time.perf_counter()
    try:
        for _ in range(updates):
            await fuzzer.step()
    finally:
        root.removeHandler(collector)
    result = fuzzer.result
    result.seconds = time.perf_counter() - started
    result.culprits = fuzzer.culprits
    result.errors = [_describe(r) for r in collector.records]
    return result


def _describe(record: logging.LogRecord) -> str:
    """The message and, for an exception, where it was raised in our code."""
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        import traceback

        frames = traceback.extract_tb(record.exc_info[2])
        ours = [f for f in frames if "/site-packages/" not in f.filename] or frames
        where = ours[-1]
        text += f" [{record.exc_info[1]!r} at {where.filename}:{where.lineno}]"
    return text


async def fresh_user_is_answered(app, fake: FakeBotAPI) -> bool:
    newcomer = ChatClient(app, fake, user_id=777_777, first_name="Baru", language_code="id")
    replies = await newcomer.send("/start")
    return bool(replies) and any("Bahasa Indonesia" in " ".join(m.labels()) or m.text
                                 for m in replies)


def integrity(path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def fuzz_clock_start() -> dt.datetime:
    return dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)
