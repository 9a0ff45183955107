"""Forms shared across modules: the audit filter, service errors shown on forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: each message at its field when the form
    has that field, otherwise at the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User"), required=False)
    unit = forms.CharField(label=_("Unit code"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
