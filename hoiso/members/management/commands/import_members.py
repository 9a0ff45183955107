"""``manage.py import_members FILE --unit CODE``: members from a roster, as no user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from hoiso.core.management.importing import ImportCommand
from hoiso.members.imports.importer import MemberImporter
from hoiso.org.models import Unit


class Command(ImportCommand):
    help = (
        "Import members from a roster (.xlsx, .xls, .ods or .csv) into a commune or chapter. "
        "Exit code 0: imported; 1: invalid rows, nothing written; 2: usage error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--unit",
            required=True,
            metavar="CODE",
            help="the code of the commune (or chapter) the members belong to",
        )
        parser.add_argument(
            "--create-chapters",
            action="store_true",
            help="create the chapters (and groups) the file names and the unit lacks",
        )

    def build_importer(self, options: dict[str, Any]) -> MemberImporter:
        unit = Unit.objects.select_related("level").filter(code=options["unit"]).first()
        if unit is None:
            raise self.usage_error(_("Unknown unit code: %(code)s") % {"code": options["unit"]})
        if unit.valid_to is not None:
            raise self.usage_error(_("Unit %(u)s is closed.") % {"u": unit.name})
        return MemberImporter(
            actor=None,
            unit=unit,
            create_chapters=options["create_chapters"],
            file_name=Path(options["file"]).name,
        )
