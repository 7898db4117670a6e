#!/usr/bin/env python3
"""End-to-end: "Ask an officer" against the real bot process and a Bot API emulator.

Run from the project's root with the project's environment on PATH:
    PATH=$PWD/.venv/bin:$PATH python scripts/e2e_tickets.py
A resident asks a question with a NIK in it (masked before the administrator sees it); the bot
is killed with SIGKILL and started again, and the question is still in the administrator's
/kotak; the administrator answers in the chat and the resident receives it. Then the bot is
killed again, an answer is recorded on the command line while it is down ("reply recorded",
not "sent"), and after the restart the resident receives it exactly once. The resident closes
the ticket and rates it. Takes about a minute.
E2E_DIR names the folder of the shared harness (tgdriver.py), if not /work/shared/e2e.
"""
import json
import tempfile
import time
from pathlib import Path

from e2e_kit import BotProcess, Emulator, check, cli

NIK = "3578014101900002"
QUESTION = f"Anak saya sakit, bisa dibantu biaya berobat? NIK saya {NIK}"
ANSWER = "Bisa, silakan datang ke Puskesmas dengan KIS Anda."
LATE = "Tambahan: bawa juga surat keterangan tidak mampu dari desa."
ADMIN = 9001


def start(user, language="Bahasa Indonesia"):
    user.send("/start")
    user.wait_for(r"Bahasa Indonesia", timeout=15)
    user.click(language)
    user.wait(timeout=5)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        bot = BotProcess(emu, Path(tmp), env={"ADMIN_IDS": str(ADMIN)})
        try:
            bot.start()
            siti = emu.user(5001, "Siti")
            start(siti)
            admin = emu.user(ADMIN, "Admin")
            start(admin)

            reply = siti.ask("/tanya")
            check("/tanya asks for the question, with working hours and the NIK warning",
                  "jam kerja" in reply and "NIK" in reply, reply)
            siti.mark()
            siti.send(QUESTION)
            confirm = siti.wait_for(r"#1", timeout=10).text
            check("the resident gets ticket #1 and is told the NIK was hidden",
                  "#1" in confirm and "16 digit" in confirm, confirm)
            notice = admin.wait_for(r"Pertanyaan baru #1", timeout=15).text
            check("the administrator is notified, the NIK masked",
                  "3578********0002" in notice and NIK not in notice, notice)

            bot.crash()
            bot.start()
            inbox = admin.ask("/kotak", timeout=15)
            check("after a kill -9 the ticket is still in /kotak", "#1" in inbox, inbox)
            admin.click(r"^#1 ")
            thread = admin.wait_for(r"Pertanyaan #1", timeout=10).text
            check("the thread shows the question masked", "3578********0002" in thread
                  and NIK not in thread, thread)
            admin.click(r"^Balas$")
            admin.wait_for(r"Tulis jawaban Anda", timeout=10)
            siti.mark()
            admin.send(ANSWER)
            got = siti.wait_for(r"Jawaban dari petugas", timeout=15).text
            check("the resident receives the officer's words", ANSWER in got, got)
            admin.wait_for(r"sudah dikirim ke warga", timeout=10)

            bot.crash()  # the bot is down: an answer is recorded, not sent
            out = cli(bot, "tickets", "reply", "1", LATE)
            check("the command line records an answer", "recorded" in out, out)
            bot.start()
            siti.wait_for(r"surat keterangan tidak mampu", timeout=30)
            time.sleep(15)  # another round of the outbox job
            late = [m for m in siti.messages() if LATE in m.text]
            check("the answer recorded before the restart arrives exactly once",
                  len(late) == 1, str(len(late)))
            answers = [m for m in siti.messages() if ANSWER in m.text]
            check("the first answer was not sent again", len(answers) == 1, str(len(answers)))

            siti.click(r"^Sudah terjawab$")
            siti.wait_for(r"sudah ditutup", timeout=10)
            siti.click(r"^Membantu$")
            siti.wait_for(r"Terima kasih atas penilaian", timeout=10)
            data = json.loads(cli(bot, "tickets", "show", "1", "--json"))
            check("the ticket is closed and rated", data["status"] == "closed"
                  and data["rating"] == "helped", str(data["status"]))
            check("every answer was sent once, none flagged",
                  [(r["kind"], r["status"], r["possible_duplicate"]) for r in data["outbox"]
                   if r["kind"] == "answer"] == [("answer", "sent", 0)] * 2,
                  str(data["outbox"]))
            check("a resident's /kotak is an unknown command",
                  "tidak mengenal perintah" in siti.ask("/kotak"))
            check("the bot is still running", bot.proc.poll() is None, bot.tail())
            check("no NIK in the bot's log", NIK not in bot.tail(400))
        finally:
            bot.stop()


if __name__ == "__main__":
    main()
