"""PTB persistence on the bot's own SQLite file: user data, chat data and conversation states.

Data is stored as JSON (so only plain data may go into user_data/chat_data). Each write is its
own committed transaction. The application flushes persistence after every update (see
bot.app.BotApplication), so a `kill -9` loses at most the step in flight.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.storage.db import Database


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))



class SQLitePersistence(BasePersistence[dict, dict, dict]):
    def __init__(self, db: Database, update_interval: float = 60) -> None:
        super().__init__(
            # Only user data and conversations: every chat we serve is a private chat, so
            # chat_data would duplicate user_data. Features keep their state in user_data.
            store_data=PersistenceInput(bot_data=False, chat_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db
        # What was last written, to skip writes that would change nothing.
        self._written: dict[tuple[str, object], str] = {}

    async def _ready(self) -> Database:
        if not self.db.connected:
            await self.db.connect()
        return self.db

    async def _load(self, table: str, key_col: str) -> dict[int, dict]:
        db = await self._ready()
        rows = await db.fetchall(f"SELECT {key_col}, data FROM {table}")
        out = {}
        for row in rows:
            out[row[0]] = json.loads(row[1])
            self._written[(table, row[0])] = row[1]
        return out

    async def _store(self, table: str, key_col: str, key: int, data: dict) -> None:
        text = _dump(data)
        if self._written.get((table, key)) == text:
            return
        db = await self._ready()
        if data:
            await db.execute(
                f"INSERT INTO {table} ({key_col}, data) VALUES (?, ?) "
                f"ON CONFLICT ({key_col}) DO UPDATE SET data = excluded.data",
                (key, text),
            )
        else:
            await db.execute(f"DELETE FROM {table} WHERE {key_col} = ?", (key,))
        self._written[(table, key)] = text

    async def _drop(self, table: str, key_col: str, key: int) -> None:
        db = await self._ready()
        await db.execute(f"DELETE FROM {table} WHERE {key_col} = ?", (key,))
        self._written.pop((table, key), None)

    # -- user and chat data ------------------------------------------------------------------
    async def get_user_data(self) -> dict[int, dict]:
        return await self._load("ptb_user_data", "user_id")

    async def get_chat_data(self) -> dict[int, dict]:
        return await self._load("ptb_chat_data", "chat_id")

    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self._store("ptb_user_data", "user_id", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self._store("ptb_chat_data", "chat_id", chat_id, data)

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop("ptb_user_data", "user_id", user_id)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop("ptb_chat_data", "chat_id", chat_id)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        return None

    # -- bot data and callback data are not kept (services live in bot.services) -------
    async def get_bot_data(self) -> dict:
        return {}

    async def update_bot_data(self, data: dict) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict) -> None:
        return None

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    # -- conversations ------------------------------------------------------------------------
    async def get_conversations(self, name: str) -> ConversationDict:
        db = await self._ready()
        rows = await db.fetchall("SELECT key, state FROM ptb_conversations WHERE name = ?", (name,))
        return {tuple(json.loads(r["key"])): json.loads(r["state"]) for r in rows}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        db = await self._ready()
        key_text = _dump(list(key))
        if new_state is None:
            await db.execute("DELETE FROM ptb_conversations WHERE name = ? AND key = ?",
                             (name, key_text))
        else:
            await db.execute(
                "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                (name, key_text, _dump(new_state)),
            )

    async def flush(self) -> None:
        return None
