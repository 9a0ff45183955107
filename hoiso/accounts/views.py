"""Login, users and role assignments (the product's own admin screens), personal tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hoiso.accounts import selectors, services
from hoiso.accounts.forms import (
    AssignForm,
    LoginForm,
    PasswordForm,
    TokenForm,
    UserEditForm,
    UserForm,
)
from hoiso.accounts.models import RoleAssignment, User
from hoiso.core.access import require_perm, require_perm_at
from hoiso.core.forms import add_service_errors
from hoiso.org.selectors import unit_list

MANAGE = "accounts.manage_user"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout_response(
    request: HttpRequest, original_response: Any, credentials: Any
) -> HttpResponse:
    """What a locked-out login sees (django-axes calls this)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed attempts. Login is locked for %(minutes)d minutes; try again later or"
        " ask your administrator."
    ) % {"minutes": minutes}
    return render(
        request, "accounts/login.html", {"form": LoginForm(request), "locked": message}, status=429
    )


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    users = selectors.user_list(request.user, q=q)[:200]
    from hoiso.core.access import has_perm

    return render(
        request,
        "accounts/user_list.html",
        {"users": users, "q": q, "can_manage": has_perm(request.user, MANAGE)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, MANAGE)
    form = UserForm(request.POST or None, units=unit_list(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        require_perm_at(request.user, MANAGE, d["unit"].path)
        try:
            with transaction.atomic():
                user = services.user_create(
                    actor=request.user,
                    username=d["username"],
                    password=d["password"] or None,
                    full_name=d["full_name"],
                    phone=d["phone"],
                    email=d["email"],
                    position=d["position"],
                )
                services.role_assign(actor=request.user, user=user, role=d["role"], unit=d["unit"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Account %(u)s was created.") % {"u": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(request.user, pk=pk)
    from hoiso.core.access import has_perm

    can_manage = has_perm(request.user, MANAGE) and (
        selectors.user_list(request.user, perm=MANAGE).filter(pk=pk).exists()
    )
    edit = UserEditForm(
        request.POST if request.POST.get("form") == "edit" else None,
        initial={
            "full_name": target.full_name,
            "phone": target.phone,
            "email": target.email,
            "position": target.position,
            "is_active": target.is_active,
        },
    )
    assign = AssignForm(
        request.POST if request.POST.get("form") == "assign" else None,
        units=unit_list(request.user),
    )
    password = PasswordForm(request.POST if request.POST.get("form") == "password" else None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        which = request.POST.get("form")
        try:
            if which == "edit" and edit.is_valid():
                d = edit.cleaned_data
                services.user_update(
                    actor=request.user,
                    user=target,
                    full_name=d["full_name"],
                    phone=d["phone"],
                    email=d["email"],
                    position=d["position"],
                    is_active=d["is_active"],
                )
                messages.success(request, _("Saved."))
                return redirect("accounts:user_detail", pk=pk)
            if which == "assign" and assign.is_valid():
                d = assign.cleaned_data
                require_perm_at(request.user, MANAGE, d["unit"].path)
                services.role_assign(
                    actor=request.user, user=target, role=d["role"], unit=d["unit"]
                )
                messages.success(request, _("Role assigned."))
                return redirect("accounts:user_detail", pk=pk)
            if which == "password" and password.is_valid():
                services.user_set_password(
                    actor=request.user, user=target, password=password.cleaned_data["password"]
                )
                messages.success(request, _("Password changed."))
                return redirect("accounts:user_detail", pk=pk)
        except ValidationError as exc:
            form = {"edit": edit, "assign": assign, "password": password}.get(which or "", edit)
            add_service_errors(form, exc)
    services.user_record_view(actor=request.user, user=target)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "assignments": selectors.user_assignments(target),
            "edit": edit,
            "assign": assign,
            "password": password,
            "can_manage": can_manage,
            "history": target.history.select_related("history_user")[:20],
        },
    )


@login_required
@require_POST
def assignment_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request.user, MANAGE)
    assignment = get_object_or_404(
        RoleAssignment.objects.restrict(request.user, MANAGE).select_related(
            "user", "unit", "role"
        ),
        pk=pk,
    )
    services.role_revoke(actor=request.user, assignment=assignment)
    messages.success(request, _("Role assignment ended."))
    return redirect("accounts:user_detail", pk=assignment.user_id)


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["days"]
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        _token, raw = services.token_create(
            actor=request.user,
            user=cast(User, request.user),
            name=form.cleaned_data["name"],
            expires_at=expires,
        )
        form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": selectors.token_list(request.user), "raw": raw},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(selectors.token_list(request.user), pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:token_list")
