"""Registering documents in the legal registers: the outgoing register gives the number, the
incoming register the arrival number; both restart on 1 January, secret documents have their
own series (Decree 30/2020, art. 15 and 22).

Numbers come from a ``RegisterCounter`` row per unit / register / year / series, incremented
under a row lock: ``select_for_update`` on PostgreSQL; on SQLite every transaction is
``BEGIN IMMEDIATE`` (config/settings.py), which takes the database's write lock at once.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.access import require_perm_at
from hoiso.core.audit import audit
from hoiso.documents.models import Direction, Document, Register, RegisterCounter
from hoiso.documents.services.metadata import (
    duplicate_warning,
    duplicates_of,
    join_number,
    reindex,
)
from hoiso.org.models import Unit


def next_number(*, unit: Unit, register: str, year: int, secret: bool) -> int:
    """The next number of a register's series; call inside the transaction that uses it."""
    lookup = {"unit": unit, "register": register, "year": year, "secret": secret}
    counter = RegisterCounter.objects.select_for_update().filter(**lookup).first()
    if counter is None:
        try:
            with transaction.atomic():
                RegisterCounter.objects.create(**lookup, last=0)
        except IntegrityError:  # another transaction created it first
            pass
        counter = RegisterCounter.objects.select_for_update().get(**lookup)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def register_document(*, actor: Any, document: Document) -> Document:
    """Enter a document in its register: a number (outgoing) or an arrival number (incoming).

    Outgoing: the number of the issue year's series, the notation kept; a document without
    issue date is dated today. Incoming: the arrival number of the arrival year's series (the
    arrival date defaults to today). Warnings (duplicates) are on ``document.warnings``.
    """
    require_perm_at(actor, "documents.register_document", document.unit.path)
    document = Document.objects.select_for_update().select_related("unit").get(pk=document.pk)
    if document.registered_at is not None:
        raise ValidationError(_("This document is already registered."))
    today = timezone.localdate()
    secret = document.is_secret
    if document.direction == Direction.OUTGOING:
        document.issue_date = document.issue_date or today
        number = next_number(
            unit=document.unit,
            register=Register.OUTGOING,
            year=document.issue_date.year,
            secret=secret,
        )
        document.number = number
        document.number_notation = join_number(number, document.notation)
        register = Register.OUTGOING
    elif document.direction == Direction.INCOMING:
        document.arrival_date = document.arrival_date or today
        document.arrival_number = next_number(
            unit=document.unit,
            register=Register.INCOMING,
            year=document.arrival_date.year,
            secret=secret,
        )
        number = document.arrival_number
        register = Register.INCOMING
    else:
        raise ValidationError({"direction": _("Internal documents are not entered in a register.")})
    document.registered_at = timezone.now()
    document._change_reason = _("registered")  # type: ignore[attr-defined]
    document.save()
    warnings = [duplicate_warning(d) for d in duplicates_of(actor, document)]
    document.warnings = warnings  # type: ignore[attr-defined]
    reindex(document)
    audit(
        actor=actor,
        action="document.register",
        obj=document,
        unit=document.unit,
        detail={"register": register, "number": number, "secret": secret},
    )
    return document
