"""The audit log: append-only, written with the change, filtered by scope, exportable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from hoiso.core.audit import audit
from hoiso.core.models import AppendOnlyError, AuditLog
from hoiso.org import services
from tests.conftest import client_for


def test_rows_cannot_be_changed_or_removed_through_the_orm(users):
    row = audit(actor=users["admin"], action="test.action")
    row.action = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=row.pk).delete()


def test_the_database_refuses_updates_too(users):
    row = audit(actor=users["admin"], action="test.action")
    with pytest.raises(Exception) as info, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET action = 'x' WHERE id = %s", [row.pk])
    assert "append-only" in str(info.value) or isinstance(info.value, IntegrityError)
    assert AuditLog.objects.get(pk=row.pk).action == "test.action"


def test_audit_row_is_part_of_the_change_transaction(tree, users):
    before = AuditLog.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.unit_rename(
            actor=users["admin"],
            unit=tree.commune_b,
            new_name="Tên mới",
            effective_date=dt.date(2026, 1, 1),
        )
        raise RuntimeError("boom")
    assert AuditLog.objects.count() == before


def test_source_address_is_recorded(tree, users):
    client = client_for(users["admin"])
    client.post(
        reverse("org:unit_restructure", args=[tree.commune_b.code, "rename"]),
        {"new_name": "Hội LHPN xã Đại Từ 2", "effective_date": "2026-02-01", "confirm": "1"},
        REMOTE_ADDR="203.0.113.7",
    )
    row = AuditLog.objects.get(action="unit.rename")
    assert row.ip == "203.0.113.7" and row.actor == users["admin"]
    assert row.unit_id == tree.commune_b.pk


def test_screen_filters_by_scope_user_action_and_date(tree, users):
    audit(actor=users["cadre_a"], action="unit.rename", unit=tree.commune_a)
    audit(actor=users["cadre_b"], action="unit.rename", unit=tree.commune_b)
    audit(actor=users["cadre_b"], action="user.create", unit=tree.commune_b)
    from tests.conftest import make_user

    leader_b = make_user("lanhdao_daitu", "leader", tree.commune_b)
    page = client_for(leader_b).get(reverse("core:audit_list")).content.decode()
    assert "canbo_daitu" in page and "canbo_phoyen" not in page  # commune A is out of her scope
    province = client_for(users["leader"])
    page = province.get(
        reverse("core:audit_list"), {"user": "canbo_daitu", "action": "unit."}
    ).content.decode()
    assert page.count("<code>unit.rename</code>") == 1 and "user.create" not in page
    today = dt.date.today()
    empty = province.get(
        reverse("core:audit_list"), {"date_to": (today - dt.timedelta(days=3)).strftime("%d/%m/%Y")}
    )
    assert "canbo_daitu" not in empty.content.decode()


def test_export_to_excel_is_itself_audited(tree, users):
    audit(actor=users["cadre_b"], action="unit.rename", unit=tree.commune_b, object_repr="Đại Từ")
    response = client_for(users["leader"]).get(
        reverse("core:audit_export"), {"user": "canbo_daitu"}
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    header_index = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    data = [r for r in rows[header_index + 1 :] if r and r[0]]
    assert len(data) == 1 and data[0][2] == "canbo_daitu" and data[0][6] == "Đại Từ"
    assert AuditLog.objects.filter(action="audit.export", actor=users["leader"]).count() == 1
