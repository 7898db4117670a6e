"""The restore drill (issue 17): back up while writes go on, restore, and the refusals."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.storage.backup import running_lock
from bot.storage.db import Database, migration_scripts
from tests.test_cli import ENV_NAMES, run_main


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer's .env
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    return monkeypatch

ROOT = Path(__file__).resolve().parents[1]
LATEST = migration_scripts()[-1][0]


def count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM subscribers").fetchone()[0]


async def write_while_backing_up(db_path: Path, backup: Path) -> tuple[int, int]:
    """Subscribers keep arriving while the backup is taken; (rows in backup, rows at the end)."""
    db = await Database(db_path).connect()
    stop = asyncio.Event()

    async def writer() -> int:
        n = 0
        while not stop.is_set() or n < 200:
            n += 1
            await db.execute("INSERT INTO subscribers (user_id, first_seen, last_seen) "
                             "VALUES (?, '2026-11-02T01:00:00+00:00', "
                             "'2026-11-02T01:00:00+00:00')", (10_000 + n,))
            await asyncio.sleep(0)
        return n

    task = asyncio.create_task(writer())
    while await db.fetchval("SELECT count(*) FROM subscribers") < 100:  # noqa: ASYNC110
        await asyncio.sleep(0)
    await db.backup(backup)
    stop.set()
    total = await task
    await db.close()
    return count(backup), total


def test_backup_during_writes_then_restore(clean_env, tmp_path, capsys):
    db_path = tmp_path / "db.sqlite3"
    backup = tmp_path / "backups" / "b.sqlite3"
    in_backup, total = asyncio.run(write_while_backing_up(db_path, backup))
    assert 100 <= in_backup < total  # a consistent copy taken mid-stream
    code, out, err = run_main(["restore", str(backup)], capsys)
    assert code == 0, err
    assert f"restored {backup}" in out and f"schema version {LATEST}" in out
    assert count(db_path) == in_backup
    kept = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and count(kept[0]) == total  # the replaced database is kept
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the bot starts on the restored file and carries on

    async def reopen() -> int:
        db = await Database(db_path).connect()
        try:
            return await db.fetchval("PRAGMA user_version")
        finally:
            await db.close()

    assert asyncio.run(reopen()) == LATEST
    assert not Path(f"{db_path}.restore-part").exists()


def test_restore_refuses_while_the_bot_runs(clean_env, tmp_path, capsys):
    db_path = tmp_path / "db.sqlite3"
    backup = tmp_path / "b.sqlite3"
    asyncio.run(write_while_backing_up(db_path, backup))
    before = count(db_path)
    held, release = threading.Event(), threading.Event()

    def bot() -> None:  # what `dinsos-bot run` holds while it runs
        with running_lock(db_path):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=bot)
    thread.start()
    held.wait(5)
    try:
        code, _, err = run_main(["restore", str(backup)], capsys)
    finally:
        release.set()
        thread.join()
    assert code == 2 and "the bot is running" in err and f"process {os.getpid()}" in err
    assert len(err.strip().splitlines()) == 1
    assert count(db_path) == before  # nothing replaced


def test_restore_refuses_a_broken_or_foreign_file(clean_env, tmp_path, capsys):
    db_path = tmp_path / "db.sqlite3"
    backup = tmp_path / "b.sqlite3"
    asyncio.run(write_while_backing_up(db_path, backup))
    before = db_path.read_bytes()
    cases = {}
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    cases[junk] = "not a usable SQLite database"
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(backup.read_bytes())
    page = 4096
    data[page * 2:page * 2 + 200] = os.urandom(200)  # a page of table data overwritten
    damaged.write_bytes(bytes(data))
    cases[damaged] = "integrity"
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(backup.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    cases[newer] = "newer than this bot knows"
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE x (y)")
    cases[foreign] = "not a database of this bot"
    cases[tmp_path / "missing.sqlite3"] = "no backup file"
    for path, needle in cases.items():
        code, _, err = run_main(["restore", str(path)], capsys)
        assert code == 2 and needle in err, (path.name, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert db_path.read_bytes() == before


@pytest.fixture
def own_logging():
    """`run` sets up logging on this test's stderr: put the root handlers back afterwards."""
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_run_holds_the_lock_while_it_runs(clean_env, tmp_path, capsys, monkeypatch,
                                          own_logging):
    """`dinsos-bot run` takes the lock before polling and lets it go when it stops."""
    import bot.app
    from bot.storage.backup import RestoreError, restore

    db_path = tmp_path / "db.sqlite3"
    backup = tmp_path / "b.sqlite3"
    asyncio.run(write_while_backing_up(db_path, backup))
    seen: list[str] = []

    class FakeApp:
        def run_polling(self, **kwargs):
            try:
                restore(backup, db_path, LATEST)
            except RestoreError as exc:
                seen.append(str(exc))

    monkeypatch.setattr(bot.app, "build_application", lambda settings: FakeApp())
    clean_env.setenv("BOT_TOKEN", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    code, _, err = run_main(["run"], capsys)
    assert code == 0, err
    assert len(seen) == 1 and "the bot is running" in seen[0]
    assert restore(backup, db_path, LATEST).version == LATEST  # released after the run
