"""/api/v1/documents/: search with the UI's syntax and filters, detail, upload, PATCH, download
(audited), registers, retry; secret documents invisible to others; the token reaches it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hoiso.accounts import services as account_services
from hoiso.core.models import AuditLog
from hoiso.documents.models import Document, ProcessingState
from tests.conftest import client_for
from tests.documents import corpus
from tests.documents.test_views import docx_upload, make_secret, processed_documents


@pytest.fixture
def docs(users: dict[str, Any], tree: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    return processed_documents(users, tree)


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_search_takes_the_same_query_and_filters_as_the_page(docs, tree):
    client = client_for(docs["leader"])
    url = reverse("api:document_list")
    body = client.get(url, {"q": "nghi quyet chuyen doi so"}).json()
    assert ids(body) == [docs["nq"].pk] and body["total"] == 1
    assert "<mark>" in body["items"][0]["snippet"]
    assert ids(client.get(url, {"q": '"chuyển đổi số"'}).json()) == [docs["nq"].pk]
    assert ids(client.get(url, {"q": "chuyen doi -nghi"}).json()) == []
    assert ids(client.get(url, {"unit": tree.commune_b.code}).json()) == [docs["kh"].pk]
    both = client.get(url, {"limit": 1}).json()
    assert len(both["items"]) == 1 and both["total"] == 2 and both["next_cursor"]
    assert both["total_capped"] is False
    rest = client.get(url, {"limit": 1, "after": both["next_cursor"]}).json()
    assert ids(rest) and ids(rest) != ids(both)
    # the commune A cadre sees only her commune
    assert ids(client_for(docs["cadre_a"]).get(url).json()) == [docs["nq"].pk]


def test_secret_documents_are_invisible_to_others_in_the_api(docs):
    secret = make_secret(docs["nq"], [docs["cadre_a"]])
    admin = client_for(docs["admin"])
    body = admin.get(reverse("api:document_list"), {"q": "nghi quyet"}).json()
    assert secret.pk not in ids(body) and body["total"] == 0
    assert admin.get(reverse("api:document_detail", args=[secret.pk])).status_code == 404
    reader = client_for(docs["cadre_a"])
    detail = reader.get(reverse("api:document_detail", args=[secret.pk])).json()
    assert detail["secrecy"] == "mat" and detail["readers"] == ["canbo_phoyen"]


def test_detail_patch_and_download(docs):
    client = client_for(docs["cadre_a"])
    nq = docs["nq"]
    detail = client.get(reverse("api:document_detail", args=[nq.pk])).json()
    assert detail["state"] == "indexed" and detail["versions"][0]["filename"] == "nghi-quyet.docx"
    url = reverse("api:document_update", args=[nq.pk])
    bad = client.patch(url, {"issue_date": "2099-01-01"}, content_type="application/json")
    assert bad.status_code == 422 and "issue_date" in bad.json()["detail"]
    ok = client.patch(
        url,
        {"doc_type": "NQ", "number": 12, "notation": "NQ/HPN", "tags": ["chuyển đổi số"]},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["number_notation"] == "12-NQ/HPN" and body["doc_type"] == "NQ"
    assert body["tags"] == ["chuyển đổi số"]
    unknown = client.patch(url, {"readers": ["khong_co"]}, content_type="application/json")
    assert unknown.status_code == 422 and "readers" in unknown.json()["detail"]
    download = client.get(reverse("api:document_download", args=[nq.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    assert AuditLog.objects.filter(action="document.download", object_id=str(nq.pk)).count() == 1
    archive = client.get(reverse("api:document_download", args=[nq.pk]), {"copy": "archive"})
    assert archive.status_code == 404  # a DOCX has no PDF/A copy


def test_upload_duplicate_and_refusal(users, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_for(users["cadre_a"])
    url = reverse("api:document_upload")
    same = corpus.docx_bytes(corpus.RESOLUTION_LINES)
    first = client.post(
        url, {"unit": tree.commune_a.code, "file": SimpleUploadedFile("a.docx", same)}
    )
    assert first.status_code == 201
    created = first.json()
    assert created["state"] == "queued" and created["duplicate_of"] is None
    again = client.post(
        url, {"unit": tree.commune_a.code, "file": SimpleUploadedFile("b.docx", same)}
    )
    assert again.status_code == 200 and again.json()["duplicate_of"] == created["document_id"]
    assert Document.objects.count() == 1
    zipped = SimpleUploadedFile("x.zip", corpus.zip_bytes())
    refused = client.post(url, {"unit": tree.commune_a.code, "file": zipped})
    assert refused.status_code == 422
    other = client.post(url, {"unit": tree.commune_b.code, "file": docx_upload()})
    assert other.status_code == 404


def test_registers_and_retry(docs, tree):
    client = client_for(docs["cadre_a"])
    nq = docs["nq"]
    client.patch(
        reverse("api:document_update", args=[nq.pk]),
        {"notation": "NQ/HPN", "issue_date": "2026-03-05", "summary": "Về chuyển đổi số"},
        content_type="application/json",
    )
    client.post(reverse("documents:document_register", args=[nq.pk]))
    body = client.get(
        reverse("api:document_registers"),
        {"unit": tree.commune_a.code, "register": "out", "year": 2026},
    ).json()
    assert body["direction"] == "out" and len(body["rows"]) == 1
    assert "01-NQ/HPN" in body["rows"][0]
    other = client.get(reverse("api:document_registers"), {"unit": tree.commune_b.code})
    assert other.status_code == 404
    # retry: refused once indexed, allowed after a failure
    retry = reverse("api:document_retry", args=[nq.pk])
    assert client.post(retry).status_code == 422
    from hoiso.documents.services.ingest import document_set_state

    document_set_state(nq, ProcessingState.FAILED, error="Lỗi OCR")
    assert client.post(retry).json()["state"] == "queued"


def test_a_personal_token_reaches_the_documents_api(docs):
    _token, raw = account_services.token_create(actor=None, user=docs["cadre_a"], name="script")
    response = Client().get(
        reverse("api:document_list"), {"q": "nghi quyet"}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200 and ids(response.json()) == [docs["nq"].pk]


def test_search_says_when_the_count_stopped_at_the_cap(docs, monkeypatch):
    from hoiso.documents import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    url = reverse("api:document_list")
    body = client_for(docs["leader"]).get(url, {"limit": 1}).json()
    assert (body["total"], body["total_capped"]) == (1, True)  # two documents, counted to one
