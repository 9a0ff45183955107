"""The command-line side of the import contract: one base class for every ``*_import`` command.

Exit codes: 0 when the rows were imported (or, in a dry run, would be), 1 when rows were invalid
and nothing was written, 2 on a usage error (missing or unreadable file, no header row, an
argument that names nothing). Under ``call_command`` the codes surface as exceptions: a usage
error raises ``CommandError`` with ``returncode == 2``, invalid rows raise ``SystemExit(1)``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hoiso.core.imports import FileError, ImportReport, parse_date, run_import

if TYPE_CHECKING:
    import datetime as dt

    from hoiso.core.imports import Importer

EXIT_INVALID = 1
EXIT_USAGE = 2


def date_argument(text: str) -> dt.date:
    """argparse ``type=`` for a dd/mm/yyyy date."""
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise argparse.ArgumentTypeError(
            _("«%(value)s» is not a date (dd/mm/yyyy).") % {"value": text}
        )
    return day


class ImportCommand(BaseCommand):
    """Base for import commands: FILE, --dry-run, --skip-invalid, --json; exit 0, 1 or 2."""

    help = "Import records from an .xlsx, .xls, .ods or .csv file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="the .xlsx, .xls, .ods or .csv file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check everything and report, write nothing",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and list the invalid ones (default: all or nothing)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help='print {"imported": N, "invalid": [{"row", "column", "message"}]}',
        )

    def build_importer(self, options: dict[str, Any]) -> Importer:
        """The importer for this command; raise ``self.usage_error(...)`` for a bad argument."""
        raise NotImplementedError

    def usage_error(self, message: str) -> CommandError:
        """A CommandError that makes the command exit with code 2."""
        return CommandError(message, returncode=EXIT_USAGE)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise self.usage_error(_("File not found: %(name)s") % {"name": str(path)})
        importer = self.build_importer(options)
        try:
            report = run_import(
                importer,
                path,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
            )
        except FileError as error:
            raise self.usage_error(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self.print_report(importer, report)
        if report.invalid and not report.committed and not (report.dry_run and report.imported):
            raise SystemExit(EXIT_INVALID)

    def print_report(self, importer: Importer, report: ImportReport) -> None:
        """The report for people: one line per problem, then what was (or would be) done."""
        for issue in report.invalid:
            self.stdout.write(importer.describe(issue))
        bad_rows = len([row for row in report.invalid_rows if row])
        if report.dry_run and report.imported:
            summary = ngettext(
                "Dry run: %(count)d row would be imported; nothing was written.",
                "Dry run: %(count)d rows would be imported; nothing was written.",
                report.imported,
            ) % {"count": report.imported}
        elif report.committed:
            summary = ngettext(
                "Imported %(count)d row.", "Imported %(count)d rows.", report.imported
            ) % {"count": report.imported}
        elif report.invalid:
            summary = ngettext(
                "%(count)d problem found; nothing was imported.",
                "%(count)d problems found; nothing was imported.",
                len(report.invalid),
            ) % {"count": len(report.invalid)}
        else:
            summary = _("The file has no rows to import.")
        if report.invalid and (report.committed or (report.dry_run and report.imported)):
            summary += " " + ngettext(
                "%(count)d invalid row skipped.", "%(count)d invalid rows skipped.", bad_rows
            ) % {"count": bad_rows}
        self.stdout.write(summary)
