"""The command line: settings errors are one safe line; backup; the console driven by stdin."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.logs import RedactingFormatter, redact
from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "123456789:AAHsecretsecretsecretsecretsecret12"
ENV_NAMES = ("BOT_TOKEN", "ADMIN_IDS", "DEFAULT_LANGUAGE", "WEBHOOK_URL", "WEBHOOK_SECRET",
             "DATABASE_PATH", "TIMEZONE", "NIK_HMAC_KEY", "BROADCAST_RATE")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer's .env
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    return monkeypatch


def run_main(argv, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({}, "BOT_TOKEN is not set"),
        ({"BOT_TOKEN": SECRET, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": SECRET, "DEFAULT_LANGUAGE": "fr"}, "DEFAULT_LANGUAGE must be 'id' or 'jv'"),
        ({"BOT_TOKEN": SECRET, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"BOT_TOKEN": SECRET, "BROADCAST_RATE": "100"}, "BROADCAST_RATE"),
        ({"BOT_TOKEN": SECRET, "WEBHOOK_URL": "https://example.org/hook"}, "WEBHOOK_SECRET"),
    ],
    ids=["no-token", "admin-ids", "language", "timezone", "rate", "webhook-secret"],
)
def test_bad_settings_are_one_safe_line(clean_env, capsys, env, needle):
    for key, value in env.items():
        clean_env.setenv(key, value)
    code, out, err = run_main(["run"], capsys)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and SECRET not in err and SECRET not in out


def test_dotenv_is_read(clean_env, tmp_path):
    (tmp_path / ".env").write_text("ADMIN_IDS=5, 6\nDEFAULT_LANGUAGE=JV\n")
    settings = load_settings()
    assert settings.admin_ids == {5, 6}
    assert settings.default_language == "jv"


def test_nik_key_required_message(clean_env):
    with pytest.raises(SettingsError, match="NIK_HMAC_KEY"):
        load_settings().nik_key()


def test_version_and_help(capsys):
    code, out, _ = run_main(["--version"], capsys)
    assert code == 0 and out.startswith("dinsos-bot ")
    for verb in ("run", "console", "backup"):
        code, out, _ = run_main([verb, "--help"], capsys)
        assert code == 0 and "usage: dinsos-bot " + verb in out


def test_backup_copies_the_live_database(clean_env, tmp_path, capsys):
    db = tmp_path / "db.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (42)")
    live = sqlite3.connect(db)  # a reader holding the file open, as the bot would
    try:
        code, out, _ = run_main(["backup", str(tmp_path / "copies" / "b.sqlite3")], capsys)
    finally:
        live.close()
    assert code == 0 and "backup written" in out
    with sqlite3.connect(tmp_path / "copies" / "b.sqlite3") as conn:
        assert conn.execute("SELECT x FROM t").fetchone() == (42,)


def test_backup_without_database_is_one_line(clean_env, tmp_path, capsys):
    clean_env.setenv("DATABASE_PATH", str(tmp_path / "nope.sqlite3"))
    code, _, err = run_main(["backup", str(tmp_path / "b.sqlite3")], capsys)
    assert code == 2 and "no database" in err


def test_logs_never_show_token_or_nik():
    line = redact(f"GET https://api.telegram.org/bot{SECRET}/getMe nik=3578014107900002 ok")
    assert SECRET not in line and "3578014107900002" not in line
    try:
        raise ValueError("bad nik 3578014107900002")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None,
                                   sys.exc_info())
    text = RedactingFormatter("%(message)s").format(record)
    assert "Traceback" in text and "3578014107900002" not in text


def test_console_driven_through_stdin(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(DATABASE_PATH=str(tmp_path / "c.sqlite3"), PYTHONPATH=str(ROOT))
    script = "/start\n2\n/bantuan\n9\n/quit\n"
    proc = subprocess.run([sys.executable, "-m", "bot", "console"], input=script, env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "[1] Bahasa Indonesia" in out and "[2] Basa Jawa" in out
    assert "Basa: Basa Jawa" in out  # pressing 2 chose Javanese
    assert "Kula punika bot layanan" in out  # /bantuan in Javanese
    assert "there is no button 9" in out
    assert "Traceback" not in proc.stderr


def test_make_run_without_token_starts_the_console(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env.update(DATABASE_PATH=str(tmp_path / "c.sqlite3"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "bot", "run", "--console-if-no-token"],
                          input="/start\n/quit\n", env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "BOT_TOKEN is not set" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Bahasa Indonesia" in proc.stdout


@pytest.mark.parametrize(("raw", "seconds"), [("PT2H", 7200), ("7200", 7200), ("PT6H", 21600)])
def test_reminder_grace_accepts_iso_or_seconds(clean_env, raw, seconds):
    clean_env.setenv("REMINDER_GRACE", raw)
    assert load_settings().reminder_grace.total_seconds() == seconds


def test_first_run_without_env_opens_a_demo_database(tmp_path):
    """No .env: `make run` shows the console on sample data, never on DATABASE_PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    real = tmp_path / "data" / "dinsos.sqlite3"
    env.update(DATABASE_PATH=str(real), PYTHONPATH=str(ROOT))
    script = "/start\n1\n/status\n3578 0141 0190 0002\nSiti Aminah\n/quit\n"
    proc = subprocess.run([sys.executable, "-m", "bot", "run", "--console-if-no-token"],
                          input=script, env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "demo database" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    out = proc.stdout
    assert "DEMO: sample data only" in out and "3578 0141 0190 0002" in out
    assert "PKH" in out and "Tersalur" in out.title()  # the sample record was found
    assert not real.exists()  # the real database was never touched
    assert (tmp_path / "data" / "DEMO-sample-data.sqlite3").exists()
    key = (tmp_path / "data" / "DEMO-sample-data.key").read_text().strip()
    assert len(key) == 64 and key not in out + proc.stderr
