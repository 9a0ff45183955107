"""Every write to users, role assignments and personal tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.accounts.models import PersonalToken, Role, RoleAssignment, User
from hoiso.core.access import bump_scope_generation, forget_scopes
from hoiso.core.audit import audit
from hoiso.core.vietnamese import nfc, normalize_phone
from hoiso.org.models import Unit
from hoiso.org.restructure import Holding

TOKEN_PREFIX = "hs_"


def _clean_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    try:
        return normalize_phone(phone)
    except ValueError as exc:
        raise ValidationError({"phone": str(exc)}) from exc


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    full_name: str = "",
    phone: str | None = None,
    email: str = "",
    position: str = "",
    is_superuser: bool = False,
) -> User:
    """Create a login. Without a password the account cannot log in until one is set."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("The username is required.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The username %(u)s is taken.") % {"u": username}})
    phone = _clean_phone(phone)
    if phone and User.objects.filter(phone=phone).exists():
        raise ValidationError(
            {"phone": _("The phone number %(p)s is used by another account.") % {"p": phone}}
        )
    user = User(
        username=username,
        full_name=nfc(full_name),
        phone=phone,
        email=email.strip(),
        position=position.strip(),
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit(actor=actor, action="user.create", obj=user, detail={"username": username})
    return user


@transaction.atomic
def user_update(
    *,
    actor: Any,
    user: User,
    full_name: str,
    phone: str | None,
    email: str,
    position: str,
    is_active: bool,
) -> User:
    """Change a user's contact details or (de)activate the login."""
    phone = _clean_phone(phone)
    if phone and User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
        raise ValidationError(
            {"phone": _("The phone number %(p)s is used by another account.") % {"p": phone}}
        )
    before = {
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "position": user.position,
        "is_active": user.is_active,
    }
    user.full_name, user.phone, user.email = nfc(full_name), phone, email.strip()
    user.position, user.is_active = position.strip(), is_active
    user.save()
    after = {
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "position": user.position,
        "is_active": user.is_active,
    }
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit(actor=actor, action="user.update", obj=user, detail=changed)
    return user


@transaction.atomic
def user_record_view(*, actor: Any, user: User) -> None:
    """A profile with personal data (phone, e-mail) was shown: the read is audited."""
    unit = next(iter(ra.unit for ra in user.role_assignments.all()), None)
    audit(actor=actor, action="user.view", obj=user, unit=unit)


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit(actor=actor, action="user.set_password", obj=user)


@transaction.atomic
def role_assign(
    *, actor: Any, user: User, role: Role, unit: Unit, valid_from: dt.date | None = None
) -> RoleAssignment:
    """Give ``user`` the ``role`` over ``unit``'s subtree."""
    if unit.valid_to is not None:
        raise ValidationError({"unit": _("Unit %(u)s is closed.") % {"u": unit.name}})
    today = timezone.localdate()
    if RoleAssignment.objects.filter(
        user=user, role=role, unit=unit, valid_to__isnull=True
    ).exists():
        raise ValidationError(
            _("%(user)s already holds %(role)s at %(unit)s.")
            % {"user": user, "role": role, "unit": unit}
        )
    ra = RoleAssignment.objects.create(
        user=user,
        role=role,
        unit=unit,
        valid_from=valid_from or today,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    forget_scopes(user)
    bump_scope_generation()
    audit(
        actor=actor,
        action="role.assign",
        obj=ra,
        unit=unit,
        detail={"user": user.username, "role": role.code},
    )
    return ra


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment) -> RoleAssignment:
    """End a role assignment today; the row stays as a record of who held what."""
    assignment.valid_to = timezone.localdate()
    assignment.save(update_fields=["valid_to"])
    forget_scopes(assignment.user)
    bump_scope_generation()
    audit(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        unit=assignment.unit,
        detail={"user": assignment.user.username, "role": assignment.role.code},
    )
    return assignment


def role_assignments_follow_restructure(
    *, unit_map: dict[int, int], actor: Any, effective_date: dt.date
) -> list[Holding]:
    """Mover: assignments on a closed unit move to its successor (the cadre keeps her work)."""
    moved = 0
    for old, new in unit_map.items():
        moved += RoleAssignment.objects.filter(unit_id=old, valid_to__isnull=True).update(
            unit_id=new
        )
    return [Holding(key="role_assignments", label=_("role assignments"), count=moved)]


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, actor: Any, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[PersonalToken, str]:
    """A new personal token; the raw value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name (what it is for).")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalToken.objects.create(
        user=user, name=name, prefix=raw[:10], digest=_digest(raw), expires_at=expires_at
    )
    audit(
        actor=actor, action="token.create", obj=token, detail={"user": user.username, "name": name}
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Any, token: PersonalToken) -> PersonalToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=actor, action="token.revoke", obj=token, detail={"user": token.user.username})
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = PersonalToken.objects.select_related("user").filter(digest=_digest(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        PersonalToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
