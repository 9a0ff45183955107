"""Forms of the tree browser and the restructuring wizard (parsing only: rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hoiso.org.models import Level, Unit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class _ActForm(forms.Form):
    effective_date = forms.DateField(
        label=_("Effective date"), widget=DateInput(), initial=timezone.localdate
    )
    decision = forms.CharField(
        label=_("Decision or resolution"),
        required=False,
        max_length=200,
        help_text=_("e.g. Nghị quyết số 1683/NQ-UBTVQH15"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RenameForm(_ActForm):
    new_name = forms.CharField(label=_("New name"), max_length=200)
    field_order = ["new_name", "effective_date", "decision", "note"]


class MoveForm(_ActForm):
    new_parent = UnitChoiceField(label=_("New parent unit"), queryset=Unit.objects.none())
    field_order = ["new_parent", "effective_date", "decision", "note"]

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = parents  # type: ignore[attr-defined]


class MergeForm(_ActForm):
    MODE_NEW = "new"
    MODE_ABSORB = "absorb"
    others = UnitMultipleChoiceField(
        label=_("Merge with"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    mode = forms.ChoiceField(
        label=_("Result"),
        choices=[
            (MODE_NEW, _("A new unit replaces them all")),
            (MODE_ABSORB, _("This unit absorbs the others and keeps its name")),
        ],
        initial=MODE_NEW,
        widget=forms.RadioSelect,
    )
    new_name = forms.CharField(label=_("Name of the new unit"), required=False, max_length=200)
    new_code = forms.CharField(label=_("Code of the new unit"), required=False, max_length=40)
    field_order = ["others", "mode", "new_name", "new_code", "effective_date", "decision", "note"]

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["others"].queryset = candidates  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == self.MODE_NEW:
            if not data.get("new_name"):
                self.add_error("new_name", _("Give the new unit a name."))
            if not data.get("new_code"):
                self.add_error("new_code", _("Give the new unit a code."))
        return data


class SplitForm(_ActForm):
    """Parts of a split, and for every child the part it goes to."""

    def __init__(self, *args: Any, source: Unit, children: list[Unit], parts: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.children = children
        self.part_count = parts
        choices = [(str(i), _("New unit %(n)d") % {"n": i + 1}) for i in range(parts)]
        for i in range(parts):
            self.fields[f"part_{i}_name"] = forms.CharField(
                label=_("Name of new unit %(n)d") % {"n": i + 1}, max_length=200
            )
            self.fields[f"part_{i}_code"] = forms.CharField(
                label=_("Code of new unit %(n)d") % {"n": i + 1}, max_length=40
            )
        for child in children:
            self.fields[f"child_{child.pk}"] = forms.ChoiceField(
                label=child.name, choices=choices, initial="0"
            )
        self.fields["holdings_to"] = forms.ChoiceField(
            label=_("Members and assignments attached directly to %(name)s go to")
            % {"name": source.name},
            choices=choices,
            initial="0",
        )

    def part_fields(self) -> list[tuple[Any, Any]]:
        return [(self[f"part_{i}_name"], self[f"part_{i}_code"]) for i in range(self.part_count)]

    def child_fields(self) -> list[Any]:
        return [self[f"child_{c.pk}"] for c in self.children]


class CreateChildForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.ModelChoiceField(label=_("Level"), queryset=Level.objects.none())
    valid_from = forms.DateField(
        label=_("Established on"), widget=DateInput(), initial=timezone.localdate
    )

    def __init__(self, *args: Any, parent: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["level"]
        field.queryset = Level.objects.filter(rank__gt=parent.level.rank)  # type: ignore[attr-defined]
        first = field.queryset.first()  # type: ignore[attr-defined]
        if first is not None:
            field.initial = first.pk


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx, .xls, .ods, .csv)"))
