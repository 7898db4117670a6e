"""The shared connection while another process writes (issue 17, defect 2).

An import commits on its own connection while the bot reads and writes on the shared one.
A read statement still open on the shared connection when a coroutine starts BEGIN IMMEDIATE
holds an old snapshot, and SQLite answers SQLITE_BUSY_SNAPSHOT ("database is locked") at once,
without waiting for the busy timeout. These tests make the other process commit at exactly
that moment, with the project's own Database class.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time

from bot.storage.db import Database


async def setup(tmp_path) -> tuple[Database, sqlite3.Connection]:
    path = tmp_path / "db.sqlite3"
    db = await Database(path).connect(migrate=False)
    await db.execute("CREATE TABLE t (x INTEGER)")
    await db.execute("CREATE TABLE imported (x INTEGER)")
    await db.executemany("INSERT INTO t (x) VALUES (?)", [(i,) for i in range(5)])
    importer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    importer.execute("PRAGMA busy_timeout = 5000")
    return db, importer


def commit_elsewhere(importer: sqlite3.Connection):
    def poke() -> int:
        importer.execute("INSERT INTO imported (x) VALUES (1)")  # autocommit: one commit
        return 1
    return poke


async def test_a_read_and_a_write_while_the_importer_commits(tmp_path):
    db, importer = await setup(tmp_path)
    # The importer commits while the shared connection's read is under way.
    await db.conn.create_function("poke", 0, commit_elsewhere(importer))
    try:
        reads = asyncio.create_task(db.fetchall("SELECT poke(), x FROM t"))
        writes = asyncio.create_task(db.execute("INSERT INTO t (x) VALUES (99)"))
        rows, changed = await asyncio.gather(reads, writes)
        assert len(rows) in (5, 6) and changed == 1
        one = asyncio.create_task(db.fetchone("SELECT poke(), x FROM t ORDER BY x"))
        another = asyncio.create_task(db.execute("INSERT INTO t (x) VALUES (100)"))
        row, changed = await asyncio.gather(one, another)
        assert row["x"] == 0 and changed == 1
        assert await db.fetchval("SELECT count(*) FROM t") == 7
    finally:
        importer.close()
        await db.close()


async def test_a_cursor_left_open_inside_a_transaction_does_not_block_later_writes(tmp_path):
    db, importer = await setup(tmp_path)
    try:
        async with db.transaction() as conn:
            cur = await conn.execute("SELECT x FROM t ORDER BY x")
            first = await cur.fetchone()  # four rows left unread: the statement stays open
        assert first[0] == 0
        importer.execute("INSERT INTO imported (x) VALUES (1)")  # the importer commits
        assert await db.execute("INSERT INTO t (x) VALUES (7)") == 1
    finally:
        importer.close()
        await db.close()


async def test_many_writes_during_an_import_all_land(tmp_path):
    """Readers and writers on the shared connection while another connection commits."""
    db, importer = await setup(tmp_path)
    stop = False

    def import_loop() -> None:
        while not stop:  # an importer commits a batch, then reads the next one
            importer.execute("INSERT INTO imported (x) VALUES (1)")
            time.sleep(0.0005)

    thread = asyncio.create_task(asyncio.to_thread(import_loop))
    try:
        async def one(i: int) -> None:
            await db.fetchall("SELECT x FROM t")
            await db.execute("INSERT INTO t (x) VALUES (?)", (i,))
            await db.fetchone("SELECT count(*) FROM t")

        await asyncio.gather(*(one(i) for i in range(300)))
        assert await db.fetchval("SELECT count(*) FROM t") == 305
    finally:
        stop = True
        await thread
        importer.close()
        await db.close()
