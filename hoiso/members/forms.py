"""Member forms: parsing only; every rule lives in services and rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hoiso.core.forms import add_service_errors
from hoiso.members.choices import (
    ETHNICITIES,
    INDICATORS,
    RELIGIONS,
    Education,
    MaritalStatus,
    MemberType,
    Occupation,
    PoliticalTheory,
    Sex,
    Status,
)
from hoiso.members.models import ConsentChannel, ConsentPurpose
from hoiso.members.services import MemberInput
from hoiso.org.forms import DateInput, UnitChoiceField
from hoiso.org.models import Unit

YES_NO_UNKNOWN = [("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))]
POVERTY = [("", "—"), ("Hộ nghèo", _("Poor household")), ("Hộ cận nghèo", _("Near-poor household"))]


def tri_state(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def tri_value(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


def blank_choice(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *list(choices)]


class MemberForm(forms.Form):
    """The profile form. Sensitive fields exist only for users allowed to see them."""

    unit = UnitChoiceField(
        label=_("Unit (commune, chapter or group)"), queryset=Unit.objects.none()
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    birth_year = forms.IntegerField(
        label=_("Year of birth (when the date is not known)"),
        required=False,
        min_value=1900,
        max_value=2100,
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.FEMALE)
    member_type = forms.ChoiceField(
        label=_("Membership type"), choices=MemberType.choices, initial=MemberType.REGULAR
    )
    join_date = forms.DateField(label=_("Joined on"), required=False, widget=DateInput())
    id_number = forms.CharField(
        label=_("ID number (CCCD)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    zalo = forms.CharField(label=_("Zalo"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    residence_province = forms.CharField(label=_("Province"), max_length=100, required=False)
    residence_commune = forms.CharField(label=_("Commune or ward"), max_length=100, required=False)
    residence_hamlet = forms.CharField(
        label=_("Village or street group"), max_length=100, required=False
    )
    residence_detail = forms.CharField(
        label=_("House number, street"), max_length=200, required=False
    )
    former_address = forms.CharField(label=_("Address before 2025"), max_length=255, required=False)
    occupation = forms.ChoiceField(
        label=_("Occupation"), choices=blank_choice(Occupation.choices), required=False
    )
    education = forms.ChoiceField(
        label=_("Education"), choices=blank_choice(Education.choices), required=False
    )
    political_theory = forms.ChoiceField(
        label=_("Political theory"), choices=blank_choice(PoliticalTheory.choices), required=False
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=blank_choice(MaritalStatus.choices), required=False
    )
    youth_union = forms.ChoiceField(
        label=_("Youth union member"), choices=YES_NO_UNKNOWN, required=False
    )

    SENSITIVE = ("ethnicity", "religion", "party_member", "health", "poverty", "hardship")

    def __init__(
        self, *args: Any, units: Any, sensitive: bool, id_hint: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.with_sensitive = sensitive
        if id_hint:
            self.fields["id_number"].help_text = _("On file: %(hint)s. Leave empty to keep it.") % {
                "hint": id_hint
            }
        if sensitive:
            self.fields["ethnicity"] = forms.ChoiceField(
                label=_("Ethnicity"),
                choices=blank_choice((e, e) for e in ETHNICITIES),
                required=False,
            )
            self.fields["religion"] = forms.ChoiceField(
                label=_("Religion"), choices=blank_choice((r, r) for r in RELIGIONS), required=False
            )
            self.fields["party_member"] = forms.ChoiceField(
                label=_("Party member"), choices=YES_NO_UNKNOWN, required=False
            )
            self.fields["health"] = forms.CharField(
                label=_("Health or disability"), max_length=200, required=False
            )
            self.fields["poverty"] = forms.ChoiceField(
                label=_("Poor or near-poor household"), choices=POVERTY, required=False
            )
            self.fields["hardship"] = forms.CharField(
                label=_("Hardship"), max_length=200, required=False
            )

    def sensitive_fields(self) -> list[Any]:
        return [self[name] for name in self.SENSITIVE if name in self.fields]

    def to_input(self, *, keep_id: str = "") -> MemberInput:
        d = self.cleaned_data
        sensitive: dict[str, str | None] = {}
        if self.with_sensitive:
            for name in self.SENSITIVE:
                value = d.get(name) or ""
                if name == "party_member":
                    value = {"yes": "Có", "no": "Không"}.get(value, "")
                sensitive[name] = value or None
        return MemberInput(
            full_name=d["full_name"],
            birth_date=d["birth_date"],
            birth_year=d["birth_year"],
            sex=d["sex"],
            id_number=d["id_number"] or keep_id,
            phone=d["phone"],
            zalo=d["zalo"],
            email=d["email"],
            residence_province=d["residence_province"],
            residence_commune=d["residence_commune"],
            residence_hamlet=d["residence_hamlet"],
            residence_detail=d["residence_detail"],
            former_address=d["former_address"],
            occupation=d["occupation"],
            education=d["education"],
            political_theory=d["political_theory"],
            marital_status=d["marital_status"],
            youth_union=tri_state(d["youth_union"]),
            member_type=d["member_type"],
            join_date=d["join_date"],
            sensitive=sensitive,
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        add_service_errors(self, exc)


def initial_from(data: MemberInput, unit: Unit, sensitive: dict[str, str | None]) -> dict[str, Any]:
    initial: dict[str, Any] = {
        k: v for k, v in vars(data).items() if k not in ("sensitive", "indicators")
    }
    initial["unit"] = unit.pk
    initial["id_number"] = ""
    initial["youth_union"] = tri_value(data.youth_union)
    for name, value in sensitive.items():
        initial[name] = value or ""
    if sensitive.get("party_member"):
        initial["party_member"] = "yes" if sensitive["party_member"] == "Có" else "no"
    return initial


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(s.value, s.label) for s in Status if s != Status.TRANSFERRED],
    )
    date = forms.DateField(label=_("Since"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class TransferForm(forms.Form):
    to_unit = forms.CharField(
        label=_("Receiving unit (code or name)"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, initial="Kết hôn")
    date = forms.DateField(label=_("Date"), widget=DateInput())


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class IndicatorsForm(forms.Form):
    def __init__(self, *args: Any, keep: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("keep", _("Leave as it is")), *YES_NO_UNKNOWN] if keep else YES_NO_UNKNOWN
        for name, label in INDICATORS.items():
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, required=False, initial="keep" if keep else ""
            )

    def values(self) -> dict[str, bool | None]:
        return {name: tri_state(self.cleaned_data.get(name)) for name in INDICATORS}


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    channel = forms.ChoiceField(label=_("How it was given"), choices=ConsentChannel.choices)


class DuesForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())


class SelfServiceForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    zalo = forms.CharField(label=_("Zalo"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    residence_detail = forms.CharField(
        label=_("House number, street"), max_length=200, required=False
    )
    request = forms.CharField(
        label=_("Other corrections for the chapter (name, date of birth, address …)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LoginForMemberForm(forms.Form):
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        min_length=8,
        help_text=_("Tell it to the member; she logs in with her phone number."),
    )


class PositionForm(forms.Form):
    title = forms.CharField(
        label=_("Position"),
        max_length=100,
        help_text=_("e.g. Chi hội trưởng, Chủ tịch Hội LHPN xã"),
    )
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput(), required=False)
