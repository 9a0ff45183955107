"""Forms of the organiser's pages. They parse and check the input's shape; every rule about
meetings stays in the services (their errors are shown at the field they name)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from hoiso.meetings.models import (
    MeetingKind,
    MeetingState,
    ParticipantRole,
    TaskStatus,
)

DT_FORMAT = "%Y-%m-%dT%H:%M"
DT_INPUTS = [DT_FORMAT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DT_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def person_input(list_id: str) -> forms.TextInput:
    """A name box completed from the people search: htmx fills the datalist ``list_id`` (the
    page holds an empty ``<datalist id=list_id>``) as the user types."""
    return forms.TextInput(
        attrs={
            "list": list_id,
            "autocomplete": "off",
            "hx-get": reverse_lazy("meetings:people_search"),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": f"#{list_id}",
            "hx-swap": "innerHTML",
        }
    )


PERSON_HELP = _("Type a few letters of the name, then pick the person from the list.")


class MeetingForm(forms.Form):
    """Create (with the host unit) or edit (without) a meeting."""

    title = forms.CharField(label=_("Title"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    unit = forms.TypedChoiceField(label=_("Host unit"), coerce=int, choices=())
    starts_at = forms.DateTimeField(
        label=_("Starts at"), input_formats=DT_INPUTS, widget=DateTimeLocal()
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), input_formats=DT_INPUTS, widget=DateTimeLocal(), required=False
    )
    place = forms.CharField(label=_("Place"), max_length=255, required=False)
    secret = forms.BooleanField(
        label=_("Secret meeting"),
        required=False,
        help_text=_(
            "Seen by its participants only; no video, no file download. You join it as its "
            "secretary."
        ),
    )
    chair = forms.CharField(
        label=_("Chair"),
        required=False,
        max_length=200,
        widget=person_input("people-chair"),
        help_text=PERSON_HELP,
    )

    def __init__(self, *args: Any, units: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is None:  # editing: the host unit does not change
            del self.fields["unit"]
        else:
            self.fields["unit"].choices = [(u.pk, u.name) for u in units]  # type: ignore[attr-defined]


class FilterForm(forms.Form):
    """The meeting list's filters (every field optional; a bad value is ignored)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any")), *MeetingState.choices]
    )
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("", _("Any time")), ("upcoming", _("Upcoming")), ("past", _("Past"))],
    )
    unit = forms.CharField(label=_("Host unit"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of meeting"), required=False, choices=[("", _("Any")), *MeetingKind.choices]
    )


class SiteForm(forms.Form):
    unit = forms.CharField(
        label=_("Unit (code)"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}),
        help_text=_("The unit whose room joins, e.g. TN-PHOYEN."),
    )
    name = forms.CharField(
        label=_("Room name"),
        max_length=255,
        required=False,
        help_text=_("Empty: the unit's name."),
    )
    lead = forms.CharField(
        label=_("Site lead"),
        required=False,
        max_length=200,
        widget=person_input("people-lead"),
        help_text=PERSON_HELP,
    )


class SiteLeadForm(forms.Form):
    lead = forms.CharField(
        label=_("Site lead"), max_length=200, widget=person_input("people-sitelead")
    )


def role_choices() -> list[tuple[str, Any]]:
    return list(ParticipantRole.choices)


class InvitePeopleForm(forms.Form):
    """By name: the people ticked in the search results (their ids)."""

    users = forms.TypedMultipleChoiceField(
        label=_("People"),
        coerce=int,
        choices=(),
        error_messages={"required": _("Tick at least one person.")},
    )
    role = forms.ChoiceField(label=_("Role in the meeting"), choices=ParticipantRole.choices)
    site = forms.TypedChoiceField(label=_("Site"), coerce=int, required=False, choices=())

    def __init__(self, *args: Any, sites: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("No site")), *((s.pk, s.name) for s in sites)]  # type: ignore[attr-defined]
        self.initial.setdefault("role", ParticipantRole.DELEGATE)

    def set_user_choices(self, ids: list[int]) -> None:
        """The ids the search may have offered (checked again against the scope by the view)."""
        self.fields["users"].choices = [(i, str(i)) for i in ids]  # type: ignore[attr-defined]


class InviteUnitForm(forms.Form):
    """By unit: everyone holding a role there (or one role), optionally the whole subtree."""

    unit = forms.CharField(
        label=_("Unit (code)"),
        max_length=50,
        widget=forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}),
    )
    unit_role = forms.ChoiceField(label=_("Who"), required=False, choices=())
    subtree = forms.BooleanField(label=_("Also the units below it"), required=False)
    role = forms.ChoiceField(label=_("Role in the meeting"), choices=ParticipantRole.choices)
    site = forms.TypedChoiceField(label=_("Site"), coerce=int, required=False, choices=())

    def __init__(self, *args: Any, sites: list[Any], roles: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_role"].choices = [  # type: ignore[attr-defined]
            ("", _("Everyone holding a role there")),
            *((r.code, r.name) for r in roles),
        ]
        self.fields["site"].choices = [("", _("No site")), *((s.pk, s.name) for s in sites)]  # type: ignore[attr-defined]
        self.initial.setdefault("role", ParticipantRole.DELEGATE)


class ParticipantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role in the meeting"), choices=ParticipantRole.choices)
    site = forms.TypedChoiceField(label=_("Site"), coerce=int, required=False, choices=())

    def __init__(self, *args: Any, sites: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("Unchanged")), *((s.pk, s.name) for s in sites)]  # type: ignore[attr-defined]


def _item_choices(items: list[tuple[Any, str]], empty: Any) -> list[tuple[Any, Any]]:
    return [("", empty), *((item.pk, f"{number}. {item.title}") for item, number in items)]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Item"), max_length=500)
    parent = forms.TypedChoiceField(label=_("Under item"), coerce=int, required=False, choices=())
    presenter = forms.TypedChoiceField(label=_("Presenter"), coerce=int, required=False, choices=())
    presenter_name = forms.CharField(
        label=_("Presenter (name, if not a participant)"), max_length=150, required=False
    )
    planned_minutes = forms.IntegerField(
        label=_("Planned minutes"), required=False, min_value=1, max_value=1440
    )
    position = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=10000)

    def __init__(
        self,
        *args: Any,
        items: list[tuple[Any, str]],
        people: list[Any],
        edit: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if edit:  # an item stays under its parent; its order among siblings may change
            del self.fields["parent"]
        else:
            del self.fields["position"]
            self.fields["parent"].choices = _item_choices(items, _("(top level)"))  # type: ignore[attr-defined]
        self.fields["presenter"].choices = [  # type: ignore[attr-defined]
            ("", _("(nobody chosen)")),
            *((p.user_id, str(p.user)) for p in people),
        ]


class ItemDocumentForm(forms.Form):
    """Upload a file, or pick a document from the archive (one of the two)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        required=False,
        help_text=_("Empty: the file's name or the archive document's title."),
    )
    file = forms.FileField(label=_("Upload a file"), required=False)
    archive_document = forms.IntegerField(
        label=_("Document from the archive"), required=False, widget=forms.HiddenInput()
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("file")) == bool(data.get("archive_document")):
            raise forms.ValidationError(
                _("Upload a file or pick one document from the archive (one of the two).")
            )
        return data


class VoteForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=500)
    item = forms.TypedChoiceField(label=_("On item"), coerce=int, required=False, choices=())
    document = forms.TypedChoiceField(
        label=_("On document"), coerce=int, required=False, choices=()
    )
    secret = forms.BooleanField(
        label=_("Secret ballot"),
        required=False,
        help_text=_("Nobody can see who chose what."),
    )
    results_visible = forms.BooleanField(
        label=_("Show the results to the participants"),
        required=False,
        help_text=_("Open votes: live; secret votes: once closed."),
    )

    def __init__(
        self, *args: Any, items: list[tuple[Any, str]], documents: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = _item_choices(items, _("(the whole meeting)"))  # type: ignore[attr-defined]
        self.fields["document"].choices = [  # type: ignore[attr-defined]
            ("", _("(no document)")),
            *((d.pk, d.title) for d in documents),
        ]


class ConclusionForm(forms.Form):
    text = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}))
    item = forms.TypedChoiceField(label=_("On item"), coerce=int, required=False, choices=())

    def __init__(self, *args: Any, items: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = _item_choices(items, _("(the whole meeting)"))  # type: ignore[attr-defined]


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=500)
    owner_unit = forms.CharField(
        label=_("Owner unit (code)"),
        max_length=50,
        widget=forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=DateInput(),
    )
    remind_days_before = forms.IntegerField(
        label=_("Remind days before"), min_value=0, max_value=60, initial=3
    )


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *TaskStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class MinutesForm(forms.Form):
    body = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "minutes-body"}),
    )
