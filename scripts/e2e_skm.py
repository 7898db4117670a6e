#!/usr/bin/env python3
"""End-to-end: the SKM survey and /ikm against the real bot process and a Bot API emulator.

Run from the project's root with the project's environment on PATH:
    PATH=$PWD/.venv/bin:$PATH python scripts/e2e_skm.py
Opens a survey from a unit's deep link, answers three questions, kills the bot with SIGKILL,
starts it again and goes on pressing the buttons already on screen; then checks the answers
stored by unsur code, the refused repeat, /ikm for an administrator (the emulator refuses
sendPhoto and sendDocument: the bot must carry on) and /ikm for a resident. About 30 seconds.
E2E_DIR names the folder of the shared harness (tgdriver.py), if not /work/shared/e2e.
"""
import sqlite3
import tempfile
from pathlib import Path

from e2e_kit import BotProcess, Emulator, check


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        bot = BotProcess(emu, Path(tmp), env={"ADMIN_IDS": "9001"})
        try:
            bot.start()
            siti = emu.user(5001, "Siti", language_code="id")
            siti.send("/start"); siti.wait_for(r"Bahasa Indonesia", timeout=15)
            siti.click(r"^Bahasa Indonesia$"); siti.wait(timeout=5)
            siti.send("/start skm_PSTW-PSR")
            m = siti.wait_for(r"Layanan apa", timeout=10)
            check("deep link opens the survey at the service", "Tresna Werdha Pasuruan" in m.text, m.text)
            siti.mark(); siti.click(r"^Informasi, konsultasi$")
            m = siti.wait_for(r"Pertanyaan 1 dari 9", timeout=10)
            for label in ["^Sesuai$", "^Mudah$", "^Cepat$"]:
                siti.mark(); siti.click(label); siti.wait(timeout=5)
            m = siti.messages()[-1]
            check("question 4 after three answers", "Pertanyaan 4 dari 9" in m.text, m.text)
            bot.crash()
            bot.start()
            siti.mark(); siti.click(r"^Gratis$")
            m = siti.wait_for(r"Pertanyaan 5 dari 9", timeout=15)
            check("after kill -9 the same message's buttons continue at question 5", True)
            for label in ["^Sesuai$", "^Kompeten$", "^Sopan dan ramah$", "^Dikelola dengan baik$", "^Baik$",
                          "^Perempuan$", "30–39", "SMA", "^Wirausaha$"]:
                siti.mark(); siti.click(label); siti.wait(timeout=5)
            reply = siti.ask("Petugasnya ramah <3")
            check("thank-you after the suggestion", "Terima kasih! Jawaban Anda" in reply, reply[:200])
            reply = siti.ask("/start skm_PSTW-PSR")
            check("a repeat in the same quarter is refused", "sudah mengisi survei" in reply, reply[:200])
            with sqlite3.connect(Path(tmp) / "bot.sqlite3") as c:
                ans = dict(c.execute("SELECT unsur, score FROM skm_answers").fetchall())
                rep = c.execute("SELECT COUNT(*) FROM skm_repeats").fetchone()[0]
            check("answers stored by unsur code", ans == {"U1": 3, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 3, "U7": 3, "U8": 4, "U9": 3}, ans)
            check("repeat counted", rep == 1, rep)
            admin = emu.user(9001, "Admin", language_code="id")
            admin.send("/start"); admin.wait_for(r"Bahasa Indonesia", timeout=15)
            admin.click(r"^Bahasa Indonesia$"); admin.wait(timeout=5)
            reply = admin.ask("/ikm", timeout=20)
            check("/ikm asks staff for the unit with buttons", "unit mana" in reply, reply)
            admin.mark(); admin.click(r"^Semua unit$"); admin.wait(timeout=10)
            admin.mark(); admin.click(r"^Triwulan ")  # the current quarter is listed first
            reply = "\n".join(m.text for m in admin.wait(timeout=30))
            check("/ikm answers staff with the report", "IKM 80,56: mutu B (Baik)" in reply and "Sesuatu" not in reply, reply[:600])
            check("the suggestion is shown escaped", "Petugasnya ramah &lt;3" in reply or "Petugasnya ramah <3" in reply, reply[-300:])
            reply = siti.ask("/ikm")
            check("/ikm is an unknown command for residents", "tidak mengenal perintah" in reply, reply)
            check("the bot is still running", bot.proc.poll() is None, bot.tail())
        finally:
            bot.stop()
            print(bot.tail(15))


if __name__ == "__main__":
    main()
