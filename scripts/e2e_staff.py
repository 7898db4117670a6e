#!/usr/bin/env python3
"""End-to-end: the staff home, an invite link across a kill -9, and a regional operator.

Run from the project's root with the project's environment on PATH:
    PATH=$PWD/.venv/bin:$PATH python scripts/e2e_staff.py
The administrator opens /petugas and a task button; in /staf adds an operator for Kota
Surabaya by invite link; the bot is killed with SIGKILL and started again; the colleague opens
the link and gets the welcome and their staff home ("namung"/"hanya Kota Surabaya"); a second
person opening the same link is refused. The new operator starts an announcement and is
offered only the volunteers of her region. Takes about a minute.
E2E_DIR names the folder of the shared harness (tgdriver.py), if not /work/shared/e2e.
"""
import re
import tempfile
from pathlib import Path

from e2e_kit import BotProcess, Emulator, check, cli

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
            admin = emu.user(ADMIN, "Admin")
            start(admin)
            home = admin.ask("/petugas", timeout=15)
            check("/petugas shows the day's figures", "Menu petugas" in home
                  and "cek status" in home and "relawan menunggu persetujuan" in home, home)
            admin.mark()
            admin.click(r"^Pengingat relawan$")
            got = admin.wait(timeout=10)
            check("a task button does what its command does",
                  any("Pengingat" in m.text or "pengingat" in m.text for m in got),
                  str([m.text[:60] for m in got]))

            admin.ask("/staf")
            admin.click(r"^Tambah staf$")
            admin.wait_for(r"Peran apa", timeout=10)
            admin.click(r"^Operator$")
            admin.wait_for(r"kabupaten/kota mana", timeout=10)
            for _ in range(4):
                try:
                    admin.find_button(r"^Kota Surabaya$")
                    break
                except AssertionError:
                    admin.mark()
                    admin.click(r"^Berikutnya")
                    admin.wait(timeout=5)
            admin.mark()
            admin.click(r"^Kota Surabaya$")
            admin.wait_for(r"Bagaimana Anda ingin menambahkannya", timeout=10)
            admin.click(r"^Buat tautan undangan$")
            invite = admin.wait_for(r"start=staf_", timeout=10).text
            payload = re.search(r"start=(staf_[A-Za-z0-9_-]+)", invite).group(1)
            check("the invite link is made, for an operator of Kota Surabaya",
                  "operator, Kota Surabaya" in invite, invite)

            bot.crash()
            bot.start()
            rina = emu.user(7001, "Rina", last_name="Wati")
            start(rina)
            rina.mark()
            rina.send(f"/start {payload}")
            welcome = rina.wait_for(r"Selamat bergabung", timeout=15).text
            check("after a kill -9 the link still works: a welcome", "Kota Surabaya" in welcome,
                  welcome)
            rina_home = rina.wait_for(r"Menu petugas", timeout=10).text
            check("the new operator's home is their region's", "hanya Kota Surabaya" in rina_home,
                  rina_home)
            listing = cli(bot, "staff", "list")
            check("the command line lists her by name and region",
                  "7001\toperator\tKota Surabaya\tRina Wati" in listing, listing)

            eko = emu.user(7002, "Eko")
            start(eko)
            refused = eko.ask(f"/start {payload}", timeout=10)
            check("the same link a second time is refused", "sudah pernah dipakai" in refused,
                  refused)
            check("and gives no rights", "tidak mengenal perintah" in eko.ask("/petugas"))

            rina.ask("/siaran")
            rina.send("Rapat koordinasi Jumat")
            rina.wait_for(r"Lanjut", timeout=10)
            rina.click(r"^Lanjut$")
            rina.wait_for(r"Lewati", timeout=10)
            rina.click(r"^Lewati$")
            audience = rina.wait_for(r"Siapa yang menerima", timeout=10)
            labels = [label for label, _ in audience.buttons]
            check("a regional operator is offered her region's volunteers only",
                  labels == ["Relawan Kota Surabaya", "Relawan menurut peran"], str(labels))
            rina.mark()
            rina.click(r"^Relawan Kota Surabaya$")
            shown = "\n".join(m.text for m in rina.wait(timeout=10))
            check("no volunteer of Kota Surabaya yet: the bot says so (nothing is sent)",
                  "Tidak ada yang akan menerimanya" in shown, shown)
            check("the bot is still running", bot.proc.poll() is None, bot.tail())
            check("the invite token is not in the log", payload[5:] not in bot.tail(400))
        finally:
            bot.stop()


if __name__ == "__main__":
    main()
