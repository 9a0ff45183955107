"""The archive's views live in a package (hoiso/documents/views/), whose modules the project's
restrict lint (tests/test_restrict_lint.py, files named views.py) does not read: the same check
here, so no page reads a scoped model except through ``restrict``."""

from __future__ import annotations

from pathlib import Path

from tests.test_restrict_lint import offences, scoped_model_names

VIEWS = Path(__file__).resolve().parents[2] / "hoiso" / "documents" / "views"


def test_document_views_read_scoped_models_only_through_restrict():
    files = sorted(VIEWS.glob("*.py"))
    assert len(files) >= 4
    scoped = scoped_model_names()
    assert "Document" in scoped and "Dossier" in scoped
    problems = [o for p in files for o in offences(p, scoped)]
    assert not problems, "\n".join(problems)
