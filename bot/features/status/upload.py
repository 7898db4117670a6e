"""Staff import disbursement records in the chat (/impor), a persistent conversation:

- `/impor` alone waits for the file (state WAITING, kept across a restart), with a button for
  the template as CSV and as XLSX;
- a CSV or XLSX sent with the caption /impor is imported at once;
- a CSV or XLSX a staff member sends without the caption is understood: "Import this file?"
  (state CONFIRM; the file's id is kept in user_data until they answer). A resident who sends
  one gets the usual "I can only read text messages".
The file is loaded off the event loop (an XLSX first becomes CSV); the reply gives the counts,
the first rejected rows with their reasons, and the full report as a file.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.core.i18n import N_
from bot.core.ui import (
    add_flow,
    answer_query,
    conversation,
    conversation_fallbacks,
    conversation_starter,
    keyboard,
    reply,
    staff_or_unknown,
)
from bot.features.staff.service import PermissionDenied
from bot.features.status.csvfile import FIELDS, FILE_PROBLEMS, ImportFileError, template_csv
from bot.features.status.importer import import_as
from bot.features.status.jobs import drain
from bot.features.status.render import (
    render_rejects,
    render_report,
    render_summary,
)
from bot.features.status.xlsxfile import is_xlsx, template_xlsx, xlsx_to_csv
from bot.settings import SettingsError

if TYPE_CHECKING:
    from bot.app import BotApplication


MAX_UPLOAD = 20 * 1024 * 1024   # the Bot API lets bots download files up to 20 MB
IMPORT_CAPTION = r"^/impor(@\w+)?(\s|$)"
CONVERSATION = "status_import"
WAITING, CONFIRM = "impor_waiting", "impor_confirm"
PENDING_KEY = "impor_file"      # user_data: {"id": file_id, "name": file name}
PREFIX = "impor"
TEMPLATE, YES, NO = f"{PREFIX}:template", f"{PREFIX}:yes", f"{PREFIX}:no"
TEMPLATE_XLSX = f"{PREFIX}:template:xlsx"
TEMPLATE_NAME = "contoh-impor-penyaluran"   # .csv or .xlsx
TEMPLATE_PATTERN = rf"^{TEMPLATE}(:xlsx)?$"

# A file that looks like an import: by its name, or by the type Telegram reports.
SHEET = (filters.Document.FileExtension("csv") | filters.Document.FileExtension("xlsx")
         | filters.Document.MimeType("text/csv")
         | filters.Document.MimeType(
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def _templates(context: BotContext) -> InlineKeyboardMarkup:
    """The two template buttons, CSV and Excel, on one row."""
    return keyboard([[(context._(N_("Template CSV")), TEMPLATE),
                      (context._(N_("Template XLSX")), TEMPLATE_XLSX)]])


# -- the import itself ---------------------------------------------------------------------------
async def _import(update: Update, context: BotContext, file_id: str, name: str | None,
                  size: int | None) -> None:
    if size and size > MAX_UPLOAD:
        await reply(update, context, context._(N_(
            "The file is larger than 20 MB, which Telegram does not let bots download. Please "
            "use the command line: dinsos-bot disbursements import FILE.csv")))
        return
    await reply(update, context, context._(N_("Importing {name}, please wait...")).format(
        name=name or "CSV"))
    with tempfile.TemporaryDirectory(prefix="dinsos-import-") as tmp:
        path = Path(tmp) / "upload"
        tg_file = await context.bot.get_file(file_id)
        await tg_file.download_to_drive(path)
        try:
            if await asyncio.to_thread(is_xlsx, path):
                converted = Path(tmp) / "upload.csv"
                await asyncio.to_thread(xlsx_to_csv, path, converted)
                path = converted
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
            code = "missing_columns" if exc.missing else exc.code
            reason = context._(FILE_PROBLEMS.get(code, FILE_PROBLEMS["other"])).format(
                columns=exc.columns, missing=exc.missing)
            await reply(update, context, context._(N_(
                "This file cannot be imported: {reason}. Nothing was imported.")).format(
                reason=reason), _templates(context))
            return
    await reply(update, context, render_summary(context.t, summary))
    if summary.rejects:
        await reply(update, context, render_rejects(context.t, summary))
        report = render_report(summary, context.t).encode("utf-8")
        await context.bot.send_document(
            update.effective_chat.id, InputFile(report, filename="laporan-impor.csv"),
            caption=context._(N_("Rejected rows: line number and reason.")))
    if summary.notifications:
        await drain(cast("BotApplication", context.application))


async def _document(update: Update, context: BotContext) -> None:
    doc = update.message.document
    await _import(update, context, doc.file_id, doc.file_name, doc.file_size)


# -- the conversation ----------------------------------------------------------------------------
async def on_import_command(update: Update, context: BotContext) -> str | int:
    """/impor alone: say what to send, offer the template, wait for the file."""
    if not await staff_or_unknown(update, context, "operator"):
        return ConversationHandler.END
    await answer_query(update)
    await reply(update, context, context._(N_(
        "Send the file now, as a document: CSV or Excel (XLSX), first line with the columns "
        "{columns}. Dates as DD/MM/YYYY or YYYY-MM-DD. Type /batal to stop.")).format(
            columns=",".join(FIELDS)),
        _templates(context))
    return WAITING


async def on_import_document(update: Update, context: BotContext) -> int:
    """A file with the caption /impor, or the file /impor was waiting for: import it."""
    if not await staff_or_unknown(update, context, "operator"):
        return ConversationHandler.END
    context.user_data.pop(PENDING_KEY, None)
    await _document(update, context)
    return ConversationHandler.END


async def on_sheet_without_caption(update: Update, context: BotContext) -> str | int:
    """A CSV or XLSX without the caption: staff are asked whether to import it."""
    if not await context.services.staff.has(update.effective_user.id, "operator"):
        await reply(update, context, context._(N_(
            "I can only read text messages. Please type your question, or choose from /menu.")))
        return ConversationHandler.END
    doc = update.message.document
    assert context.user_data is not None  # a private chat's message has a user
    context.user_data[PENDING_KEY] = {"id": doc.file_id, "name": doc.file_name,
                                      "size": doc.file_size}
    await reply(update, context, context._(N_(
        "Import the disbursement records in {name}?")).format(name=doc.file_name or "CSV"),
        keyboard([[(context._(N_("Import")), YES), (context._(N_("Do not import")), NO)]]))
    return CONFIRM


async def on_confirm(update: Update, context: BotContext) -> int:
    await answer_query(update)
    pending = context.user_data.pop(PENDING_KEY, None)
    if not await staff_or_unknown(update, context, "operator"):
        return ConversationHandler.END
    if not isinstance(pending, dict) or not isinstance(pending.get("id"), str):
        await reply(update, context, context._(N_(
            "This button is no longer active. Please open /menu again.")))
        return ConversationHandler.END
    size = pending.get("size")
    await _import(update, context, pending["id"], pending.get("name"),
                  size if isinstance(size, int) else None)
    return ConversationHandler.END


async def on_decline(update: Update, context: BotContext) -> int:
    await answer_query(update)
    context.user_data.pop(PENDING_KEY, None)
    await reply(update, context, context._(N_("Not imported. Nothing was changed.")))
    return ConversationHandler.END


async def on_not_a_file(update: Update, context: BotContext) -> str:
    """Waiting for the file, something else came: say again what is expected."""
    await reply(update, context, context._(N_(
        "Please send the file as a document (CSV or XLSX), or type /batal to stop.")))
    return WAITING


async def on_confirm_other(update: Update, context: BotContext) -> str:
    await reply(update, context, context._(N_(
        "Please choose Import or Do not import above, or type /batal to stop.")))
    return CONFIRM


async def on_template(update: Update, context: BotContext) -> None:
    """The template, CSV or XLSX by the button (stateless: an old button still works)."""
    await answer_query(update)
    if not await staff_or_unknown(update, context, "operator"):
        return
    if update.callback_query.data == TEMPLATE_XLSX:
        content, name = await asyncio.to_thread(template_xlsx), f"{TEMPLATE_NAME}.xlsx"
    else:
        content, name = template_csv(), f"{TEMPLATE_NAME}.csv"
    await context.bot.send_document(
        update.effective_chat.id, InputFile(content, filename=name),
        caption=context._(N_(
            "The template: fill in one row per person and program, keep the first line, then "
            "send the file back here.")))


def _state(conversation_: ConversationHandler, update: Update) -> object:
    """The state the update's user is in. Entry points come first in a conversation that may
    be re-entered, so a file sent while /impor waits reaches the entry point: it asks this.
    (PTB's private helpers, as bot.core.ui.conversation_starter uses them; PTB pinned <23.)"""
    return conversation_._conversations.get(conversation_._get_key(update))


def register_import(app: BotApplication) -> None:
    async def on_sheet(update: Update, context: BotContext) -> str | int:
        if _state(conversation_, update) == WAITING:     # the file /impor was waiting for
            return await on_import_document(update, context)
        return await on_sheet_without_caption(update, context)

    captioned = filters.Document.ALL & filters.CaptionRegex(IMPORT_CAPTION) & PRIVATE
    uncaptioned = SHEET & ~filters.CaptionRegex(IMPORT_CAPTION) & PRIVATE
    conversation_ = conversation(
        CONVERSATION,
        entry_points=[CommandHandler("impor", on_import_command),
                      MessageHandler(captioned, on_import_document),
                      MessageHandler(uncaptioned, on_sheet)],
        states={
            WAITING: [MessageHandler(filters.Document.ALL & PRIVATE, on_import_document),
                      CallbackQueryHandler(on_template, pattern=TEMPLATE_PATTERN),
                      MessageHandler(~filters.COMMAND & PRIVATE, on_not_a_file)],
            CONFIRM: [CallbackQueryHandler(on_confirm, pattern=rf"^{YES}$"),
                      CallbackQueryHandler(on_decline, pattern=rf"^{NO}$"),
                      CallbackQueryHandler(on_template, pattern=TEMPLATE_PATTERN),
                      MessageHandler(~filters.COMMAND & PRIVATE, on_confirm_other)],
        },
        fallbacks=conversation_fallbacks(),
    )
    app.add_handler(conversation_)
    app.add_handler(CallbackQueryHandler(on_template, pattern=TEMPLATE_PATTERN))
    app.add_handler(CallbackQueryHandler(on_decline, pattern=rf"^{NO}$"))
    add_flow(app, "impor", conversation_starter(conversation_, on_import_command))
