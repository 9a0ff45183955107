"""What every page's shell needs: the navigation the user may use and her scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hoiso.core.access import has_perm

# Modules appear here only once they exist; each is shown to users holding its permission.
NAV: list[tuple[str, Any, str]] = [
    ("org:unit_tree", _("Organisation"), "org.view_unit"),
    ("accounts:user_list", _("Users"), "accounts.view_user"),
    ("core:audit_list", _("Audit log"), "core.view_auditlog"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [
        {"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))}
        for name, label, perm in NAV
        if has_perm(user, perm)
    ]
    scopes: list[dict[str, Any]] = []
    if not user.is_superuser:
        from hoiso.accounts.selectors import scope_summary

        scopes = [{"unit": s["unit_name"], "role": s["role_name"]} for s in scope_summary(user)]
    return {"nav_items": items, "user_scopes": scopes}
