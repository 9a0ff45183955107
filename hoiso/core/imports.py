"""Importing records from spreadsheets: the one contract every importer of the project follows.

A file (.xlsx, .xls, .ods or .csv) is read row by row; the header row is looked for among the
first rows (Vietnamese reports put title lines above it) and its cells are matched to the
importer's columns by folded text and synonyms. Every row is cleaned, every problem is collected
with its sheet row, its column and a reason; then either nothing is written (any problem, by
default) or the valid rows are written in one transaction. A dry run does the same and rolls it
back, so the preview also sees what only the services and the database catch.

Large files: an importer that sets ``chunk_rows`` is run in streaming mode (see
``run_import``): rows are read lazily, cleaned, checked and written chunk by chunk inside the
one transaction, so memory stays flat whatever the file's length.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import itertools
import math
import re
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import python_calamine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from hoiso.core.vietnamese import fold, nfc

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

__all__ = [
    "HEADER_SEARCH_ROWS",
    "SUPPORTED_EXTENSIONS",
    "Column",
    "FileError",
    "ImportReport",
    "Importer",
    "RowError",
    "RowIssue",
    "cell_text",
    "header_key",
    "parse_date",
    "read_table",
    "run_import",
    "stash_upload",
    "stashed_path",
]

HEADER_SEARCH_ROWS: Final = 15
SUPPORTED_EXTENSIONS: Final = ("xlsx", "xls", "ods", "csv")
_SPREADSHEET_EXTENSIONS: Final = frozenset({"xlsx", "xlsm", "xls", "ods"})
_CSV_DELIMITERS: Final = (";", ",", "\t")
_CSV_SAMPLE_ROWS: Final = 30
# Labels of a totals line at the foot of a report, folded: "Tổng cộng", "Cộng", "Tổng số".
_TOTALS_EXACT: Final = frozenset({"tong cong", "cong", "tong so"})
_TOTALS_PREFIXES: Final = ("tong cong ", "tong so ")
# A row of column numbers under the header: "1 2 3 …" or "(1) (2) (3) …".
_COLUMN_NUMBER_RE: Final = re.compile(r"\(?(\d{1,2})\)?")
_NON_WORD_RE: Final = re.compile(r"[\W_]+")
_STASH_DIR: Final = "imports"
_STASH_TOKEN_RE: Final = re.compile(r"[0-9a-f]{32}")


# --- what an importer declares and reports ------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column an importer reads: its field name, its Vietnamese header and other spellings.

    ``raw=True`` hands the cell to ``clean_row`` as read (date, number, text); by default every
    cell arrives as normalised text, numbers written without a spurious ".0".
    """

    field: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = True
    raw: bool = False


@dataclass(frozen=True)
class RowIssue:
    """One problem in the file: sheet row (1-based, 0 for the whole file), field name, reason.

    ``label`` is the column's Vietnamese header, filled in by ``run_import`` for templates.
    """

    row: int
    column: str
    message: str
    label: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


class RowError(Exception):
    """A row cannot be imported. Raise ``RowError(column, message)`` or ``RowError.many(...)``."""

    def __init__(self, column: str = "", message: str = "") -> None:
        self.issues: list[tuple[str, str]] = [(column, message)]
        super().__init__(message)

    @classmethod
    def many(cls, issues: Iterable[tuple[str, str]]) -> RowError:
        """One error carrying several (column, message) problems of the same row."""
        issues = list(issues)
        if not issues:
            raise ValueError("RowError.many needs at least one issue")
        error = cls(*issues[0])
        error.issues = issues
        return error


class FileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, no header row)."""


@dataclass
class ImportReport:
    """What an import did or, in a dry run, would do.

    ``imported`` counts the rows written, or in a dry run the rows that would be written;
    ``valid_rows`` counts the rows that passed every check (what "import only the valid rows"
    would write). ``skipped_invalid`` says the run was asked to import only the valid rows.
    """

    total_rows: int
    imported: int
    invalid: list[RowIssue]
    dry_run: bool
    committed: bool
    header_row: int
    skipped_invalid: bool
    valid_rows: int = 0

    @property
    def invalid_rows(self) -> list[int]:
        """The sheet rows that have at least one problem (0 stands for the whole file)."""
        return sorted({issue.row for issue in self.invalid})

    def as_json(self) -> dict[str, object]:
        """``{"imported": N, "invalid": [...]}``; a dry run adds ``"would_import"``."""
        data: dict[str, object] = {
            "imported": self.imported if self.committed else 0,
            "invalid": [issue.as_dict() for issue in self.invalid],
        }
        if self.dry_run:
            data["would_import"] = self.imported
        return data


class Importer:
    """Turns the rows of a file into records of one kind. Subclass it once per kind of record."""

    columns: Sequence[Column] = ()
    # Streaming mode (None: off). With a number, ``run_import`` cleans, checks and commits the
    # rows that many at a time inside its one transaction: ``check_batch`` then sees one chunk
    # at a time (the importer keeps what later chunks must be checked against), ``commit`` is
    # called once per chunk, and ``commit_end`` once after the last.
    chunk_rows: int | None = None
    # Whether a dry run writes and rolls back (the contract's default) or, for an importer
    # whose ``commit`` can refuse nothing that ``clean_row``/``check_batch`` let through,
    # only checks. Only the streaming mode reads it.
    dry_run_writes: bool = True

    def clean_row(self, values: dict[str, Any], row: int) -> Any:
        """Check and convert one row (keyed by field); raise RowError. Absent optional: no key."""
        raise NotImplementedError

    def check_batch(self, cleaned: list[tuple[int, Any]]) -> list[RowIssue]:
        """Problems between rows or against the database (the later duplicate is the error)."""
        return []

    def commit(self, cleaned: list[tuple[int, Any]]) -> int:
        """Write the rows and return how many were written; runs inside transaction.atomic()."""
        raise NotImplementedError

    def commit_begin(self, expected_rows: int) -> None:
        """Streaming mode: in the transaction, before the first row is read or written.

        ``expected_rows`` is how many rows the sheet has below the header (blank and totals
        lines included: an upper bound), for an importer that prepares a big write.
        """

    def commit_end(self, count: int) -> None:
        """Streaming mode: after the last ``commit``, in the same transaction (one audit row)."""

    def commit_issues(
        self, error: ValidationError, cleaned: list[tuple[int, Any]]
    ) -> list[RowIssue]:
        """Turn a ValidationError raised by ``commit`` into issues; override to find the row."""
        return _issues_from_validation(error, row=0)

    # -- helpers for messages -------------------------------------------------------------------

    def label(self, field_name: str) -> str:
        """The Vietnamese header of a field, for messages."""
        for column in self.columns:
            if column.field == field_name:
                return column.label
        return field_name

    def describe(self, issue: RowIssue) -> str:
        """One issue as a sentence: "Row 7, column «Name»: …" (translated)."""
        if issue.row and issue.column:
            return _("Row %(row)d, column «%(column)s»: %(message)s") % {
                "row": issue.row,
                "column": self.label(issue.column),
                "message": issue.message,
            }
        if issue.row:
            return _("Row %(row)d: %(message)s") % {"row": issue.row, "message": issue.message}
        if issue.column:
            return _("Column «%(column)s»: %(message)s") % {
                "column": self.label(issue.column),
                "message": issue.message,
            }
        return issue.message


def _issues_from_validation(error: ValidationError, *, row: int) -> list[RowIssue]:
    if hasattr(error, "error_dict"):
        return [
            RowIssue(row, "" if name == "__all__" else name, message)
            for name, errors in error.message_dict.items()
            for message in errors
        ]
    return [RowIssue(row, "", message) for message in error.messages]


# --- cells ---------------------------------------------------------------------------------------


def header_key(text: str) -> str:
    """How a header cell is compared: folded, punctuation and line breaks as single spaces."""
    return " ".join(_NON_WORD_RE.sub(" ", fold(text)).split())


# Rosters repeat most of their texts (chapters, villages, "Nữ", occupations, common names):
# normalising each distinct text once is most of the reading cost saved.
_nfc_cached: Final = functools.lru_cache(maxsize=1 << 16)(nfc)


def _cell(value: Any) -> Any:
    """A cell as the rest of the module sees it: None when empty, NFC text, ints for 12.0."""
    if value is None:
        return None
    cls = value.__class__
    if cls is str:  # the common cases first, by exact type (a million cells in a big roster)
        text = _nfc_cached(value) if len(value) < 256 else nfc(value)
        return text or None
    if cls is float:
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return None if math.isnan(value) else value
    if isinstance(value, str):
        text = nfc(value)
        return text or None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


def cell_text(value: Any) -> str | None:
    """A cell as text: None when empty; 12.0 → "12", dates as dd/mm/yyyy."""
    value = _cell(value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return nfc(str(value)) or None


_DATE_FORMATS: Final = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell or an argument: a date cell or "dd/mm/yyyy" text; None when empty.

    Raises ValueError (without a message meant for people) when the text is not a date.
    """
    value = _cell(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
    raise ValueError(f"not a date: {value!r}")


# --- reading files -------------------------------------------------------------------------------


def _extension(path: Path) -> str:
    return path.suffix.lower().lstrip(".")


def read_table(path: str | Path) -> Iterator[tuple[int, list[Any]]]:
    """Yield (sheet row number, cells) for every row of the first visible sheet.

    Row numbers are the ones the spreadsheet program shows (1-based). Cells are None when
    empty, NFC text, ints for whole numbers, or dates. Raises FileError for a missing,
    unsupported or unreadable file.
    """
    path = Path(path)
    ext = _extension(path)
    if ext not in SUPPORTED_EXTENSIONS and ext not in _SPREADSHEET_EXTENSIONS:
        raise FileError(
            _("Unsupported file type «%(name)s»: use .xlsx, .xls, .ods or .csv.")
            % {"name": path.name}
        )
    if not path.is_file():
        raise FileError(_("File not found: %(name)s") % {"name": str(path)})
    rows = _read_csv(path) if ext == "csv" else _read_spreadsheet(path)
    # ``height`` (the last sheet row) lets a long import report its progress.
    return _Rows(
        ((number, [_cell(value) for value in cells]) for number, cells in rows), rows.height
    )


def _unreadable(path: Path, error: object) -> FileError:
    return FileError(
        _("The file %(name)s cannot be read (%(error)s).") % {"name": path.name, "error": error}
    )


class _Rows:
    """An iterator over (sheet row number, cells) that also knows the sheet's height."""

    def __init__(self, rows: Iterator[tuple[int, list[Any]]], height: int) -> None:
        self._rows = rows
        self.height = height

    def __iter__(self) -> _Rows:
        return self

    def __next__(self) -> tuple[int, list[Any]]:
        return next(self._rows)


def _first_sheet(path: Path) -> tuple[python_calamine.CalamineWorkbook, Any]:
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        if not workbook.sheet_names:
            raise FileError(_("The file %(name)s has no sheet.") % {"name": path.name})
        index = next(
            (
                i
                for i, meta in enumerate(workbook.sheets_metadata)
                if meta.visible == python_calamine.SheetVisibleEnum.Visible
                and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
            ),
            0,
        )
        return workbook, workbook.get_sheet_by_index(index)
    except BaseException:
        workbook.close()
        raise


def _read_spreadsheet(path: Path) -> _Rows:
    try:
        workbook, sheet = _first_sheet(path)
    except FileError:
        raise
    except Exception as error:  # calamine raises its own classes and plain ValueError/OSError
        raise _unreadable(path, error) from error
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        # A malformed file can make calamine panic, and pyo3's PanicException derives from
        # BaseException: it must not become a 500.
        raise _unreadable(
            path, _("the file is damaged or not in the format its name says")
        ) from error
    # iter_rows() walks the sheet lazily (to_python() would build every row at once): it starts
    # at the sheet's first row, so list positions are the sheet's own row numbers, but at the
    # first used column; the columns on the left are put back as empty cells.
    left = [None] * sheet.start[1] if sheet.start else []
    height = (sheet.end[0] + 1) if sheet.end else 0

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                yield number, [*left, *(None if cell == "" else cell for cell in cells)]
        except Exception as error:
            raise _unreadable(path, error) from error
        finally:
            workbook.close()

    return _Rows(rows(), height)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return codecs.decode(data, "utf-16")  # Excel's "Unicode text" export
        except UnicodeDecodeError:
            pass
    try:
        return codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return codecs.decode(data, "cp1258")  # Vietnamese Windows; nfc() composes its marks
    except UnicodeDecodeError:
        return codecs.decode(data, "latin-1")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits most of the first lines into the same number (> 1) of fields."""
    sample = [line for line in text.splitlines()[:_CSV_SAMPLE_ROWS] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in _CSV_DELIMITERS:
        counts = Counter(len(r) for r in csv.reader(sample, delimiter=delimiter) if len(r) > 1)
        if not counts:
            continue
        width, rows = max(counts.items(), key=lambda item: (item[1], item[0]))
        if (rows, width) > best_score:
            best, best_score = delimiter, (rows, width)
    return best


def _read_csv(path: Path) -> _Rows:
    try:
        text = _decode(path.read_bytes())
    except OSError as error:
        raise _unreadable(path, error) from error
    if "\0" in text:
        raise _unreadable(path, _("not a text file"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # Lazily: a 500,000-line file as lists of cells would take several times its size.
        # A record that spans several lines (a quoted line break) is still one sheet row.
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, [cell if cell.strip() else None for cell in cells]
        except csv.Error as error:
            raise _unreadable(path, error) from error

    # The height is counted in lines: a quoted line break makes it a little high (progress only).
    return _Rows(rows(), text.count("\n") + (0 if text.endswith("\n") else 1))


# --- the run -------------------------------------------------------------------------------------


def _column_keys(columns: Sequence[Column]) -> dict[str, Column]:
    keys: dict[str, Column] = {}
    for column in columns:
        for spelling in (column.field, column.label, *column.synonyms):
            key = header_key(spelling)
            other = keys.setdefault(key, column)
            if other.field != column.field:
                raise ValueError(f"header {spelling!r} names both {other.field} and {column.field}")
    return keys


def _match_header(cells: list[Any], keys: dict[str, Column]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str):
            column = keys.get(header_key(cell))
            if column is not None:
                found.setdefault(column.field, index)
    return found


def _quoted(labels: Iterable[str]) -> str:
    return ", ".join(f"«{label}»" for label in labels)


def _find_header(
    rows: Iterator[tuple[int, list[Any]]], columns: Sequence[Column]
) -> tuple[int, dict[str, int]]:
    """The first row, among the first HEADER_SEARCH_ROWS, that holds every required column."""
    keys = _column_keys(columns)
    required = [c for c in columns if c.required]
    best: dict[str, int] = {}
    for number, cells in rows:
        found = _match_header(cells, keys)
        if all(c.field in found for c in required):
            return number, found
        if len(found) > len(best):
            best = found
        if number >= HEADER_SEARCH_ROWS:
            break
    if best:
        missing = [c.label for c in required if c.field not in best]
        raise FileError(
            _("No header row in the first %(limit)d rows: the columns %(columns)s are missing.")
            % {"limit": HEADER_SEARCH_ROWS, "columns": _quoted(missing)}
        )
    raise FileError(
        _("No header row in the first %(limit)d rows: expected the columns %(columns)s.")
        % {"limit": HEADER_SEARCH_ROWS, "columns": _quoted(c.label for c in required)}
    )


def _is_totals(cells: list[Any]) -> bool:
    """A totals line: its first non-empty cell says "Tổng cộng", "Cộng", "Tổng số"…

    Only the first cell counts, so a data row whose STT comes first is never taken for one.
    """
    first = next((cell for cell in cells if cell is not None), None)
    if not isinstance(first, str):
        return False
    key = header_key(first)
    return key in _TOTALS_EXACT or key.startswith(_TOTALS_PREFIXES)


def _is_column_numbers(cells: list[Any]) -> bool:
    numbers: list[int] = []
    for cell in cells:
        if cell is None:
            continue
        match = _COLUMN_NUMBER_RE.fullmatch(str(cell))
        if match is None:
            return False
        numbers.append(int(match.group(1)))
    return len(numbers) >= 2 and all(a < b for a, b in itertools.pairwise(numbers))


def _labelled(importer: Importer, issue: RowIssue) -> RowIssue:
    if issue.label or not issue.column:
        return issue
    return RowIssue(issue.row, issue.column, issue.message, importer.label(issue.column))


class _DryRun(Exception):
    def __init__(self, count: int) -> None:
        self.count = count


@dataclass
class _Collected:
    issues: list[RowIssue] = field(default_factory=list)
    cleaned: list[tuple[int, Any]] = field(default_factory=list)
    total: int = 0


def _clean_rows(
    importer: Importer,
    rows: Iterator[tuple[int, list[Any]]],
    header_row: int,
    found: dict[str, int],
) -> Iterator[tuple[int, Any, list[RowIssue]]]:
    """(sheet row, cleaned value or None, issues) for every data row below the header."""
    columns = [c for c in importer.columns if c.field in found]
    positions = [found[c.field] for c in columns]
    raw = [c.raw for c in columns]
    fields = [c.field for c in columns]
    for number, cells in rows:
        width = len(cells)
        mapped = [cells[i] if i < width else None for i in positions]
        if all(value is None for value in mapped):
            continue  # blank row, or a row with nothing but a pre-filled STT
        if _is_totals(cells):
            continue
        if number == header_row + 1 and _is_column_numbers(cells):
            continue
        # The cells are read already (``_cell``): text stays as it is, the rest becomes text.
        values = {
            name: (value if is_raw or value is None or value.__class__ is str else cell_text(value))
            for name, value, is_raw in zip(fields, mapped, raw, strict=True)
        }
        try:
            yield number, importer.clean_row(values, number), []
        except RowError as error:
            yield number, None, [RowIssue(number, column, msg) for column, msg in error.issues]
        except ValidationError as error:
            yield number, None, _issues_from_validation(error, row=number)


def _collect(
    importer: Importer,
    rows: Iterator[tuple[int, list[Any]]],
    header_row: int,
    found: dict[str, int],
) -> _Collected:
    out = _Collected()
    for number, value, issues in _clean_rows(importer, rows, header_row, found):
        out.total += 1
        if issues:
            out.issues.extend(issues)
        else:
            out.cleaned.append((number, value))
    return out


def _check_batches(importer: Importer, cleaned: list[tuple[int, Any]]) -> list[RowIssue]:
    """Cross-row checks, repeated without the rows they reject until nothing new comes up.

    A rejected row may be the parent or the reference of another one: checking again
    without it makes the dependants show up too.
    """
    issues: list[RowIssue] = []
    seen: set[RowIssue] = set()
    remaining = cleaned
    while remaining:
        found = [issue for issue in importer.check_batch(remaining) if issue not in seen]
        issues.extend(found)
        seen.update(found)
        bad = {issue.row for issue in found}
        if not bad & {number for number, _value in remaining}:
            break  # nothing new about the remaining rows: checking again would change nothing
        remaining = [(number, value) for number, value in remaining if number not in bad]
    return issues


Progress = Callable[[int, int], None]
"""``progress(last sheet row done, sheet height)``, called after each chunk in streaming mode."""


def run_import(
    importer: Importer,
    path: str | Path,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Read, check and (unless anything is wrong, or ``skip_invalid``) write a file's rows.

    Every problem is collected before anything is written; ``dry_run`` writes and rolls back.
    Raises FileError when the file itself is unusable. An importer with ``chunk_rows`` runs in
    streaming mode (``_run_streaming``); ``progress`` is only called there.
    """
    rows = read_table(path)
    header_row, found = _find_header(rows, importer.columns)
    if importer.chunk_rows:
        height = getattr(rows, "height", 0)
        return _run_streaming(
            importer, rows, header_row, found, height, dry_run, skip_invalid, progress
        )
    collected = _collect(importer, rows, header_row, found)
    issues = collected.issues + _check_batches(importer, collected.cleaned)
    issues = _sorted_issues(importer, issues)
    bad = {issue.row for issue in issues}
    valid = [(number, value) for number, value in collected.cleaned if number not in bad]

    report = ImportReport(
        total_rows=collected.total,
        imported=0,
        invalid=issues,
        dry_run=dry_run,
        committed=False,
        header_row=header_row,
        skipped_invalid=skip_invalid,
        valid_rows=len(valid),
    )
    if (issues and not skip_invalid) or not valid or 0 in bad:
        return report
    try:
        with transaction.atomic():
            count = importer.commit(valid)
            if dry_run:
                raise _DryRun(count)
    except _DryRun as done:
        report.imported = done.count
    except ValidationError as error:
        refusals = importer.commit_issues(error, valid)
        report.invalid = issues + [_labelled(importer, issue) for issue in refusals]
    except (IntegrityError, DataError) as error:
        refused = _("The database refused the rows: %(error)s") % {"error": error}
        report.invalid = [*issues, RowIssue(0, "", refused)]
    else:
        report.imported = count
        report.committed = True
    return report


def _sorted_issues(importer: Importer, issues: list[RowIssue]) -> list[RowIssue]:
    order = {c.field: i for i, c in enumerate(importer.columns)}
    return sorted(
        (_labelled(importer, issue) for issue in issues),
        key=lambda issue: (issue.row, order.get(issue.column, -1)),
    )


def _chunked(
    cleaned: Iterator[tuple[int, Any, list[RowIssue]]], size: int
) -> Iterator[list[tuple[int, Any, list[RowIssue]]]]:
    while chunk := list(itertools.islice(cleaned, size)):
        yield chunk


def _run_streaming(
    importer: Importer,
    rows: Iterator[tuple[int, list[Any]]],
    header_row: int,
    found: dict[str, int],
    height: int,
    dry_run: bool,
    skip_invalid: bool,
    progress: Progress | None,
) -> ImportReport:
    """The streaming mode: one pass over the file, ``chunk_rows`` rows at a time.

    Chunks are written as they come, inside one transaction, while nothing is wrong (or with
    ``skip_invalid``); after the first problem the rest of the file is only checked, so every
    problem is still reported, and the transaction is rolled back at the end. The outcome is the
    same as the default mode's: all or nothing, or the valid rows; a dry run rolls back (or, for
    an importer with ``dry_run_writes = False``, writes nothing at all). Memory holds one chunk
    plus what the importer keeps for its cross-chunk checks.
    """
    assert importer.chunk_rows
    report = ImportReport(
        total_rows=0,
        imported=0,
        invalid=[],
        dry_run=dry_run,
        committed=False,
        header_row=header_row,
        skipped_invalid=skip_invalid,
    )
    writes = not dry_run or importer.dry_run_writes
    issues: list[RowIssue] = []
    count = 0
    valid: list[tuple[int, Any]] = []  # the chunk being written, for commit_issues

    def consume() -> None:
        nonlocal count, valid
        cleaned_rows = _clean_rows(importer, rows, header_row, found)
        for chunk in _chunked(cleaned_rows, importer.chunk_rows or 1):
            report.total_rows += len(chunk)
            chunk_issues = [issue for _n, _v, found_issues in chunk for issue in found_issues]
            cleaned = [(number, value) for number, value, found_issues in chunk if not found_issues]
            chunk_issues += importer.check_batch(cleaned)
            bad = {issue.row for issue in chunk_issues}
            valid = [(number, value) for number, value in cleaned if number not in bad]
            issues.extend(chunk_issues)
            report.valid_rows += len(valid)
            if writes and valid and (skip_invalid or not issues) and 0 not in bad:
                count += importer.commit(valid)
            if progress is not None:
                progress(chunk[-1][0], height)

    try:
        if not writes:
            consume()
        else:
            with transaction.atomic():
                importer.commit_begin(max(height - header_row, 0))
                consume()
                whole_file = any(issue.row == 0 for issue in issues)
                if count and not whole_file and (skip_invalid or not issues):
                    importer.commit_end(count)
                if dry_run or not count or whole_file or (issues and not skip_invalid):
                    raise _DryRun(count)
    except _DryRun:
        pass
    except ValidationError as error:
        issues.extend(importer.commit_issues(error, valid))
        count = 0
    except (IntegrityError, DataError) as error:
        refused = _("The database refused the rows: %(error)s") % {"error": error}
        issues.append(RowIssue(0, "", refused))
        count = 0
    report.invalid = _sorted_issues(importer, issues)
    whole_file = any(issue.row == 0 for issue in issues)
    possible = report.valid_rows if (skip_invalid or not issues) and not whole_file else 0
    if dry_run:
        report.imported = count if (writes and possible) else possible
    elif count and possible:
        report.imported = count
        report.committed = True
    return report


# --- the preview → confirm flow ------------------------------------------------------------------


def _stash_max_age() -> int:
    return int(getattr(settings, "IMPORT_STASH_SECONDS", 24 * 3600))


def _stash_max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def _stash_name(token: str, ext: str) -> str:
    return f"{_STASH_DIR}/{token}.{ext}"


def _forget_old_stashes() -> None:
    """Delete stashed files older than the limit (best effort: a listing may be slow or fail)."""
    cutoff = time.time() - _stash_max_age()
    try:
        _dirs, files = default_storage.listdir(_STASH_DIR)
        for name in files:
            stored = f"{_STASH_DIR}/{name}"
            if default_storage.get_modified_time(stored).timestamp() < cutoff:
                default_storage.delete(stored)
    except (OSError, NotImplementedError):
        return


def stash_upload(uploaded: UploadedFile) -> str:
    """Keep an uploaded file for the preview → confirm flow; return its token.

    The file goes to the default storage under ``imports/<token>.<ext>`` (MEDIA_ROOT/imports
    on the embedded setup). Raises FileError for an unsupported type or a file too large.
    """
    ext = _extension(Path(uploaded.name or ""))
    if ext not in SUPPORTED_EXTENSIONS:
        raise FileError(
            _("Unsupported file type «%(name)s»: use .xlsx, .xls, .ods or .csv.")
            % {"name": uploaded.name}
        )
    if uploaded.size is not None and uploaded.size > _stash_max_bytes():
        raise FileError(
            _("The file is too large (at most %(size)d MB).")
            % {"size": _stash_max_bytes() // (1024 * 1024)}
        )
    _forget_old_stashes()
    token = secrets.token_hex(16)
    default_storage.save(_stash_name(token, ext), uploaded)
    return token


def stashed_path(token: str) -> Path:
    """The local path of a stashed upload; FileError when the token is unknown or expired."""
    expired = FileError(_("The uploaded file is no longer available; upload it again."))
    if not isinstance(token, str) or not _STASH_TOKEN_RE.fullmatch(token):
        raise expired
    for ext in SUPPORTED_EXTENSIONS:
        name = _stash_name(token, ext)
        if not default_storage.exists(name):
            continue
        age = time.time() - default_storage.get_modified_time(name).timestamp()
        if age > _stash_max_age():
            default_storage.delete(name)
            raise expired
        try:
            return Path(default_storage.path(name))
        except NotImplementedError:
            return _local_copy(name, ext)
    raise expired


def _local_copy(name: str, ext: str) -> Path:
    """A remote storage (S3): copy the file into a local temporary file the readers can open."""
    with (
        default_storage.open(name, "rb") as source,
        tempfile.NamedTemporaryFile(suffix=f".{ext}", prefix="hoiso-import-", delete=False) as out,
    ):
        for chunk in iter(lambda: source.read(1 << 20), b""):
            out.write(chunk)
    return Path(out.name)
