"""Restore a backup over DATABASE_PATH, safely: never under a running bot, never a broken file.

`dinsos-bot run` (and the console) hold a shared lock on `<DATABASE_PATH>.running` while they
run; `restore` needs it exclusively, so it refuses while any of them runs. The lock is an
flock: the kernel drops it when the process ends, even by kill -9, so a crash leaves nothing
to clean up.

Before anything is replaced the backup is checked: a SQLite file, `PRAGMA integrity_check`
ok, a schema version this code knows (an older one is migrated at the next start). The
current database is checkpointed and kept beside it as `<name>.before-restore-<time>`; the
backup is copied with SQLite's backup API into a temporary file, synced, and renamed over the
database in one step, and the old WAL and shared-memory files are removed so they cannot be
replayed onto the restored file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class RestoreError(Exception):
    """Why the backup was not restored; one sentence for the operator."""


@dataclass(frozen=True)
class Restored:
    version: int
    kept: Path | None  # where the database it replaced was kept


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".running")


@contextlib.contextmanager
def running_lock(database: Path) -> Iterator[None]:
    """Held by `run` and `console` for as long as they use the database."""
    path = lock_path(Path(database))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RestoreError(f"a restore of {database} is under way; start the bot when it "
                               "has finished") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _exclusive(database: Path) -> Iterator[None]:
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().split()
            who = f" (process {pid[-1]})" if pid else ""
            raise RestoreError(f"the bot is running on {database}{who}: stop it first, then "
                               "restore") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_backup(backup: Path, latest_version: int) -> int:
    """The backup's schema version, if it is a sound database this code can run on."""
    if not backup.is_file():
        raise RestoreError(f"there is no backup file at {backup}")
    try:
        conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise RestoreError(f"{backup} cannot be opened: {exc}") from None
    try:
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise RestoreError(f"{backup} is not a usable SQLite database ({exc})") from None
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
    finally:
        conn.close()
    if problems != ["ok"]:
        raise RestoreError(f"{backup} failed the integrity check: {problems[0]}")
    if version < 1:
        raise RestoreError(f"{backup} is not a database of this bot (no schema version)")
    if version > latest_version:
        raise RestoreError(f"{backup} has schema version {version}, newer than this bot knows "
                           f"({latest_version}): update the bot first")
    return version


def restore(backup: Path, database: Path, latest_version: int,
            now: dt.datetime | None = None) -> Restored:
    backup, database = Path(backup), Path(database)
    if database.exists() and backup.resolve() == database.resolve():
        raise RestoreError("the backup is the database itself")
    version = check_backup(backup, latest_version)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    with _exclusive(database):
        kept = None
        if database.exists():
            with contextlib.closing(sqlite3.connect(database)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL into the main file
            kept = database.with_name(f"{database.name}.before-restore-{stamp}")
            os.replace(database, kept)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        part = database.with_name(database.name + ".restore-part")
        part.unlink(missing_ok=True)
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as src, \
                contextlib.closing(sqlite3.connect(part)) as dest:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode = WAL")
        with open(part, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(part, database)
        for suffix in ("-wal", "-shm"):
            Path(f"{part}{suffix}").unlink(missing_ok=True)
        with contextlib.closing(sqlite3.connect(database)) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":  # cannot happen after the checks above; say so if it does
            raise RestoreError(f"the restored database failed the integrity check: {result}")
    return Restored(version, kept)
