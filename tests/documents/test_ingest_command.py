"""``manage.py ingest_documents``: a folder in, each file's outcome out, exit codes 0/1/2."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hoiso.documents.models import Document, ProcessingState
from tests.documents import corpus

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("ingest_documents", *args, stdout=out)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "may-quet"
    (root / "thang-3").mkdir(parents=True)
    (root / "nq-12.pdf").write_bytes(corpus.text_pdf())
    (root / "thang-3" / "kh.docx").write_bytes(corpus.docx_bytes())
    (root / "thang-3" / "ban-sao.docx").write_bytes(corpus.docx_bytes())  # same bytes
    (root / "ds.xlsx").write_bytes(corpus.xlsx_bytes())
    (root / ".DS_Store").write_bytes(b"hidden, skipped")
    return root


def test_wait_json_reports_each_file(tree: Any, dummy_tasks: Any, folder: Path) -> None:
    (folder / "ghi-chu.txt").write_text("không phải văn bản")
    code, out = run(str(folder), "--unit", tree.commune_a.code, "--wait", "--json")
    assert code == 1  # one file refused
    rows = {row["file"]: row for row in json.loads(out)}
    assert set(rows) == {
        "nq-12.pdf",
        "ds.xlsx",
        "ghi-chu.txt",
        "thang-3/ban-sao.docx",
        "thang-3/kh.docx",
    }
    for row in rows.values():
        assert set(row) == {"file", "document_id", "state", "number_notation", "error"}
    pdf = rows["nq-12.pdf"]
    assert pdf["state"] == ProcessingState.INDEXED and pdf["error"] is None
    assert pdf["number_notation"] == "12-NQ/HPN"  # suggested from the first page
    document = Document.objects.get(pk=pdf["document_id"])
    assert document.unit == tree.commune_a and document.source == "cli"
    assert (
        rows["ghi-chu.txt"]["state"] == "failed" and "ghi-chu.txt" in rows["ghi-chu.txt"]["error"]
    )
    # the two identical .docx: one stored, the other reported as a duplicate of it
    first, second = rows["thang-3/ban-sao.docx"], rows["thang-3/kh.docx"]
    assert first["state"] == ProcessingState.INDEXED and second["state"] == "duplicate"
    assert second["document_id"] == first["document_id"]
    assert Document.objects.count() == 3
    assert dummy_tasks.results == []  # --wait: nothing left for the worker


def test_without_wait_documents_are_queued_in_the_province(
    tree: Any, dummy_tasks: Any, folder: Path
) -> None:
    code, out = run(str(folder))
    assert code == 0
    assert re.search(r"\b4\b\D+\b0\b", out.splitlines()[-1])  # "4 files, 0 failed."
    documents = Document.objects.all()
    assert documents.count() == 3
    assert {d.unit for d in documents} == {tree.province}  # the default: the province
    assert {d.state for d in documents} == {ProcessingState.QUEUED}
    assert {d.direction for d in documents} == {"in"}


def test_usage_errors_exit_2(tree: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as error:
        run(str(tmp_path / "khong-co"))
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        run(str(tmp_path), "--unit", "KHONG-CO")
    assert error.value.returncode == 2 and "KHONG-CO" in str(error.value)


def test_failed_processing_exits_1(tree: Any, tmp_path: Path) -> None:
    (tmp_path / "hong.pdf").write_bytes(b"%PDF-1.7\n" + b"not a pdf" * 50)
    code, out = run(str(tmp_path), "--unit", tree.province.code, "--wait", "--json")
    assert code == 1
    [row] = json.loads(out)
    assert row["state"] == "failed" and row["document_id"] and row["error"]
