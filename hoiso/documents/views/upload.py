"""Upload: many files at once. The page's script sends each file on its own (per-file progress
and outcome, JSON answers); without JavaScript the plain form sends them all and gets a page
listing each file's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hoiso.core.access import require_perm, require_perm_at
from hoiso.documents.forms import UploadForm
from hoiso.documents.views.archive import units_for


@dataclass
class Outcome:
    """What happened to one uploaded file."""

    filename: str
    document_id: int | None = None
    url: str = ""
    state_url: str = ""
    state: str = ""
    duplicate_of: int | None = None
    duplicate_url: str = ""
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def ingest_one(actor: Any, unit: Any, upload: Any, direction: str) -> Outcome:
    """One file through services.ingest.document_ingest; errors become the file's outcome."""
    from hoiso.documents.services.ingest import document_ingest

    outcome = Outcome(filename=upload.name or "")
    try:
        result = document_ingest(
            actor=actor,
            unit=unit,
            file=upload,
            filename=upload.name or "",
            direction=direction,
            source="upload",
        )
    except ValidationError as exc:
        outcome.error = " ".join(exc.messages)
        return outcome
    outcome.warnings = [str(w) for w in result.warnings]
    if result.duplicate_of is not None:
        outcome.duplicate_of = result.duplicate_of.pk
        outcome.duplicate_url = reverse("documents:document_detail", args=[result.duplicate_of.pk])
    if result.document is not None:
        doc = result.document
        outcome.document_id = doc.pk
        outcome.state = doc.state
        outcome.url = reverse("documents:document_detail", args=[doc.pk])
        outcome.state_url = reverse("documents:document_state", args=[doc.pk])
    return outcome


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "documents.add_document")
    units = units_for(request.user, "documents.add_document")
    # her own unit first (units come in tree order): most uploads are for it
    initial: dict[str, Any] = {"unit": units.first()}
    form = UploadForm(request.POST or None, request.FILES or None, units=units, initial=initial)
    outcomes: list[Outcome] = []
    if request.method == "POST":
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            require_perm_at(request.user, "documents.add_document", unit.path)
            outcomes = [
                ingest_one(request.user, unit, upload, form.cleaned_data["direction"])
                for upload in form.cleaned_data["files"]
            ]
            if _wants_json(request):
                return JsonResponse({"files": [o.as_json() for o in outcomes]})
        elif _wants_json(request):
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            return JsonResponse({"errors": errors}, status=400)
    return render(
        request,
        "documents/upload.html",
        {
            "form": form,
            "outcomes": outcomes,
            "created": sum(1 for o in outcomes if o.document_id and not o.duplicate_of),
            "message_failed": _("Failed"),
        },
    )
