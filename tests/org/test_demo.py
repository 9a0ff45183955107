"""The demo province: shape, determinism, logins, idempotence."""

from __future__ import annotations

import random

from django.core.management import call_command
from django.test import Client

from hoiso.org.demo.build import DEMO_PASSWORD, LOGINS, commune_rows
from hoiso.org.models import Level, Unit


def test_rows_are_deterministic_for_a_seed(db):
    levels = {lv.code: lv for lv in Level.objects.all()}
    first = [(r.code, r.name, r.parent_code) for r in commune_rows(random.Random(7), levels)]
    again = [(r.code, r.name, r.parent_code) for r in commune_rows(random.Random(7), levels)]
    other = [(r.code, r.name, r.parent_code) for r in commune_rows(random.Random(8), levels)]
    assert first == again and first != other


def test_demo_province_shape_logins_and_second_run(db, capsys):
    call_command("demo_province", "--seed", "3")
    out = capsys.readouterr().out
    communes = Unit.objects.filter(level__code="xa", parent__code="TNG")
    assert 85 <= communes.count() <= 100
    for commune in communes:
        assert 5 <= commune.children.count() <= 15
    assert Unit.objects.filter(level__code="to").count() > 0
    for login in LOGINS:
        assert login.username in out
    assert DEMO_PASSWORD in out
    response = Client().post(
        "/accounts/login/", {"username": "0912000001", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302  # the member logs in by phone
    count = Unit.objects.count()
    call_command("demo_province")
    assert Unit.objects.count() == count


def test_demo_members_are_valid_realistic_and_deterministic(db, capsys):
    from hoiso.members.models import Member
    from hoiso.members.services import sensitive_values

    call_command("demo_province", "--members", "60", "--seed", "5")
    demo = Member.objects.filter(source="demo")
    assert demo.count() == 61  # 60 and the self-service demo member
    assert demo.filter(user__username="hoivien").exists()
    names = sorted(demo.values_list("full_name", flat=True))
    assert all(len(n.split()) >= 3 for n in names)
    ethnicities = {sensitive_values(m)["ethnicity"] for m in demo.exclude(user__isnull=False)}
    assert "Kinh" in ethnicities and len(ethnicities) >= 2
    assert demo.filter(card_status="issued").exists()
    call_command("demo_province", "--members", "60")
    assert Member.objects.filter(source="demo").count() == 61  # a second run adds nothing
