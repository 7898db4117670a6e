#!/usr/bin/env python3
"""End-to-end: staff and a broadcast against the real bot process and a Bot API emulator.

Run from the project's root with the project's environment on PATH:
    PATH=$PWD/.venv/bin:$PATH python scripts/e2e_broadcast.py
An administrator adds an operator with the command line; a resident is refused /siaran as an
unknown command; the operator broadcasts to ~200 subscribers at BROADCAST_RATE=20 with a
Javanese version; the bot is killed with SIGKILL mid-broadcast and started again; every
subscriber gets the announcement, only the rows in flight at the kill may arrive twice, and the
final report says how many. Then a second broadcast is stopped from its progress message (nobody
gets it after the stop), and two are scheduled a minute ahead: one is cancelled, the bot is
killed and started again before their time, and only the other goes out. About two minutes.
E2E_DIR names the folder of the shared harness (tgdriver.py), if not /work/shared/e2e.
"""
import datetime as dt
import os
import re
import sqlite3
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from e2e_kit import BotProcess, Emulator, check, cli

NEWS = "Penyaluran PKH tahap 4 mulai Senin 9 November."
NEWS_JV = "Penyaluran PKH tahap 4 dipunwiwiti dinten Senin 9 November."
STOPPED = "Pengumuman yang salah: jadwal posyandu."
LATER = "Besok pagi kantor desa buka pukul 07.00."
NEVER = "Pengumuman terjadwal yang dibatalkan."


def draft(opi, text):
    """/siaran up to the preview: Indonesian only, to all subscribers."""
    opi.send("/siaran")
    opi.wait_for(r"Pengumuman baru", timeout=10)
    opi.send(text)
    opi.wait_for(r"Diterima: \d+ karakter", timeout=10)
    opi.click(r"^Lanjut$")
    opi.wait_for(r"versi bahasa Jawa", timeout=10)
    opi.click(r"^Lewati$")
    opi.wait_for(r"Siapa yang", timeout=10)
    opi.click(r"^Semua pelanggan$")
    opi.wait_for(r"Kirim sekarang", timeout=10)


def delivered(emu, text):
    return len([m for m in emu.bot_messages() if m.text == text])
SEEDED = range(700_000, 700_200)


def start(user, language="Bahasa Indonesia"):
    user.send("/start")
    user.wait_for(r"Bahasa Indonesia", timeout=15)
    user.click(language)
    user.wait(timeout=5)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        bot = BotProcess(emu, Path(tmp), env={"ADMIN_IDS": "9001", "BROADCAST_RATE": "20"})
        try:
            bot.start()
            siti = emu.user(5001, "Siti")
            start(siti)
            budi = emu.user(5002, "Budi", language_code="jv")
            start(budi, "Basa Jawa")
            check("a resident's /siaran gets the unknown-command answer",
                  "tidak mengenal perintah" in siti.ask("/siaran"))

            cli(bot, "staff", "add", "7001", "--role", "operator")
            check("staff list shows the operator added on the command line",
                  "7001\toperator" in cli(bot, "staff", "list"))
            opi = emu.user(7001, "Opi")
            start(opi)
            # 200 more subscribers, as if they had started the bot earlier
            db = sqlite3.connect(bot.env["DATABASE_PATH"], timeout=10)
            with db:
                db.executemany(
                    "INSERT INTO subscribers (user_id, language, first_seen, last_seen) "
                    "VALUES (?, 'id', '2026-11-01T00:00:00+00:00', '2026-11-01T00:00:00+00:00')",
                    [(uid,) for uid in SEEDED])
            db.close()

            opi.send("/siaran")
            opi.wait_for(r"Pengumuman baru", timeout=10)
            opi.send(NEWS)
            opi.wait_for(r"Lanjut", timeout=10)
            opi.click(r"^Lanjut$")
            opi.wait_for(r"versi bahasa Jawa", timeout=10)
            opi.click(r"^Tambah versi bahasa Jawa$")
            opi.wait_for(r"teks bahasa Jawa", timeout=10)
            opi.send(NEWS_JV)
            opi.wait_for(r"Diterima: \d+ karakter", timeout=10)
            opi.click(r"^Lanjut$")
            opi.wait_for(r"Siapa yang", timeout=10)
            opi.click(r"^Semua pelanggan$")
            preview = opi.wait_for(r"Kirim sekarang", timeout=10)
            check("the preview counts every subscriber", "203 penerima" in preview.text,
                  preview.text)
            opi.click(r"^Kirim$")
            opi.wait_for(r"Siaran #1 sedang dikirim", timeout=10)
            time.sleep(3)
            bot.crash()
            got = len([m for m in emu.bot_messages() if m.text == NEWS])
            check("the kill came mid-broadcast", 0 < got < 200, str(got))
            bot.start()
            final = opi.wait_for(r"Siaran #1 selesai", timeout=60)
            time.sleep(1)
            counts = {uid: 0 for uid in SEEDED}
            for m in emu.bot_messages():
                if m.text == NEWS and m.chat_id in counts:
                    counts[m.chat_id] += 1
            check("nobody is skipped after the kill", min(counts.values()) >= 1,
                  str([u for u, n in counts.items() if n == 0][:5]))
            twice = sum(1 for n in counts.values() if n > 1)
            reported = re.search(r"dua kali\): (\d+)", final.text)
            flagged = int(reported.group(1)) if reported else 0
            print(f"     ({got} sent before the kill; {twice} arrived twice; {flagged} flagged)")
            check("only rows in flight arrive twice, and the report counts them",
                  twice <= flagged <= 20, f"twice={twice} reported={flagged} {final.text}")
            check("the Javanese speaker gets the Javanese version",
                  any(m.text == NEWS_JV for m in budi.messages())
                  and not any(m.text == NEWS for m in budi.messages()))
            check("the Indonesian speaker gets the Indonesian version",
                  any(m.text == NEWS for m in siti.messages()))
            status = cli(bot, "broadcast", "status", "1")
            check("broadcast status on the command line", "sent       203 of 203" in status
                  and "restarts   1" in status, status)

            # -- stop --------------------------------------------------------------------------
            draft(opi, STOPPED)
            opi.click(r"^Kirim$")
            opi.wait_for(r"Siaran #2 sedang dikirim", timeout=10)
            time.sleep(2)
            opi.click(r"^Hentikan pengiriman$")
            stopped = opi.wait_for(r"Siaran #2 dihentikan", timeout=20)
            got = re.search(r"(\d+) dari (\d+) orang sudah menerimanya", stopped.text)
            check("the stop says how many got it", got is not None, stopped.text)
            told = int(got.group(1))
            time.sleep(3)
            after = delivered(emu, STOPPED) - 1   # the operator's preview shows it once
            print(f"     ({told} of {got.group(2)} got it before the stop)")
            check("a stopped broadcast sends nothing further", 0 < told < 200 and after == told,
                  f"told={told} delivered={after}")

            # -- schedule, cancel one, survive a restart ---------------------------------------
            wib = ZoneInfo("Asia/Jakarta")
            when = (dt.datetime.now(wib) + dt.timedelta(seconds=70)).strftime("%Y-%m-%d %H:%M:%S")
            for number, text in ((3, LATER), (4, NEVER)):
                draft(opi, text)
                opi.click(r"^Jadwalkan$")
                opi.wait_for(r"Kapan dikirim", timeout=10)
                opi.send(when)
                opi.wait_for(rf"Siaran #{number} dijadwalkan", timeout=10)
            opi.click(r"^Batalkan siaran ini$")          # the newest: #4
            opi.wait_for(r"terjadwal #4 dibatalkan", timeout=10)
            listing = opi.ask("/siaran_status")
            check("the dated list shows both scheduled ones",
                  "#3 ·" in listing and "#4 ·" in listing and "terjadwal" in listing, listing)
            bot.crash()
            bot.start()
            opi.wait_for(r"Siaran #3 sedang dikirim", timeout=120)
            opi.wait_for(r"Siaran #3 selesai", timeout=60)
            time.sleep(1)
            check("the scheduled broadcast went out after the restart",
                  delivered(emu, LATER) >= 203, str(delivered(emu, LATER)))
            check("the cancelled one never did", delivered(emu, NEVER) == 1,  # its preview
                  str(delivered(emu, NEVER)))
            check("the bot is still running", bot.proc.poll() is None, bot.tail())
        finally:
            bot.stop()
            if os.environ.get("E2E_VERBOSE"):
                print(bot.tail(80))


if __name__ == "__main__":
    main()
