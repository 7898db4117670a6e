"""Import disbursement records from a CSV file: validated, hashed, upserted, resumable.

Columns (header names case-insensitive, any order, comma or semicolon separated, UTF-8):
    nik,nama,program,periode,status,tanggal,lembaga_penyalur,keterangan,kabupaten
A row is keyed by (nik, program, periode); importing again updates it, so re-importing the same
file changes nothing. Bad rows are skipped and reported (line number, reason, masked NIK); good
rows still land. One transaction per batch; the checkpoint (file hash + last committed line)
is committed with each batch, so a re-run after a crash continues where it stopped. The NIK is
hashed with HMAC-SHA256 before it goes anywhere; it is never stored, logged or reported in clear.

This module is synchronous (it runs in a worker thread in the bot, directly on the command line).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import multiprocessing
import operator
import os
import queue
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.clock import Clock, system_clock
from bot.core.i18n import N_
from bot.features.status import nik as niks
from bot.features.status.csvfile import (
    FIELDS,
    Block,
    ImportFileError,
    _blocks,
    _header_index,
    _records,
    _sniff,
    file_fingerprint,
)
from bot.features.status.importdb import ImportDb, StagingDb, WorkerDb
from bot.features.status.repo import Row
from bot.features.status.service import STATUSES, normalise_name

if TYPE_CHECKING:
    from bot.services import Services

BATCH_SIZE = 5000        # lines per load transaction
MERGE_SIZE = 50_000      # sorted rows per merge transaction
PARALLEL_BYTES = 8 << 20  # files from this size are loaded by one process per CPU
MAX_WORKERS = 4
MAX_FIELD = 500          # characters in one field; longer is a rejected row
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)

# Reasons a row is rejected: codes in the database, English msgids in the report.
REASONS = {
    "columns": N_("wrong number of columns"),
    "missing": N_("a required field is empty (nik, nama, program, periode, status)"),
    "too_long": N_("a field is too long"),
    "nik_format": N_("the NIK is not 16 digits"),
    "nik_structure": N_("the NIK is not a valid NIK (region or birth date)"),
    "status": N_("unknown status (DIPROSES, SIAP SALUR, TERSALUR, GAGAL, DITOLAK)"),
    "date": N_("the date is not a real date in the form YYYY-MM-DD"),
    "name": N_("the name has no letters"),
    "unreadable": N_("the line cannot be read as CSV"),
}


@dataclass(frozen=True)
class Summary:
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    notifications: int
    resumed_from_line: int | None   # a re-run after a crash continued after this line
    rejects: tuple[tuple[int, str, str], ...]  # (line, reason code, masked NIK)

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.rejected


Progress = Callable[[int], None]


def _load_block(block: Block, checker: _Checker, delimiter: str, worker: WorkerDb) -> int:
    """Validate, hash and stage one block in one transaction; returns its number of lines."""
    first, last, data = block
    reader = csv.reader(io.StringIO(data.decode("utf-8", errors="replace")),
                        delimiter=delimiter, strict=False)
    good: list[tuple] = []
    rejects: list[tuple[int, str, str]] = []
    check = checker.row
    nik_at = checker.index[0]
    offset = first - 1
    for rel, fields in _records(reader):
        line = rel + offset
        if fields is None:
            rejects.append((line, "unreadable", ""))
        elif fields:  # an empty list is a blank line: skipped
            result = check(fields)
            if type(result) is str:
                raw = fields[nik_at] if len(fields) > nik_at else ""
                rejects.append((line, result, niks.mask(raw)))
            else:
                good.append((line, *result))
    worker.add_block(first, last, good, rejects)
    return last - first + 1


def _worker(db_path: str, index: list[int], ncols: int, key: bytes, delimiter: str,
            tasks: Any, results: Any) -> None:
    """A loader process: blocks from `tasks` until None, then its key index; reports lines
    done (or an error's type) on `results`."""
    worker = WorkerDb(Path(db_path))
    checker = _Checker(index, ncols, key)
    try:
        while (block := tasks.get()) is not None:
            results.put(("lines", _load_block(block, checker, delimiter, worker)))
        worker.build_index()
        results.put(("done", 0))
    except BaseException as exc:  # reported to the parent, which stops the import
        results.put(("error", type(exc).__name__))
    finally:
        worker.close()


class _Checker:
    """Validates and converts rows; tuned for millions of rows (fast paths, small caches)."""

    def __init__(self, index: list[int], ncols: int, key: bytes) -> None:
        self.index = index
        self.ncols = ncols
        self.key = key
        self.digest = niks.hasher(key)
        self.provinces = niks._valid_provinces()
        self.dates = niks._valid_date_parts()
        self.statuses = frozenset(STATUSES)
        self.good_dates: set[str] = set()
        self.names: dict[str, str] = {}
        self.small: dict[str, str] = {}
        self.pick = operator.itemgetter(*index)

    def _small(self, text: str) -> str:
        """Whitespace-normalised text of a low-variety field (program, period, channel ...)."""
        value = " ".join(text.split())
        if len(self.small) < 100_000:
            self.small[text] = value
        return value

    def row(self, fields: list[str]) -> Row | str:
        """The row to store, or the code of the reason it is rejected."""
        if len(fields) != self.ncols:
            return "columns"
        if sum(map(len, fields)) > MAX_FIELD and max(map(len, fields)) > MAX_FIELD:
            return "too_long"
        nik, nama, program, periode, status, tanggal, lembaga, ket, kab = self.pick(fields)
        if not (len(nik) == 16 and nik.isdigit() and nik.isascii()):
            nik = niks.clean(nik)
            if not niks.NIK_RE.fullmatch(nik):
                return "nik_format" if nik else "missing"
        if (nik[:2] not in self.provinces or nik[2:4] == "00" or nik[4:6] == "00"
                or nik[6:12] not in self.dates or nik[12:] == "0000"):
            return "nik_structure"
        if status not in self.statuses:
            status = " ".join(status.upper().split())
            if status not in self.statuses:
                return "missing" if not status else "status"
        small = self.small
        program = small.get(program) or self._small(program)
        periode = small.get(periode) or self._small(periode)
        if not (program and periode):
            return "missing"
        if tanggal and tanggal not in self.good_dates:
            tanggal = tanggal.strip()
            if tanggal and tanggal not in self.good_dates:
                if not _DATE.fullmatch(tanggal):
                    return "date"
                try:
                    dt.date.fromisoformat(tanggal)
                except ValueError:
                    return "date"
                if len(self.good_dates) < 100_000:
                    self.good_dates.add(tanggal)
        name = self.names.get(nama)
        if name is None:
            if not nama.strip():
                return "missing"
            name = normalise_name(nama)
            if not name:
                return "name"
            if len(self.names) < 100_000:
                self.names[nama] = name
        return (self.digest(nik), name, program, periode, status, tanggal or None,
                (small.get(lembaga) or self._small(lembaga)) or None,
                (" ".join(ket.split()) or None) if ket else None,
                (small.get(kab) or self._small(kab)) or None)


def import_csv(path: Path | str, db_path: Path | str, key: bytes, *,
               clock: Clock = system_clock, batch_size: int = BATCH_SIZE,
               merge_size: int = MERGE_SIZE, workers: int | None = None,
               progress: Progress | None = None,
               after_batch: Callable[[str], None] | None = None) -> Summary:
    """Import one CSV file into the database at db_path (already migrated).

    1. load: blocks of `batch_size` lines are validated, hashed and staged by `workers`
       processes (default: one per CPU for big files, else in this process), each into its
       own scratch database, one transaction per block (the block is the load checkpoint);
    2. index: each worker's rows by key (in the workers, in parallel);
    3. merge: key range by key range (about `merge_size` rows each), the workers' rows are
       read in key order and upserted into the bot's database, with the watchers'
       notifications and the merge checkpoint, one transaction each: sorted inserts touch each
       index page once, and the bot's writes wait at most one chunk.
    A re-run of the same file (same SHA-256) after a crash continues from the checkpoints.
    `progress(n)`: n more lines were read. `after_batch(phase)` runs after each commit in this
    process (the tests simulate a crash with it). ImportFileError for a file that cannot be
    imported at all; then nothing is written.
    """
    path = Path(path)
    if not key:
        raise ImportFileError("other", "NIK_HMAC_KEY is empty")
    if not path.is_file():
        raise ImportFileError("other", f"there is no file {path}")
    delimiter = _sniff(path)
    file_hash, _ = file_fingerprint(path)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        try:
            header = next(csv.reader(fh, delimiter=delimiter, strict=False))
        except (StopIteration, csv.Error):
            raise ImportFileError("header", "the first line is not a CSV header",
                                  columns=",".join(FIELDS)) from None
    checker = _Checker(_header_index(header), len(header), key)
    if workers is None:
        big = path.stat().st_size >= PARALLEL_BYTES
        workers = max(1, min(os.cpu_count() or 1, MAX_WORKERS)) if big else 1
    main = ImportDb(db_path)
    staging_path = Path(f"{db_path}.import-{file_hash[:16]}")
    staging: StagingDb | None = None
    try:
        if not main.schema_ready():
            raise ImportFileError("other", "the database has no disbursement tables "
                                  "(run the migrations)")
        cp = main.checkpoint(file_hash)
        resumed: int | None = None
        if cp is not None and not cp.finished and staging_path.exists():
            staging = StagingDb(staging_path)
        else:
            StagingDb.remove(staging_path)
            cp = main.start(file_hash, clock())
            staging = StagingDb(staging_path)
        state = staging.state()
        if not state.loaded:
            resumed = _load(path, staging_path, checker, delimiter, batch_size, workers,
                            progress, after_batch)
            staging.mark_loaded()
        chunks = state.chunks
        if chunks is None:
            chunks = staging.plan(merge_size)
        rejects = tuple(staging.rejects())
        names = main.attach(StagingDb.worker_paths(staging_path))
        try:
            while cp.merged_upto < chunks:
                main.merge(cp, names, chunks, clock())
                if after_batch is not None:
                    after_batch("merge")
        finally:
            main.detach(names)
        main.finish(cp, len(rejects), clock())
    finally:
        if staging is not None:
            staging.close()
        main.close()
    StagingDb.remove(staging_path)
    return Summary(cp.inserted, cp.updated, cp.unchanged, cp.rejected, cp.notified, resumed,
                   rejects)


def _load(path: Path, staging_path: Path, checker: _Checker, delimiter: str, batch_size: int,
          workers: int, progress: Progress | None,
          after_batch: Callable[[str], None] | None) -> int | None:
    """Stage every block not staged yet; returns the last line already staged before (a
    resumed import), else None."""
    done: dict[int, int] = {}
    for worker_path in StagingDb.worker_paths(staging_path):
        worker = WorkerDb(worker_path)
        done.update(worker.done_blocks())
        worker.close()
    resumed = max(done.values()) if done else None
    if done and progress is not None:
        progress(sum(last - first + 1 for first, last in done.items()))
    todo = (b for b in _blocks(path, batch_size) if b[0] not in done)
    if workers <= 1:
        worker = WorkerDb(Path(f"{staging_path}.w0"))
        try:
            for block in todo:
                lines = _load_block(block, checker, delimiter, worker)
                if progress is not None:
                    progress(lines)
                if after_batch is not None:
                    after_batch("load")
        finally:
            worker.close()
        return resumed
    _load_parallel(todo, staging_path, checker, delimiter, workers, progress)
    return resumed


def _load_parallel(todo: Iterator[Block], staging_path: Path, checker: _Checker, delimiter: str,
                   workers: int, progress: Progress | None) -> None:
    ctx = multiprocessing.get_context("spawn")  # never fork a process that runs threads
    tasks = ctx.Queue(maxsize=workers * 3)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, daemon=True,
                         args=(f"{staging_path}.w{n}", checker.index, checker.ncols,
                               checker.key, delimiter, tasks, results))
             for n in range(workers)]
    for proc in procs:
        proc.start()
    finished = 0

    def collect(block: bool) -> None:
        nonlocal finished
        while True:
            try:
                kind, value = results.get(block, timeout=1) if block else results.get_nowait()
            except queue.Empty:
                # A worker that ended normally has said "done"; any other end is a failure.
                if block and any(p.exitcode not in (None, 0) for p in procs):
                    raise ImportFileError("other", "an import worker stopped") from None
                return
            if kind == "lines" and progress is not None:
                progress(value)
            elif kind == "done":
                finished += 1
            elif kind == "error":
                raise ImportFileError("other", f"an import worker failed ({value})")
            if block:
                return

    try:
        for block in todo:
            while True:
                try:
                    tasks.put(block, timeout=1)
                    break
                except queue.Full:
                    collect(block=True)
            collect(block=False)
        for _ in procs:
            tasks.put(None)
        while finished < workers:
            collect(block=True)
    finally:
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()


async def import_as(services: Services, user_id: int | None, path: Path) -> Summary:
    """The import as a staff member (checked here again) from the running bot: the file is
    parsed and written in a worker thread on its own connection, so residents keep being
    answered; the import is audited (counts only)."""
    if user_id is not None:
        await services.staff.require(user_id, "operator")
    key = services.settings.nik_key()  # SettingsError before anything is written
    summary = await asyncio.to_thread(import_csv, path, services.db.path, key,
                                      clock=services.clock)
    await services.staff.audit(user_id, "status.import", outcome="ok", detail={
        "inserted": summary.inserted, "updated": summary.updated,
        "unchanged": summary.unchanged, "rejected": summary.rejected})
    return summary
