"""Domain checks of a member profile: ID numbers, age, sex, birth dates. Pure functions.

Each check raises ``ValidationError`` with a message that says what is wrong; services, forms,
the API and the importer all call these, so a rule lives in one place.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hoiso.members.choices import MemberType, Sex

ADULT_AGE = 18
CCCD_LENGTH = 12
OLD_ID_LENGTH = 9
# Digit 4 of a CCCD: sex and century of birth (Circular 59/2021/TT-BCA).
CENTURY_SEX = {
    "0": (1900, Sex.MALE), "1": (1900, Sex.FEMALE),
    "2": (2000, Sex.MALE), "3": (2000, Sex.FEMALE),
    "4": (2100, Sex.MALE), "5": (2100, Sex.FEMALE),
    "6": (2200, Sex.MALE), "7": (2200, Sex.FEMALE),
    "8": (2300, Sex.MALE), "9": (2300, Sex.FEMALE),
}  # fmt: skip
PROVINCE_CODES = range(1, 97)  # 001 Hà Nội … 096 Cà Mau
_ID_SEPARATORS_RE = re.compile(r"[\s.\-]")


def normalize_id_number(raw: object) -> str:
    """Digits only; a leading zero that a spreadsheet ate is put back (11→12, 8→9 digits)."""
    if raw is None:
        return ""
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValidationError(_("The ID number must contain digits only."), code="id_format")
        raw = int(raw)
    text = str(raw)
    if not text.isdigit():  # the common case (digits only) needs no clean-up
        text = _ID_SEPARATORS_RE.sub("", text)
    if not text:
        return ""
    if not text.isdigit():
        raise ValidationError(_("The ID number must contain digits only."), code="id_format")
    if len(text) in (CCCD_LENGTH - 1, OLD_ID_LENGTH - 1):
        text = "0" + text
    return text


def check_id_number(number: str, *, birth_year: int | None, sex: str | None) -> str:
    """A 12-digit CCCD that agrees with the birth year and sex, or an old 9-digit ID."""
    if not number:
        return ""
    if len(number) == OLD_ID_LENGTH:
        return number
    if len(number) != CCCD_LENGTH:
        raise ValidationError(
            _("The ID number must have 12 digits (or 9 for an old ID card); it has %(n)d.")
            % {"n": len(number)},
            code="id_length",
        )
    if int(number[:3]) not in PROVINCE_CODES:
        raise ValidationError(
            _("The ID number starts with %(code)s, which is no province code.")
            % {"code": number[:3]},
            code="id_province",
        )
    century, id_sex = CENTURY_SEX[number[3]]
    id_year = century + int(number[4:6])
    if birth_year is not None and id_year != birth_year:
        raise ValidationError(
            _("The ID number says born in %(id_year)d, the profile says %(year)d.")
            % {"id_year": id_year, "year": birth_year},
            code="id_year",
        )
    if sex and id_sex != sex:
        raise ValidationError(
            _("The ID number is that of a %(id_sex)s, the profile says %(sex)s.")
            % {"id_sex": Sex(id_sex).label.lower(), "sex": Sex(sex).label.lower()},
            code="id_sex",
        )
    return number


def mask_id_number(number: str) -> str:
    """``0191******45``: the first four and the last two digits."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


def check_member_type(*, member_type: str, sex: str, age: int | None) -> None:
    """A regular member is a woman of 18 or more; an honorary member may be anyone."""
    if member_type != MemberType.REGULAR:
        return
    if sex != Sex.FEMALE:
        raise ValidationError(
            _("A regular member must be a woman; a man can be an honorary member."), code="sex"
        )
    if age is not None and age < ADULT_AGE:
        raise ValidationError(
            _("A regular member must be at least 18 years old (this person is %(age)d).")
            % {"age": age},
            code="age",
        )


def age_on(day: dt.date, *, birth_date: dt.date | None, birth_year: int) -> int:
    if birth_date is None:
        return day.year - birth_year
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_birth(
    *, birth_date: dt.date | None, birth_year: int | None, today: dt.date
) -> tuple[dt.date | None, int]:
    """A plausible birth date or year (a year alone is common on old rosters)."""
    if birth_date is not None:
        birth_year = birth_date.year
    if birth_year is None:
        raise ValidationError(_("The date or year of birth is required."), code="birth_required")
    if birth_year < today.year - 120 or (birth_date or dt.date(birth_year, 1, 1)) > today:
        raise ValidationError(
            _("The year of birth %(year)d is not possible.") % {"year": birth_year},
            code="birth_range",
        )
    return birth_date, birth_year
