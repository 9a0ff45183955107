"""The incoming and outgoing registers: yearly numbering, secret series, exports."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from hoiso.core.models import AuditLog
from hoiso.documents.models import Register, RegisterCounter
from hoiso.documents.registers import (
    dossier_index_export,
    register_pdf,
    register_rows,
    register_xlsx,
)
from hoiso.documents.services.dossiers import dossier_add_documents, dossier_create
from hoiso.documents.services.registers import next_number, register_document
from tests.documents.records_helpers import make_doc

pytestmark = pytest.mark.django_db


def reg(actor: Any, unit: Any, **fields: Any) -> Any:
    return register_document(actor=actor, document=make_doc(unit, **fields))


def test_outgoing_numbers_restart_each_year_and_secret_has_its_own_series(
    tree: Any, users: Any
) -> None:
    cadre = users["cadre_a"]
    a = reg(cadre, tree.commune_a, notation="NQ/HPN", issue_date=dt.date(2026, 1, 2))
    b = reg(cadre, tree.commune_a, notation="KH-HPN", issue_date=dt.date(2026, 5, 1))
    s = reg(cadre, tree.commune_a, secrecy="mat", readers=(cadre,), issue_date=dt.date(2026, 6, 1))
    c = reg(cadre, tree.commune_a, notation="BC-HPN", issue_date=dt.date(2027, 1, 1))
    other_unit = reg(users["cadre_b"], tree.commune_b, notation="NQ/HPN")
    assert [(d.number, d.number_notation) for d in (a, b, c)] == [
        (1, "01-NQ/HPN"), (2, "02/KH-HPN"), (1, "01/BC-HPN")
    ]  # fmt: skip
    assert s.number == 1 and other_unit.number == 1
    assert a.registered_at is not None and a.history.first().history_change_reason
    row = AuditLog.objects.get(action="document.register", object_id=str(b.pk))
    assert row.detail == {"register": "out", "number": 2, "secret": False}


def test_incoming_arrival_numbers_follow_the_arrival_year(tree: Any, users: Any) -> None:
    cadre = users["cadre_a"]
    late = reg(cadre, tree.commune_a, direction="in", issue_date=dt.date(2025, 12, 28),
               arrival_date=dt.date(2026, 1, 3))  # fmt: skip
    early = reg(cadre, tree.commune_a, direction="in", issue_date=dt.date(2025, 12, 1),
                arrival_date=dt.date(2025, 12, 3))  # fmt: skip
    secret = reg(cadre, tree.commune_a, direction="in", secrecy="toi_mat", readers=(cadre,),
                 arrival_date=dt.date(2026, 1, 4))  # fmt: skip
    assert (late.arrival_number, early.arrival_number, secret.arrival_number) == (1, 1, 1)
    assert late.number is None  # the sender's number is not touched


def test_refusals(tree: Any, users: Any) -> None:
    doc = reg(users["cadre_a"], tree.commune_a)
    with pytest.raises(ValidationError):
        register_document(actor=users["cadre_a"], document=doc)
    with pytest.raises(ValidationError):
        reg(users["cadre_a"], tree.commune_a, direction="internal")
    for who in ("chapter_a1", "cadre_b", "leader"):
        with pytest.raises(PermissionDenied):
            reg(users[who], tree.commune_a)


def test_duplicate_number_warns_on_registration(tree: Any, users: Any) -> None:
    first = reg(users["cadre_a"], tree.commune_a, notation="NQ/HPN")
    make_doc(tree.commune_a, number_notation=first.number_notation.replace("01", "02"))
    second = reg(users["cadre_a"], tree.commune_a, notation="NQ/HPN")
    assert second.number_notation == "02-NQ/HPN" and len(second.warnings) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_numbers(tree: Any, users: Any) -> None:
    in_memory = getattr(connection, "is_in_memory_db", lambda: False)()
    if connection.vendor == "sqlite" and in_memory:
        pytest.skip("threads need separate connections to one database file (PostgreSQL run)")
    docs = [make_doc(tree.commune_a) for _ in range(8)]
    numbers: list[int] = []
    errors: list[BaseException] = []

    def work(doc: Any) -> None:
        try:
            numbers.append(register_document(actor=users["cadre_a"], document=doc).number or 0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(d,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(numbers) == list(range(1, 9))


def test_next_number_creates_the_counter_once(tree: Any) -> None:
    got = [next_number(unit=tree.commune_a, register="out", year=2026, secret=False)
           for _ in range(3)]  # fmt: skip
    assert got == [1, 2, 3] and RegisterCounter.objects.count() == 1


def registered_set(tree: Any, users: Any) -> dict[str, Any]:
    cadre = users["cadre_a"]
    return {
        "out": reg(cadre, tree.commune_a, type="NQ", notation="NQ/HPN", copies=5,
                   summary="Về chuyển đổi số", signer_name="Nguyễn Thị Hoa",
                   signer_position="Chủ tịch", recipients="Các chi hội"),
        "secret": reg(cadre, tree.commune_a, secrecy="mat", readers=(cadre,),
                      summary="Danh sách bảo vệ"),
        "in": reg(cadre, tree.commune_a, direction="in", type="CV", issuer="Sở Nội vụ",
                  number_notation="88/SNV-VP", summary="Về tinh giản biên chế",
                  arrival_date=dt.date(2026, 3, 9), handling_unit=tree.chapter_a1),
    }  # fmt: skip


def test_register_rows_by_series_and_reader(tree: Any, users: Any) -> None:
    docs = registered_set(tree, users)
    cadre, leader = users["cadre_a"], users["leader"]
    rows = register_rows(cadre, tree.commune_a, Register.OUTGOING, 2026)
    assert rows == [
        [
            1,
            "05/03/2026",
            "01-NQ/HPN",
            "Nghị quyết: Về chuyển đổi số",
            "Chủ tịch, Nguyễn Thị Hoa",
            "Các chi hội",
            tree.commune_a.name,
            5,
            "",
        ]
    ]
    secret_rows = register_rows(cadre, tree.commune_a, Register.OUTGOING, 2026, secret=True)
    assert [r[0] for r in secret_rows] == [docs["secret"].number]
    assert register_rows(leader, tree.commune_a, Register.OUTGOING, 2026, secret=True) == []
    incoming = register_rows(leader, tree.commune_a, Register.INCOMING, 2026)
    assert incoming == [
        [
            1,
            "09/03/2026",
            "Sở Nội vụ",
            "88/SNV-VP",
            "05/03/2026",
            "Công văn: Về tinh giản biên chế",
            tree.chapter_a1.name,
            "",
            "",
        ]
    ]
    with pytest.raises(PermissionDenied):
        register_rows(users["cadre_b"], tree.commune_a, Register.OUTGOING, 2026)  # fmt: skip


def test_register_xlsx_has_title_rows_headers_and_is_audited(tree: Any, users: Any) -> None:
    from openpyxl import load_workbook

    registered_set(tree, users)
    data = register_xlsx(users["cadre_a"], tree.commune_a, Register.INCOMING, 2026)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws["A1"].value == tree.commune_a.name
    assert "2026" in str(ws["A3"].value)
    assert [c.value for c in ws[5]][:2] and ws.max_column == 9
    assert [c.value for c in ws[6]][2:4] == ["Sở Nội vụ", "88/SNV-VP"]
    row = AuditLog.objects.get(action="document.register_export")
    assert row.detail["format"] == "xlsx" and row.detail["rows"] == 1 and row.unit == tree.commune_a


def test_register_pdf_carries_vietnamese_text(tree: Any, users: Any) -> None:
    from pypdf import PdfReader

    registered_set(tree, users)
    data = register_pdf(users["cadre_a"], tree.commune_a, Register.OUTGOING, 2026)
    page = PdfReader(io.BytesIO(data)).pages[0]
    text = page.extract_text()
    assert "01-NQ/HPN" in text and "chuyển đổi số" in text
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    assert AuditLog.objects.filter(action="document.register_export").count() == 1


def test_dossier_index_lists_the_files_documents(tree: Any, users: Any) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    docs = registered_set(tree, users)
    cadre = users["cadre_a"]
    dossier = dossier_create(actor=cadre, unit=tree.commune_a, code="HS-01", title="Chuyển đổi số",
                             year=2026)  # fmt: skip
    dossier_add_documents(actor=cadre, dossier=dossier, documents=[docs["in"], docs["out"]])
    ws = load_workbook(io.BytesIO(dossier_index_export(cadre, dossier, fmt="xlsx"))).active
    assert ws is not None
    assert [ws.cell(row=r, column=2).value for r in (6, 7)] == ["88/SNV-VP", "01-NQ/HPN"]
    text = PdfReader(io.BytesIO(dossier_index_export(cadre, dossier, fmt="pdf"))).pages[0]
    assert "Về tinh giản biên chế" in text.extract_text()
    assert AuditLog.objects.filter(action="dossier.index_export").count() == 2
