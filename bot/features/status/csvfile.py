"""The disbursement file: how a CSV is sniffed (comma or semicolon), its header mapped to the
known fields, its records read and cut into blocks for the loaders. Blocking code: run it
off the event loop."""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bot.core.i18n import N_

Block = tuple[int, int, bytes]  # (first line, last line, the raw bytes of whole records)


FIELDS = ("nik", "nama", "program", "periode", "status", "tanggal", "lembaga_penyalur",
          "keterangan", "kabupaten")


REQUIRED = ("nik", "nama", "program", "periode", "status")


SNIFF_BYTES = 64 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is one line for staff (English, for
    the command line); `code` and `columns` let the bot say it in the reader's language."""

    def __init__(self, code: str, message: str, columns: str = "", missing: str = "") -> None:
        super().__init__(message)
        self.code, self.columns, self.missing = code, columns, missing


# What is wrong with a whole file, for the bot's reply ({columns}: the expected header).
FILE_PROBLEMS = {
    "empty": N_("the file is empty"),
    "binary": N_("it is not a CSV text file (save the sheet as CSV UTF-8)"),
    "header": N_("the first line must name the columns {columns}"),
    # "header" with the missing columns known:
    "missing_columns": N_("the first line lacks the column(s) {missing} (all columns: "
                          "{columns})"),
    "xlsx": N_("it is neither a CSV text file nor a readable Excel workbook (save the sheet "
               "as CSV UTF-8 or as XLSX)"),
    "other": N_("it cannot be read"),
}


# The template staff can download from /impor: the header and two example rows (a made-up NIK
# of the right shape; dates both ways the importer accepts).
TEMPLATE = (
    ",".join(FIELDS) + "\r\n"
    "3578014101900002,Siti Aminah,PKH,2026 Tahap 3,TERSALUR,15/09/2026,PT Pos Indonesia,"
    "Diambil di kantor pos,Kota Surabaya\r\n"
    "3507014101900003,Budi Santoso,BPNT,Oktober 2026,DIPROSES,2026-10-01,,menunggu SP2D,"
    "Kabupaten Malang\r\n"
)


def template_csv() -> bytes:
    """The template file's bytes: UTF-8 with a BOM, so Excel opens it with the right letters."""
    return "\ufeff".encode() + TEMPLATE.encode()


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
                              columns=",".join(FIELDS), missing=", ".join(missing))
    return [names.index(f) for f in FIELDS]


def _records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str] | None]]:
    """(first line of the record, fields) for each record; fields is None when the csv module
    cannot read the record (a field beyond its size limit)."""
    line = reader.line_num  # type: ignore[attr-defined]
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            fields = None
        first, line = line + 1, reader.line_num  # type: ignore[attr-defined]
        yield first, fields


def _header_end(fh: BinaryIO) -> int:
    """Read past the header record; return its last line number."""
    line, parity = 0, 0
    for raw in fh:
        line += 1
        parity ^= raw.count(b'"') & 1
        if not parity:
            break
    return line


def _blocks(path: Path, size: int) -> Iterator[Block]:
    """The file after the header, cut into blocks of `size` whole CSV records (a quoted field
    may span lines: a record ends where the count of quotes so far is even)."""
    with path.open("rb") as fh:
        line = _header_end(fh)
        buf: list[bytes] = []
        first, records, parity = line + 1, 0, 0
        for raw in fh:
            line += 1
            buf.append(raw)
            parity ^= raw.count(b'"') & 1
            if not parity:
                records += 1
                if records >= size:
                    yield first, line, b"".join(buf)
                    buf, first, records = [], line + 1, 0
        if buf:
            yield first, line, b"".join(buf)
