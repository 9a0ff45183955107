"""Forms shared across modules: the audit filter, service errors shown on forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: each message at its field when the form
    has that field, otherwise at the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def run_service(request: HttpRequest, call: Callable[[], Any], success: str = "") -> bool:
    """Call a service for a button without a form: its ValidationError becomes the page's error
    message, ``success`` the page's message when it went through. Returns whether it did."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    if success:
        messages.success(request, success)
    return True


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User"), required=False)
    unit = forms.CharField(label=_("Unit code"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
