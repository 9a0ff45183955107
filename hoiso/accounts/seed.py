"""The seeded roles. Created once after migrate; edits made by admins are kept."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q

MEMBER_READ = ["members.view_member"]
MEMBER_WORK = [
    "members.view_member",
    "members.add_member",
    "members.change_member",
    "members.export_member",
    "members.import_member",
    "members.transfer_member",
    "members.record_dues",
    "members.issue_card",
]

DOCUMENT_READ = ["documents.view_document", "documents.download_document", "documents.view_dossier"]
DOCUMENT_WORK = [
    *DOCUMENT_READ,
    "documents.add_document",
    "documents.change_document",
    "documents.register_document",
    "documents.share_document",
    "documents.add_dossier",
    "documents.change_dossier",
]

MEETING_READ = ["meetings.view_meeting"]
MEETING_WORK = [*MEETING_READ, "meetings.add_meeting", "meetings.change_meeting"]

# code: (name, description, permissions, own records only)
ROLES: dict[str, tuple[str, str, list[str], bool]] = {
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
            *MEMBER_WORK,
            *DOCUMENT_WORK,
            "documents.publish_document",
            "documents.dispose_dossier",
            "documents.view_disposaldecision",
            *MEETING_WORK,
        ],
        False,
    ),
    "leader": (
        "Lãnh đạo Hội",
        "Union leaders: see everything in their unit, read the audit log.",
        [
            "org.view_unit",
            "accounts.view_user",
            "core.view_auditlog",
            *MEMBER_READ,
            "members.view_sensitive_member",
            "members.export_member",
            *DOCUMENT_READ,
            "documents.publish_document",
            "documents.dispose_dossier",
            "documents.view_disposaldecision",
            *MEETING_READ,
        ],
        False,
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
            *MEMBER_WORK,
            "members.view_sensitive_member",
            *DOCUMENT_WORK,
            "documents.publish_document",
            "documents.view_disposaldecision",
            *MEETING_WORK,
        ],
        False,
    ),
    "chapter": (
        "Cán bộ chi hội",
        "Chapter leaders: their own chapter and its groups.",
        [
            "org.view_unit",
            "members.view_member",
            "members.add_member",
            "members.change_member",
            "members.record_dues",
            "documents.view_document",
            "documents.download_document",
            *MEETING_READ,
        ],
        False,
    ),
    "member": ("Hội viên", "Members: their own record only.", ["members.view_member"], True),
}


def permissions_for(names: list[str]) -> list[Permission]:
    q = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(q).select_related("content_type"))


def seed_roles(**kwargs: Any) -> None:
    """post_migrate: create the seeded roles, and grant permissions a newer seed adds.

    A permission is granted by the seed once; if an admin later removes it from a role, the
    seed does not put it back.
    """
    from hoiso.accounts.models import Role

    for code, (name, description, perms, self_only) in ROLES.items():
        role, _created = Role.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "self_only": self_only}
        )
        # Permissions of apps migrated later do not exist yet: they are granted on a later call.
        found = permissions_for([p for p in perms if p not in role.seed_granted])
        if not found:
            continue
        if not role.seed_granted and self_only and not role.self_only:
            role.self_only = True
        role.permissions.add(*found)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in found}
        role.seed_granted = sorted({*role.seed_granted, *granted})
        role.save(update_fields=["seed_granted", "self_only"])
