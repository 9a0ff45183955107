"""Login by username or phone, Argon2 hashing, lockout per account and per address."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hoiso.accounts.models import User
from tests.conftest import PASSWORD


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.parametrize(
    "login_name", ["canbo_phoyen", "CANBO_PHOYEN", "0912345678", "+84 912 345 678", "912.345.678"]
)
def test_login_by_username_or_phone(users, login_name):
    client = Client()
    response = login(client, login_name, PASSWORD)
    assert response.status_code == 302, response.content[:300]
    assert client.get(reverse("api:me")).json()["username"] == "canbo_phoyen"


def test_wrong_password_is_refused_with_a_message(users):
    response = login(Client(), "canbo_phoyen", "wrong")
    assert response.status_code == 200
    assert (
        "Wrong username, phone number or password" in response.content.decode()
        or "Sai tên đăng nhập" in response.content.decode()
    )


def test_passwords_are_hashed_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    from hoiso.accounts.services import user_create

    user = user_create(actor=None, username="argon", password=PASSWORD)
    assert User.objects.get(pk=user.pk).password.startswith("argon2$")


def test_lockout_per_account_across_addresses(users, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for i in range(3):
        login(client, "canbo_phoyen", "wrong", ip=f"10.0.1.{i}")
    # the right password no longer works for this account, from a fresh address, even by phone
    response = login(Client(), "0912345678", PASSWORD, ip="10.0.9.9")
    assert response.status_code == 429
    assert (
        "Too many failed attempts" in response.content.decode()
        or "Đăng nhập sai quá nhiều lần" in response.content.decode()
    )
    # another account from another address is unaffected
    assert login(Client(), "canbo_daitu", PASSWORD, ip="10.0.9.8").status_code == 302


def test_lockout_per_address_across_accounts(users, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for name in ["a1", "a2", "a3"]:
        login(Client(), name, "wrong", ip="10.0.2.2")
    assert login(Client(), "canbo_daitu", PASSWORD, ip="10.0.2.2").status_code == 429
    assert login(Client(), "canbo_daitu", PASSWORD, ip="10.0.2.3").status_code == 302


def test_inactive_user_cannot_log_in(users):
    user = users["cadre_b"]
    user.is_active = False
    user.save()
    assert login(Client(), "canbo_daitu", PASSWORD).status_code == 200
