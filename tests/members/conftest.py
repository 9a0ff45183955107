"""Member fixtures, built through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hoiso.members.models import DuesRate
from hoiso.members.services import MemberInput, member_create


def make_member(unit: Any, name: str, *, actor: Any = None, **extra: Any) -> Any:
    extra.setdefault("birth_date", dt.date(1985, 3, 5))
    extra.setdefault("join_date", dt.date(2010, 3, 8))
    return member_create(actor=actor, data=MemberInput(full_name=name, **extra), unit=unit)


@pytest.fixture
def dues_rate(db: Any) -> DuesRate:
    return DuesRate.objects.create(effective_from=dt.date(2020, 1, 1), amount=12000)
