"""Closed lists of the member profile. Labels are English msgids with Vietnamese translations."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberType(models.TextChoices):
    REGULAR = "regular", _("Regular")
    HONORARY = "honorary", _("Honorary")


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    AWAY = "away", _("Away (working elsewhere)")
    TRANSFERRED = "transferred", _("Transferred out")
    LEFT = "left", _("Left the union")
    DECEASED = "deceased", _("Deceased")


# Statuses that count as a membership in force (a person may hold only one such).
CURRENT_STATUSES = (Status.ACTIVE, Status.AWAY)


class Occupation(models.TextChoices):
    FARMER = "farmer", _("Farmer")
    WORKER = "worker", _("Worker")
    CIVIL_SERVANT = "civil_servant", _("Civil servant, public employee")
    RETIRED = "retired", _("Retired")
    TRADER = "trader", _("Small trader")
    BUSINESS = "business", _("Business or cooperative owner")
    STUDENT = "student", _("Pupil or student")
    FREELANCE = "freelance", _("Self-employed")
    HOMEMAKER = "homemaker", _("Homemaker")
    OTHER = "other", _("Other")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")
    VOCATIONAL = "vocational", _("Vocational training")
    COLLEGE = "college", _("College")
    UNIVERSITY = "university", _("University")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class PoliticalTheory(models.TextChoices):
    NONE = "none", _("None")
    ELEMENTARY = "elementary", _("Elementary")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class CardStatus(models.TextChoices):
    NONE = "none", _("No card")
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")


# Sensitive fields (Law 91/2025): encrypted, with a keyed hash for filters and aggregates.
SENSITIVE_FIELDS: dict[str, Any] = {
    "ethnicity": _("Ethnicity"),
    "religion": _("Religion"),
    "party_member": _("Party member"),
    "health": _("Health or disability"),
    "poverty": _("Poor or near-poor household"),
    "hardship": _("Hardship"),
}

# Digital-participation indicators (the 90% target).
INDICATORS: dict[str, Any] = {
    "has_smartphone": _("Has a smartphone"),
    "vneid_level2": _("VNeID level 2 activated"),
    "uses_public_services": _("Uses online public services"),
    "cashless": _("Pays cashless"),
    "sells_online": _("Sells online"),
    "digital_training": _("Attended digital-skills training"),
}

ETHNICITIES = [
    "Kinh",
    "Tày",
    "Nùng",
    "Dao",
    "Mông",
    "Sán Dìu",
    "Sán Chay",
    "Hoa",
    "Mường",
    "Thái",
    "Khmer",
    "Ngái",
    "Giáy",
    "Lô Lô",
    "Pà Thẻn",
    "Khác",
]
RELIGIONS = ["Không", "Phật giáo", "Công giáo", "Tin Lành", "Cao Đài", "Hòa Hảo", "Khác"]
