"""Publishing on the public site, and share links that expire."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hoiso.core.models import AuditLog
from hoiso.documents.models import Document, ShareLink
from hoiso.documents.services.publishing import (
    document_publish,
    document_unpublish,
    share_link_create,
    share_link_resolve,
    share_link_revoke,
)
from tests.documents.records_helpers import make_doc

pytestmark = pytest.mark.django_db


def test_publish_and_withdraw(tree: Any, users: Any) -> None:
    doc = make_doc(tree.commune_a)
    document_publish(actor=users["cadre_a"], document=doc)
    assert list(Document.objects.published()) == [doc]
    doc.refresh_from_db()
    assert doc.published_by == users["cadre_a"] and doc.published_at is not None
    document_unpublish(actor=users["leader"], document=doc)
    assert not Document.objects.published().exists()
    rows = AuditLog.objects.filter(object_id=str(doc.pk), object_type="documents.document")
    assert [r.action for r in rows.order_by("id")] == ["document.publish", "document.unpublish"]
    for who in ("chapter_a1", "cadre_b"):
        with pytest.raises(PermissionDenied):
            document_publish(actor=users[who], document=doc)


def test_a_secret_document_is_never_published_nor_shared(tree: Any, users: Any) -> None:
    cadre = users["cadre_a"]
    doc = make_doc(tree.commune_a, secrecy="mat", readers=(cadre,))
    with pytest.raises(ValidationError) as exc:
        document_publish(actor=cadre, document=doc)
    assert list(exc.value.message_dict) == ["secrecy"]
    with pytest.raises(ValidationError):
        share_link_create(actor=cadre, document=doc, days=7)
    doc.refresh_from_db()
    assert not doc.is_public and not ShareLink.objects.exists()
    with pytest.raises(ValueError):  # the model refuses it too, whatever the path
        doc.is_public = True
        doc.save()


def test_share_link_stores_a_hash_resolves_counts_and_expires(tree: Any, users: Any) -> None:
    cadre = users["cadre_a"]
    doc = make_doc(tree.commune_a)
    link, token = share_link_create(actor=cadre, document=doc, days=7)
    assert token not in link.token_hash and len(token) >= 40
    assert ShareLink.objects.filter(token_hash__contains=token[:20]).count() == 0
    assert share_link_resolve(token) == doc
    assert share_link_resolve(token) == doc
    link.refresh_from_db()
    assert link.uses == 2
    assert AuditLog.objects.filter(action="document.share_link_use").count() == 2
    assert share_link_resolve(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert share_link_resolve(token) is None


def test_revoked_or_now_secret_links_stop_working(tree: Any, users: Any) -> None:
    cadre = users["cadre_a"]
    doc = make_doc(tree.commune_a)
    first, first_token = share_link_create(actor=cadre, document=doc, days=1)
    _second, second_token = share_link_create(actor=cadre, document=doc, days=90)
    share_link_revoke(actor=cadre, link=first)
    assert share_link_resolve(first_token) is None and share_link_resolve(second_token) == doc
    Document.objects.filter(pk=doc.pk).update(secrecy="mat")
    assert share_link_resolve(second_token) is None
    for days in (0, 91):
        with pytest.raises(ValidationError):
            share_link_create(actor=cadre, document=make_doc(tree.commune_a), days=days)
    with pytest.raises(PermissionDenied):
        share_link_create(actor=users["chapter_a1"], document=doc, days=3)
