#!/usr/bin/env python3
"""End-to-end: disbursement status against the real bot process and a Bot API emulator.

Run from the project's root with the project's environment on PATH:
    PATH=$PWD/.venv/bin:$PATH python scripts/e2e_status.py
Imports records with the command line, checks a NIK (the message carrying it is deleted; the
NIK is shown masked), kills the bot with SIGKILL between the NIK and the name and finishes the
check after the restart, subscribes to changes, re-imports a changed file from the command line
while the bot runs, and waits for the one notification the running bot sends.
E2E_DIR names the folder of the shared harness (tgdriver.py), if not /work/shared/e2e.
"""
import tempfile
import time
from pathlib import Path

from e2e_kit import BotProcess, Emulator, check, cli

NIK = "3578014101900002"
HEADER = "nik,nama,program,periode,status,tanggal,lembaga_penyalur,keterangan,kabupaten"
ROWS = [f"{NIK},Hj. Siti Aminah,PKH,2026 Tahap 3,TERSALUR,2026-09-15,PT Pos Indonesia,,Surabaya",
        f"{NIK},SITI AMINAH,BPNT,2026-10,DIPROSES,,Bank BRI,,Surabaya"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        bot = BotProcess(emu, Path(tmp))
        data = Path(tmp) / "records.csv"
        data.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
        out = cli(bot, "disbursements", "import", str(data))
        check("the command line imports the records", "inserted 2" in out, out)
        try:
            bot.start()
            siti = emu.user(5001, "Siti", language_code="id")
            siti.send("/start")
            siti.wait_for(r"Bahasa Indonesia", timeout=15)
            siti.click(r"Bahasa Indonesia")
            siti.wait(timeout=5)
            reply = siti.ask("/status")
            check("/status asks for the NIK", "16 angka" in reply, reply)
            reply = siti.ask("3578 0141 0190 0002")
            check("the NIK is echoed masked only", "3578********0002" in reply
                  and NIK not in reply, reply)
            history = str(emu.history())
            check("the message carrying the NIK is gone", "3578 0141 0190 0002" not in history)
            bot.crash()
            bot.start()
            reply = siti.ask("siti aminah", timeout=15)
            check("after a kill -9 the name finishes the check", "Data bantuan untuk NIK" in reply
                  and "sudah disalurkan (TERSALUR)" in reply, reply)
            siti.click(r"Kabari saya")
            reply = siti.wait_for(r"Kami akan mengirim pesan", timeout=10).text
            changed = Path(tmp) / "october.csv"
            changed.write_text("\n".join([HEADER, ROWS[0], ROWS[1].replace("DIPROSES",
                                                                           "SIAP SALUR")]) + "\n")
            out = cli(bot, "disbursements", "import", str(changed))
            check("the re-import queues one notification", "1 notifications queued" in out, out)
            siti.mark()
            note = siti.wait_for(r"Status bantuan Anda telah berubah", timeout=45).text
            check("the running bot sends it", "siap disalurkan (SIAP SALUR)" in note, note)
            time.sleep(35)  # another round of the 30-second job
            notes = [m for m in siti.messages() if "telah berubah" in m.text]
            check("exactly once", len(notes) == 1, len(notes))
            check("the bot is still running", bot.proc.poll() is None, bot.tail())
            check("no NIK in the bot's log", NIK not in bot.tail(400))
        finally:
            bot.stop()


if __name__ == "__main__":
    main()
