"""/api/v1/documents/: the archive over the same services and selectors as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from hoiso.core.access import require_perm, require_perm_at
from hoiso.documents.models import Document, Register

router = Router(tags=["documents"])


class DocumentOut(Schema):
    id: int
    unit: str
    direction: str
    doc_type: str | None
    number: int | None
    notation: str
    number_notation: str
    issue_date: dt.date | None
    issuer: str
    summary: str
    secrecy: str
    state: str
    is_public: bool

    @staticmethod
    def resolve_unit(obj: Document) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_doc_type(obj: Document) -> str | None:
        return obj.doc_type.code if obj.doc_type else None


class HitOut(DocumentOut):
    snippet: str = ""
    rank: float | None = None


class SearchOut(Schema):
    items: list[HitOut]
    # With total_capped, counting stopped at ``total``: there are more matches than that.
    total: int
    total_capped: bool = False
    next_cursor: str | None


class VersionOut(Schema):
    number: int
    filename: str
    mime: str
    size: int
    sha256: str
    page_count: int | None
    text_source: str
    has_archive: bool
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_has_archive(obj: Any) -> bool:
        return bool(obj.archive)


class DocumentDetail(DocumentOut):
    issue_place: str
    signer_name: str
    signer_position: str
    recipients: str
    urgency: str
    pages: int | None
    copies: int | None
    reply_deadline: dt.date | None
    language: str
    arrival_date: dt.date | None
    arrival_number: int | None
    handling_unit: str | None
    directions: str
    handling_status: str
    handling_deadline: dt.date | None
    registered_at: dt.datetime | None
    state_detail: str
    progress: int
    progress_total: int
    error: str
    suggestions: dict[str, Any]
    tags: list[str]
    readers: list[str]
    dossiers: list[str]
    versions: list[VersionOut]
    warnings: list[str] = []

    @staticmethod
    def resolve_handling_unit(obj: Document) -> str | None:
        return obj.handling_unit.code if obj.handling_unit else None

    @staticmethod
    def resolve_tags(obj: Document) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_readers(obj: Document) -> list[str]:
        return [u.get_username() for u in obj.readers.all()] if obj.is_secret else []

    @staticmethod
    def resolve_dossiers(obj: Document) -> list[str]:
        # set by _document: only the files the caller may see
        return [d.code for d in getattr(obj, "visible_dossiers", [])]

    @staticmethod
    def resolve_versions(obj: Document) -> list[Any]:
        return list(obj.versions.all())

    @staticmethod
    def resolve_warnings(obj: Document) -> list[str]:
        return list(getattr(obj, "api_warnings", []))


class DocumentPatch(Schema):
    """Only the fields sent are changed. ``doc_type`` and ``handling_unit`` are codes, ``tags``
    names, ``readers`` user names (secret documents)."""

    direction: str | None = None
    doc_type: str | None = None
    number: int | None = None
    notation: str | None = None
    issue_date: dt.date | None = None
    issue_place: str | None = None
    issuer: str | None = None
    summary: str | None = None
    signer_name: str | None = None
    signer_position: str | None = None
    recipients: str | None = None
    urgency: str | None = None
    secrecy: str | None = None
    pages: int | None = None
    copies: int | None = None
    reply_deadline: dt.date | None = None
    language: str | None = None
    arrival_date: dt.date | None = None
    handling_unit: str | None = None
    directions: str | None = None
    handling_status: str | None = None
    handling_deadline: dt.date | None = None
    tags: list[str] | None = None
    readers: list[str] | None = None


class UploadOut(Schema):
    document_id: int | None
    duplicate_of: int | None
    state: str
    warnings: list[str]


class RegisterOut(Schema):
    unit: str
    direction: str
    year: int
    secret: bool
    headers: list[str]
    rows: list[list[Any]]


def _hit(hit: Any) -> Document:
    document = hit.document
    document.snippet = hit.snippet or ""
    document.rank = hit.rank
    return document


@router.get("", response=SearchOut, url_name="document_list")
def list_documents(request: HttpRequest, after: str = "", limit: int = 20) -> dict[str, Any]:
    """Documents in the caller's scope: ``q`` (words, "phrases", diacritics optional) and the
    filters ``type``, ``issuer``, ``year``, ``unit``, ``tags``, ``secrecy``, ``direction``,
    ``state``, as on the archive page. Secret documents only for their readers."""
    from hoiso.documents import selectors

    require_perm(request.user, "documents.view_document")
    flt = selectors.DocumentFilter.from_query(request.GET)
    page = selectors.document_search(
        request.user, flt, page_size=max(1, min(limit, 200)), after=after or None
    )
    return {
        "items": [_hit(h) for h in page.hits],
        "total": page.total,
        "total_capped": page.total_capped,
        "next_cursor": page.next_cursor,
    }


@router.post(
    "",
    response={201: UploadOut, 200: UploadOut},
    url_name="document_upload",
)
def upload_document(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file field
    unit: str = Form(...),
    direction: str = Form("out"),
) -> Any:
    """One file into the archive (as the upload page). An identical file already stored answers
    200 with ``duplicate_of``; a new document 201, its processing then runs in the background."""
    from hoiso.documents.services.ingest import document_ingest
    from hoiso.org.selectors import unit_get

    require_perm(request.user, "documents.add_document")
    target = unit_get(request.user, code=unit)
    require_perm_at(request.user, "documents.add_document", target.path)
    result = document_ingest(
        actor=request.user,
        unit=target,
        file=file,
        filename=file.name or "",
        direction=direction,
        source="api",
    )
    document = result.document
    out = {
        "document_id": document.pk if document else None,
        "duplicate_of": result.duplicate_of.pk if result.duplicate_of else None,
        "state": document.state if document else "",
        "warnings": [str(w) for w in result.warnings],
    }
    return Status(201 if document is not None and result.duplicate_of is None else 200, out)


@router.get("/registers", response=RegisterOut, url_name="document_registers")
def register_rows(
    request: HttpRequest,
    unit: str = "",
    book: str = Query("out", alias="register"),
    year: int | None = None,
    secret: bool = False,
) -> dict[str, Any]:
    """The rows of a unit's incoming (``register=in``) or outgoing (``out``) register for a
    year (default: this year), as printed; ``unit`` is a unit code (default: the caller's first
    unit); ``secret=true``: the secret documents' own series (their readers only)."""
    from django.utils import timezone

    from hoiso.documents import registers
    from hoiso.org.selectors import unit_get

    require_perm(request.user, "documents.view_document")
    if unit:
        target = unit_get(request.user, code=unit)
    else:
        from hoiso.documents.views.archive import units_for

        target = units_for(request.user, "documents.view_document").first()
        if target is None:
            raise Http404
    require_perm_at(request.user, "documents.view_document", target.path)
    if book not in Register.values:
        raise ValidationError({"register": "in | out"})
    year = year or timezone.localdate().year
    sheet = registers.register_sheet(request.user, target, book, year, secret=secret)
    return {
        "unit": target.code,
        "direction": book,
        "year": year,
        "secret": secret,
        "headers": sheet.headers,
        "rows": sheet.rows,
    }


def _document(request: HttpRequest, document_id: int, action: str = "view") -> Document:
    from hoiso.documents import selectors
    from hoiso.documents.views.archive import visible_dossiers

    document = selectors.document_get(request.user, document_id, action=action)
    document.visible_dossiers = list(visible_dossiers(request.user, document))  # type: ignore[attr-defined]
    return document


@router.get("/{document_id}", response=DocumentDetail, url_name="document_detail")
def get_document(request: HttpRequest, document_id: int) -> Document:
    return _document(request, document_id)


@router.patch("/{document_id}", response=DocumentDetail, url_name="document_update")
def update_document(request: HttpRequest, document_id: int, payload: DocumentPatch) -> Document:
    from hoiso.accounts.selectors import user_list
    from hoiso.documents.services.metadata import document_update
    from hoiso.org.selectors import unit_get

    document = _document(request, document_id)
    require_perm_at(request.user, "documents.change_document", document.unit.path)
    sent = payload.model_dump(exclude_unset=True)
    tags = sent.pop("tags", None)
    reader_names = sent.pop("readers", None)
    if sent.get("handling_unit"):
        sent["handling_unit"] = unit_get(request.user, code=sent["handling_unit"])
    readers = None
    if reader_names is not None:
        readers = list(
            user_list(request.user, perm="documents.change_document").filter(
                username__in=reader_names
            )
        )
        unknown = sorted(set(reader_names) - {u.username for u in readers})
        if unknown:
            raise ValidationError({"readers": f"Unknown user names: {', '.join(unknown)}."})
    warnings = document_update(
        actor=request.user, document=document, data=sent, tags=tags, readers=readers
    )
    document = _document(request, document_id)
    document.api_warnings = warnings  # type: ignore[attr-defined]
    return document


@router.get("/{document_id}/download", url_name="document_download")
def download_document(
    request: HttpRequest,
    document_id: int,
    version: int | None = None,
    which: str = Query("original", alias="copy"),
) -> HttpResponseBase:
    """The original (default) or ``copy=archive`` (the PDF/A) of the current or a given
    version. Every download is audited."""
    from hoiso.documents.services.downloads import document_record_download
    from hoiso.documents.views.archive import file_response

    document = _document(request, document_id, action="download")
    require_perm_at(request.user, "documents.download_document", document.unit.path)
    versions = document.versions.all()
    chosen = (
        versions.filter(number=version).first()
        if version is not None
        else (document.current_version or versions.first())
    )
    if chosen is None:
        raise Http404
    archive = which == "archive"
    response = file_response(chosen, archive=archive)
    document_record_download(actor=request.user, document=document, version=chosen, archive=archive)
    return response


@router.post("/{document_id}/retry", response={202: DocumentDetail}, url_name="document_retry")
def retry_document(request: HttpRequest, document_id: int) -> Status[Document]:
    """Run the processing again (after a failure)."""
    from hoiso.documents.services.ingest import document_retry

    document = _document(request, document_id)
    require_perm_at(request.user, "documents.change_document", document.unit.path)
    document_retry(actor=request.user, document=document)
    return Status(202, _document(request, document_id))
