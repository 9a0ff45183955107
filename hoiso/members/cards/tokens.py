"""The signed token a card's QR code carries, and what verifying it finds.

The token signs (member id, card version) with ``django.core.signing`` and its own salt, without
a timestamp (cards do not expire; a shorter token makes a coarser, easier-to-scan QR code). Issuing
or revoking a card bumps the version (``services.card_issue`` / ``card_revoke``), so every earlier
token stops verifying: revocation needs no token table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from hoiso.members.choices import CardStatus
from hoiso.members.models import Member

SALT = "hoiso.members.cards.verify"


class Verdict(enum.StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"  # not our signature, tampered, or no such member
    REVOKED = "revoked"
    REPLACED = "replaced"  # an older card of a member who holds a newer one
    INACTIVE = "inactive"  # the member left, died or moved out


@dataclass(frozen=True)
class CardCheck:
    """The outcome of one verification: the verdict and, when the card is known, its holder."""

    verdict: Verdict
    member: Member | None = None

    @property
    def valid(self) -> bool:
        return self.verdict == Verdict.VALID


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def card_token(member: Member) -> str:
    """The token of the member's current card (changes on every issue and revocation)."""
    return _signer().sign_object([member.pk, member.card_version])


def verify_path(member: Member) -> str:
    return reverse("members:card_verify", args=[card_token(member)])


def verify_url(member: Member) -> str:
    """The absolute verification address printed in the QR code (host from PUBLIC_BASE_URL)."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + verify_path(member)


def card_check(token: str) -> CardCheck:
    """Verify a token from a scanned card.

    Deliberately unscoped: anyone holding the card may check it. The caller shows only what is
    printed on the card anyway (name, unit, number) and the verdict.
    """
    try:
        pk, version = _signer().unsign_object(token)
        pk, version = int(pk), int(version)
    except (signing.BadSignature, ValueError, TypeError):
        return CardCheck(Verdict.UNKNOWN)
    member = Member.objects.select_related("unit").filter(pk=pk).first()
    if member is None or not member.card_number:
        return CardCheck(Verdict.UNKNOWN)
    # A member who left holds no valid card, whichever card this is.
    if not member.is_current:
        return CardCheck(Verdict.INACTIVE, member)
    if version != member.card_version:
        replaced = member.card_status == CardStatus.ISSUED and version < member.card_version
        return CardCheck(Verdict.REPLACED if replaced else Verdict.REVOKED, member)
    if member.card_status != CardStatus.ISSUED:
        return CardCheck(Verdict.REVOKED, member)
    return CardCheck(Verdict.VALID, member)
