"""The member registry: profiles, positions, transfers, dues, consent, change requests."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hoiso.core.access import RestrictedQuerySet
from hoiso.members.choices import (
    CardStatus,
    Education,
    MaritalStatus,
    MemberType,
    Occupation,
    PoliticalTheory,
    Sex,
    Status,
)


class MemberQuerySet(RestrictedQuerySet["Member"]):
    def current(self) -> MemberQuerySet:
        return self.filter(status__in=[Status.ACTIVE, Status.AWAY])


class Member(models.Model):
    """A member of the union (regular or honorary) with her profile and membership.

    Sensitive values and the ID number are stored encrypted (``*_enc``) beside a keyed hash
    (``*_idx``) that lets filters, duplicate checks and aggregates work without decrypting.
    """

    # identity
    full_name = models.CharField(_("full name"), max_length=150)
    name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    name_sort = models.CharField(max_length=400, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.FEMALE)
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_idx = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    id_number_hint = models.CharField(max_length=12, blank=True, editable=False)
    phone = models.CharField(_("phone number"), max_length=10, blank=True, db_index=True)
    zalo = models.CharField(_("Zalo"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="members/photos/", blank=True)
    # residence
    residence_province = models.CharField(_("province"), max_length=100, blank=True)
    residence_commune = models.CharField(_("commune or ward"), max_length=100, blank=True)
    residence_hamlet = models.CharField(_("village or street group"), max_length=100, blank=True)
    residence_detail = models.CharField(_("house number, street"), max_length=200, blank=True)
    former_address = models.CharField(_("address before 2025"), max_length=255, blank=True)
    # socio-demographic
    occupation = models.CharField(
        _("occupation"), max_length=20, choices=Occupation.choices, blank=True
    )
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    political_theory = models.CharField(
        _("political theory"), max_length=20, choices=PoliticalTheory.choices, blank=True
    )
    marital_status = models.CharField(
        _("marital status"), max_length=20, choices=MaritalStatus.choices, blank=True
    )
    youth_union = models.BooleanField(_("youth union member"), null=True, blank=True)
    # sensitive (encrypted + keyed hash)
    ethnicity_enc = models.TextField(blank=True, editable=False)
    ethnicity_idx = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    religion_enc = models.TextField(blank=True, editable=False)
    religion_idx = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    party_member_enc = models.TextField(blank=True, editable=False)
    party_member_idx = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    health_enc = models.TextField(blank=True, editable=False)
    health_idx = models.CharField(max_length=32, blank=True, editable=False)
    poverty_enc = models.TextField(blank=True, editable=False)
    poverty_idx = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    hardship_enc = models.TextField(blank=True, editable=False)
    hardship_idx = models.CharField(max_length=32, blank=True, editable=False)
    # membership
    member_type = models.CharField(
        _("membership type"), max_length=10, choices=MemberType.choices, default=MemberType.REGULAR
    )
    join_date = models.DateField(_("joined on"), null=True, blank=True)
    join_year = models.PositiveSmallIntegerField(
        _("year joined"), null=True, blank=True, db_index=True
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="members")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    status_date = models.DateField(_("status since"), null=True, blank=True)
    status_reason = models.CharField(_("reason"), max_length=255, blank=True)
    card_number = models.CharField(_("card number"), max_length=32, blank=True, db_index=True)
    card_status = models.CharField(
        _("card"), max_length=10, choices=CardStatus.choices, default=CardStatus.NONE
    )
    card_issued_on = models.DateField(_("card issued on"), null=True, blank=True)
    card_version = models.PositiveIntegerField(default=0, editable=False)
    # digital participation (None = not asked yet)
    has_smartphone = models.BooleanField(null=True, blank=True)
    vneid_level2 = models.BooleanField(null=True, blank=True)
    uses_public_services = models.BooleanField(null=True, blank=True)
    cashless = models.BooleanField(null=True, blank=True)
    sells_online = models.BooleanField(null=True, blank=True)
    digital_training = models.BooleanField(null=True, blank=True)
    indicators_updated_at = models.DateTimeField(null=True, blank=True)
    self_updated_at = models.DateTimeField(null=True, blank=True)
    # account for self-service
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    source = models.CharField(max_length=20, default="cadre", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["name_folded", "name_sort", "updated_at"])
    objects = MemberQuerySet.as_manager()

    scope_path_field = "unit__path"
    scope_owner_field = "user"

    class Meta:
        ordering = ["name_sort", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["card_number"], condition=~Q(card_number=""), name="unique_card_number"
            )
        ]
        indexes = [
            models.Index(fields=["unit", "name_sort", "id"], name="member_unit_sort"),
            models.Index(fields=["status", "unit"], name="member_status_unit"),
            # Covering indexes of the live statistics (migrations 0004 and 0005; the id is an
            # INCLUDE column on PostgreSQL, SQLite ignores it).
            models.Index(
                fields=[
                    "unit",
                    "status",
                    "card_status",
                    "has_smartphone",
                    "vneid_level2",
                    "uses_public_services",
                    "cashless",
                    "sells_online",
                    "digital_training",
                    "member_type",
                    "occupation",
                    "birth_year",
                    "join_year",
                ],
                include=["id"],
                name="member_stats_unit",
            ),
            models.Index(
                fields=[
                    "unit",
                    "status",
                    "ethnicity_idx",
                    "religion_idx",
                    "party_member_idx",
                    "poverty_idx",
                ],
                name="member_stats_sensitive",
            ),
        ]
        permissions = [
            ("view_sensitive_member", "Can see and filter sensitive member data"),
            ("export_member", "Can export member lists"),
            ("import_member", "Can import members from a file"),
            ("transfer_member", "Can transfer members between units"),
            ("record_dues", "Can record dues payments"),
            ("issue_card", "Can issue and revoke member cards"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def indicator_values(self) -> list[bool | None]:
        """The digital-participation answers, in the order of choices.INDICATORS."""
        from hoiso.members.choices import INDICATORS

        return [getattr(self, name) for name in INDICATORS]

    @property
    def is_current(self) -> bool:
        return self.status in (Status.ACTIVE, Status.AWAY)

    def age_on(self, day: dt.date) -> int:
        if self.birth_date is None:
            return day.year - self.birth_year
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class Position(models.Model):
    """A union position (Chi hội trưởng, Chủ tịch …) held by a member for a term."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(_("position"), max_length=100)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["-start"]

    def __str__(self) -> str:
        return f"{self.title} ({self.member_id})"


class TransferState(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiving unit")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(models.Model):
    """A member sent from one unit to another; the receiving unit accepts or refuses."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    from_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=255)
    date = models.DateField(_("date"))
    state = models.CharField(
        max_length=10, choices=TransferState.choices, default=TransferState.PENDING
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = RestrictedQuerySet.as_manager()
    # Visible from either side: the sending and the receiving unit.
    scope_path_field = "from_unit__path"
    scope_extra_path_fields = ("to_unit__path",)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(state="pending"), name="one_pending_transfer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_unit_id} → {self.to_unit_id} ({self.state})"


class DuesRate(models.Model):
    """The yearly dues amount and its split between levels, from an effective date (config)."""

    effective_from = models.DateField(_("effective from"), unique=True)
    amount = models.PositiveIntegerField(_("amount per year (VND)"))
    split = models.JSONField(_("split between levels (%)"), default=dict, blank=True)
    note = models.CharField(_("basis"), max_length=255, blank=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.amount} từ {self.effective_from:%d/%m/%Y}"


class DuesPayment(models.Model):
    """One member's dues for one year."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="dues")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.PositiveIntegerField(_("amount (VND)"))
    paid_on = models.DateField(_("paid on"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "member__unit__path"

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="one_dues_per_year")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}"


class ConsentPurpose(models.TextChoices):
    MEMBERSHIP = "membership", _("Membership administration")
    STATISTICS = "statistics", _("Statistics and reports")
    COMMUNICATION = "communication", _("Notices and communication")
    PHOTO = "photo", _("Use of photographs")


class ConsentChannel(models.TextChoices):
    APP = "app", _("In the app, by the member")
    PAPER = "paper", _("On paper, captured by the chapter")


class Consent(models.Model):
    """Consent for one purpose (Law 91/2025): how it was given, and its withdrawal."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    channel = models.CharField(max_length=10, choices=ConsentChannel.choices)
    notice_version = models.CharField(max_length=20, default="2026-01")
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["purpose", "-given_at"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.purpose}"


class ChangeRequest(models.Model):
    """A change a member asks for on her own profile; the chapter decides."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="change_requests")
    changes = models.JSONField()
    note = models.CharField(max_length=255, blank=True)
    state = models.CharField(
        max_length=10, choices=TransferState.choices, default=TransferState.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "member__unit__path"

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.state}"


class MemberCount(models.Model):
    """How many members of a unit's subtree (the unit and all under it) fall under one key.

    Kept by database triggers on members, dues and unit moves (hoiso/members/stats/counts.py:
    the keys, the triggers, ``rebuild_member_counts``); never written by application code. The
    statistics page reads the rows of the unit and of its children.
    """

    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,  # rows of a deleted unit are zeros; no check on every upsert
        db_index=False,  # the unique key leads with the unit
    )
    dim = models.CharField(max_length=24)
    value = models.CharField(max_length=32, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "dim", "value"], name="member_count_key")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.dim}={self.value}: {self.n}"
