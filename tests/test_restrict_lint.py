"""No view, API endpoint or consumer reads a scoped model except through ``restrict``.

Scoped models are those whose manager is a RestrictedQuerySet. Reads belong in selectors.py;
this test reads the source of every views.py, api.py and consumers.py (and every module of a
views/, api/ or consumers/ package) and fails on ``<ScopedModel>.objects.<anything but
restrict>``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from hoiso.core.access import RestrictedQuerySet

ROOT = Path(__file__).resolve().parent.parent / "hoiso"
CHECKED = ("views.py", "api.py", "consumers.py")
CHECKED_PACKAGES = ("views", "api", "consumers")


def checked(path: Path) -> bool:
    return path.name in CHECKED or path.parent.name in CHECKED_PACKAGES


def scoped_model_names() -> set[str]:
    return {
        m.__name__
        for m in apps.get_models()
        if isinstance(m._default_manager.all(), RestrictedQuerySet)
    }


def offences(path: Path, scoped: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        # Model.objects.method(...)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "objects"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in scoped
            and node.attr != "restrict"
        ):
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            found.append(f"{where} {node.value.value.id}.objects.{node.attr}")
    return found


def test_scoped_models_are_known():
    assert {"Unit", "AuditLog", "RoleAssignment"} <= scoped_model_names()


def test_views_apis_and_consumers_read_scoped_models_only_through_restrict():
    scoped = scoped_model_names()
    files = [p for p in ROOT.rglob("*.py") if checked(p)]
    assert any(p.parent.name == "views" for p in files)  # the packages are walked too
    problems = [o for p in files for o in offences(p, scoped)]
    assert not problems, "read these through a selector with restrict():\n" + "\n".join(problems)
