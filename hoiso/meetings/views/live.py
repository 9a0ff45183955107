"""The live room's pages: the room (chair's console or participant's follow-along view), the
hub's attendance board, a site's printable QR code and the QR check-in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hoiso.meetings import selectors


@login_required
def room(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, pk, record=True)
    return render(request, "meetings/live/room.html", {"meeting": meeting})


@login_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, pk, record=True)
    return render(request, "meetings/live/board.html", {"meeting": meeting})


@login_required
def checkin_qr(request: HttpRequest, pk: int, site_id: int) -> HttpResponse:
    meeting = selectors.meeting_get(request.user, pk)
    site = selectors.site_get(meeting, site_id)
    if not (selectors.can_manage(request.user, meeting) or site.lead_id == request.user.pk):
        raise PermissionDenied
    return render(request, "meetings/live/checkin_qr.html", {"meeting": meeting, "site": site})


@login_required
def checkin(request: HttpRequest, code: str) -> HttpResponse:
    site = selectors.site_by_code(request.user, code)
    if site is None:
        return render(request, "meetings/live/checkin.html", {"site": None}, status=404)
    return render(request, "meetings/live/checkin.html", {"meeting": site.meeting, "site": site})
