"""Login, user and role-assignment forms (parsing only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hoiso.accounts.models import Role
from hoiso.org.forms import UnitChoiceField
from hoiso.org.models import Unit


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or phone number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("Wrong username, phone number or password."),
        "inactive": _("This account is disabled."),
    }


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to create an account that cannot log in yet."),
    )
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    is_active = forms.BooleanField(label=_("Can log in"), required=False)


class AssignForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class PasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100)
    days = forms.IntegerField(
        label=_("Valid for (days, empty = no expiry)"), required=False, min_value=1, max_value=3650
    )
