"""The one form of the card screens: why a card is revoked."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=255,
        help_text=_("For example: card lost, member left the union, details printed wrongly."),
    )
