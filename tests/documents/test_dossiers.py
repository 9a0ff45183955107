"""Files (hồ sơ): contents, closing with retention, review list, disposal by decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hoiso.core.models import AuditLog
from hoiso.documents.models import Document, DossierStatus
from hoiso.documents.services.dossiers import (
    disposal_decide,
    dossier_add_documents,
    dossier_close,
    dossier_create,
    dossier_remove_document,
    dossiers_due_for_review,
)
from tests.documents.records_helpers import attach_file, make_doc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def new(users: Any, unit: Any, code: str, **extra: Any) -> Any:
    return dossier_create(actor=users["cadre_a"], unit=unit, code=code, title=f"Hồ sơ {code}",
                          year=2020, **extra)  # fmt: skip


def test_a_document_sits_in_several_files_without_copies(tree: Any, users: Any) -> None:
    cadre = users["cadre_a"]
    doc = make_doc(tree.commune_a, type="KH")
    first, second = new(users, tree.commune_a, "A"), new(users, tree.commune_a, "B")
    dossier_add_documents(actor=cadre, dossier=first, documents=[doc])
    dossier_add_documents(actor=cadre, dossier=second, documents=[doc, doc])
    assert Document.objects.count() == 1 and set(doc.dossiers.all()) == {first, second}
    dossier_remove_document(actor=cadre, dossier=first, document=doc)
    assert list(doc.dossiers.all()) == [second]
    with pytest.raises(ValidationError):
        dossier_remove_document(actor=cadre, dossier=first, document=doc)
    with pytest.raises(ValidationError):
        new(users, tree.commune_a, "A")  # same code, same year
    with pytest.raises(ValidationError):  # a document of another commune
        dossier_add_documents(actor=cadre, dossier=second, documents=[make_doc(tree.commune_b)])
    with pytest.raises(PermissionDenied):
        dossier_add_documents(actor=users["cadre_b"], dossier=second, documents=[doc])


def test_closing_takes_the_longest_retention_and_permanent_wins(tree: Any, users: Any) -> None:
    cadre = users["cadre_a"]
    mixed = new(users, tree.commune_a, "M")
    dossier_add_documents(actor=cadre, dossier=mixed, documents=[
        make_doc(tree.commune_a, type="CV"), make_doc(tree.commune_a, type="KH")])  # fmt: skip
    mixed = dossier_close(actor=cadre, dossier=mixed, closed_on=dt.date(2020, 6, 1))
    assert (mixed.retention_years, mixed.review_due) == (20, dt.date(2040, 12, 31))
    assert mixed.status == DossierStatus.CLOSED
    permanent = new(users, tree.commune_a, "P")
    dossier_add_documents(actor=cadre, dossier=permanent, documents=[
        make_doc(tree.commune_a, type="CV"), make_doc(tree.commune_a, type="NQ")])  # fmt: skip
    permanent = dossier_close(actor=cadre, dossier=permanent, closed_on=dt.date(2020, 6, 1))
    assert (permanent.retention_years, permanent.review_due) == (None, None)
    given = dossier_close(actor=cadre, dossier=new(users, tree.commune_a, "G"),
                          closed_on=dt.date(2021, 1, 5), retention_years=5)  # fmt: skip
    assert given.review_due == dt.date(2026, 12, 31)
    with pytest.raises(ValidationError):  # closed: its contents are fixed
        dossier_add_documents(actor=cadre, dossier=given, documents=[make_doc(tree.commune_a)])


def closed(users: Any, unit: Any, code: str, docs: list[Any], years: int | None = 5) -> Any:
    dossier = new(users, unit, code)
    dossier_add_documents(actor=users["cadre_a"], dossier=dossier, documents=docs)
    return dossier_close(actor=users["cadre_a"], dossier=dossier, closed_on=dt.date(2020, 3, 1),
                         retention_years=years)  # fmt: skip


def test_files_due_for_review(tree: Any, users: Any) -> None:
    due = closed(users, tree.commune_a, "D", [], 5)  # review 31/12/2025
    closed(users, tree.commune_a, "L", [], 10)
    closed(users, tree.commune_a, "P", [], None)
    new(users, tree.commune_a, "O")
    assert list(dossiers_due_for_review(users["cadre_a"], on=dt.date(2026, 1, 1))) == [due]
    assert list(dossiers_due_for_review(users["cadre_a"], on=dt.date(2025, 12, 30))) == []
    assert list(dossiers_due_for_review(users["cadre_b"], on=dt.date(2026, 1, 1))) == []


def decide(actor: Any, unit: Any, dossiers: list[Any], on: dt.date = dt.date(2026, 2, 1)) -> Any:
    return disposal_decide(actor=actor, unit=unit, number="01/QĐ-HPN", decided_on=on,
                           reason="Hết thời hạn bảo quản", council="Hội đồng xác định giá trị",
                           dossiers=dossiers)  # fmt: skip


def test_disposal_by_decision_keeps_records_and_shared_bytes(
    tree: Any, users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    alone, shared = make_doc(tree.commune_a, type="CV"), make_doc(tree.commune_a, type="CV")
    alone_file, shared_file = attach_file(alone), attach_file(shared)
    storage = alone_file.file.storage
    going = closed(users, tree.commune_a, "D", [alone, shared])
    staying = new(users, tree.commune_a, "S")
    dossier_add_documents(actor=users["cadre_a"], dossier=staying, documents=[shared])
    with pytest.raises(PermissionDenied):  # a cadre cannot decide a disposal
        decide(users["cadre_a"], tree.commune_a, [going])
    with pytest.raises(ValidationError):  # not due yet on that date
        decide(users["leader"], tree.commune_a, [going], on=dt.date(2025, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        decision = decide(users["leader"], tree.commune_a, [going])
    going.refresh_from_db()
    alone.refresh_from_db()
    shared.refresh_from_db()
    assert going.status == DossierStatus.DISPOSED and list(decision.dossiers.all()) == [going]
    assert alone.disposed_at is not None and alone.summary  # metadata kept
    assert shared.disposed_at is None  # still in a live file
    assert not storage.exists(alone_file.file.name or "")
    assert storage.exists(shared_file.file.name or "")
    assert alone.history.first().history_change_reason.endswith("01/QĐ-HPN")
    row = AuditLog.objects.get(action="disposal.decide")
    assert row.detail["documents_disposed"] == [alone.pk] and row.detail["files_removed"] == 1
    assert AuditLog.objects.filter(action="dossier.dispose", object_id=str(going.pk)).exists()
    assert not Document.objects.published().filter(pk=alone.pk).exists()


def test_a_permanent_or_open_file_is_never_disposed(tree: Any, users: Any) -> None:
    permanent = closed(users, tree.commune_a, "P", [make_doc(tree.commune_a, type="NQ")], None)
    still_open = new(users, tree.commune_a, "O")
    for dossier in (permanent, still_open):
        with pytest.raises(ValidationError):
            decide(users["leader"], tree.commune_a, [dossier], on=dt.date(2199, 1, 1))
    permanent.refresh_from_db()
    assert permanent.status == DossierStatus.CLOSED
