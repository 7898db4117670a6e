"""The first run shows everything: a demo database with sample records, for the console.

`make run` with no `.env` (so no token and no real key) opens the console on
`<folder of DATABASE_PATH>/DEMO-sample-data.sqlite3`, a separate file with a generated demo
key beside it and a few sample disbursement records, volunteers and survey answers, so a
newcomer can try the status check at once. The real DATABASE_PATH is never opened.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import tempfile
from pathlib import Path

from pydantic import SecretStr

from bot.settings import Settings

DEMO_DB = "DEMO-sample-data.sqlite3"
DEMO_KEY = "DEMO-sample-data.key"
SAMPLE_NIK = "3578 0141 0190 0002"  # Kota Surabaya, a woman born 1 January 1990: not a real one
SAMPLE_NAME = "Siti Aminah"
HEADER = "nik,nama,program,periode,status,tanggal,lembaga_penyalur,keterangan,kabupaten"
RECORDS = [
    "3578014101900002,Hj. Siti Aminah,PKH,2026 Tahap 3,TERSALUR,2026-09-15,PT Pos Indonesia,,"
    "Kota Surabaya",
    "3578014101900002,SITI AMINAH,BPNT,2026-10,DIPROSES,,Bank BRI,menunggu SP2D,Kota Surabaya",
    "3507021505850001,Budi Santoso,PKH,2026 Tahap 3,SIAP SALUR,,Bank BNI,,Kab. Malang",
]
VOLUNTEERS = [(880001, "tksk", "3578", "Rina (contoh)"),
              (880002, "tagana", "3507", "Joko (contoh)")]
SURVEYS = [(880101, [3, 3, 3, 4, 3, 3, 4, 3, 3], "Petugas ramah (contoh)"),
           (880102, [4, 4, 3, 4, 4, 3, 4, 4, 4], None),
           (880103, [2, 3, 3, 3, 3, 2, 3, 3, 3], "Antrean lama (contoh)")]


def demo_settings(settings: Settings) -> Settings:
    """The settings with the demo file and the demo key in place of the real ones."""
    folder = Path(settings.database_path).parent
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / DEMO_KEY
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    key = key_file.read_text(encoding="utf-8").strip()
    return settings.model_copy(update={"database_path": folder / DEMO_DB,
                                       "nik_hmac_key": SecretStr(key)})


def prepare_demo(settings: Settings) -> Settings:
    """Create the demo database on first use; the demo settings."""
    from bot.features.status.importer import import_csv

    demo = demo_settings(settings)
    if demo.database_path.exists():
        return demo
    part = demo.database_path.with_name(demo.database_path.name + ".part")
    part.unlink(missing_ok=True)
    asyncio.run(_seed(part))
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "demo.csv"
        csv.write_text("\n".join([HEADER, *RECORDS]) + "\n", encoding="utf-8")
        import_csv(csv, part, demo.nik_key())
    part.replace(demo.database_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{part}{suffix}").unlink(missing_ok=True)
    return demo


async def _seed(path: Path) -> None:
    """Volunteers and survey answers, through the repositories."""
    from bot.features.skm.repo import NewResponse
    from bot.repos import Store
    from bot.storage.db import Database

    now = dt.datetime.now(dt.UTC)
    db = await Database(path).connect()
    try:
        store = Store(db)
        for user_id, role, region, name in VOLUNTEERS:
            await store.volunteers.request(user_id, role, region, name, None, now)
            await store.volunteers.decide(user_id, "approved", None, now)
            await store.volunteers.mark_notified(user_id, now)
        quarter = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
        for user_id, scores, suggestion in SURVEYS:
            await store.skm.submit(NewResponse(
                user_id, "PSTW-PSR", quarter, f"{now.year}-{now.month:02d}", now, "info",
                {"gender": "P", "age": "30-39", "education": "SMA", "occupation": "Wirausaha"},
                {f"U{n}": s for n, s in enumerate(scores, 1)}, suggestion, "id"), "")
    finally:
        await db.close()


def intro(demo: Settings) -> str:
    return (f"DEMO: sample data only, in {demo.database_path} (not your DATABASE_PATH).\n"
            f"Try /status with the sample NIK {SAMPLE_NIK} and the name {SAMPLE_NAME};\n"
            "/survei to rate a unit; /relawan to register. Create .env (see .env.example) to "
            "use real data.\n")
