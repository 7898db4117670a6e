"""What the feature e2e scripts share: the harness (../shared/e2e), check() and cli().

Run a script from the project's root with the project installed, e.g.
    PATH=$PWD/.venv/bin:$PATH python scripts/e2e_status.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HARNESS = Path(os.environ.get("E2E_DIR", Path(__file__).resolve().parents[2] / "shared" / "e2e"))
sys.path.insert(0, str(HARNESS))

from tgdriver import BotProcess, Emulator  # noqa: E402

__all__ = ["BotProcess", "Emulator", "check", "cli"]


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + (f": {detail}" if detail and not cond else ""))
    if not cond:
        raise SystemExit(1)


def cli(bot: BotProcess, *args: str) -> str:
    """Run a dinsos-bot verb with the bot's environment; stop the script if it fails."""
    out = subprocess.run(["dinsos-bot", *args], env=bot.env, capture_output=True, text=True,
                         timeout=60)
    if out.returncode != 0:
        raise SystemExit(f"dinsos-bot {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout
