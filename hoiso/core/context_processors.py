"""What every page's shell needs: the navigation the user may use and her scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hoiso.core.access import scope_paths, user_scopes

# Modules appear here only once they exist; each is shown to users holding its permission.
NAV: list[tuple[str, Any, str]] = [
    ("org:unit_tree", _("Organisation"), "org.view_unit"),
    ("members:member_list", _("Members"), "members.view_member"),
    ("documents:document_list", _("Documents"), "documents.view_document"),
    ("meetings:meeting_list", pgettext_lazy("navigation", "Meetings"), "meetings.view_meeting"),
    ("accounts:user_list", _("Users"), "accounts.view_user"),
    ("core:audit_list", _("Audit log"), "core.view_auditlog"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A module shows when the user holds its permission over some unit (a self-only role,
    # such as a member's, reaches her own records through "My profile" instead).
    items = [
        {"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))}
        for name, label, perm in NAV
        if user.is_superuser or scope_paths(user, perm)
    ]
    # Only members who log in (the self-only member role) have a profile of their own: others
    # are spared the query.
    self_only = any(e.self_only for e in user_scopes(user))
    if self_only and getattr(user, "member", None) is not None:
        url = reverse("members:my_profile")
        items.insert(0, {"url": url, "label": _("My profile"), "active": request.path == url})
    # Someone invited to a meeting without the module's permission (a member) still finds it.
    meetings_url = reverse("meetings:meeting_list")
    if self_only and all(i["url"] != meetings_url for i in items):
        from hoiso.meetings.models import Participant

        if Participant.objects.filter(user_id=user.pk).exists():
            items.append(
                {
                    "url": meetings_url,
                    "label": pgettext_lazy("navigation", "Meetings"),
                    "active": request.path.startswith(meetings_url),
                }
            )
    scopes: list[dict[str, Any]] = []
    if not user.is_superuser:
        from hoiso.accounts.selectors import scope_summary

        scopes = [{"unit": s["unit_name"], "role": s["role_name"]} for s in scope_summary(user)]
    from hoiso.notifications.selectors import unread_count

    return {"nav_items": items, "user_scopes": scopes, "unread_count": unread_count(user)}
