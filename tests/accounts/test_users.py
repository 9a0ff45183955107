"""Managing users and role assignments in the product's own screens, and personal tokens."""

from __future__ import annotations

from django.urls import reverse

from hoiso.accounts.models import PersonalToken, RoleAssignment, User
from hoiso.core.models import AuditLog
from tests.conftest import client_for


def test_admin_creates_user_with_role_at_a_unit(users, tree):
    client = client_for(users["admin"])
    from hoiso.accounts.models import Role

    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "canbo_moi",
            "full_name": "NGUYỄN THỊ BÍCH",
            "phone": "+84 987 654 321",
            "password": "Mat-khau-dai-2026",
            "role": Role.objects.get(code="cadre").pk,
            "unit": tree.commune_b.pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="canbo_moi")
    assert user.phone == "0987654321"
    assert RoleAssignment.objects.get(user=user).unit == tree.commune_b
    entry = AuditLog.objects.get(action="user.create", object_id=str(user.pk))
    assert entry.actor == users["admin"]


def test_bad_phone_is_a_clear_field_error_and_nothing_written(users, tree):
    client = client_for(users["admin"])
    from hoiso.accounts.models import Role

    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "canbo_sai",
            "full_name": "X",
            "phone": "12345",
            "role": Role.objects.get(code="cadre").pk,
            "unit": tree.commune_b.pk,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="canbo_sai").exists()
    assert "12345" in response.content.decode()


def test_commune_admin_cannot_assign_outside_her_commune(users, tree):
    from hoiso.accounts.models import Role
    from tests.conftest import make_user

    admin_a = make_user("quantri_phoyen", "admin", tree.commune_a)
    client = client_for(admin_a)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "x1",
            "full_name": "X",
            "role": Role.objects.get(code="cadre").pk,
            "unit": tree.commune_b.pk,
        },
    )
    # commune B is not among the choices she is offered: a form error, nothing created
    assert response.status_code == 200
    assert not User.objects.filter(username="x1").exists()


def test_revoke_ends_the_assignment_and_scope(users, tree):
    client = client_for(users["admin"])
    ra = RoleAssignment.objects.get(user=users["chapter_a1"])
    assert client.post(reverse("accounts:assignment_revoke", args=[ra.pk])).status_code == 302
    ra.refresh_from_db()
    assert ra.valid_to is not None
    chapter_client = client_for(users["chapter_a1"])
    assert chapter_client.get(reverse("org:unit_tree")).status_code == 403


def test_tokens_are_stored_hashed_and_revocable_via_api(users):
    client = client_for(users["cadre_a"])
    created = client.post(
        reverse("api:token_create"), {"name": "báo cáo"}, content_type="application/json"
    )
    assert created.status_code == 201
    raw = created.json()["token"]
    token = PersonalToken.objects.get(pk=created.json()["id"])
    assert raw not in (token.digest, token.prefix) and token.digest != raw
    anon = client_for(users["cadre_b"])  # other users cannot see it
    assert anon.get(reverse("api:token_list")).json() == []
    from django.test import Client

    bearer = Client()
    assert bearer.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.delete(reverse("api:token_revoke", args=[token.pk])).status_code == 204
    assert bearer.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_create_token_command_prints_a_working_token(users, capsys):
    from django.core.management import call_command
    from django.test import Client

    call_command("create_token", "canbo_daitu", "--name", "script")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    response = Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json()["username"] == "canbo_daitu"


def test_viewing_a_profile_is_audited(users):
    client_for(users["admin"]).get(reverse("accounts:user_detail", args=[users["cadre_b"].pk]))
    row = AuditLog.objects.get(action="user.view", object_id=str(users["cadre_b"].pk))
    assert row.actor == users["admin"] and row.unit is not None
