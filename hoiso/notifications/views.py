"""The notifications page and marking read (a user's own notifications only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hoiso.notifications import selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    page = selectors.notification_page(
        request.user, unread=unread, cursor=request.GET.get("after") or None
    )
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "unread_only": unread},
    )


def _safe(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read, then go where it points (``open``) or back to the list."""
    note = selectors.notification_get(request.user, pk)
    services.notification_mark_read(user=request.user, notification=note)
    if request.POST.get("open") and _safe(request, note.url):
        return redirect(note.url)
    return redirect("notifications:notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notification_mark_all_read(user=request.user)
    return redirect("notifications:notification_list")
