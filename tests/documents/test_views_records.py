"""Registers, files (hồ sơ) with their index, the review list and the disposal decision, through
the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from hoiso.core.models import AuditLog
from hoiso.documents.models import DisposalDecision, Dossier, DossierStatus
from tests.conftest import client_for
from tests.documents.test_views import processed_documents


@pytest.fixture
def docs(users: dict[str, Any], tree: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    return processed_documents(users, tree)


def test_registering_gives_the_number_and_the_register_shows_it(docs, tree):
    nq = docs["nq"]
    client = client_for(docs["cadre_a"])
    client.post(
        reverse("documents:document_edit", args=[nq.pk]),
        {"direction": "out", "notation": "NQ/HPN", "summary": "Về chuyển đổi số", "language": "vi",
         "issue_date": "2026-03-05"},
    )  # fmt: skip
    response = client.post(reverse("documents:document_register", args=[nq.pk]))
    assert response.status_code == 302
    nq.refresh_from_db()
    assert nq.number == 1 and nq.number_notation == "01-NQ/HPN"
    page = client.get(
        reverse("documents:register"), {"unit": tree.commune_a.code, "year": "2026"}
    ).content.decode()
    assert "Về chuyển đổi số" in page and nq.number_notation in page
    xlsx = client.get(
        reverse("documents:register_export"),
        {"unit": tree.commune_a.code, "year": "2026", "format": "xlsx"},
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditLog.objects.filter(action="document.register_export").exists()
    # a second time: refused with a message, nothing changes
    client.post(reverse("documents:document_register", args=[nq.pk]))
    nq.refresh_from_db()
    assert nq.number == 1


def test_register_of_another_commune_is_404(docs, tree):
    client = client_for(docs["cadre_a"])
    response = client.get(reverse("documents:register"), {"unit": tree.commune_b.code})
    assert response.status_code == 404
    export = client.get(reverse("documents:register_export"), {"unit": tree.commune_b.code})
    assert export.status_code == 404


def test_file_create_add_index_close_and_dispose(docs, tree):
    client = client_for(docs["cadre_a"])
    response = client.post(
        reverse("documents:dossier_create"),
        {"unit": tree.commune_a.pk, "code": "01", "title": "Hồ sơ chuyển đổi số", "year": "2020",
         "retention_years": "5", "access": "open"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get(code="01")
    # the other commune's document cannot be added: 404 message, nothing added
    client.post(
        reverse("documents:dossier_add", args=[dossier.pk]), {"documents": f"#{docs['kh'].pk}"}
    )
    assert dossier.items.count() == 0
    bad = client.post(reverse("documents:dossier_add", args=[dossier.pk]), {"documents": "abc"})
    assert bad.status_code == 302 and dossier.items.count() == 0
    client.post(
        reverse("documents:dossier_add", args=[dossier.pk]), {"documents": f"#{docs['nq'].pk}"}
    )
    assert list(dossier.documents.all()) == [docs["nq"]]
    page = client.get(reverse("documents:dossier_detail", args=[dossier.pk])).content.decode()
    assert reverse("documents:document_detail", args=[docs["nq"].pk]) in page
    doc_page = client.get(reverse("documents:document_detail", args=[docs["nq"].pk]))
    assert "Hồ sơ chuyển đổi số" in doc_page.content.decode()
    assert client.get(reverse("documents:dossier_export", args=[dossier.pk])).status_code == 200
    client.post(reverse("documents:dossier_close", args=[dossier.pk]))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.CLOSED and dossier.review_due is not None
    # due for review once its retention has run out
    Dossier.objects.filter(pk=dossier.pk).update(review_due=dt.date(2025, 12, 31))
    admin = client_for(docs["admin"])
    review = admin.get(reverse("documents:dossier_review")).content.decode()
    assert "Hồ sơ chuyển đổi số" in review and 'name="dossier"' in review
    # the cadre has no disposal permission
    assert client.post(reverse("documents:disposal_create"), {}).status_code == 403
    missing = admin.post(
        reverse("documents:disposal_create"),
        {"dossier": dossier.pk, "unit": tree.province.pk, "number": "", "reason": ""},
    )
    assert missing.status_code == 302 and not DisposalDecision.objects.exists()
    admin.post(
        reverse("documents:disposal_create"),
        {"dossier": dossier.pk, "unit": tree.province.pk, "number": "05/QĐ-HLHPN",
         "decided_on": "2026-01-10", "reason": "Hết thời hạn bảo quản", "council": ""},
    )  # fmt: skip
    decision = DisposalDecision.objects.get()
    assert list(decision.dossiers.all()) == [dossier]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DISPOSED


def test_a_file_above_her_unit_is_not_named_on_the_document_page(docs, tree):
    from hoiso.documents.services import dossiers

    province_file = dossiers.dossier_create(
        actor=docs["admin"], unit=tree.province, code="T-01", title="Hồ sơ của tỉnh", year=2026
    )
    dossiers.dossier_add_documents(
        actor=docs["admin"], dossier=province_file, documents=[docs["nq"]]
    )
    url = reverse("documents:document_detail", args=[docs["nq"].pk])
    assert "Hồ sơ của tỉnh" in client_for(docs["admin"]).get(url).content.decode()
    cadre = client_for(docs["cadre_a"])
    assert "Hồ sơ của tỉnh" not in cadre.get(url).content.decode()
    api = cadre.get(reverse("api:document_detail", args=[docs["nq"].pk])).json()
    assert api["dossiers"] == []
