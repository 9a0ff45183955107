"""The member export (.xlsx, .csv) and the statistics page with its Excel export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hoiso.core.access import has_perm_at, require_perm, require_perm_at, scope_paths
from hoiso.core.audit import audit
from hoiso.members.selectors import SENSITIVE_PERM
from hoiso.members.stats import exports, workbook
from hoiso.members.stats.filters import (
    EXPORT_PERM,
    VIEW_PERM,
    describe_filter,
    filter_from_query,
    resolve_unit,
    sensitive_allowed,
    top_units,
)
from hoiso.members.stats.selectors import member_export_queryset, member_stats, stats_ancestors
from hoiso.org.models import Unit

FORMATS = {"xlsx", "csv"}


def _author(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


@login_required
@require_GET
def member_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered member list as a file: the official roster (.xlsx) or .csv; audited."""
    user = request.user
    require_perm(user, EXPORT_PERM)
    fmt = request.GET.get("format") or "xlsx"
    if fmt not in FORMATS:
        return HttpResponseBadRequest(_("Unknown file format."))
    flt = filter_from_query(user, request.GET)
    if flt.unit is None:
        tops = top_units(user, EXPORT_PERM)
        flt.unit = tops[0] if len(tops) == 1 else None
    if flt.unit is not None:
        require_perm_at(user, EXPORT_PERM, flt.unit.path)
    sensitive = sensitive_allowed(user, flt.unit, EXPORT_PERM)
    qs = member_export_queryset(user, flt)
    count = qs.count()
    now = timezone.localtime()
    with transaction.atomic():
        audit(
            actor=user,
            action="member.export",
            unit=flt.unit,
            object_type="members.member",
            object_repr=_("%(count)d members") % {"count": count},
            detail={
                "format": fmt,
                "filter": describe_filter(flt),
                "count": count,
                "sensitive": sensitive,
            },
        )
    headers = exports.headers_for(sensitive=sensitive, year=now.year)
    rows = exports.export_rows(qs, year=now.year, sensitive=sensitive, root=flt.unit)
    stem = f"danh-sach-hoi-vien-{flt.unit.code if flt.unit else 'tat-ca'}-{now:%Y%m%d}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_chunks(headers=headers, rows=rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    columns = exports.columns_for(sensitive=sensitive)
    title = exports.roster_title(unit=flt.unit, count=count, author=_author(user), when=now)
    handle = exports.write_roster_xlsx(
        title=title, headers=headers, rows=rows, widths=[c.width for c in columns]
    )
    return FileResponse(handle, as_attachment=True, filename=f"{stem}.xlsx")


def _stats_unit(request: HttpRequest) -> tuple[Unit, list[Unit]]:
    """The unit asked for (404 outside the user's scope), or her top unit; 403 without any."""
    user = request.user
    require_perm(user, VIEW_PERM)
    if not user.is_superuser and not scope_paths(user, VIEW_PERM):
        raise PermissionDenied  # a member sees her own record, not statistics
    tops = top_units(user, VIEW_PERM)
    code = (request.GET.get("unit") or "").strip()
    if code:
        return resolve_unit(user, code, VIEW_PERM), tops
    if not tops:
        raise PermissionDenied
    return tops[0], tops


def _wants_sensitive(request: HttpRequest, unit: Unit) -> tuple[bool, bool]:
    """(may see the sensitive breakdowns here, asked for them with ``sensitive=1``)."""
    allowed = has_perm_at(request.user, SENSITIVE_PERM, unit.path)
    return allowed, allowed and request.GET.get("sensitive") == "1"


@login_required
@require_GET
def stats_page(request: HttpRequest) -> HttpResponse:
    """Statistics of the members under one unit, with a table by direct child unit.

    The sensitive breakdowns are computed only on request (``sensitive=1``), for users allowed
    to see them, and that view is audited: aggregates of special-category data are read when
    needed, not on every visit.
    """
    unit, tops = _stats_unit(request)
    user = request.user
    allowed, wanted = _wants_sensitive(request, unit)
    stats = member_stats(user, unit, with_sensitive=wanted)
    if stats.sensitive is not None:
        with transaction.atomic():
            audit(actor=user, action="member.stats_sensitive", unit=unit, detail={})
    return render(
        request,
        "members/stats/stats.html",
        {
            "stats": stats,
            "unit": unit,
            "ancestors": stats_ancestors(user, unit),
            "tops": tops if len(tops) > 1 else [],
            "can_export": has_perm_at(user, EXPORT_PERM, unit.path),
            "sensitive_allowed": allowed,
            "sensitive_shown": stats.sensitive is not None,
        },
    )


@login_required
@require_GET
def stats_export(request: HttpRequest) -> FileResponse:
    """The same statistics as an Excel workbook (one sheet per table); audited."""
    unit, _tops = _stats_unit(request)
    user = request.user
    _allowed, wanted = _wants_sensitive(request, unit)
    stats = member_stats(user, unit, with_sensitive=wanted)
    now = timezone.localtime()
    with transaction.atomic():
        audit(
            actor=user,
            action="member.stats_export",
            unit=unit,
            detail={"unit": unit.code, "sensitive": stats.sensitive is not None},
        )
    handle = workbook.write_stats_xlsx(stats, author=_author(user), when=now)
    return FileResponse(
        handle, as_attachment=True, filename=f"thong-ke-hoi-vien-{unit.code}-{now:%Y%m%d}.xlsx"
    )
