"""The status feature through `dinsos-bot console`: staff import with /file, a resident's check."""

from __future__ import annotations

import io

from bot.offline.console import run_console
from tests.status_kit import SITI, SITI_NIK, write_csv


async def test_console_import_and_lookup(settings, tmp_path):
    path = write_csv(tmp_path, [SITI, f"{SITI_NIK[:15]},Siti,PKH,2026,TERSALUR,,,,"])
    script = "\n".join(["/start", "1", f"/file {path} /impor", "/status", SITI_NIK,
                        "Siti Aminah", "/quit"]) + "\n"
    out = io.StringIO()
    admin = settings.model_copy(update={"admin_ids": frozenset({77})})
    code = await run_console(admin, user_id=77, stdin=io.StringIO(script), stdout=out)
    text = out.getvalue()
    assert code == 0
    assert "Impor selesai." in text and "Baru: 1" in text and "Ditolak: 1" in text
    assert "[document laporan-impor.csv]" in text
    assert "(the bot deleted your message)" in text
    assert "Data bantuan untuk NIK 3578********0002" in text
    bot_lines = [line for line in text.splitlines() if not line.startswith("you>")]
    assert not any(SITI_NIK in line for line in bot_lines)
