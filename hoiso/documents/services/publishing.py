"""Publishing documents on the public site, and share links that expire.

A secret document can never be published nor shared. A share link's token is shown once;
only its SHA-256 is stored, so a database leak gives no working link. Every use is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.access import require_perm_at
from hoiso.core.audit import audit
from hoiso.documents.models import Document, ShareLink
from hoiso.documents.services.metadata import reindex

MAX_SHARE_DAYS = 90


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _refuse_secret(document: Document, message: str) -> None:
    if document.is_secret:
        raise ValidationError({"secrecy": message})


@transaction.atomic
def document_publish(*, actor: Any, document: Document) -> Document:
    """Mark a document public: its page and PDF appear on the public site."""
    require_perm_at(actor, "documents.publish_document", document.unit.path)
    document = Document.objects.select_for_update().get(pk=document.pk)
    _refuse_secret(document, _("A secret document can never be published."))
    if document.disposed_at is not None:
        raise ValidationError(_("A disposed-of document cannot be published."))
    if document.is_public:
        return document
    document.is_public = True
    document.published_at = timezone.now()
    document.published_by = actor
    document._change_reason = _("published")  # type: ignore[attr-defined]
    document.save()
    reindex(document)
    audit(actor=actor, action="document.publish", obj=document, unit=document.unit)
    return document


@transaction.atomic
def document_unpublish(*, actor: Any, document: Document) -> Document:
    """Withdraw a document from the public site."""
    require_perm_at(actor, "documents.publish_document", document.unit.path)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if not document.is_public:
        return document
    document.is_public = False
    document.published_at = None
    document.published_by = None
    document._change_reason = _("withdrawn from the public site")  # type: ignore[attr-defined]
    document.save()
    reindex(document)
    audit(actor=actor, action="document.unpublish", obj=document, unit=document.unit)
    return document


@transaction.atomic
def share_link_create(*, actor: Any, document: Document, days: int) -> tuple[ShareLink, str]:
    """A link for someone without an account, valid ``days`` days; returns (link, raw token).

    The raw token is shown to the actor once and never stored.
    """
    require_perm_at(actor, "documents.share_document", document.unit.path)
    _refuse_secret(document, _("A secret document can never be shared by link."))
    if document.disposed_at is not None:
        raise ValidationError(_("A disposed-of document cannot be shared."))
    if not isinstance(days, int) or not 1 <= days <= MAX_SHARE_DAYS:
        raise ValidationError(
            {"days": _("Validity: from 1 to %(max)d days.") % {"max": MAX_SHARE_DAYS}}
        )
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        document=document,
        token_hash=_hash(token),
        created_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit(
        actor=actor,
        action="document.share_link_create",
        obj=document,
        unit=document.unit,
        detail={"link": link.pk, "days": days},
    )
    return link, token


@transaction.atomic
def share_link_revoke(*, actor: Any, link: ShareLink) -> ShareLink:
    """End a share link now (its row stays for the trail)."""
    document = link.document
    require_perm_at(actor, "documents.share_document", document.unit.path)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit(
            actor=actor,
            action="document.share_link_revoke",
            obj=document,
            unit=document.unit,
            detail={"link": link.pk},
        )
    return link


def share_link_resolve(token: str, *, count_use: bool = True) -> Document | None:
    """The document a token opens, or None (unknown, expired, revoked, secret, disposed).

    Each successful use is counted and audited (the caller's request context gives the IP).
    """
    if not token or len(token) > 200:
        return None
    link = (
        ShareLink.objects.select_related("document", "document__unit")
        .filter(token_hash=_hash(token))
        .first()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
        return None
    document = link.document
    if document.is_secret or document.disposed_at is not None:
        return None
    if count_use:
        with transaction.atomic():
            ShareLink.objects.filter(pk=link.pk).update(uses=F("uses") + 1)
            audit(
                actor=None,
                action="document.share_link_use",
                obj=document,
                unit=document.unit,
                detail={"link": link.pk},
            )
    return document
