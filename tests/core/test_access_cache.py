"""Cached scopes: one query when cold, none when warm, and never stale after a change."""

from __future__ import annotations

import datetime as dt

from hoiso.accounts import services as account_services
from hoiso.accounts.models import RoleAssignment, User
from hoiso.core.access import has_perm, has_perm_at, user_scopes
from hoiso.org import services as org_services
from hoiso.org.models import Unit


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # a new request's user object


def test_cold_scopes_take_one_query_and_warm_ones_none(users, django_assert_num_queries):
    cold, warm = fresh(users["cadre_a"]), fresh(users["cadre_a"])
    with django_assert_num_queries(1):
        user_scopes(cold)
    with django_assert_num_queries(0):
        assert user_scopes(warm) == user_scopes(cold)


def test_revoking_is_seen_at_once(users):
    user = users["chapter_a1"]
    assert has_perm(fresh(user), "org.view_unit")
    account_services.role_revoke(actor=None, assignment=RoleAssignment.objects.get(user=user))
    assert not has_perm(fresh(user), "org.view_unit")


def test_a_role_losing_a_permission_is_seen_at_once(users):
    user = users["leader"]
    assert has_perm(fresh(user), "core.view_auditlog")
    role = RoleAssignment.objects.get(user=user).role
    role.permissions.remove(*role.permissions.filter(codename="view_auditlog"))
    assert not has_perm(fresh(user), "core.view_auditlog")


def test_moved_units_change_cached_paths(users, tree):
    user = users["chapter_a1"]
    assert has_perm_at(fresh(user), "org.view_unit", tree.chapter_a1.path)
    org_services.unit_move(
        actor=None,
        unit=tree.chapter_a1,
        new_parent=tree.commune_b,
        effective_date=dt.date(2026, 7, 1),
    )
    moved = Unit.objects.get(pk=tree.chapter_a1.pk)
    assert has_perm_at(fresh(user), "org.view_unit", moved.path)
    assert [e.unit_path for e in user_scopes(fresh(user))] == [moved.path]


def test_page_header_costs_no_query_and_follows_a_rename(users, tree, django_assert_num_queries):
    from hoiso.accounts.selectors import scope_summary

    user = fresh(users["cadre_a"])
    user_scopes(user)
    with django_assert_num_queries(0):
        header = scope_summary(user)
    assert [(h["unit_name"], h["role_name"]) for h in header] == [
        (tree.commune_a.name, "Cán bộ chuyên trách")
    ]
    org_services.unit_rename(
        actor=None,
        unit=tree.commune_a,
        new_name="Hội LHPN phường Phổ Yên mới",
        effective_date=dt.date(2026, 7, 1),
    )
    assert [h["unit_name"] for h in scope_summary(fresh(users["cadre_a"]))] == [
        "Hội LHPN phường Phổ Yên mới"
    ]
