"""Login by username or phone number; permissions come from role assignments."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from hoiso.accounts.models import User
from hoiso.core.access import user_scopes
from hoiso.core.vietnamese import normalize_phone


def find_login_user(login: str) -> User | None:
    """The user a login name means: a username (any case) or a phone number in any usual form."""
    login = (login or "").strip()
    if not login:
        return None
    user = User.objects.filter(username__iexact=login).first()
    if user is not None:
        return user
    try:
        phone = normalize_phone(login)
    except ValueError:
        return None
    if phone is None:
        return None
    return User.objects.filter(phone=phone).first()


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """One lockout counter per account, whichever form of its login name was typed."""
    raw = (credentials or {}).get("username") or ""
    user = find_login_user(raw)
    return user.username if user is not None else raw.strip().lower()


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = find_login_user(username)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """Permissions held through any role assignment (the unit scope is checked by restrict)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        perms: set[str] = set()
        for entry in user_scopes(user_obj):
            perms |= entry.perms
        return perms
