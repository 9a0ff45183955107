"""The REST API: django-ninja under /api/v1/, session or personal-token auth, same selectors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from hoiso.accounts.services import token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer hs_…``: a personal access token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Hội Số API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("You do not have permission to do this.")}, status=403
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return api.create_response(request, {"detail": errors}, status=422)


api.add_router("/units/", "hoiso.org.api.router")
api.add_router("/members/", "hoiso.members.api.router")
api.add_router("/documents/", "hoiso.documents.api.router")
api.add_router("/meetings/", "hoiso.meetings.api.router")
api.add_router("/notifications/", "hoiso.notifications.api.router")
api.add_router("/", "hoiso.accounts.api.router")
