"""The upload form of the member import: the unit, the file, whether to create chapters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hoiso.org.models import Unit


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class MemberImportForm(forms.Form):
    unit = UnitChoiceField(
        label=_("Import into"),
        queryset=Unit.objects.none(),
        to_field_name="code",
        help_text=_("The commune or chapter the members belong to."),
    )
    file = forms.FileField(
        label=_("File (.xlsx, .xls, .ods, .csv)"),
        help_text=_("A roster with a header row; title rows above it are fine."),
    )
    create_chapters = forms.BooleanField(
        label=_("Create the chapters and groups the file names and the unit lacks"),
        required=False,
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units
        if units.count() == 1:
            field.initial = units.first()
