"""Votes: prepare, open, cast (open or secret), close; a closed vote is final."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core.vietnamese import nfc
from hoiso.meetings import selectors
from hoiso.meetings.broadcast import notify
from hoiso.meetings.models import (
    PRESENT,
    VOTING_ROLES,
    AgendaItem,
    Ballot,
    Choice,
    ItemDocument,
    Meeting,
    SecretTally,
    Vote,
    VoteReceipt,
    VoteState,
)
from hoiso.meetings.services._common import (
    record_write,
    require_drive,
    require_live,
    require_manage,
    require_not_closed,
    require_participant,
)

# --- votes -----------------------------------------------------------------------------------


@transaction.atomic
def vote_create(
    *,
    actor: Any,
    meeting: Meeting,
    question: str,
    item: AgendaItem | None = None,
    document: ItemDocument | None = None,
    secret: bool = False,
    results_visible: bool = False,
) -> Vote:
    """A vote prepared on an item or a document (draft until the chair opens it)."""
    require_manage(actor, meeting)
    require_not_closed(meeting)
    question = nfc(question or "").strip()
    if not question:
        raise ValidationError({"question": [_("The vote needs a question.")]})
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"item": [_("This item belongs to another meeting.")]})
    if document is not None:
        if document.item.meeting_id != meeting.pk:
            raise ValidationError({"document": [_("This document belongs to another meeting.")]})
        item = item or document.item
    vote = Vote.objects.create(
        meeting=meeting,
        item=item,
        document=document,
        question=question,
        secret=secret,
        results_visible=results_visible,
        created_by=actor,
    )
    record_write(
        actor,
        meeting,
        "vote.create",
        vote,
        detail={"secret": secret},
        notice="vote.changed",
        vote=vote.pk,
    )
    return vote


def _locked_vote(vote: Vote) -> Vote:
    return Vote.objects.select_for_update().select_related("meeting__unit").get(pk=vote.pk)


@transaction.atomic
def vote_open(*, actor: Any, vote: Vote) -> Vote:
    require_drive(actor, vote.meeting)
    vote = _locked_vote(vote)
    require_live(vote.meeting)
    if vote.state != VoteState.DRAFT:
        raise ValidationError(_("This vote has already been opened."))
    vote.state = VoteState.OPEN
    vote.opened_at = timezone.now()
    vote.save(update_fields=["state", "opened_at"])
    if vote.secret:
        SecretTally.objects.bulk_create(
            [SecretTally(vote=vote, choice=c, count=0) for c in Choice.values]
        )
    record_write(actor, vote.meeting, "vote.open", vote, notice="vote.opened", vote=vote.pk)
    return vote


@transaction.atomic
def vote_set_results_visible(*, actor: Any, vote: Vote, visible: bool) -> Vote:
    """Show or hide the results to participants (before the vote is closed)."""
    require_drive(actor, vote.meeting)
    vote = _locked_vote(vote)
    if vote.state == VoteState.CLOSED:
        raise ValidationError(_("This vote is closed and can no longer be changed."))
    vote.results_visible = visible
    vote.save(update_fields=["results_visible"])
    record_write(
        actor,
        vote.meeting,
        "vote.visibility",
        vote,
        detail={"visible": visible},
        notice="vote.changed",
        vote=vote.pk,
    )
    return vote


@transaction.atomic
def vote_cast(*, actor: Any, vote: Vote, choice: str) -> None:
    """One ballot per eligible participant marked present, while the vote is open.

    Open vote: a Ballot (person + choice). Secret vote: a VoteReceipt (person) and +1 on the
    choice's SecretTally (choice), nothing that links the two (see models.Vote).
    """
    if choice not in Choice.values:
        raise ValidationError({"choice": [_("Choose Agree, Disagree or No opinion.")]})
    vote = _locked_vote(vote)
    meeting = vote.meeting
    participant = require_participant(actor, meeting)
    if vote.state != VoteState.OPEN:
        raise ValidationError(_("This vote is not open."))
    if participant.role not in VOTING_ROLES:
        raise ValidationError(_("Guests do not vote."))
    if participant.attendance not in PRESENT:
        raise ValidationError(_("Only participants marked present may vote."))
    record = VoteReceipt if vote.secret else Ballot
    if record.objects.filter(vote=vote, participant=participant).exists():
        raise ValidationError(_("You have already voted."))
    try:
        with transaction.atomic():
            if vote.secret:
                VoteReceipt.objects.create(vote=vote, participant=participant)
                SecretTally.objects.filter(vote=vote, choice=choice).update(count=F("count") + 1)
            else:
                Ballot.objects.create(vote=vote, participant=participant, choice=choice)
    except IntegrityError as exc:
        raise ValidationError(_("You have already voted.")) from exc
    record_write(
        actor, meeting, "vote.cast", vote, detail={} if vote.secret else {"choice": choice}
    )
    voted = record.objects.filter(vote=vote).count()
    notify(meeting.pk, "vote.progress", vote=vote.pk, voted=voted)


@transaction.atomic
def vote_close(*, actor: Any, vote: Vote) -> Vote:
    """The chair closes the vote: eligible, present, voted and the result are frozen; from now
    on the vote and its ballots cannot change."""
    require_drive(actor, vote.meeting)
    vote = _locked_vote(vote)
    if vote.state != VoteState.OPEN:
        raise ValidationError(_("This vote is not open."))
    eligible, present, voted, choices = selectors.live_counts(vote)
    vote.state = VoteState.CLOSED
    vote.closed_at = timezone.now()
    vote.eligible_count = eligible
    vote.present_count = present
    vote.voted_count = voted
    vote.agree_count = choices[Choice.AGREE]
    vote.disagree_count = choices[Choice.DISAGREE]
    vote.abstain_count = choices[Choice.ABSTAIN]
    vote.save()
    record_write(
        actor,
        vote.meeting,
        "vote.close",
        vote,
        detail={"eligible": eligible, "present": present, "voted": voted, **choices},
        notice="vote.closed",
        vote=vote.pk,
    )
    return vote
