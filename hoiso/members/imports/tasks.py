"""The background side of the member import: big files are checked and imported by a task."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from hoiso.core.imports import FileError, ImportReport, run_import, stashed_path
from hoiso.core.jobs import job_fail, job_finish, job_progress, job_start
from hoiso.members.imports.importer import MemberImporter
from hoiso.org.models import Unit

logger = logging.getLogger(__name__)
KIND = "members.import"
# How many problems a job keeps for its page (a 500,000-row file may have them by the thousand).
MAX_KEPT_ISSUES = 1000


def report_result(report: ImportReport) -> dict[str, Any]:
    """An import report as a job result (JSON), the problems capped at MAX_KEPT_ISSUES."""
    return {
        "total_rows": report.total_rows,
        "valid_rows": report.valid_rows,
        "imported": report.imported,
        "committed": report.committed,
        "dry_run": report.dry_run,
        "skipped_invalid": report.skipped_invalid,
        "invalid_count": len(report.invalid),
        "invalid_rows": len([row for row in report.invalid_rows if row]),
        "invalid": [
            {**issue.as_dict(), "label": issue.label} for issue in report.invalid[:MAX_KEPT_ISSUES]
        ],
    }


def run_member_import(
    params: dict[str, Any],
    *,
    actor: Any,
    job_id: int | None = None,
    planned: list[str] | None = None,
) -> Any:
    """Run one import as the page asked for it (``params`` as kept by the job).

    ``planned``, when given, receives the names of the chapters and groups that importing the
    file creates (a dry run's preview lists them).
    """
    unit = Unit.objects.select_related("level").get(pk=params["unit"])
    importer = MemberImporter(
        actor,
        unit,
        create_chapters=bool(params.get("create_chapters")),
        file_name=str(params.get("file_name", "")),
    )
    report = run_import(
        importer,
        stashed_path(params["token"]),
        dry_run=bool(params.get("dry_run")),
        skip_invalid=bool(params.get("skip_invalid")),
        progress=(lambda done, total: job_progress(job_id, done, total)) if job_id else None,
    )
    if planned is not None:
        planned.extend(importer.planned_units())
    return report


@task()
def import_members_task(job_id: int) -> None:
    """Check (dry run) or import a stashed roster for a job, reporting progress."""
    job = job_start(job_id)
    if job is None:
        return
    with translation.override(job.params.get("language") or None):
        try:
            planned: list[str] = []
            report = run_member_import(
                job.params, actor=job.created_by, job_id=job_id, planned=planned
            )
        except FileError as error:
            job_fail(job_id, str(error))
        except BaseException:
            logger.exception("member import job %s failed", job_id)
            job_fail(job_id, _("The import stopped on an unexpected error; nothing was written."))
            raise
        else:
            job_finish(job_id, {**report_result(report), "planned_units": planned[:200]})
