"""The tree browser, the unit page, creating units, the restructuring wizard and unit import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from hoiso.core.access import has_perm_at, require_perm, require_perm_at
from hoiso.org import selectors, services
from hoiso.org.forms import (
    CreateChildForm,
    ImportForm,
    MergeForm,
    MoveForm,
    RenameForm,
    SplitForm,
)
from hoiso.org.models import Unit

RESTRUCTURE = "org.restructure_unit"


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    results = list(selectors.unit_list(request.user, q=q)[:100]) if q else []
    roots = [] if q else selectors.unit_roots(request.user)
    rows = [{"unit": root, "children": list(selectors.unit_children(root))} for root in roots]
    return render(request, "org/unit_tree.html", {"q": q, "results": results, "rows": rows})


@login_required
def unit_children(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.unit_get(request.user, code=code)
    children = selectors.unit_children(unit)
    return render(request, "org/_children.html", {"children": children})


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = selectors.unit_get(request.user, code=code)
    path = unit.parent.path if unit.parent else unit.path
    context = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(unit),
        "children": selectors.unit_children(unit, include_closed=True),
        "counts": selectors.unit_descendant_counts(unit),
        "lineage": selectors.unit_lineage(unit),
        "successors": selectors.unit_successors(unit) if unit.valid_to else [],
        "can_add": unit.valid_to is None and has_perm_at(request.user, "org.add_unit", unit.path),
        "can_restructure": unit.valid_to is None and has_perm_at(request.user, RESTRUCTURE, path),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest, code: str) -> HttpResponse:
    parent = selectors.unit_get(request.user, code=code)
    require_perm_at(request.user, "org.add_unit", parent.path)
    form = CreateChildForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                level=data["level"],
                parent=parent,
                valid_from=data["valid_from"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Unit %(name)s was created.") % {"name": unit.name})
            return redirect("org:unit_detail", code=unit.code)
    return render(request, "org/unit_create.html", {"parent": parent, "form": form})


def _restructurable(user: Any, unit: Unit) -> None:
    """Restructuring a unit is decided one level up: the actor needs the right at its parent."""
    require_perm_at(user, RESTRUCTURE, unit.parent.path if unit.parent else unit.path)


def _act(
    request: HttpRequest,
    unit: Unit,
    kind: str,
    form: Any,
    call: Any,
    template_context: dict[str, Any],
) -> HttpResponse:
    """The wizard's two steps: POST without ``confirm`` shows the preview, with it runs."""
    context = {"unit": unit, "kind": kind, "form": form, **template_context}
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("confirm") == "1":
                result = call(preview=False)
                messages.success(request, _("Done: the change is recorded in the unit's lineage."))
                code = result.created[0]["code"] if result.created else unit.code
                return redirect("org:unit_detail", code=code)
            context["preview"] = call(preview=True)
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "org/restructure.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def unit_restructure(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    unit = selectors.unit_get(request.user, code=code)
    _restructurable(request.user, unit)
    user = request.user
    if unit.valid_to is not None:
        raise Http404
    base = {"actor": user}

    def run(service: Any, **kwargs: Any) -> Any:
        def call(preview: bool) -> Any:
            if preview:
                return services.preview(service, **base, **kwargs)
            return service(**base, **kwargs)

        return call

    form: forms.Form
    if kind == "rename":
        form = RenameForm(request.POST or None, initial={"new_name": unit.name})
        d = form.cleaned_data if form.is_valid() else {}
        call = run(
            services.unit_rename,
            unit=unit,
            new_name=d.get("new_name", ""),
            effective_date=d.get("effective_date"),
            decision=d.get("decision", ""),
            note=d.get("note", ""),
        )
        return _act(request, unit, kind, form, call, {})
    if kind == "move":
        parents = (
            selectors.unit_list(user)
            .filter(level__rank__lt=unit.level.rank)
            .exclude(pk=unit.parent_id or 0)
        )
        form = MoveForm(request.POST or None, parents=parents)
        d = form.cleaned_data if form.is_valid() else {}
        if d.get("new_parent") is not None:
            require_perm_at(user, RESTRUCTURE, d["new_parent"].path)
        call = run(
            services.unit_move,
            unit=unit,
            new_parent=d.get("new_parent"),
            effective_date=d.get("effective_date"),
            decision=d.get("decision", ""),
            note=d.get("note", ""),
        )
        return _act(request, unit, kind, form, call, {})
    if kind == "merge":
        candidates = (
            selectors.unit_list(user)
            .filter(level=unit.level)
            .exclude(pk=unit.pk)
            .order_by("name_folded")
        )
        form = MergeForm(request.POST or None, candidates=candidates)
        d = form.cleaned_data if form.is_valid() else {}
        others = list(d.get("others") or [])
        for other in others:
            _restructurable(user, other)
        absorb = d.get("mode") == MergeForm.MODE_ABSORB
        call = run(
            services.unit_merge,
            sources=[unit, *others],
            target=unit if absorb else None,
            new_name=d.get("new_name", ""),
            new_code=d.get("new_code", ""),
            effective_date=d.get("effective_date"),
            decision=d.get("decision", ""),
            note=d.get("note", ""),
        )
        return _act(request, unit, kind, form, call, {})
    if kind == "split":
        children = list(selectors.unit_children(unit))
        try:
            parts = max(2, min(6, int(request.POST.get("parts") or request.GET.get("parts") or 2)))
        except ValueError:
            parts = 2
        form = SplitForm(request.POST or None, source=unit, children=children, parts=parts)
        split_parts: list[services.SplitPart] = []
        d = form.cleaned_data if form.is_valid() else {}
        if d:
            split_parts = [
                services.SplitPart(code=d[f"part_{i}_code"], name=d[f"part_{i}_name"])
                for i in range(parts)
            ]
            for child in children:
                split_parts[int(d[f"child_{child.pk}"])].children.append(child)
        call = run(
            services.unit_split,
            source=unit,
            parts=split_parts,
            holdings_to=int(d.get("holdings_to") or 0),
            effective_date=d.get("effective_date"),
            decision=d.get("decision", ""),
            note=d.get("note", ""),
        )
        return _act(request, unit, kind, form, call, {"parts": parts})
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def unit_import(request: HttpRequest) -> HttpResponse:
    """Upload a unit list, see every error in a dry run, then commit."""
    from hoiso.core.imports import FileError, run_import, stash_upload, stashed_path
    from hoiso.org.importers import UnitImporter

    require_perm(request.user, "org.import_unit")
    form = ImportForm()
    report = None
    token = request.POST.get("token", "")
    if request.method == "POST":
        try:
            if not token:
                form = ImportForm(request.POST, request.FILES)
                if not form.is_valid():
                    return render(request, "org/unit_import.html", {"form": form})
                token = stash_upload(form.cleaned_data["file"])
            importer = UnitImporter(actor=request.user)
            confirm = request.POST.get("confirm") == "1"
            skip_invalid = request.POST.get("skip_invalid") == "1"
            report = run_import(
                importer, stashed_path(token), dry_run=not confirm, skip_invalid=skip_invalid
            )
            if confirm and report.committed:
                messages.success(
                    request,
                    ngettext(
                        "Imported %(count)d unit.", "Imported %(count)d units.", report.imported
                    )
                    % {"count": report.imported},
                )
                return redirect("org:unit_tree")
        except FileError as exc:
            form.add_error(None, str(exc))
            token = ""
    return render(request, "org/unit_import.html", {"form": form, "report": report, "token": token})
