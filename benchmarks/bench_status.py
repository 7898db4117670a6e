"""Disbursement status: import throughput against sqlite3's .import, lookup latency, size, memory.

    .venv/bin/python benchmarks/bench_status.py              # 5,000,000 rows (several minutes)
    .venv/bin/python benchmarks/bench_status.py --rows 200000

1. Generates a CSV of N rows (valid NIKs, two programs per NIK, realistic names) in a temp dir.
2. Imports it with our importer (validation, HMAC-SHA256 of every NIK, normalised names,
   batches of 5000 with checkpoints) into a fresh, migrated database.
3. Loads the same CSV into the same indexed schema (the disbursements table and its unique key
   index, from migration 0002) with the sqlite3 command line's `.import`, timed the same way.
4. Runs 10,000 lookups of random NIKs through StatusService.lookup (hash, rate-limit checks,
   SELECT, name match, attempt + audit rows) and reports p50/p99.
5. Prints rows/s of both and their ratio (the target: ours >= 0.5 x .import), p50/p99
   (target: p99 < 5 ms), the database's size and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.clock import system_clock  # noqa: E402
from bot.features.status.importer import import_csv  # noqa: E402
from bot.features.status.nik import digest  # noqa: E402
from bot.features.status.service import Limits, StatusService, names_match  # noqa: E402
from bot.repos import Store  # noqa: E402
from bot.storage.db import Database  # noqa: E402

KEY = b"benchmark-nik-hmac-key"
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
KABS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14",
        "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28",
        "29", "71", "72", "73", "74", "75", "76", "77", "78", "79"]
FIRST = ["SITI", "AHMAD", "MUHAMMAD", "NUR", "SRI", "DEWI", "BUDI", "AGUS", "EKO", "RINA",
         "YULI", "SUPARMI", "SAMSUL", "MOCH", "ABDUL", "TRI", "ENDANG", "WAHYU", "ANIK", "HADI"]
LAST = ["AMINAH", "HIDAYAT", "SANTOSO", "RAHAYU", "WIJAYA", "PRASETYO", "FAUZI", "LESTARI",
        "SUSANTI", "KURNIAWAN", "HASANAH", "SETIAWAN", "MARYAM", "SUGIANTO", "ROHMAH"]
STATUSES = ["DIPROSES", "SIAP SALUR", "TERSALUR", "TERSALUR", "TERSALUR", "GAGAL", "DITOLAK"]
LEMBAGA = ["PT Pos Indonesia", "Bank BRI", "Bank BNI", "Bank Mandiri", "Bank BSI"]


def _dates() -> list[str]:
    out = []
    for yy in range(40, 100):
        for mm in range(1, 13):
            for dd in range(1, 29):
                out.append(f"{dd:02d}{mm:02d}{yy:02d}")
                out.append(f"{dd + 40:02d}{mm:02d}{yy:02d}")
    return out


def nik_of(i: int, dates: list[str]) -> str:
    """A distinct valid NIK for every i (a bijection scrambles the order)."""
    space = 9999 * 30 * len(KABS) * len(dates)
    j = (i * 2654435761 + 12345) % space
    serial, j = j % 9999 + 1, j // 9999
    kec, j = j % 30 + 1, j // 30
    kab, j = KABS[j % len(KABS)], j // len(KABS)
    return f"35{kab}{kec:02d}{dates[j]}{serial:04d}"


def generate(path: Path, rows: int) -> list[tuple[str, str]]:
    """Write the CSV; return a sample of (nik, name) for lookups."""
    rng = random.Random(4)
    dates = _dates()
    sample: list[tuple[str, str]] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("nik,nama,program,periode,status,tanggal,lembaga_penyalur,keterangan,"
                 "kabupaten\n")
        name = ""
        for r in range(rows):
            person = r // 2
            nik = nik_of(person, dates)
            if r % 2 == 0:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                if len(sample) < 200_000 and rng.random() < 0.2:
                    sample.append((nik, name))
            program = "PKH" if r % 2 == 0 else "BPNT"
            status = rng.choice(STATUSES)
            tanggal = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}" \
                if status == "TERSALUR" else ""
            ket = "Rekening belum aktif" if status == "GAGAL" else ""
            fh.write(f"{nik},{name},{program},2026-Q3,{status},{tanggal},"
                     f"{rng.choice(LEMBAGA)},{ket},Kab. {nik[2:4]}\n")
    return sample


async def migrate(db_path: Path) -> None:
    db = Database(db_path)
    await db.connect()
    await db.close()


def sqlite_import(csv_path: Path, db_path: Path) -> float:
    """Seconds for the sqlite3 shell to .import the CSV into the same indexed schema."""
    sql = (ROOT / "bot/storage/migrations/0002_disbursements.sql").read_text()
    schema = sql.split("-- \"Tell me when")[0]  # the disbursements table and its key index
    con = sqlite3.connect(db_path)
    con.executescript(schema)
    con.close()
    start = time.perf_counter()
    subprocess.run([SQLITE3, str(db_path), f".import --csv --skip 1 {csv_path} disbursements"],
                   check=True)
    return time.perf_counter() - start


async def lookups(db_path: Path, sample: list[tuple[str, str]], n: int
                  ) -> tuple[list[float], list[float]]:
    """Latencies (s) of n random lookups: the read path (HMAC, SELECT, name match), and the
    whole StatusService.lookup (also the limit checks and the attempt and audit writes)."""
    db = Database(db_path)
    await db.connect()
    store = Store(db)

    async def audit(*args: object, **kwargs: object) -> None:
        await store.audit.write(at=system_clock(), actor_id=args[0], action=str(args[1]),
                                outcome=kwargs.get("outcome"))

    limits = Limits(user_limit=10**9, global_limit=10**9)
    service = StatusService(store, system_clock, lambda: KEY, audit, limits)
    rng = random.Random(7)
    reads, full = [], []
    found = 0
    try:
        for i in range(n):
            nik, name = rng.choice(sample)
            start = time.perf_counter()
            records = await store.disbursements.records(digest(KEY, nik))
            ok = any(names_match(name.title(), r.nama) for r in records)
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = await service.lookup(100_000 + i, nik, name.title())
            full.append(time.perf_counter() - start)
            found += bool(result.records) and ok
    finally:
        await db.close()
    if found != n:
        raise SystemExit(f"only {found} of {n} lookups found their records")
    return reads, full


def percentiles(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[max(0, int(len(ms) * 0.99) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None,
                        help="loader processes (default: one per CPU, at most 4)")
    parser.add_argument("--keep", help="keep the files in this folder instead of a temp dir")
    args = parser.parse_args()
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="bench-status-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        csv_path, ours_db, theirs_db = tmp / "records.csv", tmp / "ours.sqlite3", \
            tmp / "sqlite3-import.sqlite3"
        for p in (ours_db, theirs_db):
            for suffix in ("", "-wal", "-shm"):
                Path(str(p) + suffix).unlink(missing_ok=True)
        t0 = time.perf_counter()
        sample = generate(csv_path, args.rows)
        print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t0:.1f} s")

        asyncio.run(migrate(ours_db))
        start = time.perf_counter()
        summary = import_csv(csv_path, ours_db, KEY, workers=args.workers)
        ours = time.perf_counter() - start
        if summary.inserted != args.rows:
            raise SystemExit(f"import inserted {summary.inserted} of {args.rows}: {summary}")
        theirs = sqlite_import(csv_path, theirs_db)
        con = sqlite3.connect(theirs_db)
        loaded = con.execute("SELECT count(*) FROM disbursements").fetchone()[0]
        con.close()
        if loaded != args.rows:
            raise SystemExit(f".import loaded {loaded} of {args.rows} rows")
        ours_rate, theirs_rate = args.rows / ours, args.rows / theirs
        print(f"import (ours):      {ours:8.1f} s  {ours_rate:12,.0f} rows/s")
        print(f"sqlite3 .import:    {theirs:8.1f} s  {theirs_rate:12,.0f} rows/s")
        ratio = ours_rate / theirs_rate
        print(f"ratio ours/.import: {ratio:.2f} (target >= 0.5): "
              f"{'OK' if ratio >= 0.5 else 'BELOW TARGET'}")

        reads, full = asyncio.run(lookups(ours_db, sample, args.lookups))
        p50, p99 = percentiles(reads)
        print(f"lookup latency over {len(reads):,} random NIKs (HMAC + indexed SELECT + name "
              f"match): p50 {p50:.3f} ms, p99 {p99:.3f} ms (target p99 < 5 ms): "
              f"{'OK' if p99 < 5 else 'ABOVE TARGET'}")
        p50, p99 = percentiles(full)
        print(f"whole lookup incl. limit checks and the attempt + audit writes: p50 {p50:.3f} ms,"
              f" p99 {p99:.3f} ms")
        size = sum(os.path.getsize(str(ours_db) + s) for s in ("", "-wal")
                   if os.path.exists(str(ours_db) + s))
        print(f"database size: {size / 1e6:,.0f} MB ({size / args.rows:.0f} bytes/record); "
              f".import's: {theirs_db.stat().st_size / 1e6:,.0f} MB")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"peak RSS: this process {peak / 1024:,.0f} MB; largest child process (a loader "
              f"worker or the sqlite3 shell) {child / 1024:,.0f} MB "
              f"(finished at {dt.datetime.now():%H:%M})")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
