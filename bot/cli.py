"""`dinsos-bot`: run the bot, chat with it offline, and the staff's command-line tools.

Every verb has --help. Errors are one clear line on stderr and a non-zero exit (2 for a bad
setting or bad input), never a traceback and never a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from bot import __version__
from bot.content import ContentError
from bot.content import cli as content_cli
from bot.core.errors import UserError
from bot.features.broadcasts import cli as broadcasts_cli
from bot.features.privacy import cli as privacy_cli
from bot.features.reminders import cli as reminders_cli
from bot.features.skm import cli as skm_cli
from bot.features.staff import cli as staff_cli
from bot.features.status import cli as status_cli
from bot.features.tickets import cli as tickets_cli
from bot.features.volunteers import cli as volunteers_cli
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)

# Modules that add verbs: each has add_verbs(subparsers) and sets `func` on its parsers.
VERB_MODULES = [content_cli, volunteers_cli, reminders_cli, skm_cli, status_cli, staff_cli,
                broadcasts_cli, tickets_cli, privacy_cli]


Verb = Callable[[argparse.Namespace, Settings], int]


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None and args.console_if_no_token:
        console = argparse.Namespace(user_id=1, admin=False, language="id", intro="")
        if not Path(".env").exists():  # a first run: show everything, on sample data
            from bot.offline.demo import intro, prepare_demo

            print("BOT_TOKEN is not set and there is no .env: starting the offline console on "
                  "a demo database with sample data (see README, Configuration).",
                  file=sys.stderr)
            settings = prepare_demo(settings)
            console.intro = intro(settings)
            return _console(console, settings)
        print("BOT_TOKEN is not set, so the bot cannot reach Telegram: starting the offline "
              "console instead (see README, Configuration).", file=sys.stderr)
        return _console(console, settings)
    settings.check_for_run()
    from telegram import Update
    from telegram.error import InvalidToken

    from bot.app import build_application
    from bot.core.logs import setup_logging
    from bot.storage.backup import RestoreError, running_lock

    setup_logging(settings.log_level, settings=settings)
    app = build_application(settings)
    try:
        lock = running_lock(settings.database_path)  # `restore` refuses while this is held
        lock.__enter__()
    except RestoreError as exc:
        raise UserError(str(exc)) from None
    try:
        if settings.webhook_url:
            path = urlparse(settings.webhook_url).path.lstrip("/")
            log.info("starting in webhook mode on port %s", settings.webhook_port)
            app.run_webhook(
                listen=settings.webhook_listen, port=settings.webhook_port, url_path=path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),  # type: ignore[union-attr]
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            log.info("starting with long polling")
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        raise SettingsError("BOT_TOKEN was rejected by the Bot API: check it with @BotFather") \
            from None
    finally:
        lock.__exit__(None, None, None)
    return 0


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.logs import setup_logging
    from bot.storage.backup import RestoreError, running_lock

    setup_logging("WARNING")
    try:
        lock = running_lock(settings.database_path)  # `restore` refuses while this is held
        lock.__enter__()
    except RestoreError as exc:
        raise UserError(str(exc)) from None
    try:
        return _console_session(args, settings)
    finally:
        lock.__exit__(None, None, None)


def _console_session(args: argparse.Namespace, settings: Settings) -> int:
    from bot.offline.console import run_console

    if args.admin:
        settings = settings.model_copy(update={"admin_ids": settings.admin_ids | {args.user_id}})
    return asyncio.run(run_console(settings, user_id=args.user_id, language_code=args.language,
                                   intro=getattr(args, "intro", "")))


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.db import Database

    source = settings.database_path
    if not source.exists():
        raise UserError(f"there is no database at {source} (DATABASE_PATH)")
    target = Path(args.file)
    if target.resolve() == source.resolve():
        raise UserError("the backup must go to another file than the database itself")

    async def go() -> None:
        db = Database(source)
        await db.connect(migrate=False)
        try:
            await db.backup(target)
        finally:
            await db.close()

    asyncio.run(go())
    print(f"backup written to {target}")
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.backup import RestoreError, restore
    from bot.storage.db import migration_scripts

    latest = migration_scripts()[-1][0]
    try:
        done = restore(Path(args.file), settings.database_path, latest)
    except RestoreError as exc:
        raise UserError(str(exc)) from None
    print(f"restored {args.file} to {settings.database_path} (schema version {done.version}; "
          "it is migrated at the next start if older)")
    if done.kept is not None:
        print(f"the database it replaced is kept as {done.kept}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dinsos-bot",
        description="Telegram service bot of Dinas Sosial Provinsi Jawa Timur.",
    )
    parser.add_argument("--version", action="version", version=f"dinsos-bot {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")

    p = sub.add_parser("run", help="start the bot (polling, or webhook when WEBHOOK_URL is set)",
                       description="Start the bot. Polling by default; webhook mode when "
                                   "WEBHOOK_URL is set. SIGTERM or Ctrl-C stops it cleanly.")
    p.add_argument("--console-if-no-token", action="store_true",
                   help="start the offline console when BOT_TOKEN is not set (used by make run)")
    p.set_defaults(func=_run)

    p = sub.add_parser("console", help="chat with the full bot in this terminal, offline",
                       description="Chat with the full bot in the terminal: no token, no "
                                   "network. Numbers press buttons; /quit leaves.")
    p.add_argument("--user-id", type=int, default=1, help="your Telegram user id here (default 1)")
    p.add_argument("--admin", action="store_true",
                   help="treat the console user as an administrator for this session")
    p.add_argument("--language", default="id", help="Telegram language_code to pretend (id, jv)")
    p.set_defaults(func=_console)

    p = sub.add_parser("backup", help="copy the live database safely (SQLite online backup)",
                       description="Copy the database with SQLite's online backup API; safe "
                                   "while the bot runs.")
    p.add_argument("file", help="where to write the copy")
    p.set_defaults(func=_backup)

    p = sub.add_parser("restore", help="put a backup in place of the database (bot stopped)",
                       description="Replace DATABASE_PATH with a backup. Refuses while the bot "
                                   "runs, and refuses a file that fails PRAGMA integrity_check "
                                   "or has an unknown schema version. The replaced database is "
                                   "kept beside it as <name>.before-restore-<time>.")
    p.add_argument("file", help="the backup to restore (from `dinsos-bot backup`)")
    p.set_defaults(func=_restore)

    for module in VERB_MODULES:
        module.add_verbs(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        sys.exit(2)
    try:
        settings = load_settings()
        code = args.func(args, settings)
    except (SettingsError, ContentError, UserError) as exc:
        print(f"dinsos-bot: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # never a traceback at the terminal
        logging.getLogger("bot").debug("unexpected failure", exc_info=True)
        print(f"dinsos-bot: unexpected failure ({type(exc).__name__}); run with "
              "LOG_LEVEL=DEBUG for details", file=sys.stderr)
        sys.exit(1)
    sys.exit(code or 0)
