"""Shared fixtures: a small tree (province → two communes → chapters → groups) and users per role.

Everything is built through the services, as the product builds it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from hoiso.accounts import services as account_services
from hoiso.accounts.models import Role, User
from hoiso.org import services as org_services
from hoiso.org.models import Level, Unit

PASSWORD = "Hs-test-2026!"
START = dt.date(2020, 1, 1)


@dataclass
class Tree:
    central: Unit
    province: Unit
    commune_a: Unit
    commune_b: Unit
    chapter_a1: Unit
    chapter_a2: Unit
    chapter_b1: Unit
    group_a1: Unit
    group_b1: Unit


def level(code: str) -> Level:
    return Level.objects.get(code=code)


def make_unit(code: str, name: str, level_code: str, parent: Unit | None) -> Unit:
    return org_services.unit_create(
        actor=None, code=code, name=name, level=level(level_code), parent=parent, valid_from=START
    )


@pytest.fixture
def tree(db: Any) -> Tree:
    central = make_unit("TW", "Trung ương Hội LHPN Việt Nam", "trung-uong", None)
    province = make_unit("TN", "Hội LHPN tỉnh Thái Nguyên", "tinh", central)
    a = make_unit("TN-PHOYEN", "Hội LHPN phường Phổ Yên", "xa", province)
    b = make_unit("TN-DAITU", "Hội LHPN xã Đại Từ", "xa", province)
    a1 = make_unit("TN-PHOYEN-CH1", "Chi hội Tổ dân phố 1", "chi-hoi", a)
    a2 = make_unit("TN-PHOYEN-CH2", "Chi hội Tổ dân phố 2", "chi-hoi", a)
    b1 = make_unit("TN-DAITU-CH1", "Chi hội xóm Đồng Tâm", "chi-hoi", b)
    ga1 = make_unit("TN-PHOYEN-CH1-T1", "Tổ phụ nữ số 1", "to", a1)
    gb1 = make_unit("TN-DAITU-CH1-T1", "Tổ phụ nữ số 1 Đồng Tâm", "to", b1)
    return Tree(central, province, a, b, a1, a2, b1, ga1, gb1)


def make_user(username: str, role: str | None, unit: Unit | None, **extra: Any) -> User:
    user = account_services.user_create(actor=None, username=username, password=PASSWORD, **extra)
    if role and unit:
        account_services.role_assign(
            actor=None, user=user, role=Role.objects.get(code=role), unit=unit, valid_from=START
        )
    return user


@pytest.fixture
def users(tree: Tree) -> dict[str, User]:
    """One user per seeded role, at the levels where such people really work."""
    return {
        "admin": make_user("admin_tinh", "admin", tree.province, full_name="Quản trị Tỉnh"),
        "leader": make_user("lanhdao_tinh", "leader", tree.province, full_name="Lãnh đạo Tỉnh"),
        "province_cadre": make_user("canbo_tinh", "cadre", tree.province, full_name="Cán bộ Tỉnh"),
        "cadre_a": make_user(
            "canbo_phoyen", "cadre", tree.commune_a, full_name="Nguyễn Thị Hoa", phone="0912345678"
        ),
        "cadre_b": make_user("canbo_daitu", "cadre", tree.commune_b, full_name="Trần Thị Lan"),
        "chapter_a1": make_user("chihoi_a1", "chapter", tree.chapter_a1, full_name="Lê Thị Mai"),
        "member": make_user("hoivien", "member", tree.chapter_a1, full_name="Phạm Thị Hạnh"),
        "nobody": make_user("khongvaitro", None, None, full_name="Không Vai Trò"),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Cached scopes are keyed by user id; test databases reuse ids between tests.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Argon2 is the product's hasher (tested in tests/accounts); tests elsewhere need speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
