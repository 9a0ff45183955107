"""The document archive: documents (Decree 30 metadata), their file versions, files (hồ sơ),
tags, the legal registers' numbering, share links, saved searches and disposal decisions.

A document belongs to one unit (its owner: the issuing unit for outgoing documents, the
receiving unit for incoming ones) and is scoped by that unit like everything else. Documents
graded Mật / Tối mật / Tuyệt mật are further limited to the people named on them
(``readers``): ``restrict`` never returns them to anyone else, superusers included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hoiso.core.access import RestrictedQuerySet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from hoiso.accounts.models import User


class Direction(models.TextChoices):
    OUTGOING = "out", _("Outgoing")
    INCOMING = "in", _("Incoming")
    INTERNAL = "internal", _("Internal")


class Secrecy(models.TextChoices):
    NORMAL = "", _("Not secret")
    SECRET = "mat", _("Secret (Mật)")
    TOP_SECRET = "toi_mat", _("Top secret (Tối mật)")
    ABSOLUTE = "tuyet_mat", _("Absolutely secret (Tuyệt mật)")


class Urgency(models.TextChoices):
    NORMAL = "", _("Normal")
    URGENT = "khan", _("Urgent (Khẩn)")
    VERY_URGENT = "thuong_khan", _("Very urgent (Thượng khẩn)")
    FLASH = "hoa_toc", _("Immediate (Hỏa tốc)")


class ProcessingState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    EXTRACTING = "extracting", _("Extracting text")
    OCR = "ocr", _("Recognising text (OCR)")
    INDEXING = "indexing", _("Indexing")
    INDEXED = "indexed", _("Indexed")
    FAILED = "failed", _("Failed")


class HandlingStatus(models.TextChoices):
    NEW = "new", _("Not yet handled")
    IN_PROGRESS = "in_progress", _("Being handled")
    DONE = "done", _("Handled")


class DocumentType(models.Model):
    """A kind of document (Nghị quyết, Kế hoạch …) with its abbreviation and retention."""

    code = models.CharField(_("abbreviation"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years)"), null=True, blank=True, help_text=_("Empty: kept permanently.")
    )
    sort = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["sort", "name"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_folded = models.CharField(max_length=60, db_index=True, editable=False)

    class Meta:
        ordering = ["name_folded"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class DocumentQuerySet(RestrictedQuerySet["Document"]):
    def not_secret(self) -> DocumentQuerySet:
        return self.filter(secrecy=Secrecy.NORMAL)

    def published(self) -> DocumentQuerySet:
        """Public documents: marked public, not secret, not disposed."""
        return self.filter(is_public=True, secrecy=Secrecy.NORMAL, disposed_at__isnull=True)


class Document(models.Model):
    """One document (văn bản) with the metadata of Decree 30/2020 and its processing state."""

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="documents", verbose_name=_("unit")
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTGOING
    )
    doc_type = models.ForeignKey(
        DocumentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("type"),
    )
    # "12-NQ/HPN": number 12, notation "NQ/HPN"; number_notation is what is shown and searched.
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    notation = models.CharField(_("notation"), max_length=60, blank=True)
    number_notation = models.CharField(
        _("number and notation"), max_length=80, blank=True, db_index=True
    )
    issue_date = models.DateField(_("issued on"), null=True, blank=True, db_index=True)
    issue_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    issue_place = models.CharField(_("place of issue"), max_length=100, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=255, blank=True)
    summary = models.TextField(_("summary (trích yếu)"), blank=True)
    signer_name = models.CharField(_("signed by"), max_length=150, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=150, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=12, choices=Urgency.choices, blank=True, default=Urgency.NORMAL
    )
    secrecy = models.CharField(
        _("secrecy"), max_length=10, choices=Secrecy.choices, blank=True, default=Secrecy.NORMAL
    )
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    copies = models.PositiveIntegerField(_("copies"), null=True, blank=True)
    reply_deadline = models.DateField(_("reply by"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, default="vi")
    # incoming documents (văn bản đến)
    arrival_date = models.DateField(_("arrived on"), null=True, blank=True)
    arrival_number = models.PositiveIntegerField(_("arrival number"), null=True, blank=True)
    handling_unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    directions = models.TextField(_("directions for handling"), blank=True)
    handling_status = models.CharField(
        _("handling status"),
        max_length=12,
        choices=HandlingStatus.choices,
        blank=True,
        default="",
    )
    handling_deadline = models.DateField(_("handling deadline"), null=True, blank=True)
    # registration in the legal registers (sổ đăng ký văn bản đi / đến)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    # secret documents: only these people see them
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="secret_documents"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="documents")
    # publishing
    is_public = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # processing pipeline
    current_version = models.ForeignKey(
        "DocumentVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("processing"),
        max_length=12,
        choices=ProcessingState.choices,
        default=ProcessingState.QUEUED,
        db_index=True,
    )
    state_detail = models.CharField(max_length=255, blank=True)
    progress = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # metadata read from the first page, for the cadre to confirm: {"field": {"value", "confirmed"}}
    suggestions = models.JSONField(default=dict, blank=True)
    # disposal (only through a DisposalDecision; the record stays)
    disposed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, default="upload", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=[
            "state",
            "state_detail",
            "progress",
            "progress_total",
            "state_changed_at",
            "updated_at",
            "issue_year",
        ]
    )
    objects = DocumentQuerySet.as_manager()

    scope_path_field = "unit__path"

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["unit", "issue_year"], name="document_unit_year"),
            models.Index(fields=["unit", "direction", "issue_year"], name="document_register"),
        ]
        # No unique constraint on arrival numbers: they restart each year of *arrival* (not of
        # issue) and secret documents have their own series; RegisterCounter hands them out
        # under a row lock (services/registers.py).
        permissions = [
            ("register_document", "Can register documents in the incoming and outgoing registers"),
            ("publish_document", "Can publish documents on the public site"),
            ("share_document", "Can create share links"),
            ("download_document", "Can download document files"),
        ]

    def __str__(self) -> str:
        label = self.number_notation or (self.summary[:80] if self.summary else "")
        return label or f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.issue_year = self.issue_date.year if self.issue_date else None
        if self.is_public and self.secrecy:
            raise ValueError("A secret document can never be public.")
        super().save(*args, **kwargs)

    @property
    def is_secret(self) -> bool:
        return bool(self.secrecy)

    @classmethod
    def restrict_condition(cls, user: User | AnonymousUser, perm: str) -> Q:
        """Secret documents only for the people named on them, whatever their role."""
        if not user.is_authenticated:
            return Q(pk__in=[])
        named = Document.readers.through.objects.filter(user_id=user.pk).values("document_id")
        return Q(secrecy=Secrecy.NORMAL) | Q(pk__in=named)


def version_upload_to(instance: DocumentVersion, filename: str) -> str:
    return f"documents/{instance.sha256[:2]}/{instance.sha256}/{filename}"


def archive_upload_to(instance: DocumentVersion, filename: str) -> str:
    return f"documents/{instance.sha256[:2]}/{instance.sha256}/archive.pdf"


class DocumentVersion(models.Model):
    """One uploaded file of a document; a corrected scan adds a version, older ones are kept.

    ``file`` is the original as received, ``archive`` the PDF/A (image + text layer) made by
    OCR when the original needed it. ``sha256`` is unique: the same bytes are stored once.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to=version_upload_to, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    mime = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, unique=True)
    archive = models.FileField(upload_to=archive_upload_to, max_length=255, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    # how the text was obtained: "text" (text layer), "ocr", "docx", "xlsx", "odt", "image"
    text_source = models.CharField(max_length=10, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "document__unit__path"

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="unique_version_number")
        ]
        # Permissions for versions are those of their document.
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.filename} (v{self.number})"

    @classmethod
    def restrict_condition(cls, user: User | AnonymousUser, perm: str) -> Q:
        if not user.is_authenticated:
            return Q(pk__in=[])
        named = Document.readers.through.objects.filter(user_id=user.pk).values("document_id")
        return Q(document__secrecy=Secrecy.NORMAL) | Q(document_id__in=named)


class AccessRegime(models.TextChoices):
    OPEN = "open", _("Open within the union")
    LIMITED = "limited", _("Limited to the unit")
    SECRET = "secret", _("Secret: named people only")


class DossierStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    DISPOSED = "disposed", _("Disposed of")


class Dossier(models.Model):
    """A file (hồ sơ): documents grouped for keeping, with a retention period and access regime.

    A document may sit in several files without being copied (``DossierItem``).
    """

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("unit")
    )
    code = models.CharField(_("file code"), max_length=50)
    title = models.CharField(_("title"), max_length=500)
    year = models.PositiveSmallIntegerField(_("year"))
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years)"), null=True, blank=True, help_text=_("Empty: kept permanently.")
    )
    access = models.CharField(
        _("access regime"), max_length=10, choices=AccessRegime.choices, default=AccessRegime.OPEN
    )
    keeper = models.CharField(_("kept by"), max_length=150, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DossierStatus.choices, default=DossierStatus.OPEN
    )
    review_due = models.DateField(_("review due"), null=True, blank=True, db_index=True)
    documents = models.ManyToManyField(Document, through="DossierItem", related_name="dossiers")
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="secret_dossiers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "unit__path"

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("file")
        verbose_name_plural = _("files")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "code"], name="unique_dossier_code")
        ]
        permissions = [("dispose_dossier", "Can decide the disposal of files")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @classmethod
    def restrict_condition(cls, user: User | AnonymousUser, perm: str) -> Q:
        if not user.is_authenticated:
            return Q(pk__in=[])
        named = Dossier.readers.through.objects.filter(user_id=user.pk).values("dossier_id")
        return ~Q(access=AccessRegime.SECRET) | Q(pk__in=named)


class DossierItem(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="items")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="dossier_items")
    position = models.PositiveIntegerField(_("order"), default=0)
    note = models.CharField(_("note"), max_length=255, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "document"], name="unique_dossier_item")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}/{self.document_id}"


class DisposalDecision(models.Model):
    """The explicit decision that disposes of files whose retention has run out.

    The decision, the files' records and their documents' metadata are kept for ever; only the
    stored bytes are removed.
    """

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("decision number"), max_length=80)
    decided_on = models.DateField(_("decided on"))
    reason = models.TextField(_("reason"))
    council = models.TextField(_("appraisal council"), blank=True)
    dossiers = models.ManyToManyField(Dossier, related_name="disposals")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "unit__path"

    class Meta:
        ordering = ["-decided_on", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.number


class Register(models.TextChoices):
    INCOMING = "in", _("Incoming documents register")
    OUTGOING = "out", _("Outgoing documents register")


class RegisterCounter(models.Model):
    """The last number given in a unit's register for a year; numbering restarts on 1 January.

    Secret documents have their own series (``secret=True``), as Decree 30 asks.
    """

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    register = models.CharField(max_length=3, choices=Register.choices)
    year = models.PositiveSmallIntegerField()
    secret = models.BooleanField(default=False)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "register", "year", "secret"], name="unique_register_counter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.register} {self.year}: {self.last}"


class ShareLink(models.Model):
    """A link that lets someone without an account read one internal document until it expires."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "document__unit__path"

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.document_id} until {self.expires_at:%d/%m/%Y}"


class SavedSearch(models.Model):
    """A search a user keeps: the query text and the filters, as in the URL."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("query"), max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="unique_saved_search_name")
        ]

    def __str__(self) -> str:
        return self.name
