"""`dinsos-bot disbursements import FILE.csv|FILE.xlsx [--report FILE]`: load disbursement
records."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.features.status.importer import Summary
from bot.services import Services, run_with_services
from bot.settings import Settings


def add_verbs(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("disbursements", help="disbursement records (import)",
                       description="Disbursement records that residents check with /status.")
    verbs = p.add_subparsers(dest="disbursements_verb", metavar="VERB")
    imp = verbs.add_parser(
        "import", help="import records from a CSV or XLSX file",
        description="Import disbursement records from a CSV file (UTF-8, comma or semicolon) "
                    "or an Excel workbook (XLSX, its first sheet) "
                    "with the columns nik,nama,program,periode,status,tanggal,"
                    "lembaga_penyalur,keterangan,kabupaten; dates as YYYY-MM-DD or DD/MM/YYYY. "
                    "Rows are keyed by (nik, program, "
                    "periode): importing again updates them. Bad rows are skipped and listed in "
                    "the report. An interrupted import continues where it stopped when run "
                    "again with the same file. Needs NIK_HMAC_KEY.")
    imp.add_argument("file", help="the CSV or XLSX file")
    imp.add_argument("--report", metavar="FILE",
                     help="write the rejected rows (line, reason, masked NIK) to this CSV file")
    imp.add_argument("--batch-size", type=int, default=5000, metavar="N",
                     help="rows per transaction (default 5000)")
    imp.set_defaults(func=_import)
    p.set_defaults(func=lambda args, settings: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.features.status.csvfile import ImportFileError
    from bot.features.status.xlsxfile import is_xlsx, xlsx_to_csv

    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"there is no file {path}")
    if args.batch_size < 1:
        raise UserError("--batch-size must be at least 1")
    key = settings.nik_key()  # SettingsError: one line, nothing written

    async def migrate(services: Services) -> None:
        """Opening the services migrates the database before the loaders write to it."""

    run_with_services(settings, migrate)
    with tempfile.TemporaryDirectory(prefix="dinsos-import-") as tmp:
        if is_xlsx(path):  # its first sheet, as the CSV the importer reads (row = line)
            converted = Path(tmp) / (path.stem + ".csv")
            try:
                xlsx_to_csv(path, converted)
            except ImportFileError as exc:
                raise UserError(f"{path}: {exc}; nothing was imported") from None
            path = converted
        summary = _load(path, settings, key, args.batch_size)
    _finish(args, settings, summary)
    return 0


def _load(path: Path, settings: Settings, key: bytes, batch_size: int) -> Summary:
    from bot.features.status.csvfile import ImportFileError
    from bot.features.status.importer import import_csv

    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        from bot.features.status.csvfile import file_fingerprint

        _, lines = file_fingerprint(path)
        bar = tqdm(total=max(lines - 1, 0), unit=" rows", unit_scale=True, file=sys.stderr)
    try:
        return import_csv(path, settings.database_path, key, batch_size=batch_size,
                          progress=bar.update if bar is not None else None)
    except ImportFileError as exc:
        raise UserError(f"{path}: {exc}; nothing was imported") from None
    finally:
        if bar is not None:
            bar.close()


def _finish(args: argparse.Namespace, settings: Settings, summary: Summary) -> None:
    from bot.features.status.importer import REASONS
    from bot.features.status.render import render_report

    if summary.resumed_from_line:
        print(f"continued an interrupted import after line {summary.resumed_from_line}")
    print(f"inserted {summary.inserted}, updated {summary.updated}, unchanged "
          f"{summary.unchanged}, rejected {summary.rejected}"
          + (f"; {summary.notifications} notifications queued" if summary.notifications else ""))

    async def audit(services: Services) -> Translator:
        await services.staff.audit(None, "status.import", detail={
            "inserted": summary.inserted, "updated": summary.updated,
            "unchanged": summary.unchanged, "rejected": summary.rejected})
        return services.i18n.translator(settings.default_language)

    t = run_with_services(settings, audit)
    if args.report:
        Path(args.report).write_text(render_report(summary, t), encoding="utf-8")
        print(f"report of {summary.rejected} rejected rows written to {args.report}")
    elif summary.rejected:
        print("rejected rows (use --report FILE for the full list):")
        for line, code, masked in summary.rejects[:10]:
            print(f"  line {line}: {REASONS.get(code, code)} {masked}".rstrip())
        if summary.rejected > 10:
            print(f"  ... and {summary.rejected - 10} more")
