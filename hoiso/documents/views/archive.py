"""Search page, saved searches, the document page and its actions, downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hoiso.core.access import has_perm, has_perm_at, require_perm, require_perm_at
from hoiso.core.forms import add_service_errors
from hoiso.documents.forms import (
    MetadataForm,
    SavedSearchForm,
    ShareForm,
    VersionForm,
    metadata_initial,
)
from hoiso.documents.models import (
    Direction,
    Document,
    DocumentType,
    HandlingStatus,
    ProcessingState,
    Secrecy,
)
from hoiso.documents.services.downloads import document_record_download

# Query-string keys that are filters (kept by saved searches, paging and the API).
FILTER_KEYS = (
    "q",
    "type",
    "issuer",
    "year",
    "unit",
    "tags",
    "secrecy",
    "direction",
    "state",
)
FINISHED_STATES = {ProcessingState.INDEXED, ProcessingState.FAILED}


def filter_units(user: Any) -> list[Any]:
    """The unit filter's choices: the user's own units and the units right under them."""
    from hoiso.org.selectors import unit_children, unit_roots

    if not has_perm(user, "org.view_unit"):
        return []
    options: list[Any] = []
    for root in unit_roots(user):
        options.append(root)
        options.extend(unit_children(root))
    return options


def units_for(user: Any, perm: str) -> Any:
    """Units where the user holds ``perm`` (for the upload and file forms)."""
    from hoiso.core.access import scope_paths
    from hoiso.core.tree import subtree_q
    from hoiso.org.selectors import unit_list

    qs = unit_list(user).order_by("path")
    if user.is_superuser:
        return qs
    paths = scope_paths(user, perm)
    if not paths:
        return qs.none()
    q = subtree_q(paths[0])
    for p in paths[1:]:
        q |= subtree_q(p)
    return qs.filter(q)


def secrecy_choices() -> list[tuple[str, str]]:
    """The secrecy filter's options. Offering a grade reveals nothing: the selector returns
    secret documents only to the people named on them."""
    return [
        ("none", _("Not secret")),
        ("secret", _("Any secret grade")),
        *((v, str(label)) for v, label in Secrecy.choices if v),
    ]


def search_query(request: HttpRequest) -> str:
    """The filters of the current URL without the cursor (for paging and saving)."""
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return query.urlencode()


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    """The archive: query box, filters, ranked results with snippets, counts, saved searches."""
    from hoiso.documents import selectors
    from hoiso.documents.services import saved_searches

    require_perm(request.user, "documents.view_document")
    flt = selectors.DocumentFilter.from_query(request.GET)
    page = selectors.document_search(
        request.user, flt, page_size=20, after=request.GET.get("after") or None
    )
    counts = selectors.document_counts(request.user, flt)
    current = [(k, request.GET.getlist(k)) for k in FILTER_KEYS if request.GET.get(k)]
    return render(
        request,
        "documents/document_list.html",
        {
            "flt": flt,
            "page": page,
            "counts": counts,
            "errors": [*flt.errors, *page.errors],
            "tags_value": ", ".join(flt.tags),
            "current_params": current,
            "query": search_query(request),
            "units": filter_units(request.user),
            "types": DocumentType.objects.filter(is_active=True),
            "secrecy_choices": secrecy_choices(),
            "directions": Direction.choices,
            "states": ProcessingState.choices,
            "saved": saved_searches.saved_search_list(request.user),
            "save_form": SavedSearchForm(),
            "can_add": has_perm(request.user, "documents.add_document"),
        },
    )


@login_required
@require_POST
def saved_search_save(request: HttpRequest) -> HttpResponse:
    from hoiso.documents.services import saved_searches

    require_perm(request.user, "documents.view_document")
    form = SavedSearchForm(request.POST)
    params = {k: request.POST.getlist(k) for k in FILTER_KEYS if k != "q" and request.POST.get(k)}
    query = request.POST.get("q", "")
    if form.is_valid():
        try:
            saved_searches.saved_search_create(
                user=request.user, name=form.cleaned_data["name"], query=query, params=params
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Search saved."))
    else:
        messages.error(request, _("Give the search a name."))
    return redirect(reverse("documents:document_list") + "?" + _encode(query, params))


def _encode(query: str, params: dict[str, Any]) -> str:
    from django.http import QueryDict

    qd = QueryDict(mutable=True)
    if query:
        qd["q"] = query
    for key, values in params.items():
        qd.setlist(key, values if isinstance(values, list) else [values])
    return qd.urlencode()


@login_required
def saved_search_run(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.documents.services import saved_searches

    saved = saved_searches.saved_search_get(request.user, pk)
    return redirect(reverse("documents:document_list") + "?" + _encode(saved.query, saved.params))


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.documents.services import saved_searches

    saved = saved_searches.saved_search_get(request.user, pk)
    saved_searches.saved_search_delete(user=request.user, saved=saved)
    messages.success(request, _("Saved search deleted."))
    return redirect("documents:document_list")


# --- the document page ------------------------------------------------------------------------


def _get(request: HttpRequest, pk: int, action: str = "view") -> Document:
    from hoiso.documents import selectors

    return selectors.document_get(request.user, pk, action=action)


def _changeable(request: HttpRequest, pk: int, perm: str = "documents.change_document") -> Document:
    require_perm(request.user, perm)  # 403 before 404: she may not do this anywhere
    document = _get(request, pk)
    require_perm_at(request.user, perm, document.unit.path)
    return document


def _state_context(request: HttpRequest, document: Document) -> dict[str, Any]:
    return {
        "document": document,
        "finished": document.state in FINISHED_STATES,
        "can_retry": document.state == ProcessingState.FAILED
        and has_perm_at(request.user, "documents.change_document", document.unit.path),
    }


def visible_dossiers(user: Any, document: Document) -> Any:
    """The files the document sits in that the user may see (a file may belong to a unit above
    hers, or be secret)."""
    from hoiso.documents.models import Dossier

    return Dossier.objects.restrict(user, "view").filter(items__document=document).distinct()


def _field_label(name: str) -> str:
    try:
        return str(getattr(Document._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _get(request, pk)
    path = document.unit.path
    user = request.user
    can_change = has_perm_at(user, "documents.change_document", path)
    suggestions = [
        {
            "field": name,
            "label": _field_label(name),
            "value": s.get("value"),
            "current": getattr(document, name, None),
        }
        for name, s in (document.suggestions or {}).items()
        if isinstance(s, dict) and not s.get("confirmed") and s.get("value") not in (None, "")
    ]
    return render(
        request,
        "documents/document_detail.html",
        {
            **_state_context(request, document),
            "versions": document.versions.all(),
            "dossiers": visible_dossiers(user, document),
            "tags": document.tags.all(),
            "readers": document.readers.all() if document.is_secret else [],
            "share_links": document.share_links.all()
            if has_perm_at(user, "documents.share_document", path)
            else [],
            "suggestions": suggestions,
            "can_change": can_change,
            "can_register": has_perm_at(user, "documents.register_document", path)
            and document.registered_at is None
            and document.direction != Direction.INTERNAL,
            "can_publish": has_perm_at(user, "documents.publish_document", path)
            and not document.is_secret,
            "can_share": has_perm_at(user, "documents.share_document", path),
            "can_download": has_perm_at(user, "documents.download_document", path),
            "version_form": VersionForm(),
            "share_form": ShareForm(),
            "new_share": request.session.pop(f"share-{document.pk}", None),
            "incoming": document.direction == Direction.INCOMING,
        },
    )


@login_required
def document_state(request: HttpRequest, pk: int) -> HttpResponse:
    """The processing state fragment, polled by htmx every 2 s until indexed or failed.

    Read through the scoped queryset, not ``document_get``: the fragment shows no content, and a
    poll of a secret document's state would otherwise write an audit row every 2 s."""
    from hoiso.documents import selectors

    document = (
        selectors.document_queryset(request.user).select_related("unit").filter(pk=pk).first()
    )
    if document is None:
        raise Http404
    return render(request, "documents/_state.html", _state_context(request, document))


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.accounts.selectors import user_list
    from hoiso.documents.services.metadata import document_update

    document = _changeable(request, pk)
    units = units_for(request.user, "documents.view_document")
    form = MetadataForm(request.POST or None, units=units, initial=metadata_initial(document))
    if request.method == "POST" and form.is_valid():
        names = form.reader_names()
        readers = list(
            user_list(request.user, perm="documents.change_document").filter(username__in=names)
        )
        unknown = sorted(set(names) - {u.username for u in readers})
        if unknown:
            form.add_error(
                "readers",
                _("No user you can reach has the user name %(names)s.")
                % {"names": ", ".join(unknown)},
            )
        else:
            try:
                warnings = document_update(
                    actor=request.user,
                    document=document,
                    data=form.data_for_service(),
                    tags=form.tag_names(),
                    readers=readers,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                for warning in warnings:
                    messages.warning(request, warning)
                messages.success(request, _("Saved."))
                return redirect("documents:document_detail", pk=document.pk)
    return render(
        request,
        "documents/document_form.html",
        {"form": form, "document": document, "handling_statuses": HandlingStatus.choices},
    )


@login_required
@require_POST
def document_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the ticked suggestions (their values go into the metadata)."""
    from hoiso.documents.services.metadata import document_confirm_suggestions

    document = _changeable(request, pk)
    fields = [f for f in request.POST.getlist("field") if f in (document.suggestions or {})]
    if fields:
        try:
            warnings = document_confirm_suggestions(
                actor=request.user, document=document, fields=fields
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            for warning in warnings:
                messages.warning(request, warning)
            messages.success(request, _("Suggestions confirmed."))
    else:
        messages.error(request, _("Tick the suggestions to confirm."))
    return redirect("documents:document_detail", pk=document.pk)


@login_required
@require_POST
def document_retry(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.documents.services.ingest import document_retry as retry

    document = _changeable(request, pk)
    try:
        retry(actor=request.user, document=document)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Processing starts again."))
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "documents/_state.html", _state_context(request, _get(request, pk)))
    return redirect("documents:document_detail", pk=document.pk)


@login_required
@require_POST
def document_version_add(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.documents.services.ingest import document_add_version

    document = _changeable(request, pk)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document_add_version(
                actor=request.user,
                document=document,
                file=upload,
                filename=upload.name,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("New version uploaded; it is being processed."))
    else:
        messages.error(request, _("Choose the corrected file."))
    return redirect("documents:document_detail", pk=document.pk)


@login_required
@require_POST
def document_register(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.documents.services.registers import register_document

    document = _changeable(request, pk, "documents.register_document")
    try:
        document = register_document(actor=request.user, document=document)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        number = (
            document.arrival_number
            if document.direction == Direction.INCOMING
            else document.number_notation or document.number
        )
        messages.success(request, _("Registered with number %(number)s.") % {"number": number})
    return redirect("documents:document_detail", pk=document.pk)


@login_required
@require_POST
def document_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish (``action=publish``) or withdraw (``action=unpublish``) the document."""
    from hoiso.documents.services import publishing

    document = _changeable(request, pk, "documents.publish_document")
    try:
        if request.POST.get("action") == "unpublish":
            publishing.document_unpublish(actor=request.user, document=document)
            messages.success(request, _("Withdrawn from the public site."))
        else:
            publishing.document_publish(actor=request.user, document=document)
            messages.success(request, _("Published on the public site."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("documents:document_detail", pk=document.pk)


@login_required
@require_POST
def share_create(request: HttpRequest, pk: int) -> HttpResponse:
    from hoiso.documents.services import publishing

    document = _changeable(request, pk, "documents.share_document")
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A share link lasts from 1 to 365 days."))
        return redirect("documents:document_detail", pk=document.pk)
    try:
        _link, raw = publishing.share_link_create(
            actor=request.user, document=document, days=form.cleaned_data["days"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        # Shown once on the document page: only its hash is stored.
        request.session[f"share-{document.pk}"] = request.build_absolute_uri(
            reverse("published:share", args=[raw])
        )
        messages.success(request, _("Share link created: copy it now, it is shown only once."))
    return redirect("documents:document_detail", pk=document.pk)


@login_required
@require_POST
def share_revoke(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    from hoiso.documents.services import publishing

    document = _changeable(request, pk, "documents.share_document")
    link = document.share_links.filter(pk=link_id).first()
    if link is None:
        raise Http404
    publishing.share_link_revoke(actor=request.user, link=link)
    messages.success(request, _("Share link revoked."))
    return redirect("documents:document_detail", pk=document.pk)


def file_response(version: Any, *, archive: bool, inline: bool = False) -> FileResponse:
    """The stored bytes of a version: its original, or its PDF/A archive copy."""
    field = version.archive if archive else version.file
    if not field:
        raise Http404
    name = version.filename
    if archive:
        stem = name.rsplit(".", 1)[0] if "." in name else name
        name = f"{stem}.pdf"
    return FileResponse(field.open("rb"), as_attachment=not inline, filename=name)


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """``?version=N`` (default: current), ``?copy=archive`` for the PDF/A; audited."""
    document = _get(request, pk, action="download")
    require_perm_at(request.user, "documents.download_document", document.unit.path)
    number = request.GET.get("version", "")
    versions = document.versions.all()
    version = (
        versions.filter(number=int(number)).first()
        if number.isdigit()
        else (document.current_version or versions.first())
    )
    if version is None:
        raise Http404
    archive = request.GET.get("copy") == "archive"
    response = file_response(version, archive=archive, inline=request.GET.get("inline") == "1")
    document_record_download(
        actor=request.user, document=document, version=version, archive=archive
    )
    return response
