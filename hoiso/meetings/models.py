"""The digital meeting room: meetings with their sites, participants, agenda, documents,
speaking requests, votes, conclusions, follow-up tasks and minutes.

A meeting belongs to its host unit (``unit``) and is scoped by it like everything else; its
participants see it too, wherever they sit (selectors.meetings_visible). A secret meeting is
seen by its participants only: ``restrict`` never returns it to anyone else, superusers
included (``Meeting.restrict_condition``).

Only ``Meeting`` is a scoped model. Everything else hangs off a meeting and is read through
the selectors after the meeting itself has been authorised.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hoiso.core.access import RestrictedQuerySet
from hoiso.core.vietnamese import fold

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from hoiso.accounts.models import User


def new_room_name() -> str:
    """An unguessable video room name (Jitsi binds each user's token to this one room)."""
    return f"hoiso-{secrets.token_hex(12)}"


def new_checkin_code() -> str:
    """A site's check-in code (what the QR code at the site's door carries)."""
    return secrets.token_urlsafe(9)


class MeetingKind(models.TextChoices):
    EXECUTIVE = "bch", _("Executive committee (Ban Chấp hành)")
    STANDING = "btv", _("Standing committee (Ban Thường vụ)")
    BRIEFING = "giao_ban", _("Briefing (giao ban)")
    CONFERENCE = "hoi_nghi", _("Conference (hội nghị)")
    TRAINING = "tap_huan", _("Training (tập huấn)")
    OTHER = "khac", _("Other")


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("In session")
    CLOSED = "closed", _("Closed")


class Meeting(models.Model):
    """One meeting (cuộc họp) hosted by a unit, possibly linked with other units' rooms (sites)."""

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("host unit")
    )
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(
        _("kind"), max_length=10, choices=MeetingKind.choices, default=MeetingKind.OTHER
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    # title and place folded (no diacritics, lower case), for the list's search; kept by save()
    search_folded = models.CharField(max_length=800, blank=True, editable=False)
    secret = models.BooleanField(
        _("secret meeting"),
        default=False,
        help_text=_("Seen by its participants only; no video, no file download."),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=MeetingState.choices, default=MeetingState.DRAFT
    )
    video_room = models.CharField(max_length=64, unique=True, default=new_room_name, editable=False)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chair"),
    )
    # the live room: what the chair shows (every follower's screen moves with it)
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shown_document = models.ForeignKey(
        "ItemDocument", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shown_page = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet["Meeting"].as_manager()

    scope_path_field = "unit__path"

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["unit", "starts_at"], name="meeting_unit_start")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_folded = fold(f"{self.title} {self.place}")[:800]
        fields = kwargs.get("update_fields")
        if fields is not None and {"title", "place"} & set(fields):
            kwargs["update_fields"] = [*fields, "search_folded"]
        super().save(*args, **kwargs)

    @property
    def group_name(self) -> str:
        """The Channels group of the live room."""
        return f"meeting.{self.pk}"

    @classmethod
    def restrict_condition(cls, user: User | AnonymousUser, perm: str) -> Q:
        """Secret meetings only for their participants, whatever their role."""
        if not user.is_authenticated:
            return Q(pk__in=[])
        mine = Participant.objects.filter(user_id=user.pk).values("meeting_id")
        return Q(secret=False) | Q(pk__in=mine)


class Site(models.Model):
    """A room taking part: the hub (the host's room) or a connected unit's room, with its lead."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="sites")
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=255)
    is_hub = models.BooleanField(_("hub"), default=False)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site lead"),
    )
    checkin_code = models.CharField(
        max_length=32, unique=True, default=new_checkin_code, editable=False
    )

    class Meta:
        ordering = ["meeting", "-is_hub", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"], condition=Q(is_hub=True), name="meeting_one_hub"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ParticipantRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    DELEGATE = "delegate", _("Delegate")
    GUEST = "guest", _("Guest")


# Who drives the live room (agenda, shown document, speakers, votes).
DRIVING_ROLES = (ParticipantRole.CHAIR, ParticipantRole.SECRETARY)
# Who may vote (guests attend without a vote).
VOTING_ROLES = (ParticipantRole.CHAIR, ParticipantRole.SECRETARY, ParticipantRole.DELEGATE)


class Invitation(models.TextChoices):
    PENDING = "pending", _("Not yet answered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Attendance(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not yet checked")
    IN_PERSON = "in_person", _("Present in person")
    ONLINE = "online", _("Present online")
    ABSENT = "absent", _("Absent")


PRESENT = (Attendance.IN_PERSON, Attendance.ONLINE)


class Participant(models.Model):
    """A person invited to a meeting, the site she attends from, and her attendance."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_participations"
    )
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="participants"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=ParticipantRole.choices, default=ParticipantRole.DELEGATE
    )
    invitation = models.CharField(
        _("invitation"), max_length=10, choices=Invitation.choices, default=Invitation.PENDING
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(
        _("attendance"),
        max_length=12,
        choices=Attendance.choices,
        default=Attendance.NOT_CHECKED,
    )
    absence_reason = models.CharField(_("reason for absence"), max_length=255, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.meeting_id}"

    @property
    def is_present(self) -> bool:
        return self.attendance in PRESENT

    @property
    def drives(self) -> bool:
        return self.role in DRIVING_ROLES


class AgendaItem(models.Model):
    """An agenda item (nội dung); items form a tree (``parent``), ordered by ``position``."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=500)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("presenter"),
    )
    presenter_name = models.CharField(_("presenter (name)"), max_length=150, blank=True)
    planned_minutes = models.PositiveIntegerField(_("planned minutes"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "parent_id", "position", "id"]

    def __str__(self) -> str:
        return self.title


def item_file_upload_to(instance: ItemDocument, filename: str) -> str:
    return f"meetings/{instance.item.meeting_id}/{secrets.token_hex(8)}/{filename}"


class ItemDocument(models.Model):
    """A document of an agenda item: picked from the archive or uploaded for this meeting."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_uses",
    )
    file = models.FileField(upload_to=item_file_upload_to, max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=500)
    position = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False) | ~Q(file=""),
                name="item_document_has_source",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SpeakingState(models.TextChoices):
    RAISED = "raised", _("Waiting")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    GRANTED = "granted", _("Given the floor")
    SPEAKING = "speaking", _("Speaking")
    DONE = "done", _("Spoke")


OPEN_SPEAKING = (SpeakingState.RAISED, SpeakingState.GRANTED, SpeakingState.SPEAKING)


class SpeakingRequest(models.Model):
    """A raised hand on an agenda item; ``position`` keeps the order hands were raised in."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="speakers")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="speaking_requests"
    )
    position = models.PositiveIntegerField(default=0)
    state = models.CharField(
        max_length=10, choices=SpeakingState.choices, default=SpeakingState.RAISED
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    granted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["item", "position", "id"]
        constraints = [
            # one open hand per person and item (a withdrawn or finished one may be raised again)
            models.UniqueConstraint(
                fields=["item", "participant"],
                condition=Q(state__in=["raised", "granted", "speaking"]),
                name="speaking_one_open_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} on {self.item_id} ({self.state})"


class Choice(models.TextChoices):
    AGREE = "agree", _("Agree (Đồng ý)")
    DISAGREE = "disagree", _("Disagree (Không đồng ý)")
    ABSTAIN = "abstain", _("No opinion (Không biểu quyết)")


class VoteState(models.TextChoices):
    DRAFT = "draft", _("Prepared")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ClosedVoteError(ValidationError):
    """Raised on any attempt to change a closed vote or its ballots."""


class Vote(models.Model):
    """A vote (biểu quyết) on an item or a document: Đồng ý / Không đồng ý / Không biểu quyết.

    Open (named) votes store one ``Ballot`` per voter: person and choice. Secret votes store
    two unrelated things instead: a ``VoteReceipt`` per voter (who has voted, so that nobody
    votes twice) and a counter per choice (``SecretTally``) that the cast increments. Neither
    table has a time column and no row carries both a person and a choice, so the tables
    cannot be joined back into "who chose what"; the audit row of a secret cast names the vote,
    not the choice. While a secret vote is open only the number who voted is broadcast, never
    the running tally (watching the tally move after each voter would link them).

    When the chair closes a vote, the counts of eligible (voting participants), present and
    voted participants and the result per choice are frozen on the row. A closed vote is
    immutable: the services refuse, ``save``/``delete`` of the vote, its ballots, receipts and
    tallies refuse (``ClosedVoteError``), and database triggers (migration 0002) refuse writes
    that bypass the models.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="votes"
    )
    document = models.ForeignKey(
        ItemDocument, on_delete=models.SET_NULL, null=True, blank=True, related_name="votes"
    )
    question = models.CharField(_("question"), max_length=500)
    secret = models.BooleanField(_("secret ballot"), default=False)
    state = models.CharField(max_length=10, choices=VoteState.choices, default=VoteState.DRAFT)
    results_visible = models.BooleanField(
        _("results shown to participants"),
        default=False,
        help_text=_("Open votes: live; secret votes: once closed."),
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # frozen at close
    eligible_count = models.PositiveIntegerField(null=True, blank=True)
    present_count = models.PositiveIntegerField(null=True, blank=True)
    voted_count = models.PositiveIntegerField(null=True, blank=True)
    agree_count = models.PositiveIntegerField(null=True, blank=True)
    disagree_count = models.PositiveIntegerField(null=True, blank=True)
    abstain_count = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.question

    def save(self, *args: Any, **kwargs: Any) -> None:
        # the stored row decides: a closed vote stays closed whatever this instance says
        if self.pk and Vote.objects.filter(pk=self.pk, state=VoteState.CLOSED).exists():
            raise ClosedVoteError(_("This vote is closed and can no longer be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if Vote.objects.filter(pk=self.pk, state=VoteState.CLOSED).exists():
            raise ClosedVoteError(_("This vote is closed and can no longer be changed."))
        return super().delete(*args, **kwargs)


def _require_open(vote_id: int) -> None:
    if Vote.objects.filter(pk=vote_id).exclude(state=VoteState.OPEN).exists():
        raise ClosedVoteError(_("This vote is not open."))


class _VoteChild(models.Model):
    """Ballots, receipts and tallies are written only while their vote is open."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        _require_open(self.vote_id)  # type: ignore[attr-defined]
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _require_open(self.vote_id)  # type: ignore[attr-defined]
        return super().delete(*args, **kwargs)


class Ballot(_VoteChild):
    """An open (named) vote's ballot: who chose what."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="ballots")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "participant"], name="ballot_once")]

    def __str__(self) -> str:
        return f"{self.vote_id}/{self.participant_id}"


class VoteReceipt(_VoteChild):
    """A secret vote's "has voted" record: the person, never the choice (no time either)."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="receipts")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "participant"], name="receipt_once")]

    def __str__(self) -> str:
        return f"{self.vote_id}/{self.participant_id}"


class SecretTally(_VoteChild):
    """A secret vote's counter for one choice: the choice, never the person."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="tallies")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "choice"], name="tally_once")]

    def __str__(self) -> str:
        return f"{self.vote_id}/{self.choice}"


class Conclusion(models.Model):
    """A conclusion (kết luận) of the meeting, on an item or on the whole meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="conclusions")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="conclusions"
    )
    text = models.TextField(_("conclusion"))
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpTask(models.Model):
    """A task that a conclusion gives a unit, with a deadline, a status and reminders."""

    conclusion = models.ForeignKey(Conclusion, on_delete=models.CASCADE, related_name="tasks")
    owner_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="meeting_tasks", verbose_name=_("owner")
    )
    title = models.CharField(_("task"), max_length=500)
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)
    remind_days_before = models.PositiveSmallIntegerField(_("remind days before"), default=3)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.title


class MinutesState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class Minutes(models.Model):
    """The minutes (biên bản): generated from what happened, edited, finalised by the chair."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    body = models.TextField(_("minutes"), blank=True)
    state = models.CharField(
        max_length=10, choices=MinutesState.choices, default=MinutesState.DRAFT
    )
    generated_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"Minutes of {self.meeting_id}"


class DocumentComment(models.Model):
    """A comment (góp ý) on a meeting document, optionally on one page; organisers mark it
    resolved. Participants and organisers comment; in a secret meeting, participants only."""

    item_document = models.ForeignKey(
        ItemDocument, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # the author's seat in the meeting when she wrote it (organisers may have none)
    participant = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="document_comments",
    )
    page = models.PositiveIntegerField(_("page"), null=True, blank=True)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(_("resolved"), default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item_document", "created_at", "id"]
        verbose_name = _("document comment")
        verbose_name_plural = _("document comments")
        indexes = [models.Index(fields=["item_document", "page"], name="doc_comment_page")]

    def __str__(self) -> str:
        return self.text[:80]


# --- opinion forms (phiếu lấy ý kiến): services/opinions.py, selectors_opinions.py ------------


class OpinionChoice(models.TextChoices):
    AGREE = "agree", _("Agree (Đồng ý)")
    DISAGREE = "disagree", _("Disagree (Không đồng ý)")
    OTHER = "other", _("Other opinion (Ý kiến khác)")


class OpinionForm(models.Model):
    """A written opinion form on a draft (an item or one of its documents), sent to some of the
    meeting's participants; each answers once, and may change her answer until the deadline."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="opinion_forms")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="opinion_forms"
    )
    document = models.ForeignKey(
        ItemDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opinion_forms",
        verbose_name=_("draft"),
    )
    title = models.CharField(_("title"), max_length=500)
    instructions = models.TextField(_("instructions"), blank=True)
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "deadline", "id"]
        verbose_name = _("opinion form")
        verbose_name_plural = _("opinion forms")

    def __str__(self) -> str:
        return self.title


class OpinionQuestion(models.Model):
    """A point of the draft to answer Đồng ý / Không đồng ý / Ý kiến khác (with a comment)."""

    form = models.ForeignKey(OpinionForm, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("question"))

    class Meta:
        ordering = ["form", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class OpinionRecipient(models.Model):
    """A participant asked to answer a form."""

    form = models.ForeignKey(OpinionForm, on_delete=models.CASCADE, related_name="recipients")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="opinion_requests"
    )

    class Meta:
        ordering = ["form", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "participant"], name="opinion_recipient_once")
        ]

    def __str__(self) -> str:
        return f"{self.form_id}/{self.participant_id}"


class OpinionResponse(models.Model):
    """One recipient's answer to a form (one each; changed in place until the deadline)."""

    form = models.ForeignKey(OpinionForm, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="opinion_responses"
    )
    opinion = models.TextField(_("opinion"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["form", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "participant"], name="opinion_response_once")
        ]

    def __str__(self) -> str:
        return f"{self.form_id}/{self.participant_id}"


class OpinionAnswer(models.Model):
    """A response's answer to one question."""

    response = models.ForeignKey(OpinionResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(OpinionQuestion, on_delete=models.CASCADE, related_name="answers")
    choice = models.CharField(max_length=10, choices=OpinionChoice.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["response", "question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="opinion_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}: {self.choice}"
