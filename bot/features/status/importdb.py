"""The importer's own synchronous sqlite3 connections: the staging and worker databases of a
parallel load, and the merge into disbursements (one transaction per chunk, checkpoint
included), used from a worker thread in the bot or directly by the command line."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.clock import iso
from bot.features.status.repo import COLUMNS
from bot.storage.db import BUSY_TIMEOUT_MS


@dataclass
class Checkpoint:
    file_hash: str
    merged_upto: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    notified: int
    finished: bool


@dataclass
class StagingState:
    loaded: bool             # every line is in the workers' databases
    chunks: int | None       # key ranges the merge is cut into, once the load is indexed


def _connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode: a committed batch survives a crash of the process; only a power loss
    # may lose the last batches, and their checkpoint with them.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB of page cache for the bulk work
    conn.execute("PRAGMA wal_autocheckpoint = 20000")  # fewer, larger checkpoints (80 MiB)
    return conn


class _Tx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


class WorkerDb:
    """One loader's scratch database: validated rows in file order, rejects, and the blocks of
    lines it committed (each block with its rows in one transaction: the load checkpoint)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = _connect(path)
        with _Tx(self.conn) as c:
            c.execute("CREATE TABLE IF NOT EXISTS staged (line INTEGER NOT NULL, "
                      "nik_hash BLOB NOT NULL, nama TEXT NOT NULL, program TEXT NOT NULL, "
                      "periode TEXT NOT NULL, status TEXT NOT NULL, tanggal TEXT, "
                      "lembaga_penyalur TEXT, keterangan TEXT, kabupaten TEXT)")
            c.execute("CREATE TABLE IF NOT EXISTS rejects (line INTEGER PRIMARY KEY, "
                      "reason TEXT NOT NULL, nik_mask TEXT NOT NULL)")
            c.execute("CREATE TABLE IF NOT EXISTS blocks (first_line INTEGER PRIMARY KEY, "
                      "last_line INTEGER NOT NULL)")

    def close(self) -> None:
        self.conn.close()

    def done_blocks(self) -> dict[int, int]:
        """first line -> last line of every block committed."""
        return dict(self.conn.execute("SELECT first_line, last_line FROM blocks").fetchall())

    def add_block(self, first_line: int, last_line: int, rows: Sequence[tuple],
                  rejects: Sequence[tuple[int, str, str]]) -> None:
        """(line, *Row) rows and (line, reason, masked NIK) rejects of one block of lines."""
        with _Tx(self.conn) as c:
            c.executemany("INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            if rejects:
                c.executemany("INSERT OR REPLACE INTO rejects VALUES (?, ?, ?)", rejects)
            c.execute("INSERT OR REPLACE INTO blocks VALUES (?, ?)", (first_line, last_line))

    def build_index(self) -> None:
        """Key order for the merge of several workers' rows (built in each worker, in
        parallel)."""
        self.conn.execute("CREATE INDEX IF NOT EXISTS staged_key "
                          "ON staged (nik_hash, program, periode, line)")


class StagingDb:
    """The import's scratch database next to the main one: the state of the import and the
    staged rows of every worker, sorted by key. Deleted (with the workers') when done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = _connect(path)
        self.conn.execute("PRAGMA temp_store = FILE")
        with _Tx(self.conn) as c:
            c.execute("CREATE TABLE IF NOT EXISTS progress (k INTEGER PRIMARY KEY CHECK (k = 1),"
                      " loaded INTEGER NOT NULL, chunks INTEGER)")
            c.execute("INSERT OR IGNORE INTO progress VALUES (1, 0, NULL)")

    @staticmethod
    def worker_paths(path: Path) -> list[Path]:
        return sorted(p for p in path.parent.glob(path.name + ".w*")
                      if p.name.rsplit(".w", 1)[-1].isdigit())

    @classmethod
    def remove(cls, path: Path) -> None:
        for worker in cls.worker_paths(path):
            remove_db(worker)
        remove_db(path)

    def close(self) -> None:
        self.conn.close()

    def state(self) -> StagingState:
        loaded, chunks = self.conn.execute("SELECT loaded, chunks FROM progress").fetchone()
        return StagingState(bool(loaded), chunks)

    def mark_loaded(self) -> None:
        with _Tx(self.conn) as c:
            c.execute("UPDATE progress SET loaded = 1")

    def _attach_workers(self) -> list[str]:
        names = []
        for n, worker in enumerate(self.worker_paths(self.path)):
            self.conn.execute("ATTACH DATABASE ? AS ?", (str(worker), f"w{n}"))
            names.append(f"w{n}")
        return names

    def _detach(self, names: list[str]) -> None:
        for name in names:
            self.conn.execute(f"DETACH DATABASE {name}")

    def plan(self, merge_size: int) -> int:
        """Index every worker's rows by key (the parallel workers did theirs already) and cut
        the hash space into ranges of about `merge_size` rows: the merge's chunks."""
        total = 0
        for worker_path in self.worker_paths(self.path):
            worker = WorkerDb(worker_path)
            try:
                worker.build_index()
                total += worker.conn.execute("SELECT count(*) FROM staged").fetchone()[0]
            finally:
                worker.close()
        chunks = max(1, -(-total // merge_size))
        with _Tx(self.conn) as c:
            c.execute("UPDATE progress SET chunks = ?", (chunks,))
        return chunks

    def rejects(self) -> list[tuple[int, str, str]]:
        names = self._attach_workers()
        try:
            if not names:
                return []
            union = " UNION ALL ".join(f"SELECT line, reason, nik_mask FROM {n}.rejects"
                                       for n in names)
            return self.conn.execute(f"SELECT * FROM ({union}) ORDER BY line").fetchall()
        finally:
            self._detach(names)


_CHANGED = " OR ".join(f"disbursements.{c} IS NOT excluded.{c}" for c in (
    "nama", "status", "tanggal", "lembaga_penyalur", "keterangan", "kabupaten"))


_FIELDS = ", ".join(COLUMNS)


class ImportDb:
    """The importer's connection to the bot's database: checkpoints and the merge."""

    def __init__(self, path: Path | str) -> None:
        self.conn = _connect(path)

    def close(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.conn.close()

    def schema_ready(self) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'disbursements'"
        ).fetchone() is not None

    def checkpoint(self, file_hash: str) -> Checkpoint | None:
        row = self.conn.execute(
            "SELECT file_hash, merged_upto, inserted, updated, unchanged, rejected, notified, "
            "finished_at FROM disbursement_imports WHERE file_hash = ?", (file_hash,)).fetchone()
        if row is None:
            return None
        stored, merged_upto, inserted, updated, unchanged, rejected, notified, finished_at = row
        return Checkpoint(stored, merged_upto, inserted, updated, unchanged, rejected, notified,
                          finished=finished_at is not None)

    def start(self, file_hash: str, now: dt.datetime) -> Checkpoint:
        """A fresh checkpoint for the file (a finished or abandoned one is reset)."""
        with _Tx(self.conn) as c:
            c.execute(
                "INSERT INTO disbursement_imports (file_hash, started_at) VALUES (?, ?) "
                "ON CONFLICT (file_hash) DO UPDATE SET merged_upto = 0, inserted = 0, "
                "updated = 0, unchanged = 0, rejected = 0, notified = 0, "
                "started_at = excluded.started_at, finished_at = NULL", (file_hash, iso(now)))
        return Checkpoint(file_hash, 0, 0, 0, 0, 0, 0, False)

    def attach(self, workers: Sequence[Path]) -> list[str]:
        names = []
        for n, worker in enumerate(workers):
            self.conn.execute("ATTACH DATABASE ? AS ?", (str(worker), f"w{n}"))
            names.append(f"w{n}")
        return names

    def detach(self, names: Sequence[str]) -> None:
        for name in names:
            self.conn.execute(f"DETACH DATABASE {name}")

    def merge(self, cp: Checkpoint, workers: Sequence[str], chunks: int,
              now: dt.datetime) -> None:
        """Merge the staged rows of the next key range (chunk cp.merged_upto of `chunks`) into
        disbursements in key order, queue the watchers' notifications, and move the
        checkpoint: one transaction. The workers' rows are read through their key indexes
        and merged (no sort)."""
        chunk = cp.merged_upto
        lo = (chunk * 2**32 // chunks).to_bytes(4, "big")
        where, params = "nik_hash >= ?", [lo]
        if chunk + 1 < chunks:
            where += " AND nik_hash < ?"
            params.append(((chunk + 1) * 2**32 // chunks).to_bytes(4, "big"))
        cols = f"{_FIELDS}, line"
        union = " UNION ALL ".join(f"SELECT {cols} FROM {w}.staged WHERE {where}"
                                   for w in workers)
        args = params * len(workers)
        with _Tx(self.conn) as c:
            staged = sum(c.execute(f"SELECT count(*) FROM {w}.staged WHERE {where}",
                                   params).fetchone()[0] for w in workers)
            before = c.execute("SELECT coalesce(max(rowid), 0) FROM disbursements").fetchone()[0]
            notified = 0
            if c.execute("SELECT 1 FROM status_watches LIMIT 1").fetchone() is not None:
                notified = c.execute(
                    "INSERT INTO status_notifications (user_id, program, periode, old_status, "
                    "new_status, tanggal, created_at, lembaga_penyalur, keterangan, nik_hash, "
                    "nik_masked) "
                    "SELECT w.user_id, s.program, s.periode, d.status, s.status, s.tanggal, ?, "
                    "s.lembaga_penyalur, s.keterangan, s.nik_hash, w.nik_masked "
                    f"FROM ({union}) s JOIN status_watches w ON w.nik_hash = s.nik_hash "
                    "LEFT JOIN disbursements d ON d.nik_hash = s.nik_hash "
                    "AND d.program = s.program AND d.periode = s.periode "
                    "WHERE d.status IS NOT s.status ORDER BY s.line, w.user_id",
                    [iso(now), *args]).rowcount
            changed = c.execute(
                f"INSERT INTO disbursements ({_FIELDS}) SELECT {_FIELDS} FROM ({union} "
                "ORDER BY nik_hash, program, periode, line) WHERE true "
                "ON CONFLICT (nik_hash, program, periode) DO UPDATE SET nama = excluded.nama, "
                "status = excluded.status, tanggal = excluded.tanggal, "
                "lembaga_penyalur = excluded.lembaga_penyalur, keterangan = excluded.keterangan,"
                f" kabupaten = excluded.kabupaten WHERE {_CHANGED}", args).rowcount
            after = c.execute("SELECT coalesce(max(rowid), 0) FROM disbursements").fetchone()[0]
            inserted = after - before
            cp.inserted += inserted
            cp.updated += changed - inserted
            cp.unchanged += staged - changed
            cp.notified += notified
            cp.merged_upto = chunk + 1
            c.execute(
                "UPDATE disbursement_imports SET merged_upto = ?, inserted = ?, updated = ?, "
                "unchanged = ?, notified = ? WHERE file_hash = ?",
                (cp.merged_upto, cp.inserted, cp.updated, cp.unchanged, cp.notified,
                 cp.file_hash))

    def finish(self, cp: Checkpoint, rejected: int, now: dt.datetime) -> None:
        cp.rejected, cp.finished = rejected, True
        with _Tx(self.conn) as c:
            c.execute("UPDATE disbursement_imports SET rejected = ?, finished_at = ? "
                      "WHERE file_hash = ?", (rejected, iso(now), cp.file_hash))
