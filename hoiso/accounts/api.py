"""/api/v1/me and /api/v1/tokens/: the current user and her personal tokens."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from hoiso.accounts import selectors, services
from hoiso.accounts.models import PersonalToken, User

router = Router(tags=["accounts"])


class ScopeOut(Schema):
    unit: str
    role: str
    permissions: list[str]


class MeOut(Schema):
    username: str
    full_name: str
    phone: str | None
    is_superuser: bool
    scopes: list[ScopeOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIn(Schema):
    name: str
    days: int | None = None


class TokenCreated(TokenOut):
    token: str


@router.get("me", response=MeOut, url_name="me")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "username": user.get_username(),
        "full_name": getattr(user, "full_name", ""),
        "phone": getattr(user, "phone", None),
        "is_superuser": user.is_superuser,
        "scopes": [
            {"unit": s["unit_code"], "role": s["role"], "permissions": s["permissions"]}
            for s in selectors.scope_summary(user)
        ],
    }


@router.get("tokens/", response=list[TokenOut], url_name="token_list")
def list_tokens(request: HttpRequest) -> list[PersonalToken]:
    return list(selectors.token_list(request.user))


@router.post("tokens/", response={201: TokenCreated}, url_name="token_create")
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    expires = timezone.now() + dt.timedelta(days=payload.days) if payload.days else None
    token, raw = services.token_create(
        actor=request.user,
        user=cast(User, request.user),
        name=payload.name,
        expires_at=expires,
    )
    data = TokenOut.from_orm(token).model_dump()
    data["token"] = raw
    return Status(201, data)


@router.delete("tokens/{token_id}", response={204: None}, url_name="token_revoke")
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    token = get_object_or_404(selectors.token_list(request.user), pk=token_id)
    services.token_revoke(actor=request.user, token=token)
    return Status(204, None)
