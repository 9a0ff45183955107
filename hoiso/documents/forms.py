"""Archive forms: parsing only; every rule lives in the services (ingest, metadata, registers,
files, publishing)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hoiso.documents.models import (
    AccessRegime,
    Direction,
    DocumentType,
    HandlingStatus,
    Secrecy,
    Urgency,
)
from hoiso.org.forms import DateInput, UnitChoiceField

# Metadata fields the form edits and hands to services.metadata.document_update as ``data``.
METADATA_FIELDS = [
    "direction",
    "doc_type",
    "number",
    "notation",
    "issue_date",
    "issue_place",
    "issuer",
    "summary",
    "signer_name",
    "signer_position",
    "recipients",
    "urgency",
    "secrecy",
    "pages",
    "copies",
    "reply_deadline",
    "language",
    "arrival_date",
    "handling_unit",
    "directions",
    "handling_status",
    "handling_deadline",
]
INCOMING_FIELDS = {
    "arrival_date",
    "handling_unit",
    "directions",
    "handling_status",
    "handling_deadline",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (``<input type=file multiple>``): a list of uploads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return single(None, initial)  # "This field is required."
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else single(data, initial)


def split_list(raw: str) -> list[str]:
    """ "a, b; c" → ["a", "b", "c"] (commas or semicolons, blanks dropped, order kept)."""
    seen: list[str] = []
    for part in raw.replace(";", ",").split(","):
        item = part.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


class UploadForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=None)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUTGOING
    )
    # the form's field "files" (the metaclass takes it out of the class attributes)
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        help_text=_("PDF (scanned or not), JPEG, PNG, TIFF, DOCX, XLSX or ODT; several at once."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class VersionForm(forms.Form):
    file = forms.FileField(label=_("Corrected file"))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class MetadataForm(forms.Form):
    """The Decree 30 fields of one document, plus tags and (for secret ones) its readers."""

    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    doc_type = forms.ModelChoiceField(
        label=_("Type"), queryset=DocumentType.objects.filter(is_active=True), required=False
    )
    number = forms.IntegerField(label=_("Number"), min_value=1, required=False)
    notation = forms.CharField(
        label=_("Notation"), max_length=60, required=False, help_text=_("e.g. NQ/HPN")
    )
    issue_date = forms.DateField(label=_("Issued on"), required=False, widget=DateInput())
    issue_place = forms.CharField(label=_("Place of issue"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Issuing body"), max_length=255, required=False)
    summary = forms.CharField(
        label=_("Summary (trích yếu)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    signer_name = forms.CharField(label=_("Signed by"), max_length=150, required=False)
    signer_position = forms.CharField(label=_("Signer's position"), max_length=150, required=False)
    recipients = forms.CharField(
        label=_("Recipients"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, required=False)
    secrecy = forms.ChoiceField(label=_("Secrecy"), choices=Secrecy.choices, required=False)
    pages = forms.IntegerField(label=_("Pages"), min_value=1, required=False)
    copies = forms.IntegerField(label=_("Copies"), min_value=1, required=False)
    reply_deadline = forms.DateField(label=_("Reply by"), required=False, widget=DateInput())
    language = forms.CharField(label=_("Language"), max_length=10, initial="vi")
    arrival_date = forms.DateField(label=_("Arrived on"), required=False, widget=DateInput())
    handling_unit = UnitChoiceField(
        label=_("Handled by"),
        queryset=None,
        required=False,
    )
    directions = forms.CharField(
        label=_("Directions for handling"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    handling_status = forms.ChoiceField(
        label=_("Handling status"),
        choices=[("", "—"), *HandlingStatus.choices],
        required=False,
    )
    handling_deadline = forms.DateField(
        label=_("Handling deadline"), required=False, widget=DateInput()
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=1000
    )
    readers = forms.CharField(
        label=_("Readers of a secret document"),
        required=False,
        max_length=2000,
        help_text=_("User names separated by commas: only these people see a secret document."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handling_unit"].queryset = units  # type: ignore[attr-defined]

    def data_for_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {name: d.get(name) for name in METADATA_FIELDS if name in d}
        if not data.get("handling_status"):
            # "not set" is the model's blank value, which services.metadata does not take back
            data.pop("handling_status", None)
        return data

    def tag_names(self) -> list[str]:
        return split_list(self.cleaned_data.get("tags") or "")

    def reader_names(self) -> list[str]:
        return split_list(self.cleaned_data.get("readers") or "")


def metadata_initial(document: Any) -> dict[str, Any]:
    initial = {name: getattr(document, name) for name in METADATA_FIELDS}
    initial["doc_type"] = document.doc_type_id
    initial["handling_unit"] = document.handling_unit_id
    initial["tags"] = ", ".join(t.name for t in document.tags.all())
    initial["readers"] = ", ".join(u.get_username() for u in document.readers.all())
    return initial


class SavedSearchForm(forms.Form):
    name = forms.CharField(label=_("Name of the search"), max_length=100)


class ShareForm(forms.Form):
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=7)


class DossierForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=None)
    code = forms.CharField(label=_("File code"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=500)
    year = forms.IntegerField(label=_("Year"), min_value=1945, max_value=2200)
    retention_years = forms.IntegerField(
        label=_("Retention (years)"),
        min_value=1,
        max_value=200,
        required=False,
        help_text=_("Empty: kept permanently."),
    )
    access = forms.ChoiceField(
        label=_("Access regime"), choices=AccessRegime.choices, initial=AccessRegime.OPEN
    )
    keeper = forms.CharField(label=_("Kept by"), max_length=150, required=False)
    opened_on = forms.DateField(label=_("Opened on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class DossierAddForm(forms.Form):
    documents = forms.CharField(
        label=_("Documents to add"),
        max_length=2000,
        help_text=_("Document numbers (#id) separated by commas."),
    )

    def clean_documents(self) -> list[int]:
        ids: list[int] = []
        for part in split_list(self.cleaned_data["documents"]):
            value = part.lstrip("#")
            if not value.isdigit():
                raise ValidationError(
                    _("“%(value)s” is not a document number."), params={"value": part}
                )
            ids.append(int(value))
        return ids


class DisposalForm(forms.Form):
    unit = UnitChoiceField(label=_("Deciding unit"), queryset=None)
    number = forms.CharField(label=_("Decision number"), max_length=80)
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    council = forms.CharField(
        label=_("Appraisal council"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
