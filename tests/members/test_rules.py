"""CCCD structure, age and sex rules, masking."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from hoiso.members import rules


@pytest.mark.parametrize(
    ("number", "year", "sex"),
    [
        ("019185001234", 1985, "F"),  # Thái Nguyên 019, female 1900s, 85
        ("001085001234", 1985, "M"),
        ("019305001234", 2005, "F"),
        ("019200001234", 2000, "M"),
    ],
)
def test_cccd_agrees_with_birth_year_and_sex(number, year, sex):
    assert rules.check_id_number(number, birth_year=year, sex=sex) == number


@pytest.mark.parametrize(
    ("number", "year", "sex", "code"),
    [
        ("019185001234", 1986, "F", "id_year"),
        ("019085001234", 1985, "F", "id_sex"),
        ("019305001234", 1905, "F", "id_year"),
        ("01918500123", 1985, "F", "id_length"),
        ("999185001234", 1985, "F", "id_province"),
    ],
)
def test_cccd_disagreements_are_named(number, year, sex, code):
    with pytest.raises(ValidationError) as info:
        rules.check_id_number(number, birth_year=year, sex=sex)
    assert info.value.code == code


def test_old_nine_digit_id_is_accepted_as_such():
    assert rules.check_id_number("090123456", birth_year=1970, sex="F") == "090123456"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (19185001234, "019185001234"),  # the leading zero a spreadsheet ate
        (19185001234.0, "019185001234"),
        ("0191 8500 1234", "019185001234"),
        ("90123456", "090123456"),
        ("", ""),
    ],
)
def test_id_number_normalisation(raw, expected):
    assert rules.normalize_id_number(raw) == expected


def test_id_number_with_letters_is_refused():
    with pytest.raises(ValidationError):
        rules.normalize_id_number("01918500ABCD")


def test_mask():
    assert rules.mask_id_number("019185001245") == "0191******45"


def test_regular_members_are_adult_women_honorary_anyone():
    rules.check_member_type(member_type="regular", sex="F", age=18)
    rules.check_member_type(member_type="honorary", sex="M", age=40)
    with pytest.raises(ValidationError) as info:
        rules.check_member_type(member_type="regular", sex="F", age=17)
    assert info.value.code == "age"
    with pytest.raises(ValidationError) as info:
        rules.check_member_type(member_type="regular", sex="M", age=40)
    assert info.value.code == "sex"
