"""The meeting document viewer: pages as images, page navigation, comments beside them, and the
download of a non-secret meeting's documents.

A protected document (a secret meeting's, or an archive document marked secret) is view only:
no download, each page image rendered for its viewer with her name, username and the time
drawn over it, served ``Cache-Control: no-store``; the viewer page and every page image write
an audit row (``meetings.document.view`` / ``meetings.document.page``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hoiso.core.audit import audit
from hoiso.core.forms import add_service_errors
from hoiso.meetings import rendering, selectors_docs, services
from hoiso.meetings.selectors_docs import DocumentAccess
from hoiso.meetings.services.comments import MAX_COMMENT


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_COMMENT,
    )
    page = forms.IntegerField(label=gettext_lazy("On page"), required=False, min_value=1)


def _page_number(value: Any, pages: int) -> int:
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), max(pages, 1))


def _viewer_url(access: DocumentAccess, page: int | None = None) -> str:
    url = reverse("meetings:document_view", args=[access.meeting.pk, access.doc.pk])
    return f"{url}?page={page}" if page else url


def _comments_context(
    request: HttpRequest, access: DocumentAccess, form: CommentForm | None, page: int
) -> dict[str, Any]:
    return {
        "meeting": access.meeting,
        "doc": access.doc,
        "access": access,
        "page": page,
        "comments": list(selectors_docs.document_comments(access.doc)),
        "form": form or CommentForm(initial={"page": page}),
    }


def _viewer(
    request: HttpRequest, access: DocumentAccess, page: Any, form: CommentForm | None = None
) -> dict[str, Any]:
    source = rendering.source_for(access.doc)
    pages = rendering.page_count(source)
    number = _page_number(page, pages)
    page_url = reverse("meetings:document_page", args=[access.meeting.pk, access.doc.pk, number])
    return {
        **_comments_context(request, access, form, number),
        "source": source,
        "pages": pages,
        "page_numbers": range(1, pages + 1),
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < pages else None,
        "page_url": page_url,
        "widths": rendering.WIDTHS,
        "default_width": rendering.DEFAULT_WIDTH,
        "documents": selectors_docs.meeting_documents(access.meeting, request.user),
        "following": access.meeting.shown_document_id == access.doc.pk,
    }


@login_required
@require_GET
def document_view(request: HttpRequest, pk: int, doc_id: int) -> HttpResponse:
    """The document's pages one at a time (``?page=n``), navigation and the comments."""
    access = selectors_docs.document_access(request.user, pk, doc_id)
    context = _viewer(request, access, request.GET.get("page"))
    selectors_docs.record_view(request.user, access, "view", page=context["page"])
    response = render(request, "meetings/viewer/document.html", context)
    return rendering.no_store(response) if access.protected else response


@login_required
@require_GET
def document_page(request: HttpRequest, pk: int, doc_id: int, page: int) -> HttpResponse:
    """Page ``page`` as a PNG, ``?w=`` 480, 1000 (default) or 1600 pixels wide. Protected
    documents: watermarked for this viewer, never cached, audited."""
    access = selectors_docs.document_access(request.user, pk, doc_id)
    return rendering.page_response(request.user, access, page, request.GET.get("w"))


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, doc_id: int) -> FileResponse:
    """The original file of a non-secret meeting's document (audited). A secret meeting's
    documents, and secret archive documents, are never downloaded: 403."""
    access = selectors_docs.document_access(request.user, pk, doc_id)
    if not access.can_download:
        raise PermissionDenied(_("This document may be read in the meeting but not downloaded."))
    original = rendering.original_for(access.doc)
    if original is None:
        raise Http404
    field, filename = original
    try:
        handle = field.open("rb")
    except OSError:
        raise Http404 from None
    doc = access.doc
    audit(
        actor=request.user,
        action="meetings.document.download",
        obj=doc,
        unit=access.meeting.unit,
        detail={"meeting": access.meeting.pk, "archive_document": doc.document_id},
    )
    if doc.document is not None:
        # the archive's own trail of who took its bytes
        from hoiso.documents.services.downloads import document_record_download

        version = doc.document.current_version or doc.document.versions.order_by("-number").first()
        if version is not None:
            document_record_download(
                actor=request.user, document=doc.document, version=version, archive=False
            )
    return FileResponse(handle, as_attachment=True, filename=filename)


def _after_comment_write(
    request: HttpRequest, access: DocumentAccess, page: int, form: CommentForm | None = None
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        context = _comments_context(request, access, form, page)
        return render(request, "meetings/viewer/_comments.html", context)
    return redirect(_viewer_url(access, page) + "#comments")


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int, doc_id: int) -> HttpResponse:
    access = selectors_docs.document_access(request.user, pk, doc_id)
    if not access.can_comment:
        raise PermissionDenied
    form = CommentForm(request.POST)
    current = _page_number(request.POST.get("current_page"), 10**6)
    if form.is_valid():
        try:
            services.comment_add(
                actor=request.user,
                item_document=access.doc,
                text=form.cleaned_data["text"],
                page=form.cleaned_data["page"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                messages.success(request, _("Your comment was added."))
            return _after_comment_write(request, access, current)
    if request.htmx:  # type: ignore[attr-defined]
        return _after_comment_write(request, access, current, form)
    context = _viewer(request, access, current, form)
    return render(request, "meetings/viewer/document.html", context, status=400)


@login_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int, doc_id: int, comment_id: int) -> HttpResponse:
    """``resolved=1`` marks the comment resolved, ``resolved=0`` opens it again."""
    access = selectors_docs.document_access(request.user, pk, doc_id)
    if not access.can_resolve:
        raise PermissionDenied
    comment = selectors_docs.comment_get(access.doc, comment_id)
    current = _page_number(request.POST.get("current_page"), 10**6)
    try:
        services.comment_resolve(
            actor=request.user, comment=comment, resolved=request.POST.get("resolved", "1") != "0"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _after_comment_write(request, access, current)
