"""Helpers for the disbursement status tests: CSV files, imports, a resident's lookup."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.features.status.importer import Summary, import_csv
from bot.offline.client import ChatClient

HEADER = "nik,nama,program,periode,status,tanggal,lembaga_penyalur,keterangan,kabupaten"
SITI_NIK = "3578014101900002"      # Surabaya, a woman born 1 Jan 1990 (day 01 + 40)
BUDI_NIK = "3507021505850001"      # Malang, a man born 15 May 1985
SITI = (f"{SITI_NIK},Hj. Siti Aminah,PKH,2026 Tahap 3,TERSALUR,2026-09-15,PT Pos Indonesia,,"
        "Kota Surabaya")
SITI_BPNT = f"{SITI_NIK},SITI AMINAH,BPNT,2026-10,diproses,,Bank BRI,menunggu SP2D,Kota Surabaya"
BUDI = f"{BUDI_NIK},Budi Santoso,PKH,2026 Tahap 3,SIAP SALUR,,Bank BNI,,Kab. Malang"
KEY = b"test-nik-key"  # the conftest settings' NIK_HMAC_KEY


def write_csv(folder: Path, lines: list[str], name: str = "records.csv",
              header: str = HEADER) -> Path:
    path = folder / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


async def run_import(path: Path, settings, clock, **kwargs) -> Summary:
    return await asyncio.to_thread(import_csv, path, settings.database_path, KEY, clock=clock,
                                   **kwargs)


async def look_up(person: ChatClient, nik: str, name: str) -> str:
    """/status, the NIK, the name; the bot's last answer."""
    await person.send("/status")
    await person.send(nik)
    replies = await person.send(name)
    return replies[-1].text
