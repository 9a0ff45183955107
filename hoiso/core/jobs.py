"""Background jobs people wait for: a record of each one's state, progress and result.

A view creates the job (``job_create``) and enqueues its task after commit; the task marks it
running, reports progress, then done or failed. Pages poll ``job_get`` + ``job_progress_of``.

Progress while the task holds a long transaction (a big import writes everything in one):
another connection cannot see that transaction's writes, and on SQLite cannot write at all
while it holds the lock. So inside a transaction ``job_progress`` writes through a separate
connection on PostgreSQL and, on SQLite, to a small file under ``VAR_DIR/jobs`` that the page
reads. Outside a transaction it updates the row. The final state always lands in the row.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from hoiso.core.access import require_perm
from hoiso.core.models import Job, JobState

if TYPE_CHECKING:
    from hoiso.org.models import Unit

__all__ = [
    "job_create",
    "job_fail",
    "job_finish",
    "job_get",
    "job_progress",
    "job_progress_of",
    "job_start",
]


def job_create(
    *, kind: str, user: Any, unit: Unit | None, params: dict[str, Any], total: int = 0
) -> Job:
    """A queued job; the caller enqueues its task in ``transaction.on_commit``."""
    return Job.objects.create(
        kind=kind,
        unit=unit,
        params=params,
        total=total,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def job_start(job_id: int) -> Job | None:
    """Mark a queued job running; None if it does not exist or already ran (a re-delivery)."""
    updated = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    return Job.objects.get(pk=job_id) if updated else None


def _side_file(job_id: int) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / f"{job_id}.json"


def _update_row(job_id: int, done: int, total: int) -> int:
    return Job.objects.filter(pk=job_id).update(progress=done, total=total)


def _update_from_another_connection(job_id: int, done: int, total: int) -> int:
    updated: list[int] = [0]

    def run() -> None:
        try:
            updated[0] = _update_row(job_id, done, total)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run, name=f"job-{job_id}-progress")
    thread.start()
    thread.join()
    return updated[0]


def job_progress(job_id: int, done: int, total: int) -> None:
    """Record how far a running job is (see the module docstring for where it goes)."""
    if not connection.in_atomic_block:
        _update_row(job_id, done, total)
    elif connection.vendor == "postgresql":
        # A job created in this very transaction is invisible to the other connection: then
        # the row is updated here, and the progress shows when the transaction ends.
        if not _update_from_another_connection(job_id, done, total):
            _update_row(job_id, done, total)
    else:
        path = _side_file(job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"progress": done, "total": total}))
        tmp.replace(path)


def _side_progress(job_id: int) -> tuple[int, int] | None:
    try:
        side = json.loads(_side_file(job_id).read_text())
        return int(side["progress"]), int(side["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def job_progress_of(job: Job) -> tuple[int, int]:
    """(done, total) of a job, including progress written beside the row."""
    done, total = job.progress, job.total
    if not job.is_finished:
        side = _side_progress(job.pk)
        if side is not None and side[0] > done:
            done, total = side
    return done, total


def _forget_side_file(job_id: int) -> None:
    with contextlib.suppress(OSError):
        _side_file(job_id).unlink()


def job_finish(job_id: int, result: dict[str, Any]) -> None:
    """The job is done; ``result`` is what its page shows."""
    side = _side_progress(job_id)
    progress: dict[str, Any] = (
        {"progress": side[1], "total": side[1]} if side else {"progress": F("total")}
    )
    Job.objects.filter(pk=job_id).update(
        state=JobState.DONE, result=result, finished_at=timezone.now(), **progress
    )
    _forget_side_file(job_id)


def job_fail(job_id: int, error: str) -> None:
    """The job stopped on an error (shown to the user as it is: write it for people)."""
    Job.objects.filter(pk=job_id).update(
        state=JobState.FAILED, error=error, finished_at=timezone.now()
    )
    _forget_side_file(job_id)


def job_get(user: Any, pk: int, *, perm: str, kind: str = "") -> Job:
    """One job the user may see: 403 without ``perm`` anywhere, 404 outside her units."""
    require_perm(user, perm)
    qs = Job.objects.restrict(user, perm).select_related("unit")
    if kind:
        qs = qs.filter(kind=kind)
    job = qs.filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


# --- sweeps: housekeeping the worker runs at start and every few minutes ----------------------

_SWEEPS: list[Callable[[], Any]] = []


def register_sweep(fn: Callable[[], Any]) -> None:
    """Run ``fn`` from every worker at start-up and then periodically (apps register in
    ``ready``; e.g. documents put back in the queue what a stopped worker left half-done)."""
    if fn not in _SWEEPS:
        _SWEEPS.append(fn)


def run_sweeps() -> None:
    """Each registered sweep once; one failing sweep is logged and does not stop the others."""
    for fn in list(_SWEEPS):
        try:
            fn()
        except Exception:  # a housekeeping failure must not stop the worker
            logging.getLogger(__name__).exception("sweep %s failed", getattr(fn, "__name__", fn))
