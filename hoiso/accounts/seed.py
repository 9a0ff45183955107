"""The seeded roles. Created once after migrate; edits made by admins are kept."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q

ROLES: dict[str, tuple[str, str, list[str]]] = {
    "admin": (
        "Quản trị hệ thống",
        "Manages users, roles and the organisation tree within its unit.",
        [
            "org.view_unit",
            "org.add_unit",
            "org.change_unit",
            "org.restructure_unit",
            "org.import_unit",
            "accounts.view_user",
            "accounts.manage_user",
            "core.view_auditlog",
        ],
    ),
    "leader": (
        "Lãnh đạo Hội",
        "Union leaders: see everything in their unit, read the audit log.",
        ["org.view_unit", "accounts.view_user", "core.view_auditlog"],
    ),
    "cadre": (
        "Cán bộ chuyên trách",
        "Full-time cadres: run the unit's daily work and its chapters.",
        [
            "org.view_unit",
            "org.add_unit",
            "org.change_unit",
            "org.restructure_unit",
            "org.import_unit",
            "accounts.view_user",
        ],
    ),
    "chapter": (
        "Cán bộ chi hội",
        "Chapter leaders: their own chapter and its groups.",
        ["org.view_unit"],
    ),
    "member": ("Hội viên", "Members: their own record only.", []),
}


def permissions_for(names: list[str]) -> list[Permission]:
    q = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(q))


def seed_roles(**kwargs: Any) -> None:
    """post_migrate: make sure every seeded role exists (and has at least its permissions once)."""
    from hoiso.accounts.models import Role

    for code, (name, description, perms) in ROLES.items():
        role, created = Role.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        if created:
            role.permissions.set(permissions_for(perms))
