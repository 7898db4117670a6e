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
import codecs
import csv
import datetime as dt
import hashlib
import io
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock, system_clock
from bot.i18n import N_, Translator
from bot.services import nik as niks
from bot.services.status import STATUSES, normalise_name
from bot.storage.disbursements import ImportDb, Row, StagingDb

if TYPE_CHECKING:
    from bot.runtime import Runtime

FIELDS = ("nik", "nama", "program", "periode", "status", "tanggal", "lembaga_penyalur",
          "keterangan", "kabupaten")
REQUIRED = ("nik", "nama", "program", "periode", "status")
BATCH_SIZE = 5000        # lines per load transaction
MERGE_SIZE = 50_000      # sorted rows per merge transaction
MAX_FIELD = 500          # characters in one field; longer is a rejected row
SNIFF_BYTES = 64 * 1024
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


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is one line for staff (English, for
    the command line); `code` and `columns` let the bot say it in the reader's language."""

    def __init__(self, code: str, message: str, columns: str = "") -> None:
        super().__init__(message)
        self.code, self.columns = code, columns


# What is wrong with a whole file, for the bot's reply ({columns}: the expected header).
FILE_PROBLEMS = {
    "empty": N_("the file is empty"),
    "binary": N_("it is not a CSV text file (save the sheet as CSV UTF-8)"),
    "header": N_("the first line must name the columns {columns}"),
    "other": N_("it cannot be read"),
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


def file_fingerprint(path: Path) -> tuple[str, int]:
    """SHA-256 of the file and its number of lines (for the progress bar), in one pass."""
    sha = hashlib.sha256()
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            lines += chunk.count(b"\n")
    return sha.hexdigest(), lines


def _sniff(path: Path) -> str:
    """The delimiter; ImportFileError if the file is empty, binary, not UTF-8 or headerless."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.strip():
        raise ImportFileError("empty", "the file is empty")
    if b"\x00" in head:
        raise ImportFileError("binary", "this is not a CSV text file (save the sheet as CSV "
                              "UTF-8)")
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        raise ImportFileError("binary", "the file is not UTF-8 text (save the sheet as CSV "
                              "UTF-8)") from None
    first = head.split(b"\n", 1)[0]
    return ";" if first.count(b";") > first.count(b",") else ","


def _header_index(header: list[str]) -> list[int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [f for f in FIELDS if f not in names]
    if missing:
        raise ImportFileError("header", "the header is missing the column(s): "
                              + ", ".join(missing) + " (expected: " + ",".join(FIELDS) + ")",
                              columns=",".join(FIELDS))
    return [names.index(f) for f in FIELDS]


def _rows(reader: Iterator[list[str]], start_after: int) -> Iterator[tuple[int, list[str] | None]]:
    """(first line of the record, fields) for each record after line `start_after`; fields is
    None when the csv module cannot read the record."""
    line = reader.line_num  # type: ignore[attr-defined]
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            fields = None
        first, line = line + 1, reader.line_num  # type: ignore[attr-defined]
        if first > start_after:
            yield first, fields


class _Checker:
    """Validates and converts rows; tuned for millions of rows (fast paths, small caches)."""

    def __init__(self, index: list[int], ncols: int, key: bytes) -> None:
        self.index = index
        self.ncols = ncols
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
               merge_size: int = MERGE_SIZE, progress: Progress | None = None,
               after_batch: Callable[[str], None] | None = None) -> Summary:
    """Import one CSV file into the database at db_path (already migrated).

    1. load: each batch of lines is validated, hashed and appended to the staging database
       (one transaction per batch, with the last line as checkpoint);
    2. sort: the staged rows in key order;
    3. merge: `merge_size` sorted rows at a time are upserted into the bot's database, with
       the watchers' notifications and the merge checkpoint, one transaction each: sorted
       inserts touch each index page once, and the bot's writes wait at most one chunk.
    A re-run of the same file (same SHA-256) after a crash continues from the checkpoints.
    `progress(n)`: n more lines were read. `after_batch(phase)` runs after each commit (the
    tests simulate a crash with it). ImportFileError for a file that cannot be imported at all;
    then nothing is written.
    """
    path = Path(path)
    if not key:
        raise ImportFileError("other", "NIK_HMAC_KEY is empty")
    if not path.is_file():
        raise ImportFileError("other", f"there is no file {path}")
    delimiter = _sniff(path)
    file_hash, _ = file_fingerprint(path)
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=False)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            raise ImportFileError("header", "the first line is not a CSV header",
                                  columns=",".join(FIELDS)) from None
        checker = _Checker(_header_index(header), len(header), key)
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
                state = staging.state()
                resumed = state.last_line if state.last_line > 1 else None
            else:
                StagingDb.remove(staging_path)
                cp = main.start(file_hash, clock())
                staging = StagingDb(staging_path)
                state = staging.state()
            if not state.loaded:
                if progress is not None and state.last_line > 1:
                    progress(state.last_line - 1)
                _load(reader, staging, checker, state.last_line, batch_size, progress,
                      after_batch)
                staging.mark_loaded()
            total = state.sorted_rows
            if total is None:
                total = staging.sort()
            rejects = tuple(staging.rejects())
            main.attach(staging_path)
            try:
                while cp.merged_upto < total:
                    main.merge(cp, min(cp.merged_upto + merge_size, total), clock())
                    if after_batch is not None:
                        after_batch("merge")
            finally:
                main.detach()
            main.finish(cp, len(rejects), clock())
        finally:
            if staging is not None:
                staging.close()
            main.close()
    StagingDb.remove(staging_path)
    return Summary(cp.inserted, cp.updated, cp.unchanged, cp.rejected, cp.notified, resumed,
                   rejects)


def _load(reader: Iterator[list[str]], staging: StagingDb, checker: _Checker, after_line: int,
          batch_size: int, progress: Progress | None,
          after_batch: Callable[[str], None] | None) -> None:
    good: list[tuple] = []
    rejects: list[tuple[int, str, str]] = []
    seen = 0
    last = after_line
    check = checker.row
    nik_at = checker.index[0]
    for line, fields in _rows(reader, after_line):
        last = line
        seen += 1
        if fields is None:
            rejects.append((line, "unreadable", ""))
        elif fields:  # an empty list is a blank line: skipped
            result = check(fields)
            if type(result) is str:
                raw = fields[nik_at] if len(fields) > nik_at else ""
                rejects.append((line, result, niks.mask(raw)))
            else:
                good.append((line, *result))
        if seen >= batch_size:
            staging.add_batch(good, rejects, last)
            if progress is not None:
                progress(seen)
            if after_batch is not None:
                after_batch("load")
            good, rejects, seen = [], [], 0
    if seen:
        staging.add_batch(good, rejects, last)
        if progress is not None:
            progress(seen)
        if after_batch is not None:
            after_batch("load")


def render_report(summary: Summary, t: Translator) -> str:
    """The rejected rows as CSV text: line, reason (in the reader's language), masked NIK."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([t(N_("line")), t(N_("reason")), t(N_("NIK (masked)"))])
    for line, code, masked in summary.rejects:
        w.writerow([line, t(REASONS.get(code, code)), masked])
    return out.getvalue()


async def import_as(runtime: Runtime, user_id: int | None, path: Path) -> Summary:
    """The import as a staff member (checked here again) from the running bot: the file is
    parsed and written in a worker thread on its own connection, so residents keep being
    answered; the import is audited (counts only)."""
    if user_id is not None:
        await runtime.staff.require(user_id, "operator")
    key = runtime.settings.nik_key()  # SettingsError before anything is written
    summary = await asyncio.to_thread(import_csv, path, runtime.db.path, key,
                                      clock=runtime.clock)
    await runtime.staff.audit(user_id, "status.import", outcome="ok", detail={
        "inserted": summary.inserted, "updated": summary.updated,
        "unchanged": summary.unchanged, "rejected": summary.rejected})
    return summary
