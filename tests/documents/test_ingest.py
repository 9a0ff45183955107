"""Ingest end to end: each format through the real pipeline (OCR included), duplicates,
refusals, permissions, progress, a worker's crash and the retry of a failed step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from hoiso.core.models import AuditLog
from hoiso.core.vietnamese import fold
from hoiso.documents.models import Document, DocumentVersion, ProcessingState
from hoiso.documents.pipeline import steps
from hoiso.documents.pipeline.extract import ExtractionError
from hoiso.documents.services.ingest import (
    document_add_version,
    document_ingest,
    document_retry,
)
from hoiso.documents.tasks import requeue_stuck
from tests.documents import corpus

pytestmark = pytest.mark.django_db


def folded_words(text: str) -> set[str]:
    return set(fold(text).replace(",", " ").replace(".", " ").split())


def assert_reads_resolution(text: str) -> None:
    words = folded_words(text)
    missing = [w for w in corpus.OCR_WORDS if w not in words]
    assert not missing, (missing, text[:300])
    assert "12-nq/hpn" in fold(text)


def is_pdfa(path: Path) -> bool:
    with pikepdf.open(path) as pdf:
        return pdf.open_metadata().pdfa_status != ""


def test_scanned_pdf_is_ocred_into_pdfa_with_progress(
    users: Any, tree: Any, ingest_bytes: Any, process: Any, monkeypatch: Any
) -> None:
    seen: list[tuple[str, str, int, int]] = []
    real = steps.set_state

    def spy(ctx: Any, state: str, detail: str = "", **kwargs: Any) -> None:
        real(ctx, state, detail, **kwargs)
        doc = Document.objects.get(pk=ctx.document.pk)  # what a polling page reads
        seen.append((doc.state, doc.state_detail, doc.progress, doc.progress_total))

    monkeypatch.setattr(steps, "set_state", spy)
    data = corpus.scanned_pdf(pages=2)
    result = ingest_bytes(users["cadre_a"], tree.commune_a, data, "quet.pdf")
    document = result.document
    assert document.state == ProcessingState.QUEUED
    document = process(document)

    assert document.state == ProcessingState.INDEXED, document.error
    version = document.current_version
    assert version.text_source == "ocr"
    assert version.page_count == 2 and document.pages == 2
    assert_reads_resolution(version.text)
    assert version.archive.name.endswith("archive.pdf")
    assert is_pdfa(Path(version.archive.path))
    states = [s[0] for s in seen]
    assert states[0] == ProcessingState.EXTRACTING
    assert ProcessingState.OCR in states and states[-1] == ProcessingState.INDEXING
    # "OCR page k of n" (in the active language) as OCRmyPDF reports each page done
    ocr = [(d, p, t) for s, d, p, t in seen if s == "ocr"]
    assert ocr[0][1:] == (0, 2) and "1" in ocr[0][0]
    assert any(p == 1 and t == 2 and "2" in d for d, p, t in ocr), ocr
    assert document.progress == document.progress_total == 2
    # the first page's metadata is suggested (hoiso.documents.suggest)
    assert document.suggestions["number_notation"]["value"] == "12-NQ/HPN"


def test_text_pdf_keeps_its_text_layer(
    users: Any, tree: Any, ingest_bytes: Any, process: Any
) -> None:
    document = ingest_bytes(users["cadre_a"], tree.commune_a, corpus.text_pdf(), "nq.pdf").document
    document = process(document)
    assert document.state == ProcessingState.INDEXED, document.error
    version = document.current_version
    assert version.text_source == "text"
    assert not version.archive  # nothing to OCR: the original is the archive
    assert "chuyển đổi số" in version.text
    assert "Thái Nguyên, ngày 05 tháng 3 năm 2026" in version.text


def test_pdf_with_a_garbage_text_layer_is_ocred_instead(
    users: Any, tree: Any, ingest_bytes: Any, process: Any
) -> None:
    data = corpus.garbage_text_pdf(corpus.TCVN3_TEXT)
    document = ingest_bytes(users["cadre_a"], tree.commune_a, data, "tcvn3.pdf").document
    document = process(document)
    assert document.state == ProcessingState.INDEXED, document.error
    version = document.current_version
    assert version.text_source == "ocr"
    assert "Th¸i" not in version.text and "Nguyªn" not in version.text
    assert_reads_resolution(version.text)
    assert is_pdfa(Path(version.archive.path))
    assert document.state_detail  # says why the text comes from OCR


def test_image_is_ocred(users: Any, tree: Any, ingest_bytes: Any, process: Any) -> None:
    data = corpus.image_bytes("PNG", dpi=200)
    document = ingest_bytes(users["cadre_a"], tree.commune_a, data, "anh.png").document
    document = process(document)
    assert document.state == ProcessingState.INDEXED, document.error
    assert document.current_version.mime == "image/png"
    assert document.current_version.text_source == "ocr"
    assert_reads_resolution(document.current_version.text)


@pytest.mark.parametrize(
    ("builder", "name", "source", "expected"),
    [
        (corpus.docx_bytes, "nq.docx", "docx", ["Số: 12-NQ/HPN", "Nơi nhận\tBan Thường vụ"]),
        (corpus.xlsx_bytes, "kh.xlsx", "xlsx", ["Số hóa hồ sơ hội viên", "2\tTập huấn"]),
        (corpus.odt_bytes, "nq.odt", "odt", ["Số: 12-NQ/HPN", "chuyển đổi số"]),
    ],
)
def test_office_documents(
    users: Any,
    tree: Any,
    ingest_bytes: Any,
    process: Any,
    builder: Any,
    name: str,
    source: str,
    expected: list[str],
) -> None:
    document = ingest_bytes(users["cadre_a"], tree.commune_a, builder(), name).document
    document = process(document)
    assert document.state == ProcessingState.INDEXED, document.error
    assert document.current_version.text_source == source
    for text in expected:
        assert text in document.current_version.text


def test_same_bytes_are_stored_once(users: Any, tree: Any, ingest_bytes: Any) -> None:
    data = corpus.docx_bytes()
    first = ingest_bytes(users["cadre_a"], tree.commune_a, data, "a.docx")
    again = ingest_bytes(users["province_cadre"], tree.province, data, "b.docx")
    assert again.document is None and again.is_duplicate
    assert again.duplicate_of == first.document  # the province sees the commune's documents
    assert "b.docx" in again.warnings[0]
    hidden = ingest_bytes(users["cadre_b"], tree.commune_b, data, "c.docx")
    assert hidden.document is None and hidden.duplicate_of is None  # not hers to see
    assert hidden.warnings
    assert DocumentVersion.objects.filter(sha256=first.version.sha256).count() == 1
    assert Document.objects.count() == 1


def test_refused_files_leave_nothing_behind(
    users: Any, tree: Any, ingest_bytes: Any, _documents_media: Path
) -> None:
    for data in (b"plain text", corpus.zip_bytes(), b""):
        with pytest.raises(ValidationError) as error:
            ingest_bytes(users["cadre_a"], tree.commune_a, data, "ghi-chu.txt")
        assert "ghi-chu.txt" in str(error.value)
    assert Document.objects.count() == 0
    assert not _documents_media.exists() or not any(
        p.is_file() for p in _documents_media.rglob("*")
    )


def test_permission_to_add_at_the_unit(users: Any, tree: Any, ingest_bytes: Any) -> None:
    with pytest.raises(PermissionDenied):
        ingest_bytes(users["cadre_b"], tree.commune_a, corpus.docx_bytes(), "x.docx")
    with pytest.raises(PermissionDenied):
        ingest_bytes(users["member"], tree.chapter_a1, corpus.docx_bytes(), "x.docx")
    assert Document.objects.count() == 0


def test_metadata_given_with_the_file_and_the_audit_row(
    users: Any, tree: Any, ingest_bytes: Any
) -> None:
    result = ingest_bytes(
        users["cadre_a"],
        tree.commune_a,
        corpus.docx_bytes(),
        "C:\\scan\\nq 12.docx",
        direction="in",
        metadata={
            "doc_type": "NQ",
            "number_notation": "12-NQ/HPN",
            "issue_date": "2026-03-05",
            "issuer": "Hội LHPN tỉnh Thái Nguyên",
        },
    )
    document = Document.objects.get(pk=result.document.pk)
    assert document.direction == "in"
    assert document.doc_type is not None and document.current_version is not None
    assert document.doc_type.code == "NQ" and document.issue_year == 2026
    assert document.current_version.filename == "nq 12.docx"
    row = AuditLog.objects.get(action="document.ingest", object_id=str(document.pk))
    assert row.actor == users["cadre_a"] and row.detail["sha256"] == result.version.sha256
    # the same number + notation + issuer in the same year warns (services.metadata)
    second = ingest_bytes(
        users["cadre_a"],
        tree.commune_a,
        corpus.odt_bytes(),
        "lai.odt",
        metadata={
            "number_notation": "12-NQ/HPN",
            "issue_date": "2026-06-01",
            "issuer": "Hội LHPN tỉnh Thái Nguyên",
        },
    )
    assert second.document is not None
    assert any("12-NQ/HPN" in w for w in second.warnings)
    with pytest.raises(ValidationError):
        ingest_bytes(
            users["cadre_a"],
            tree.commune_a,
            corpus.xlsx_bytes(),
            "x.xlsx",
            metadata={"password": "x"},
        )


def test_processing_is_enqueued_only_after_commit(
    users: Any, tree: Any, dummy_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = document_ingest(
            actor=users["cadre_a"],
            unit=tree.commune_a,
            file=ContentFile(corpus.docx_bytes(), name="a.docx"),
            filename="a.docx",
        )
        assert dummy_tasks.results == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert result.document is not None
    assert [r.args for r in dummy_tasks.results] == [[result.document.pk]]


def test_whole_pipeline_through_the_task(
    users: Any, tree: Any, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = document_ingest(
            actor=None,
            unit=tree.province,
            file=ContentFile(corpus.text_pdf(), name="a.pdf"),
            filename="a.pdf",
            source="cli",
        )
    assert result.document is not None
    document = Document.objects.get(pk=result.document.pk)
    assert document.state == ProcessingState.INDEXED
    assert document.attempts == 1 and document.source == "cli"


class WorkerKilled(BaseException):
    """What the process sees of a kill: nothing is caught, nothing is written."""


def test_a_crash_mid_way_leaves_the_document_recoverable(
    users: Any, tree: Any, ingest_bytes: Any, process: Any, dummy_tasks: Any, monkeypatch: Any
) -> None:
    document = ingest_bytes(
        users["cadre_a"], tree.commune_a, corpus.docx_bytes(), "q.docx"
    ).document

    def killed(ctx: Any) -> None:
        raise WorkerKilled

    # killed after extracting, before storing the text
    crashing = [killed if step is steps.store_step else step for step in steps.STEPS]
    monkeypatch.setattr(steps, "STEPS", crashing)
    with pytest.raises(WorkerKilled):
        process(document)
    document.refresh_from_db()
    assert document.state == ProcessingState.EXTRACTING  # not failed, not lost: mid-way
    assert not document.current_version.text
    monkeypatch.undo()

    dummy_tasks.clear()
    assert requeue_stuck() == []  # a live worker reports at least every page: not stuck yet
    Document.objects.filter(pk=document.pk).update(
        state_changed_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert requeue_stuck() == [document.pk]
    document.refresh_from_db()
    assert document.state == ProcessingState.QUEUED
    assert [r.args for r in dummy_tasks.results] == [[document.pk]]

    document = process(document)
    assert document.state == ProcessingState.INDEXED, document.error
    assert document.attempts == 2
    assert "Số: 12-NQ/HPN" in document.current_version.text


def test_a_lost_task_is_enqueued_again(
    users: Any, tree: Any, ingest_bytes: Any, dummy_tasks: Any
) -> None:
    document = ingest_bytes(
        users["cadre_a"], tree.commune_a, corpus.docx_bytes(), "a.docx"
    ).document
    Document.objects.filter(pk=document.pk).update(
        state_changed_at=timezone.now() - dt.timedelta(hours=2)
    )
    dummy_tasks.clear()
    assert requeue_stuck() == [document.pk]
    assert [r.args for r in dummy_tasks.results] == [[document.pk]]


def test_a_task_delivered_twice_does_the_work_once(
    users: Any, tree: Any, ingest_bytes: Any
) -> None:
    from hoiso.documents.pipeline import process_document

    document = ingest_bytes(
        users["cadre_a"], tree.commune_a, corpus.docx_bytes(), "a.docx"
    ).document
    assert process_document(document.pk) == ProcessingState.INDEXED
    assert process_document(document.pk) is None
    document.refresh_from_db()
    assert document.attempts == 1


def test_a_failed_step_says_why_and_can_be_retried(
    users: Any,
    tree: Any,
    ingest_bytes: Any,
    process: Any,
    dummy_tasks: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = ingest_bytes(users["cadre_a"], tree.commune_a, corpus.odt_bytes(), "a.odt").document

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ExtractionError("The ODT file is damaged and cannot be read.")

    monkeypatch.setattr(steps, "extract_office", broken)
    document = process(document)
    assert document.state == ProcessingState.FAILED
    assert document.error == "The ODT file is damaged and cannot be read."
    monkeypatch.undo()

    with pytest.raises(PermissionDenied):
        document_retry(actor=users["cadre_b"], document=document)
    dummy_tasks.clear()
    with django_capture_on_commit_callbacks(execute=True):
        document_retry(actor=users["cadre_a"], document=document)
    assert document.state == ProcessingState.QUEUED and document.error == ""
    assert [r.args for r in dummy_tasks.results] == [[document.pk]]
    assert AuditLog.objects.filter(action="document.retry", object_id=str(document.pk)).exists()
    document = process(document)
    assert document.state == ProcessingState.INDEXED, document.error
    assert document.attempts == 2 and "chuyển đổi số" in document.current_version.text
    with pytest.raises(ValidationError):
        document_retry(actor=users["cadre_a"], document=document)


def test_unexpected_errors_fail_the_document_without_details(
    users: Any, tree: Any, ingest_bytes: Any, process: Any, monkeypatch: Any
) -> None:
    document = ingest_bytes(
        users["cadre_a"], tree.commune_a, corpus.docx_bytes(), "a.docx"
    ).document

    def boom(*args: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(steps, "extract_office", boom)
    document = process(document)
    assert document.state == ProcessingState.FAILED
    assert document.error and "secret internal detail" not in document.error


def test_damaged_pdf_fails_with_a_reason(
    users: Any, tree: Any, ingest_bytes: Any, process: Any
) -> None:
    data = b"%PDF-1.7\n" + b"this is not really a pdf" * 20
    document = ingest_bytes(users["cadre_a"], tree.commune_a, data, "hong.pdf").document
    document = process(document)
    assert document.state == ProcessingState.FAILED
    assert document.error and "PDF" in document.error


def test_new_version_keeps_the_old_one(
    users: Any, tree: Any, ingest_bytes: Any, process: Any
) -> None:
    document = ingest_bytes(
        users["cadre_a"], tree.commune_a, corpus.docx_bytes(), "a.docx"
    ).document
    process(document)
    version = document_add_version(
        actor=users["cadre_a"],
        document=document,
        file=ContentFile(corpus.text_pdf(), name="b.pdf"),
        filename="b.pdf",
        note="bản ký",
    )
    document.refresh_from_db()
    assert version.number == 2 and document.current_version == version
    assert document.state == ProcessingState.QUEUED
    assert document.versions.count() == 2
    document = process(document)
    assert document.current_version.text_source == "text"
    with pytest.raises(ValidationError):
        document_add_version(
            actor=users["cadre_a"],
            document=document,
            file=ContentFile(corpus.docx_bytes(), name="c.docx"),
            filename="c.docx",
        )
    with pytest.raises(PermissionDenied):
        document_add_version(
            actor=users["cadre_b"],
            document=document,
            file=ContentFile(corpus.xlsx_bytes(), name="d.xlsx"),
            filename="d.xlsx",
        )


def test_requeue_command(users: Any, tree: Any, ingest_bytes: Any, dummy_tasks: Any) -> None:
    import io

    from django.core.management import call_command

    document = ingest_bytes(
        users["cadre_a"], tree.commune_a, corpus.docx_bytes(), "a.docx"
    ).document
    Document.objects.filter(pk=document.pk).update(
        state=ProcessingState.INDEXING, state_changed_at=timezone.now() - dt.timedelta(minutes=20)
    )
    out = io.StringIO()
    call_command("requeue_documents", stdout=out)  # default: 30 minutes
    assert out.getvalue().strip() == "0"
    call_command("requeue_documents", "--minutes", "10", stdout=out)
    assert out.getvalue().split()[-1] == "1"
    document.refresh_from_db()
    assert document.state == ProcessingState.QUEUED


def test_a_secret_document_is_named_to_its_sender(users: Any, tree: Any, ingest_bytes: Any) -> None:
    result = ingest_bytes(
        users["cadre_a"],
        tree.commune_a,
        corpus.docx_bytes(),
        "mat.docx",
        metadata={"secrecy": "mat"},
    )
    document = result.document
    assert list(document.readers.all()) == [users["cadre_a"]]
    assert Document.objects.restrict(users["cadre_a"], "view").filter(pk=document.pk).exists()
    assert not Document.objects.restrict(users["admin"], "view").filter(pk=document.pk).exists()
    # the same bytes again, by someone who may not see the secret one: not named to her
    again = ingest_bytes(users["province_cadre"], tree.province, corpus.docx_bytes(), "b.docx")
    assert again.document is None and again.duplicate_of is None
