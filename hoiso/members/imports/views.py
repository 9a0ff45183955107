"""Importing members through the UI: choose the unit, upload, preview every problem, confirm.

Small files are checked and imported in the request; files of more than
``MEMBER_IMPORT_SYNC_ROWS`` rows (default 2000) go to a background job whose page shows a
progress bar, polled with htmx every second.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.views.decorators.http import require_GET

from hoiso.core.access import require_perm, require_perm_at
from hoiso.core.imports import FileError, read_table, stash_upload, stashed_path
from hoiso.core.jobs import job_create, job_get, job_progress_of
from hoiso.members.imports.forms import MemberImportForm
from hoiso.members.imports.importer import MemberImporter
from hoiso.members.imports.selectors import PERM, import_unit_for, importable_units
from hoiso.members.imports.tasks import KIND, import_members_task, run_member_import
from hoiso.org.models import Unit

TEMPLATE_NAME = "mau-nhap-hoi-vien.xlsx"
_BYTES_PER_ROW_MAX = 1024


def _sync_rows() -> int:
    return int(getattr(settings, "MEMBER_IMPORT_SYNC_ROWS", 2000))


def _params(
    *, token: str, unit: Unit, create_chapters: bool, file_name: str, dry_run: bool, skip: bool
) -> dict[str, Any]:
    return {
        "token": token,
        "unit": unit.pk,
        "unit_code": unit.code,
        "create_chapters": create_chapters,
        "file_name": file_name,
        "dry_run": dry_run,
        "skip_invalid": skip,
        "language": get_language(),
    }


def _start_job(request: HttpRequest, unit: Unit, params: dict[str, Any], rows: int) -> Any:
    job = job_create(kind=KIND, user=request.user, unit=unit, params=params, total=rows)
    transaction.on_commit(lambda: import_members_task.enqueue(job.pk))
    return redirect("members:import_job", pk=job.pk)


@login_required
def member_import(request: HttpRequest) -> HttpResponse:
    """Upload a roster, see every problem in a dry run, then import (all rows or valid ones)."""
    require_perm(request.user, PERM)
    units = importable_units(request.user)
    form = MemberImportForm(units=units)
    context: dict[str, Any] = {"form": form}
    if request.method != "POST":
        return render(request, "members/imports/import.html", context)

    if request.POST.get("step") == "confirm":
        unit = import_unit_for(request.user, request.POST.get("unit", ""))
        token = request.POST.get("token", "")
        create_chapters = request.POST.get("create_chapters") == "1"
        file_name = request.POST.get("file_name", "")[:200]
        skip = request.POST.get("skip_invalid") == "1"
        dry_run = False
    else:
        form = MemberImportForm(request.POST, request.FILES, units=units)
        context["form"] = form
        if not form.is_valid():
            return render(request, "members/imports/import.html", context)
        unit = form.cleaned_data["unit"]
        require_perm_at(request.user, PERM, unit.path)
        create_chapters = form.cleaned_data["create_chapters"]
        upload = form.cleaned_data["file"]
        file_name = (upload.name or "")[:200]
        skip, dry_run = False, True
        try:
            token = stash_upload(upload)
        except FileError as error:
            form.add_error("file", str(error))
            return render(request, "members/imports/import.html", context)

    params = _params(
        token=token,
        unit=unit,
        create_chapters=create_chapters,
        file_name=file_name,
        dry_run=dry_run,
        skip=skip,
    )
    try:
        path = stashed_path(token)
        # Counting rows parses the whole sheet: a file far too big for the request goes to
        # the job at once (a roster row takes well under 1 KB).
        big = path.stat().st_size > _sync_rows() * _BYTES_PER_ROW_MAX
        rows = 0 if big else getattr(read_table(path), "height", 0)
        if big or rows > _sync_rows():
            return _start_job(request, unit, params, rows)
        planned: list[str] = []
        report = run_member_import(params, actor=request.user, planned=planned)
    except FileError as error:
        form.add_error(None, str(error))
        return render(request, "members/imports/import.html", context)
    if report.committed:
        messages.success(request, _imported_message(report.imported, report.invalid_rows))
        return redirect("members:member_list")
    context.update(
        report=report,
        params=params,
        unit=unit,
        issues=len(report.invalid),
        planned_units=planned if report.dry_run else [],
    )
    return render(request, "members/imports/import.html", context)


def _imported_message(count: int, invalid_rows: list[int]) -> str:
    text = ngettext("Imported %(count)d member.", "Imported %(count)d members.", count) % {
        "count": count
    }
    skipped = len([row for row in invalid_rows if row])
    if skipped:
        text += " " + ngettext(
            "%(count)d invalid row skipped.", "%(count)d invalid rows skipped.", skipped
        ) % {"count": skipped}
    return text


@login_required
def member_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The page of a background import: progress while it runs, then its report."""
    job = job_get(request.user, pk, perm=PERM, kind=KIND)
    done, total = job_progress_of(job)
    percent = min(100, round(100 * done / total)) if total else 0
    context = {
        "job": job,
        "done": done,
        "total": total,
        "percent": percent,
        "report": job.result if job.is_finished else None,
        "issues": int(job.result.get("invalid_count", 0)),
        "planned_units": job.result.get("planned_units", []) if job.params.get("dry_run") else [],
        "params": job.params,
        "unit": job.unit,
        "imported_message": _imported_message(
            int(job.result.get("imported", 0)),
            [1] * int(job.result.get("invalid_rows", 0)),
        )
        if job.result.get("committed")
        else "",
    }
    template = "members/imports/_job.html" if request.htmx else "members/imports/job.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_GET
def member_import_template(request: HttpRequest) -> HttpResponse:
    """The roster template: title rows, the official headers and one example row."""
    import openpyxl
    import openpyxl.utils
    from openpyxl.styles import Alignment, Font

    require_perm(request.user, PERM)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Hội viên"
    headers = ["STT", *(c.label for c in MemberImporter.columns)]
    ws.append(["HỘI LIÊN HIỆP PHỤ NỮ …"])
    ws.append(["DANH SÁCH HỘI VIÊN"])
    ws.append([])
    ws.append(headers)
    example: dict[str, Any] = {
        "full_name": "Nguyễn Thị Hoa",
        "birth_date": dt.date(1985, 3, 5),
        "sex": "Nữ",
        "id_number": "019185001234",
        "phone": "0912345678",
        "chapter": "Chi hội Tổ dân phố 1",
        "group": "Tổ phụ nữ số 1",
        "ethnicity": "Kinh",
        "religion": "Không",
        "occupation": "Nông dân",
        "education": "Trung học phổ thông",
        "political_theory": "Sơ cấp",
        "marital_status": "Đã kết hôn",
        "youth_union": "Không",
        "join_date": dt.date(2010, 3, 8),
        "member_type": "Chính thức",
        "residence_hamlet": "Tổ dân phố 1",
        "residence_detail": "Số 12, đường Lê Lợi",
    }
    ws.append([1, *(example.get(c.field) for c in MemberImporter.columns)])
    ws["A1"].font = ws["A2"].font = Font(bold=True)
    for index, _header in enumerate(headers, start=1):
        cell = ws.cell(row=4, column=index)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = openpyxl.utils.get_column_letter(index)
        ws.column_dimensions[letter].width = 6 if index == 1 else 18
        example_cell = ws.cell(row=5, column=index)
        if isinstance(example_cell.value, dt.date):
            example_cell.number_format = "dd/mm/yyyy"
        elif index > 1:
            example_cell.number_format = "@"  # text: keeps the leading 0 of IDs and phones
    ws.freeze_panes = "A5"
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
    return response
