"""Public pages (no login): the published list and page, the PDF; share links, valid and not;
secret and unpublished documents never reach them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hoiso.core.models import AuditLog
from hoiso.documents.models import ShareLink
from hoiso.documents.services import publishing
from tests.conftest import client_for
from tests.documents.test_views import make_secret, processed_documents


@pytest.fixture
def docs(users: dict[str, Any], tree: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    return processed_documents(users, tree)


def test_published_documents_are_listed_searchable_and_readable_without_login(docs):
    nq, kh = docs["nq"], docs["kh"]
    # published through the document page's button
    response = client_for(docs["cadre_a"]).post(
        reverse("documents:document_publish", args=[nq.pk]), {"action": "publish"}
    )
    assert response.status_code == 302
    anonymous = Client()
    page = anonymous.get(reverse("published:list")).content.decode()
    assert reverse("published:detail", args=[nq.pk]) in page
    assert reverse("published:detail", args=[kh.pk]) not in page  # not published
    found = anonymous.get(reverse("published:list"), {"q": "nghi quyet chuyen doi"}).content
    assert reverse("published:detail", args=[nq.pk]).encode() in found and b"<mark>" in found
    none = anonymous.get(reverse("published:list"), {"q": "ky nang"}).content
    assert reverse("published:detail", args=[nq.pk]).encode() not in none
    other_year = anonymous.get(reverse("published:list"), {"year": "1999"}).content
    assert reverse("published:detail", args=[nq.pk]).encode() not in other_year
    detail = anonymous.get(reverse("published:detail", args=[nq.pk]))
    assert detail.status_code == 200
    assert anonymous.get(reverse("published:detail", args=[kh.pk])).status_code == 404
    pdf = anonymous.get(reverse("published:file", args=[nq.pk]))
    assert pdf.status_code == 200
    # withdrawn: gone from the public site
    client_for(docs["cadre_a"]).post(
        reverse("documents:document_publish", args=[nq.pk]), {"action": "unpublish"}
    )
    assert anonymous.get(reverse("published:detail", args=[nq.pk])).status_code == 404


def test_a_secret_document_cannot_be_published_and_never_shows_publicly(docs):
    secret = make_secret(docs["nq"], [docs["cadre_a"]])
    client = client_for(docs["cadre_a"])
    client.post(reverse("documents:document_publish", args=[secret.pk]), {"action": "publish"})
    secret.refresh_from_db()
    assert not secret.is_public
    page = client.get(reverse("documents:document_detail", args=[secret.pk])).content.decode()
    assert 'data-testid="publish"' not in page  # the button is not offered either
    assert Client().get(reverse("published:detail", args=[secret.pk])).status_code == 404


def test_share_link_opens_the_document_until_it_expires_or_is_revoked(docs):
    nq = docs["nq"]
    client = client_for(docs["cadre_a"])
    client.post(reverse("documents:share_create", args=[nq.pk]), {"days": "3"})
    page = client.get(reverse("documents:document_detail", args=[nq.pk])).content.decode()
    assert 'data-testid="new-share"' in page
    url = page.split('data-testid="new-share">', 1)[1].split("<", 1)[0]
    path = url.split("testserver", 1)[1]
    # shown once only
    again = client.get(reverse("documents:document_detail", args=[nq.pk])).content.decode()
    assert 'data-testid="new-share"' not in again
    anonymous = Client()
    opened = anonymous.get(path)
    assert opened.status_code == 200 and b'data-testid="share-file"' in opened.content
    assert anonymous.get(path + "tep/").status_code == 200
    link = ShareLink.objects.get(document=nq)
    assert link.uses == 2
    # expired: a clear message and 410
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    gone = anonymous.get(path)
    assert gone.status_code == 410
    assert "hết hạn" in gone.content.decode() or "expired" in gone.content.decode()
    # revoked from the document page
    link2, raw = publishing.share_link_create(actor=docs["cadre_a"], document=nq, days=1)
    share = reverse("published:share", args=[raw])
    assert anonymous.get(share).status_code == 200
    client.post(reverse("documents:share_revoke", args=[nq.pk, link2.pk]))
    assert anonymous.get(share).status_code == 410
    assert anonymous.get(reverse("published:share", args=["khong-co"])).status_code == 410
    assert AuditLog.objects.filter(action="document.share_link_revoke").exists()


def test_another_communes_share_link_cannot_be_revoked_through_my_document(docs):
    link_b, _raw = publishing.share_link_create(actor=docs["cadre_b"], document=docs["kh"], days=1)
    client = client_for(docs["cadre_a"])
    response = client.post(reverse("documents:share_revoke", args=[docs["nq"].pk, link_b.pk]))
    assert response.status_code == 404
    link_b.refresh_from_db()
    assert link_b.revoked_at is None
