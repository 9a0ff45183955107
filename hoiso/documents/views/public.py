"""Pages without login: the published documents (a searchable list, a page and the PDF of
each) and the page a share link opens. Secret documents never reach these pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from hoiso.documents.views.archive import file_response


def _published(pk: int) -> Any:
    from hoiso.documents import selectors

    return selectors.public_document_get(pk)


def published_list(request: HttpRequest) -> HttpResponse:
    from hoiso.documents import selectors
    from hoiso.documents.models import DocumentType

    q = request.GET.get("q", "")
    doc_type = request.GET.get("type", "")
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() else None
    page = selectors.public_documents(
        q=q, doc_type=doc_type, year=year, after=request.GET.get("after") or None
    )
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "documents/public/list.html",
        {
            "hits": page.hits,
            "next_cursor": page.next_cursor,
            "total": page.total,
            "q": q,
            "doc_type": doc_type,
            "year": year,
            "query": query.urlencode(),
            "types": DocumentType.objects.filter(is_active=True),
        },
    )


def published_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _published(pk)
    version = document.current_version
    return render(
        request, "documents/public/detail.html", {"document": document, "version": version}
    )


def published_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The published PDF: the archive copy when there is one, else the original."""
    document = _published(pk)
    version = document.current_version
    if version is None:
        raise Http404
    return file_response(version, archive=bool(version.archive), inline=True)


def _resolve(request: HttpRequest, token: str) -> Any:
    """The share link's document (each use counted and audited), or the page saying the link
    is over (410: expired, revoked, or the document became secret or was disposed of)."""
    from hoiso.documents.services.publishing import share_link_resolve

    document = share_link_resolve(token)
    if document is None:
        return render(
            request,
            "documents/public/share_gone.html",
            {"message": _("This share link has expired or was revoked. Ask for a new one.")},
            status=410,
        )
    return document


def share_view(request: HttpRequest, token: str) -> HttpResponse:
    document = _resolve(request, token)
    if isinstance(document, HttpResponse):
        return document
    return render(
        request,
        "documents/public/share.html",
        {"document": document, "token": token, "version": document.current_version},
    )


def share_file(request: HttpRequest, token: str) -> HttpResponseBase:
    document = _resolve(request, token)
    if isinstance(document, HttpResponse):
        return document
    version = document.current_version
    if version is None:
        raise Http404
    return file_response(version, archive=bool(version.archive), inline=True)
