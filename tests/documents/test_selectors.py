"""The archive's selectors: secrecy in search, counts and detail; 403/404; public list; saved
searches."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from hoiso.core.models import AuditLog
from hoiso.documents.selectors import (
    DocumentFilter,
    document_counts,
    document_get,
    document_queryset,
    document_search,
    public_document_get,
    public_documents,
)
from hoiso.documents.services import saved_searches
from tests.conftest import Tree
from tests.documents.test_search_builders import make_document


@pytest.fixture
def docs(tree: Tree, users: dict[str, Any]) -> dict[str, Any]:
    text = "Nghị quyết về công tác cán bộ nữ nhiệm kỳ 2026–2031"
    return {
        "open": make_document(tree.commune_a, text=text, type_code="NQ"),
        "secret": make_document(
            tree.commune_a, text=text, type_code="NQ", secrecy="toi_mat", readers=[users["cadre_a"]]
        ),
        "other": make_document(tree.commune_b, text=text, type_code="KH"),
    }


def found(user: Any, q: str = "", **kw: Any) -> set[int]:
    page = document_search(user, DocumentFilter(q=q, **kw), page_size=100)
    assert page.total == len(page.hits)
    return {hit.document.pk for hit in page.hits}


def test_secret_document_invisible_to_a_provincial_admin_not_named(
    users: dict[str, Any], docs: dict[str, Any]
) -> None:
    admin, secret = users["admin"], docs["secret"]
    assert found(admin, "can bo nu") == {docs["open"].pk, docs["other"].pk}
    assert found(admin) == {docs["open"].pk, docs["other"].pk}
    assert found(admin, "can bo nu", secrecy="toi_mat") == set()
    counts = document_counts(admin, DocumentFilter(q="can bo nu"))
    assert counts["total"] == 2
    assert {(t["code"], t["count"]) for t in counts["by_type"]} == {("NQ", 1), ("KH", 1)}
    assert counts["by_year"] == [{"year": 2026, "count": 2}]
    assert document_counts(admin, DocumentFilter())["total"] == 2
    assert secret.pk not in document_queryset(admin).values_list("pk", flat=True)
    with pytest.raises(Http404):
        document_get(admin, secret.pk)
    with pytest.raises(Http404):
        public_document_get(secret.pk)
    assert not AuditLog.objects.filter(action="document.view_secret").exists()


def test_secret_document_visible_to_its_named_reader_and_each_view_audited(
    users: dict[str, Any], docs: dict[str, Any]
) -> None:
    reader, secret = users["cadre_a"], docs["secret"]
    assert found(reader, "can bo nu") == {docs["open"].pk, secret.pk}
    assert document_counts(reader, DocumentFilter(q="can bo nu"))["total"] == 2
    assert document_get(reader, secret.pk) == secret
    document_get(reader, secret.pk)
    rows = AuditLog.objects.filter(action="document.view_secret", object_id=str(secret.pk))
    assert rows.count() == 2
    assert rows.first().actor == reader  # type: ignore[union-attr]
    # viewing an ordinary document writes nothing
    document_get(reader, docs["open"].pk)
    assert AuditLog.objects.filter(action="document.view_secret").count() == 2


def test_document_get_403_404_200(users: dict[str, Any], docs: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        document_get(users["nobody"], docs["open"].pk)
    with pytest.raises(PermissionDenied):
        document_search(users["nobody"], DocumentFilter())
    with pytest.raises(PermissionDenied):
        document_counts(users["nobody"], DocumentFilter())
    with pytest.raises(Http404):
        document_get(users["cadre_b"], docs["open"].pk)  # another commune
    with pytest.raises(Http404):
        document_get(users["admin"], 987_654)
    assert document_get(users["admin"], docs["open"].pk) == docs["open"]  # from above
    assert document_get(users["cadre_b"], docs["other"].pk) == docs["other"]


def test_public_documents_only_published_never_secret(tree: Tree, docs: dict[str, Any]) -> None:
    published = make_document(
        tree.commune_a, text="Thông báo tuyển dụng cán bộ nữ", is_public=True, summary="Tuyển dụng"
    )
    page = public_documents("can bo nu")
    assert [hit.document.pk for hit in page.hits] == [published.pk]
    assert page.hits[0].snippet is not None and "<mark>cán</mark>" in page.hits[0].snippet
    assert [hit.document.pk for hit in public_documents().hits] == [published.pk]
    assert public_document_get(published.pk) == published
    with pytest.raises(Http404):
        public_document_get(docs["open"].pk)


def test_saved_searches_are_personal(users: dict[str, Any], docs: dict[str, Any]) -> None:
    admin, other = users["admin"], users["leader"]
    saved = saved_searches.saved_search_create(
        user=admin,
        name="Nghị quyết cán bộ",
        query='"can bo nu"',
        params={"type": ["NQ"], "year": "2026", "junk": "x"},
    )
    assert saved.params == {"type": "NQ", "year": "2026"}
    flt = saved_searches.saved_search_filter(saved)
    assert flt == DocumentFilter(q='"can bo nu"', doc_type="NQ", year=2026)
    assert found(admin, flt.q, doc_type=flt.doc_type, year=flt.year) == {docs["open"].pk}
    assert list(saved_searches.saved_search_list(admin)) == [saved]
    assert list(saved_searches.saved_search_list(other)) == []
    with pytest.raises(Http404):
        saved_searches.saved_search_get(other, saved.pk)
    with pytest.raises(ValidationError) as dup:
        saved_searches.saved_search_create(user=admin, name="Nghị quyết cán bộ")
    assert "Nghị quyết cán bộ" in " ".join(dup.value.messages)
    with pytest.raises(ValidationError):
        saved_searches.saved_search_create(user=admin, name="x", params={"year": "abc"})
    with pytest.raises(ValidationError):
        saved_searches.saved_search_create(user=admin, name="  ")
    with pytest.raises(Http404):
        saved_searches.saved_search_delete(user=other, saved=saved)
    saved_searches.saved_search_delete(user=admin, saved=saved)
    assert not saved_searches.saved_search_list(admin).exists()
    assert AuditLog.objects.filter(action__startswith="saved_search.").count() == 2
