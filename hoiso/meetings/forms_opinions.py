"""Forms of the opinion-form pages (the rules live in services/opinions.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hoiso.meetings.models import ItemDocument, Meeting, Participant
from hoiso.org.models import Unit


class OpinionFormForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    document = forms.ModelChoiceField(
        label=_("Draft (document)"), queryset=ItemDocument.objects.none(), required=False
    )
    deadline = forms.DateTimeField(
        label=_("Answer by"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    instructions = forms.CharField(
        label=_("Instructions"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    questions = forms.CharField(
        label=_("Questions (one per line)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("Each is answered Agree / Disagree / Other opinion. No question: one "
                    "free-text opinion on the draft."),
    )  # fmt: skip
    participants = forms.ModelMultipleChoiceField(
        label=_("Ask these participants"),
        queryset=Participant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Or the participants of these units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Nobody ticked: every participant is asked."),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["document"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ItemDocument.objects.filter(item__meeting=meeting).order_by(
            "item__position", "position", "id"
        )
        people = self.fields["participants"]
        assert isinstance(people, forms.ModelMultipleChoiceField)
        people.queryset = meeting.participants.select_related("user").order_by("id")
        people.label_from_instance = lambda p: str(p.user)  # type: ignore[method-assign,assignment]
        units = self.fields["units"]
        assert isinstance(units, forms.ModelMultipleChoiceField)
        units.queryset = Unit.objects.filter(
            pk__in=meeting.sites.exclude(unit=None).values("unit_id")
        ).order_by("path")

    def question_lines(self) -> list[str]:
        return [
            line for line in self.cleaned_data.get("questions", "").splitlines() if line.strip()
        ]
