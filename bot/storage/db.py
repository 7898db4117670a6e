"""One aiosqlite connection per process, WAL, migrations by PRAGMA user_version.

Writes go through `transaction()`, which serialises them with an asyncio lock: aiosqlite shares
one connection between coroutines, and without the lock one coroutine's statement could land
inside another's open transaction.

Another process (an import) commits on its own connection meanwhile. A read statement left open
on the shared connection keeps an old snapshot, and a BEGIN IMMEDIATE on top of it fails at once
with SQLITE_BUSY_SNAPSHOT ("database is locked"), without waiting for the busy timeout. So no
statement stays open across an await: reads run and fetch every row in one step, cursors opened
inside a transaction are closed before it ends, and a BEGIN that meets a stale snapshot anyway
(code using `conn` directly) is tried again for a moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)
Params = Sequence[Any] | dict[str, Any]
BUSY_TIMEOUT_MS = 5000
SQLITE_BUSY_SNAPSHOT = 517  # sqlite3.SQLITE_BUSY | (2 << 8)
BEGIN_RETRIES = 50
BEGIN_RETRY_PAUSE = 0.01  # seconds; 50 x 10 ms, about half a second at most


def migration_scripts() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migrations/NNNN_name.sql, in order.

    Numbers are unique and ascending; gaps are allowed (features reserve their numbers)."""
    folder = resources.files("bot.storage") / "migrations"
    out = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    out.sort()
    versions = [v for v, _, _ in out]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return out


class Database:
    """The project's SQLite file. `connect()` is idempotent; `close()` ends it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    @property
    def connected(self) -> bool:
        return self._conn is not None

    async def connect(self, migrate: bool = True) -> Database:
        async with self._open_lock:
            if self._conn is not None:
                return self
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(str(self.path), isolation_level=None)
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            self._conn = conn
            if migrate:
                await self.migrate()
            return self

    async def close(self) -> None:
        async with self._open_lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                await conn.close()

    async def migrate(self) -> int:
        """Apply every migration newer than PRAGMA user_version, each in its own transaction."""
        async with self._write_lock:
            row = await (await self.conn.execute("PRAGMA user_version")).fetchone()
            assert row is not None  # PRAGMA user_version always returns one row
            current = row[0]
            for version, name, sql in migration_scripts():
                if version <= current:
                    continue
                log.info("applying migration %s", name)
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute(f"PRAGMA user_version = {version}")
                    await self.conn.execute("COMMIT")
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
                current = version
            return current

    @contextlib.asynccontextmanager
    async def transaction(self, durable: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT under the write lock; ROLLBACK on any error.

        `durable=True` commits with synchronous=FULL (the WAL is synced to disk), so the commit
        survives a power cut too, not only a crash; for the few commits that promise something
        to the outside world (e.g. a broadcast's outbox claims)."""
        async with self._write_lock:
            if durable:
                await self.conn.execute("PRAGMA synchronous = FULL")
            tx = _TransactionConnection(self.conn)
            try:
                # Inside the try: a task cancelled while BEGIN is queued must still roll back,
                # or the connection would stay in a transaction and lock the file for everyone.
                await self._begin()
                yield tx  # type: ignore[misc]
            except BaseException:
                await tx.close_cursors()
                with contextlib.suppress(sqlite3.OperationalError):  # BEGIN itself failed
                    await self.conn.execute("ROLLBACK")
                raise
            else:
                await tx.close_cursors()
                await self.conn.execute("COMMIT")
            finally:
                if durable:
                    await self.conn.execute("PRAGMA synchronous = NORMAL")

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE; a stale snapshot (SQLITE_BUSY_SNAPSHOT) is waited out briefly, since
        SQLite does not call the busy handler for it. Nothing has run yet, so a retry is safe."""
        for attempt in range(BEGIN_RETRIES + 1):
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) != SQLITE_BUSY_SNAPSHOT \
                        or attempt == BEGIN_RETRIES:
                    raise
                await asyncio.sleep(BEGIN_RETRY_PAUSE)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement in its own transaction; returns the rows it changed."""
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        # One call in aiosqlite's thread: execute and fetch every row, so the statement is
        # finished (its snapshot released) before any other coroutine uses the connection.
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def backup(self, target: Path) -> None:
        """Copy the live database with SQLite's online backup API (safe while the bot runs)."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.unlink(missing_ok=True)
        # From a connection of its own: the shared one may be inside a write transaction (its
        # uncommitted rows would be copied, and the copy could wait on that transaction while
        # the transaction waits on the copy). In WAL mode its own connection reads the last
        # committed state in one snapshot and blocks no writer.
        in_memory = str(self.path) == ":memory:"
        source = self.conn if in_memory else await aiosqlite.connect(str(self.path))
        try:
            dest = await aiosqlite.connect(str(tmp))
            try:
                if in_memory:
                    async with self._write_lock:
                        await source.backup(dest)
                else:
                    await source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                    await source.backup(dest)
            finally:
                await dest.close()
        finally:
            if not in_memory:
                await source.close()
        tmp.replace(target)


class _TransactionConnection:
    """The connection as a transaction's body sees it: every cursor it opens is closed before
    COMMIT or ROLLBACK, so no half-read statement outlives the transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._cursors: list[aiosqlite.Cursor] = []

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        cursor = await self._conn.execute(sql, params)
        self._cursors.append(cursor)
        return cursor

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> aiosqlite.Cursor:
        cursor = await self._conn.executemany(sql, rows)
        self._cursors.append(cursor)
        return cursor

    async def close_cursors(self) -> None:
        cursors, self._cursors = self._cursors, []
        for cursor in cursors:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await cursor.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows about triggers)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
