"""Home, health and the audit screen."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hoiso.core.access import has_perm
from hoiso.core.audit import audit
from hoiso.core.excel import write_xlsx
from hoiso.core.forms import AuditFilterForm
from hoiso.core.models import WorkerHeartbeat
from hoiso.core.pagination import id_desc_page
from hoiso.core.selectors import AuditFilter, audit_list


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from hoiso.org.selectors import unit_roots

    roots = unit_roots(request.user) if has_perm(request.user, "org.view_unit") else []
    return render(request, "core/home.html", {"roots": roots})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, task worker heartbeat, writable storage: 200 when all are fine, else 503."""
    checks: dict[str, dict[str, object]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure is a failed health check
        checks["database"] = {"ok": False, "error": str(exc)}
    limit = dt.timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 3)
    try:
        beat = WorkerHeartbeat.objects.order_by("-seen_at").first()
        age = (timezone.now() - beat.seen_at).total_seconds() if beat else None
        checks["worker"] = {
            "ok": beat is not None and age is not None and age <= limit.total_seconds(),
            "last_seen_seconds": age,
        }
    except Exception as exc:  # noqa: BLE001
        checks["worker"] = {"ok": False, "error": str(exc)}
    try:
        Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT, prefix=".healthz-"):
            pass
        checks["storage"] = {"ok": True}
    except OSError as exc:
        checks["storage"] = {"ok": False, "error": str(exc)}
    ok = all(bool(c["ok"]) for c in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


def _audit_filter(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilter]:
    from hoiso.org.selectors import unit_list

    form = AuditFilterForm(request.GET or None)
    flt = AuditFilter()
    if form.is_valid():
        data = form.cleaned_data
        unit_path = ""
        if data["unit"]:
            unit = (
                unit_list(request.user, include_closed=True)
                .filter(code=data["unit"].strip())
                .first()
            )
            unit_path = unit.path if unit else "-"  # an unknown code matches nothing
        flt = AuditFilter(
            user=data["user"],
            unit_path=unit_path,
            action=data["action"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    return form, flt


@login_required
def audit_list_view(request: HttpRequest) -> HttpResponse:
    form, flt = _audit_filter(request)
    qs = audit_list(request.user, flt)
    page = id_desc_page(qs, request.GET.get("after"), settings.PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "core/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def audit_export(request: HttpRequest) -> FileResponse:
    _form, flt = _audit_filter(request)
    qs = audit_list(request.user, flt)
    with transaction.atomic():
        audit(actor=request.user, action="audit.export", detail={"filter": request.GET.dict()})
    rows = (
        (
            timezone.localtime(r.at).strftime("%d/%m/%Y %H:%M:%S"),
            r.actor_repr,
            r.action,
            r.object_type,
            r.object_id,
            r.object_repr,
            r.unit.name if r.unit else "",
            r.ip or "",
            str(r.detail) if r.detail else "",
        )
        for r in qs.iterator(chunk_size=2000)
    )
    out = write_xlsx(
        title=_("Audit log"),
        subtitle=_("Exported %(when)s by %(user)s")
        % {
            "when": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
            "user": request.user.get_username(),
        },
        headers=[
            _("Time"),
            _("User"),
            _("Action"),
            _("Object type"),
            _("Object id"),
            _("Object"),
            _("Unit"),
            _("Source address"),
            _("Detail"),
        ],
        rows=rows,
    )
    return FileResponse(
        out, as_attachment=True, filename=f"nhat-ky-{timezone.localdate():%Y%m%d}.xlsx"
    )
