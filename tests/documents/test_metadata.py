"""Editing a document's metadata; suggestions confirmed into the fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from hoiso.core.models import AuditLog
from hoiso.documents.models import Document
from hoiso.documents.services.metadata import (
    document_apply_suggestions,
    document_confirm_suggestions,
    document_update,
)
from tests.documents.records_helpers import make_doc

pytestmark = pytest.mark.django_db


def type_code(doc: Document) -> str:
    return doc.doc_type.code if doc.doc_type else ""


def test_update_writes_fields_history_and_audit(tree: Any, users: Any) -> None:
    doc = make_doc(tree.commune_a)
    warnings = document_update(
        actor=users["cadre_a"],
        document=doc,
        data={"number": "12", "notation": "NQ/HPN", "doc_type": "NQ", "pages": 3,
              "issue_date": "05/03/2026", "summary": "  Về  chuyển đổi số  "},
        tags=["Chuyển đổi số", "chuyen doi so", "Nghị quyết"],
    )  # fmt: skip
    doc.refresh_from_db()
    assert warnings == []
    assert (doc.number, doc.number_notation, type_code(doc)) == (12, "12-NQ/HPN", "NQ")
    assert doc.issue_date == dt.date(2026, 3, 5) and doc.summary == "Về chuyển đổi số"
    assert sorted(t.name for t in doc.tags.all()) == ["Chuyển đổi số", "Nghị quyết"]
    assert doc.history.count() == 2
    row = AuditLog.objects.get(action="document.update", object_id=str(doc.pk))
    assert "number" in row.detail["fields"] and "tags" in row.detail["fields"]


def test_bad_input_names_the_field_and_writes_nothing(tree: Any, users: Any) -> None:
    doc = make_doc(tree.commune_a, summary="cũ")
    with pytest.raises(ValidationError) as exc:
        document_update(
            actor=users["cadre_a"],
            document=doc,
            data={"summary": "mới", "issue_date": "31/02/2026", "pages": "-2", "secrecy": "x",
                  "reply_deadline": "2026-01-01", "colour": "red"},
        )  # fmt: skip
    errors = exc.value.message_dict
    assert set(errors) == {"issue_date", "pages", "secrecy", "colour", "reply_deadline"}
    label = str(Document._meta.get_field("issue_date").verbose_name)
    assert label in errors["issue_date"][0] and "31/02/2026" in errors["issue_date"][0]
    doc.refresh_from_db()
    assert doc.summary == "cũ" and not AuditLog.objects.filter(action="document.update").exists()


def test_deadline_before_issue_date_is_refused(tree: Any, users: Any) -> None:
    doc = make_doc(tree.commune_a, issue_date=dt.date(2026, 3, 5))
    with pytest.raises(ValidationError) as exc:
        document_update(actor=users["cadre_a"], document=doc, data={"reply_deadline": "1/3/2026"})
    assert list(exc.value.message_dict) == ["reply_deadline"]


def test_duplicate_number_is_a_warning_within_what_the_actor_sees(tree: Any, users: Any) -> None:
    make_doc(tree.commune_a, number_notation="12-NQ/HPN", issuer="HỘI LHPN PHƯỜNG PHỔ YÊN")
    hidden = make_doc(tree.commune_b, number_notation="13-NQ/HPN", issuer="HỘI LHPN PHƯỜNG PHỔ YÊN")
    doc = make_doc(tree.commune_a, issuer="Hội LHPN phường Phổ Yên")
    warnings = document_update(
        actor=users["cadre_a"], document=doc, data={"number_notation": "12-NQ/HPN"}
    )
    assert len(warnings) == 1 and "12-NQ/HPN" in warnings[0]
    doc.refresh_from_db()
    assert doc.number_notation == "12-NQ/HPN"  # a warning, not an error
    other = make_doc(tree.commune_a, issuer="HỘI LHPN PHƯỜNG PHỔ YÊN")
    assert hidden.unit != other.unit
    assert (
        document_update(
            actor=users["cadre_a"], document=other, data={"number_notation": "13-NQ/HPN"}
        )
        == []
    )  # the same number in commune B is out of her sight
    other_year = make_doc(tree.commune_a, issue_date=dt.date(2025, 3, 5))
    assert (
        document_update(
            actor=users["cadre_a"], document=other_year, data={"number_notation": "12-NQ/HPN"}
        )
        == []
    )


def test_secret_document_names_the_actor_and_is_withdrawn(tree: Any, users: Any) -> None:
    doc = make_doc(tree.commune_a, is_public=True)
    warnings = document_update(
        actor=users["cadre_a"], document=doc, data={"secrecy": "mat"}, readers=[users["leader"]]
    )
    doc.refresh_from_db()
    assert not doc.is_public and len(warnings) == 1
    assert set(doc.readers.all()) == {users["cadre_a"], users["leader"]}
    assert not Document.objects.restrict(users["province_cadre"]).filter(pk=doc.pk).exists()


def test_registered_document_keeps_its_series(tree: Any, users: Any) -> None:
    from hoiso.documents.services.registers import register_document

    doc = register_document(actor=users["cadre_a"], document=make_doc(tree.commune_a))
    with pytest.raises(ValidationError) as exc:
        document_update(actor=users["cadre_a"], document=doc, data={"secrecy": "toi_mat"})
    assert list(exc.value.message_dict) == ["secrecy"]


def test_permission_at_the_documents_unit(tree: Any, users: Any) -> None:
    doc = make_doc(tree.commune_a)
    for who in ("cadre_b", "chapter_a1", "leader"):
        with pytest.raises(PermissionDenied):
            document_update(actor=users[who], document=doc, data={"summary": "x"})


PAGE = (
    "HỘI LHPN PHƯỜNG PHỔ YÊN\nSố: 07/KH-HPN\nPhổ Yên, ngày 05 tháng 3 năm 2026\n\n"
    "KẾ HOẠCH\nTổ chức Ngày hội phụ nữ số\n\nI. MỤC ĐÍCH\n"
)


def test_suggestions_are_stored_then_confirmed_or_corrected(tree: Any, users: Any) -> None:
    doc = make_doc(tree.commune_a, summary="", issuer="", issue_date=None)
    stored = document_apply_suggestions(doc, PAGE)
    assert stored["number_notation"] == {"value": "07/KH-HPN", "confirmed": False}
    doc.refresh_from_db()
    assert doc.number_notation == "" and doc.issue_date is None  # nothing written yet
    document_confirm_suggestions(
        actor=users["cadre_a"],
        document=doc,
        fields=["doc_type", "number", "notation", "number_notation", "issue_date", "summary"],
        corrections={"summary": "Tổ chức Ngày hội “Phụ nữ số”"},
    )
    doc.refresh_from_db()
    assert (type_code(doc), doc.number, doc.number_notation) == ("KH", 7, "07/KH-HPN")
    assert doc.issue_date == dt.date(2026, 3, 5) and doc.summary == "Tổ chức Ngày hội “Phụ nữ số”"
    assert doc.suggestions["summary"] == {"value": doc.summary, "confirmed": True}
    assert doc.suggestions["issuer"]["confirmed"] is False
    # a new reading (a corrected scan) does not overwrite what was confirmed
    document_apply_suggestions(doc, PAGE.replace("07/KH", "08/KH"))
    doc.refresh_from_db()
    assert doc.suggestions["number_notation"]["value"] == "07/KH-HPN"
    with pytest.raises(ValidationError):
        document_confirm_suggestions(actor=users["cadre_a"], document=doc, fields=["signer_name"])
