"""``manage.py units_import FILE``: build or extend the unit tree from a spreadsheet, as no user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from hoiso.core.management.importing import ImportCommand, date_argument
from hoiso.org.importers import UnitImporter


class Command(ImportCommand):
    help = (
        "Import units (code, name, level, parent code) from an .xlsx, .xls, .ods or .csv file. "
        "Exit code 0: imported; 1: invalid rows, nothing written; 2: usage error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--valid-from",
            type=date_argument,
            metavar="DD/MM/YYYY",
            help="the date the units are established (default: today)",
        )
        parser.add_argument("--decision", default="", help="the founding decision's reference")

    def build_importer(self, options: dict[str, Any]) -> UnitImporter:
        return UnitImporter(
            actor=None, valid_from=options["valid_from"], decision=options["decision"]
        )
