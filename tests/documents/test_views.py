"""Archive pages: search with filters and counts, the document page and its actions, upload
(one by one as the script does, and all at once without it), secrecy, public pages and share
links. Documents are made through services.ingest and processed by the real pipeline."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hoiso.core.models import AuditLog
from hoiso.documents.models import Document, ProcessingState
from tests.conftest import Tree, client_for
from tests.documents import corpus

# --- builders (also used by tests/test_permission_matrix.py) -----------------------------------


def docx_upload(lines: list[str] | None = None, name: str = "nghi-quyet.docx") -> Any:
    """A DOCX with the resolution's lines (plus a unique line unless ``lines`` is given)."""
    body = lines if lines is not None else [*corpus.RESOLUTION_LINES, f"Mã {uuid.uuid4().hex}"]
    return SimpleUploadedFile(name, corpus.docx_bytes(body))


def fresh_docx() -> Any:
    """A new upload per call (the matrix calls it once per request: the bytes must differ)."""
    return docx_upload()


def ingest(
    unit: Any,
    *,
    lines: list[str] | None = None,
    actor: Any = None,
    direction: str = "out",
    metadata: dict[str, Any] | None = None,
    process: bool = False,
) -> Document:
    from hoiso.documents.services.ingest import document_ingest

    result = document_ingest(
        actor=actor,
        unit=unit,
        file=docx_upload(lines),
        filename="nghi-quyet.docx",
        direction=direction,
        metadata=metadata,
    )
    assert result.document is not None, result.warnings
    if process:
        from hoiso.documents.pipeline import process_document

        process_document(result.document.pk)
    result.document.refresh_from_db()
    return result.document


def make_secret(document: Document, readers: list[Any]) -> Document:
    from hoiso.documents.services.metadata import document_update

    document_update(actor=readers[0], document=document, data={"secrecy": "mat"}, readers=readers)
    document.refresh_from_db()
    return document


def add_documents(users: dict[str, Any], tree: Tree) -> None:
    """A document, a file, a share link and a saved search on each side (communes A and B)."""
    from hoiso.documents.services import dossiers, publishing
    from hoiso.documents.services.saved_searches import saved_search_create

    users["doc_a"] = ingest(tree.commune_a)
    users["doc_b"] = ingest(tree.commune_b)
    for side, unit, user in (("a", tree.commune_a, "cadre_a"), ("b", tree.commune_b, "cadre_b")):
        dossier = dossiers.dossier_create(
            actor=users[user], unit=unit, code=f"HS-{side}", title="Hồ sơ hội nghị", year=2026
        )
        dossiers.dossier_add_documents(
            actor=users[user], dossier=dossier, documents=[users[f"doc_{side}"]]
        )
        users[f"dossier_{side}"] = dossier
        users[f"link_{side}"], _raw = publishing.share_link_create(
            actor=users[user], document=users[f"doc_{side}"], days=7
        )
    users["saved_admin"] = saved_search_create(user=users["admin"], name="Nghị quyết", query="nq")
    users["saved_b"] = saved_search_create(user=users["cadre_b"], name="Của B", query="x")


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def processed_documents(users: dict[str, Any], tree: Tree) -> dict[str, Any]:
    """Processed documents: a resolution in commune A, a plan in commune B."""
    users["nq"] = ingest(tree.commune_a, process=True)
    users["kh"] = ingest(
        tree.commune_b,
        lines=["HỘI LHPN XÃ ĐẠI TỪ", "Số: 45/KH-HLHPN", "KẾ HOẠCH", "Tập huấn kỹ năng số"],
        process=True,
    )
    return users


@pytest.fixture
def docs(users: dict[str, Any], tree: Tree, media: Any) -> dict[str, Any]:
    return processed_documents(users, tree)


def search(client: Client, **params: Any) -> str:
    response = client.get(reverse("documents:document_list"), params)
    assert response.status_code == 200
    return response.content.decode()


# --- search page -------------------------------------------------------------------------------


def test_search_with_a_folded_query_finds_the_resolution_with_a_highlighted_snippet(docs, tree):
    assert docs["nq"].state == ProcessingState.INDEXED, docs["nq"].error
    page = search(client_for(docs["cadre_a"]), q="nghi quyet chuyen doi so")
    assert reverse("documents:document_detail", args=[docs["nq"].pk]) in page
    assert "<mark>" in page
    assert 'data-testid="result-count"' in page
    # a phrase in quotes, in the wrong order, finds nothing
    page = search(client_for(docs["cadre_a"]), q='"so doi chuyen"')
    assert reverse("documents:document_detail", args=[docs["nq"].pk]) not in page


def test_search_is_scoped_by_unit_and_filters_apply(docs, tree):
    cadre_a = client_for(docs["cadre_a"])
    page = search(cadre_a, q="ky nang so")
    assert reverse("documents:document_detail", args=[docs["kh"].pk]) not in page
    province = client_for(docs["leader"])
    page = search(province, q="ky nang so")
    assert reverse("documents:document_detail", args=[docs["kh"].pk]) in page
    page = search(province, unit=tree.commune_a.code)
    assert reverse("documents:document_detail", args=[docs["nq"].pk]) in page
    assert reverse("documents:document_detail", args=[docs["kh"].pk]) not in page
    page = search(province, year="abc")
    assert "“abc”" in page  # the filter's error is said, in Vietnamese, on the page


def test_saved_search_save_run_delete(docs):
    client = client_for(docs["cadre_a"])
    response = client.post(
        reverse("documents:saved_search_save"),
        {"name": "Chuyển đổi số", "q": "chuyen doi so", "direction": "out"},
    )
    assert response.status_code == 302
    from hoiso.documents.models import SavedSearch

    saved = SavedSearch.objects.get(user=docs["cadre_a"])
    assert saved.query == "chuyen doi so" and saved.params == {"direction": "out"}
    assert "Chuyển đổi số" in search(client)
    run = client.get(reverse("documents:saved_search_run", args=[saved.pk]))
    assert run.status_code == 302 and "q=chuyen+doi+so" in run["Location"]
    # someone else's saved search: 404
    other = client_for(docs["cadre_b"])
    assert other.get(reverse("documents:saved_search_run", args=[saved.pk])).status_code == 404
    assert other.post(reverse("documents:saved_search_delete", args=[saved.pk])).status_code == 404
    client.post(reverse("documents:saved_search_delete", args=[saved.pk]))
    assert not SavedSearch.objects.exists()


# --- secrecy ------------------------------------------------------------------------------------


def test_a_secret_document_is_seen_by_its_readers_only_and_every_view_is_audited(docs, tree):
    secret = make_secret(docs["nq"], [docs["cadre_a"]])
    url = reverse("documents:document_detail", args=[secret.pk])
    # the province's administrator is not named on it: not in her results, counts or pages
    admin = client_for(docs["admin"])
    page = search(admin, q="nghi quyet")
    assert url not in page
    assert admin.get(url).status_code == 404
    assert admin.get(reverse("documents:document_state", args=[secret.pk])).status_code == 404
    before = AuditLog.objects.filter(action="document.view_secret").count()
    reader = client_for(docs["cadre_a"])
    assert url in search(reader, q="nghi quyet")
    assert reader.get(url).status_code == 200
    assert AuditLog.objects.filter(action="document.view_secret").count() == before + 1


# --- the document page ---------------------------------------------------------------------------


def test_document_page_shows_metadata_state_versions_and_suggestions(docs):
    client = client_for(docs["cadre_a"])
    doc = docs["nq"]
    page = client.get(reverse("documents:document_detail", args=[doc.pk])).content.decode()
    assert 'data-state="indexed"' in page
    assert "nghi-quyet.docx" in page
    if doc.suggestions:
        assert 'data-testid="suggestions"' in page
    # a user of the chapter may read but not change: no edit button, edit page 403
    chapter = client_for(docs["chapter_a1"])
    assert chapter.get(reverse("documents:document_detail", args=[doc.pk])).status_code == 404
    leader = client_for(docs["leader"])
    page = leader.get(reverse("documents:document_detail", args=[doc.pk])).content.decode()
    assert 'data-testid="edit"' not in page
    assert leader.get(reverse("documents:document_edit", args=[doc.pk])).status_code == 403


def test_state_fragment_polls_until_finished(users, tree, media):
    doc = ingest(tree.commune_a)
    client = client_for(users["cadre_a"])
    fragment = client.get(reverse("documents:document_state", args=[doc.pk])).content.decode()
    assert 'data-state="queued"' in fragment and 'hx-trigger="every 2s"' in fragment
    from hoiso.documents.services.ingest import document_set_state

    document_set_state(doc, ProcessingState.OCR, progress=2, total=5)
    fragment = client.get(reverse("documents:document_state", args=[doc.pk])).content.decode()
    assert "2" in fragment and "5" in fragment and "<progress" in fragment
    document_set_state(doc, ProcessingState.FAILED, error="Tệp PDF bị hỏng ở trang 3.")
    fragment = client.get(reverse("documents:document_state", args=[doc.pk])).content.decode()
    assert "Tệp PDF bị hỏng ở trang 3." in fragment
    assert 'data-testid="retry"' in fragment and "every 2s" not in fragment
    # retry: back to queued, polling again
    response = client.post(
        reverse("documents:document_retry", args=[doc.pk]), HTTP_HX_REQUEST="true"
    )
    assert 'data-state="queued"' in response.content.decode()
    doc.refresh_from_db()
    assert doc.state == ProcessingState.QUEUED and doc.error == ""


def test_metadata_form_saves_and_bad_input_is_said_at_its_field(docs, tree):
    client = client_for(docs["cadre_a"])
    doc = docs["nq"]
    url = reverse("documents:document_edit", args=[doc.pk])
    assert client.get(url).status_code == 200
    data = {
        "direction": "out",
        "number": "12",
        "notation": "NQ/HPN",
        "issue_date": "2026-03-05",
        "issuer": "Hội LHPN tỉnh Thái Nguyên",
        "summary": "Về chuyển đổi số",
        "language": "vi",
        "tags": "chuyển đổi số, nghị quyết",
        "readers": "",
    }
    bad = client.post(url, {**data, "issue_date": "05/13/2026"})
    assert bad.status_code == 200 and 'class="errorlist"' in bad.content.decode()
    unknown = client.post(url, {**data, "readers": "khong_co_ai"})
    assert "khong_co_ai" in unknown.content.decode()
    ok = client.post(url, data)
    assert ok.status_code == 302
    doc.refresh_from_db()
    assert doc.number == 12 and doc.summary == "Về chuyển đổi số"
    assert sorted(t.name for t in doc.tags.all()) == ["chuyển đổi số", "nghị quyết"]


def test_download_is_audited_and_needs_the_permission(docs):
    doc = docs["nq"]
    client = client_for(docs["cadre_a"])
    response = client.get(reverse("documents:document_download", args=[doc.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # the DOCX as uploaded
    assert AuditLog.objects.filter(action="document.download", object_id=str(doc.pk)).exists()
    missing = client.get(reverse("documents:document_download", args=[doc.pk]) + "?version=9")
    assert missing.status_code == 404


def test_a_corrected_version_keeps_the_older_one(docs):
    doc = docs["nq"]
    client = client_for(docs["cadre_a"])
    response = client.post(
        reverse("documents:document_version_add", args=[doc.pk]),
        {"file": docx_upload(name="nghi-quyet-sua.docx"), "note": "Bản quét lại"},
    )
    assert response.status_code == 302
    assert [v.number for v in doc.versions.all()] == [2, 1]
    page = client.get(reverse("documents:document_detail", args=[doc.pk])).content.decode()
    assert "nghi-quyet-sua.docx" in page and "Bản quét lại" in page


# --- upload --------------------------------------------------------------------------------------


def test_upload_page_without_javascript_lists_each_file_and_the_duplicate(users, tree, media):
    client = client_for(users["cadre_a"])
    url = reverse("documents:document_upload")
    assert 'type="file"' in client.get(url).content.decode()
    same = corpus.docx_bytes([*corpus.RESOLUTION_LINES, "bản duy nhất"])
    response = client.post(
        url,
        {
            "unit": tree.commune_a.pk,
            "direction": "in",
            "files": [
                SimpleUploadedFile("a.docx", same),
                SimpleUploadedFile("b.docx", same),
                SimpleUploadedFile("c.zip", corpus.zip_bytes()),
            ],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="upload-item"') == 3
    doc = Document.objects.get()
    assert doc.direction == "in" and doc.unit == tree.commune_a
    assert reverse("documents:document_detail", args=[doc.pk]) in page  # b.docx links to it
    assert "c.zip" in page and 'class="msg error"' in page


def test_upload_one_file_as_the_script_does_answers_json(users, tree, media):
    client = client_for(users["cadre_a"])
    url = reverse("documents:document_upload")
    data = {"unit": tree.commune_a.pk, "direction": "out", "files": docx_upload()}
    body = client.post(url, data, HTTP_ACCEPT="application/json").json()
    first = body["files"][0]
    assert first["document_id"] and first["state"] == "queued" and not first["error"]
    assert first["state_url"] == reverse("documents:document_state", args=[first["document_id"]])
    missing = client.post(url, {"unit": tree.commune_a.pk}, HTTP_ACCEPT="application/json")
    assert missing.status_code == 400 and "files" in missing.json()["errors"]
    # a unit outside her commune is not offered
    other = client.post(
        url,
        {"unit": tree.commune_b.pk, "direction": "out", "files": docx_upload()},
        HTTP_ACCEPT="application/json",
    )
    assert other.status_code == 400 and "unit" in other.json()["errors"]


def test_polling_a_secret_documents_state_writes_no_audit_row_each_time(docs):
    secret = make_secret(docs["nq"], [docs["cadre_a"]])
    client = client_for(docs["cadre_a"])
    before = AuditLog.objects.filter(action="document.view_secret").count()
    for _ in range(3):
        response = client.get(reverse("documents:document_state", args=[secret.pk]))
        assert response.status_code == 200
    assert AuditLog.objects.filter(action="document.view_secret").count() == before


def test_list_and_page_queries_do_not_grow_with_the_results(
    docs, tree, django_assert_max_num_queries
):
    for i in range(6):
        ingest(tree.commune_a, lines=[*corpus.RESOLUTION_LINES, f"Phụ lục {i}"], process=True)
    client = client_for(docs["cadre_a"])
    client.get(reverse("documents:document_list"))  # warm the scope cache
    with django_assert_max_num_queries(12):  # 11 measured with 7 results
        page = search(client, q="nghi quyet")
    assert page.count('class="card result"') == 7
    with django_assert_max_num_queries(8):  # 7 measured
        client.get(reverse("documents:document_detail", args=[docs["nq"].pk]))


def test_a_duplicate_of_a_document_she_cannot_see_is_said_without_a_link(users, tree, media):
    same = corpus.docx_bytes([*corpus.RESOLUTION_LINES, "bản của xã Đại Từ"])
    client_for(users["cadre_b"]).post(
        reverse("documents:document_upload"),
        {"unit": tree.commune_b.pk, "direction": "in", "files": SimpleUploadedFile("b.docx", same)},
    )
    theirs = Document.objects.get()
    response = client_for(users["cadre_a"]).post(
        reverse("documents:document_upload"),
        {"unit": tree.commune_a.pk, "direction": "in", "files": SimpleUploadedFile("a.docx", same)},
    )
    page = response.content.decode()
    assert Document.objects.count() == 1
    assert reverse("documents:document_detail", args=[theirs.pk]) not in page
    assert 'class="msg warning"' in page
    body = (
        client_for(users["cadre_a"])
        .post(
            reverse("documents:document_upload"),
            {
                "unit": tree.commune_a.pk,
                "direction": "in",
                "files": SimpleUploadedFile("a.docx", same),
            },
            HTTP_ACCEPT="application/json",
        )
        .json()["files"][0]
    )
    assert body["document_id"] is None and body["duplicate_of"] is None and body["warnings"]
