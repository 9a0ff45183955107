"""``manage.py ingest_documents DIR``: take a folder of files into the archive (a scanner's
output, a migration). Exit codes as the import commands: 0 every file taken (or already
there), 1 some files refused or failed, 2 a usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from hoiso.core.management.importing import EXIT_INVALID, EXIT_USAGE
from hoiso.documents.models import Direction, Document, ProcessingState
from hoiso.documents.services.ingest import document_ingest
from hoiso.org.models import Unit

PROVINCE_LEVEL = "tinh"


def default_unit() -> Unit | None:
    """The province (the one current unit of the province level), else the tree's one root."""
    provinces = list(Unit.objects.filter(level__code=PROVINCE_LEVEL, valid_to__isnull=True)[:2])
    if len(provinces) == 1:
        return provinces[0]
    roots = list(Unit.objects.filter(parent__isnull=True, valid_to__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


def files_in(folder: Path) -> list[Path]:
    """Every file under the folder, in name order; hidden files and folders are left out."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


class Command(BaseCommand):
    help = (
        "Take every file under DIR (PDF, scans as JPEG/PNG/TIFF, DOCX, XLSX, ODT; sub-folders "
        "included, hidden files skipped) into the document archive as documents of --unit "
        "(default: the province, i.e. the one unit of the province level, or else the tree's "
        "only top unit). Files already in the archive (same bytes) are reported as "
        "'duplicate' and not stored again. Without --wait the documents are queued for the "
        "worker; with --wait each one is processed here (text, OCR, suggestions, index) and "
        "its outcome reported. Exit 0 when every file was taken, 1 when some were refused or "
        "failed, 2 on a usage error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", metavar="DIR", help="the folder to take in")
        parser.add_argument("--unit", metavar="CODE", help="code of the owning unit")
        parser.add_argument(
            "--direction",
            choices=Direction.values,
            default=Direction.INCOMING,
            help="outgoing (out), incoming (in, the default for a folder of scans) or internal",
        )
        parser.add_argument(
            "--wait", action="store_true", help="process each document now and report it"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help='print [{"file", "document_id", "state", "number_notation", "error"}]',
        )

    def usage_error(self, message: str) -> CommandError:
        return CommandError(message, returncode=EXIT_USAGE)

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["dir"])
        if not folder.is_dir():
            raise self.usage_error(_("Folder not found: %(name)s") % {"name": str(folder)})
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise self.usage_error(
                    _("No unit has the code %(code)s.") % {"code": options["unit"]}
                )
        else:
            unit = default_unit()
            if unit is None:
                raise self.usage_error(_("Say which unit owns the documents: --unit CODE."))
        rows = [self.ingest_one(path, folder, unit, options) for path in files_in(folder)]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for row in rows:
                line = f"{row['file']}: {row['state']}"
                if row["document_id"]:
                    line += f" #{row['document_id']}"
                if row["number_notation"]:
                    line += f" {row['number_notation']}"
                if row["error"]:
                    line += f" — {row['error']}"
                self.stdout.write(line)
            failed = sum(1 for row in rows if row["state"] == ProcessingState.FAILED)
            self.stdout.write(
                _("%(total)d files, %(failed)d failed.") % {"total": len(rows), "failed": failed}
            )
        if any(row["state"] == ProcessingState.FAILED for row in rows):
            raise SystemExit(EXIT_INVALID)

    def ingest_one(
        self, path: Path, folder: Path, unit: Unit, options: dict[str, Any]
    ) -> dict[str, Any]:
        from hoiso.documents.pipeline import process_document

        name = str(path.relative_to(folder))
        row: dict[str, Any] = {
            "file": name,
            "document_id": None,
            "state": ProcessingState.FAILED,
            "number_notation": "",
            "error": None,
        }
        try:
            with path.open("rb") as handle:
                result = document_ingest(
                    actor=None,
                    unit=unit,
                    file=File(handle, name=path.name),
                    filename=path.name,
                    direction=options["direction"],
                    source="cli",
                    enqueue=not options["wait"],
                )
        except (ValidationError, OSError) as error:
            row["error"] = " ".join(getattr(error, "messages", None) or [str(error)])
            return row
        if result.document is None:
            existing = result.duplicate_of
            row.update(
                state="duplicate",
                document_id=existing.pk if existing else None,
                number_notation=_number_notation(existing) if existing else "",
            )
            return row
        document = result.document
        if options["wait"]:
            process_document(document.pk)
            document.refresh_from_db()
        row.update(
            document_id=document.pk,
            state=str(document.state),
            number_notation=_number_notation(document),
            error=document.error or None,
        )
        return row


def _number_notation(document: Document) -> str:
    """The confirmed number and notation, else the one suggested from the first page."""
    if document.number_notation:
        return document.number_notation
    suggested = (document.suggestions or {}).get("number_notation") or {}
    return str(suggested.get("value") or "") if isinstance(suggested, dict) else ""
