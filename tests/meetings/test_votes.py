"""Vote rules: presence required, one ballot each, secret ballots unlinkable, closed is final."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from hoiso.core.models import AuditLog
from hoiso.meetings import selectors, services
from hoiso.meetings.models import Ballot, SecretTally, Vote, VoteReceipt, VoteState
from tests.conftest import make_user
from tests.meetings.conftest import says


def open_vote(room, *, secret: bool = False) -> Vote:
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    vote = services.vote_create(
        actor=room.chair, meeting=room.meeting, question="Thông qua nghị quyết?", item=room.item2,
        secret=secret,
    )  # fmt: skip
    return services.vote_open(actor=room.chair, vote=vote)


def test_absent_and_unchecked_cannot_vote_present_can(room):
    vote = open_vote(room)
    with pytest.raises(ValidationError, match=says("Only participants marked present may vote.")):
        services.vote_cast(actor=room.absent, vote=vote, choice="agree")
    services.attendance_mark(actor=room.chair, participant=room.p(room.delegate),
                             attendance="not_checked")  # fmt: skip
    with pytest.raises(ValidationError, match=says("Only participants marked present may vote.")):
        services.vote_cast(actor=room.delegate, vote=vote, choice="agree")
    services.vote_cast(actor=room.remote, vote=vote, choice="disagree")  # present online
    assert Ballot.objects.get(vote=vote).participant.user == room.remote


def test_non_participant_cannot_vote(room, users):
    vote = open_vote(room)
    with pytest.raises(PermissionDenied):
        services.vote_cast(actor=users["admin"], vote=vote, choice="agree")


def test_second_vote_rejected(room):
    vote = open_vote(room)
    services.vote_cast(actor=room.delegate, vote=vote, choice="agree")
    with pytest.raises(ValidationError, match=says("You have already voted.")):
        services.vote_cast(actor=room.delegate, vote=vote, choice="disagree")
    assert list(Ballot.objects.filter(vote=vote).values_list("choice", flat=True)) == ["agree"]


def test_second_secret_vote_rejected(room):
    vote = open_vote(room, secret=True)
    services.vote_cast(actor=room.delegate, vote=vote, choice="agree")
    with pytest.raises(ValidationError, match=says("You have already voted.")):
        services.vote_cast(actor=room.delegate, vote=vote, choice="agree")
    assert SecretTally.objects.get(vote=vote, choice="agree").count == 1


def test_vote_needs_an_open_vote_and_only_the_chair_opens_and_closes(room):
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    vote = services.vote_create(actor=room.chair, meeting=room.meeting, question="Q?")
    with pytest.raises(ValidationError, match=says("This vote is not open.")):
        services.vote_cast(actor=room.delegate, vote=vote, choice="agree")
    with pytest.raises(PermissionDenied):
        services.vote_open(actor=room.delegate, vote=vote)
    services.vote_open(actor=room.chair, vote=vote)
    with pytest.raises(PermissionDenied):
        services.vote_close(actor=room.delegate, vote=vote)


def test_result_counts_eligible_present_voted(room):
    vote = open_vote(room)
    services.vote_cast(actor=room.delegate, vote=vote, choice="agree")
    services.vote_cast(actor=room.remote, vote=vote, choice="disagree")
    services.vote_cast(actor=room.chair, vote=vote, choice="agree")
    services.vote_close(actor=room.chair, vote=vote)
    vote.refresh_from_db()
    # participants: chair, lead_a, delegate, remote, absent (all voting roles); the creator of a
    # non-secret meeting is not a participant. Present: chair, lead_a, delegate, remote.
    assert (vote.eligible_count, vote.present_count, vote.voted_count) == (5, 4, 3)
    assert (vote.agree_count, vote.disagree_count, vote.abstain_count) == (2, 1, 0)
    result = selectors.vote_result(vote, room.chair)
    assert result.choices == {"agree": 2, "disagree": 1, "abstain": 0}
    # results not made visible: a delegate sees the counts, not the choices
    assert selectors.vote_result(vote, room.delegate).choices is None


def test_secret_vote_stores_no_link_between_person_and_choice(room):
    vote = open_vote(room, secret=True)
    services.vote_cast(actor=room.delegate, vote=vote, choice="disagree")
    services.vote_cast(actor=room.remote, vote=vote, choice="agree")
    services.vote_cast(actor=room.chair, vote=vote, choice="agree")
    assert not Ballot.objects.filter(vote=vote).exists()
    receipt_columns = {f.column for f in VoteReceipt._meta.concrete_fields}
    tally_columns = {f.column for f in SecretTally._meta.concrete_fields}
    assert receipt_columns == {"id", "vote_id", "participant_id"}  # no choice, no time
    assert tally_columns == {"id", "vote_id", "choice", "count"}  # no person, no time
    # inspect the tables themselves: no column anywhere links the two
    with connection.cursor() as cursor:
        for table, forbidden in (
            ("meetings_votereceipt", {"choice", "cast_at", "created_at"}),
            ("meetings_secrettally", {"participant_id", "user_id", "cast_at"}),
        ):
            cols = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            assert not cols & forbidden, (table, cols)
    voters = VoteReceipt.objects.filter(vote=vote).values_list("participant__user", flat=True)
    assert set(voters) == {room.delegate.pk, room.remote.pk, room.chair.pk}
    assert dict(SecretTally.objects.filter(vote=vote).values_list("choice", "count")) == {
        "agree": 2, "disagree": 1, "abstain": 0
    }  # fmt: skip
    # the audit rows of the casts do not carry the choice either
    casts = AuditLog.objects.filter(action="meetings.vote.cast", object_id=str(vote.pk))
    assert casts.count() == 3 and all("choice" not in a.detail for a in casts)
    # while open, nobody sees the running tally of a secret vote, not even the chair
    assert selectors.vote_result(vote, room.chair).choices is None
    assert selectors.vote_result(vote, room.chair).voted == 3


def test_closed_vote_is_immutable(room):
    vote = open_vote(room)
    services.vote_cast(actor=room.delegate, vote=vote, choice="agree")
    services.vote_close(actor=room.chair, vote=vote)
    vote = Vote.objects.get(pk=vote.pk)
    assert vote.state == VoteState.CLOSED
    with pytest.raises(ValidationError, match=says("This vote is not open.")):
        services.vote_cast(actor=room.remote, vote=vote, choice="agree")
    with pytest.raises(ValidationError):
        services.vote_close(actor=room.chair, vote=vote)
    with pytest.raises(ValidationError):
        services.vote_set_results_visible(actor=room.chair, vote=vote, visible=True)
    # the models refuse
    vote.agree_count = 99
    with pytest.raises(ValidationError):
        vote.save()
    with pytest.raises(ValidationError):
        Ballot.objects.get(vote=vote).delete()
    with pytest.raises(ValidationError):
        Ballot(vote=vote, participant=room.p(room.remote), choice="agree").save()
    # and the database refuses writes that bypass the models
    with pytest.raises(DatabaseError), transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(agree_count=99)
    with pytest.raises(DatabaseError), transaction.atomic():
        Ballot.objects.bulk_create([Ballot(vote=vote, participant=room.p(room.remote), choice="x")])
    with pytest.raises(DatabaseError), transaction.atomic():
        Ballot.objects.filter(vote=vote).update(choice="disagree")
    vote.refresh_from_db()
    assert vote.agree_count == 1 and Ballot.objects.get(vote=vote).choice == "agree"


def test_secret_tally_cannot_move_after_close(room):
    vote = open_vote(room, secret=True)
    services.vote_cast(actor=room.delegate, vote=vote, choice="agree")
    services.vote_close(actor=room.chair, vote=vote)
    with pytest.raises(DatabaseError), transaction.atomic():
        SecretTally.objects.filter(vote=vote).update(count=50)
    assert SecretTally.objects.get(vote=vote, choice="agree").count == 1


def test_guest_does_not_vote(room):
    guest = make_user("khach", None, None, full_name="Khách Mời")
    services.participants_add(actor=room.chair, meeting=room.meeting, users=[guest], role="guest")
    services.attendance_mark(actor=room.chair, participant=room.p(guest), attendance="in_person")
    vote = open_vote(room)
    with pytest.raises(ValidationError, match=says("Guests do not vote.")):
        services.vote_cast(actor=guest, vote=vote, choice="agree")
