#!/usr/bin/env python3
"""End-to-end: volunteers and reminders against the real bot process and a Bot API emulator.

Run from the project's root with the project's environment on PATH:
    PATH=$PWD/.venv/bin:$PATH python scripts/e2e_volunteers.py
Registers a volunteer, has an administrator approve them, adds reminders with the command
line while the bot runs and while it is down (killed with SIGKILL), restarts it three times and
checks that every reminder arrives exactly once. Takes about a minute and a half.
E2E_DIR names the folder of the shared harness (tgdriver.py), if not /work/shared/e2e.
"""
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from e2e_kit import BotProcess, Emulator, check, cli

WIB = dt.timezone(dt.timedelta(hours=7))


def count(user, text: str) -> int:
    return sum(1 for m in user.messages() if text in m.text and "🔔" in m.text)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        bot = BotProcess(emu, Path(tmp), env={"ADMIN_IDS": "9001"})
        try:
            bot.start()
            admin = emu.user(9001, "Admin", language_code="id")
            admin.send("/start")
            admin.wait_for(r"Bahasa Indonesia", timeout=15)
            admin.click(r"Bahasa Indonesia")
            admin.wait(timeout=5)
            siti = emu.user(5001, "Siti", language_code="id")
            siti.send("/start")
            siti.wait_for(r"Bahasa Indonesia", timeout=15)
            siti.click(r"Bahasa Indonesia")
            siti.wait(timeout=5)
            siti.send("/relawan")
            siti.wait_for(r"peran Anda", timeout=10)
            siti.click(r"^TKSK")
            siti.wait_for(r"kabupaten/kota", timeout=10)
            siti.send("surabaya")
            siti.wait_for(r"kecamatan mana", timeout=10)
            siti.send("rungkut")
            siti.wait_for(r"nama lengkap", timeout=10)
            siti.click(r"^Pakai")
            siti.wait_for(r"Langkah terakhir", timeout=10)
            siti.send("Lewati")
            siti.wait_for(r"telah dikirim ke kantor", timeout=10)
            check("a volunteer registers with /relawan", True)
            admin.wait_for(r"Pendaftaran relawan baru", timeout=10)
            admin.click(r"^Setujui$")
            siti.wait_for(r"telah disetujui", timeout=10)
            check("an administrator approves and the volunteer is told", True)

            soon = (dt.datetime.now(WIB) + dt.timedelta(seconds=40)).strftime("%Y-%m-%dT%H:%M:%S")
            cli(bot, "reminders", "add", "--text", "Rapat TKSK pertama", "--at", soon,
                "--role", "tksk")
            siti.wait_for(r"Rapat TKSK pertama", timeout=90)
            check("a reminder added from the command line arrives while the bot runs", True)

            bot.crash()
            soon = (dt.datetime.now(WIB) + dt.timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S")
            cli(bot, "reminders", "add", "--text", "Selama mati", "--at", soon)
            time.sleep(5)
            for _ in range(3):
                bot.start()
                time.sleep(4)
                bot.crash()
            bot.start()
            siti.wait_for(r"Selama mati", timeout=20)
            time.sleep(3)
            check("a reminder due while the bot was down arrives once after restarts",
                  count(siti, "Selama mati") == 1, str(count(siti, "Selama mati")))
            check("the first reminder was not sent again",
                  count(siti, "Rapat TKSK pertama") == 1, str(count(siti, "Rapat TKSK pertama")))
            siti.click(r"^Selesai$")
            siti.wait(timeout=5)
            done = [m for m in siti.messages() if "Ditandai selesai" in m.text]
            check("Selesai marks the reminder done", bool(done))
            listing = cli(bot, "reminders", "list")
            check("reminders list shows who received and who finished",
                  "done 1" in listing, listing)
            check("the bot is still running", bot.proc.poll() is None, bot.tail())
        finally:
            bot.stop()
            if os.environ.get("E2E_VERBOSE"):
                print(bot.tail(80))


if __name__ == "__main__":
    main()
