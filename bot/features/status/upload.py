"""Staff import disbursement records in the chat: a CSV sent with the caption /impor, loaded
off the event loop, with the report of rejected rows."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from telegram import InputFile, Update

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import (
    reply,
    staff_or_unknown,
)
from bot.features.staff.service import PermissionDenied
from bot.features.status.csvfile import FILE_PROBLEMS, ImportFileError
from bot.features.status.importer import import_as
from bot.features.status.jobs import drain
from bot.features.status.render import (
    render_report,
    render_summary,
)
from bot.settings import SettingsError

if TYPE_CHECKING:
    from bot.app import BotApplication


MAX_UPLOAD = 20 * 1024 * 1024   # the Bot API lets bots download files up to 20 MB


IMPORT_CAPTION = r"^/impor(@\w+)?(\s|$)"


# -- staff: import in the chat --------------------------------------------------------------------
async def on_import_document(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    doc = update.message.document
    if doc.file_size and doc.file_size > MAX_UPLOAD:
        await reply(update, context, context._(N_(
            "The file is larger than 20 MB, which Telegram does not let bots download. Please "
            "use the command line: dinsos-bot disbursements import FILE.csv")))
        return
    await reply(update, context, context._(N_("Importing {name}, please wait...")).format(
        name=doc.file_name or "CSV"))
    with tempfile.TemporaryDirectory(prefix="dinsos-import-") as tmp:
        path = Path(tmp) / "upload.csv"
        tg_file = await context.bot.get_file(doc.file_id)
        await tg_file.download_to_drive(path)
        try:
            summary = await import_as(context.services, update.effective_user.id, path)
        except PermissionDenied:
            await reply(update, context, context._(N_(
                "I do not know that command. Type /menu to see what I can do, or /bantuan for "
                "help.")))
            return
        except SettingsError:
            await reply(update, context, context._(N_(
                "The import is not set up on the server yet (the key that protects NIKs is "
                "missing). Nothing was imported. Please tell the server's maintainer.")))
            return
        except ImportFileError as exc:
            reason = context._(FILE_PROBLEMS.get(exc.code, FILE_PROBLEMS["other"])).format(
                columns=exc.columns)
            await reply(update, context, context._(N_(
                "This file cannot be imported: {reason}. Nothing was imported.")).format(
                reason=reason))
            return
    await reply(update, context, render_summary(context.t, summary))
    if summary.rejects:
        report = render_report(summary, context.t).encode("utf-8")
        await context.bot.send_document(
            update.effective_chat.id, InputFile(report, filename="laporan-impor.csv"),
            caption=context._(N_("Rejected rows: line number and reason.")))
    if summary.notifications:
        await drain(cast("BotApplication", context.application))


async def on_import_command(update: Update, context: BotContext) -> None:
    if not await staff_or_unknown(update, context, "operator"):
        return
    await reply(update, context, context._(N_(
        "To import disbursement records, send the CSV file as a document with the caption "
        "/impor. Columns: nik,nama,program,periode,status,tanggal,lembaga_penyalur,keterangan,"
        "kabupaten.")))
