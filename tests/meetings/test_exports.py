"""Minutes export: .docx and .pdf in the administrative layout, audited, never for a secret
meeting."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from hoiso.core.models import AuditLog
from hoiso.meetings import services
from hoiso.meetings.exports import MOTTO, NATION
from tests.conftest import client_for
from tests.meetings.conftest import Room, build_room


def script(room: Room) -> None:
    """Open, one vote (2 agree, 1 disagree), a conclusion, close, finalise."""
    chair = room.chair
    services.meeting_open(actor=chair, meeting=room.meeting)
    vote = services.vote_create(
        actor=chair, meeting=room.meeting, question="Tán thành dự thảo?", item=room.item2
    )
    services.vote_open(actor=chair, vote=vote)
    for who, choice in ((room.delegate, "agree"), (room.remote, "agree"), (chair, "disagree")):
        services.vote_cast(actor=who, vote=vote, choice=choice)
    services.vote_close(actor=chair, vote=vote)
    services.conclusion_add(
        actor=chair, meeting=room.meeting, text="Giao các xã hoàn thành báo cáo", item=room.item2
    )
    services.meeting_close(actor=chair, meeting=room.meeting)
    services.minutes_finalise(actor=chair, minutes=room.meeting.minutes)


@pytest.fixture
def scripted(tree, users) -> Room:
    room = build_room(tree, users)
    script(room)
    return room


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def test_docx_has_heading_votes_and_conclusion(scripted, tree):
    r = client_for(scripted.delegate).get(f"/api/v1/meetings/{scripted.meeting.pk}/minutes.docx")
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"].endswith("wordprocessingml.document")
    assert "attachment" in r["Content-Disposition"]
    text = docx_text(r.content)
    held = timezone.localtime(scripted.meeting.opened_at)
    for expected in (
        NATION,
        MOTTO,
        "BIÊN BẢN",
        tree.province.name.upper(),
        "Hội nghị Ban Chấp hành mở rộng",
        f"Hội trường tỉnh, ngày {held:%d} tháng {held:%m} năm {held:%Y}",  # the day it sat
        "Giao các xã hoàn thành báo cáo",
        "CHỦ TỌA",
        "THƯ KÝ",
        "Lãnh đạo Tỉnh",  # the chair signs
    ):
        assert expected in text, (expected, text)
    vote_line = next(line for line in text.splitlines() if "Tán thành dự thảo?" in line)

    assert [int(n) for n in re.findall(r"\d+", vote_line)] == [5, 4, 3, 2, 1, 0]
    row = AuditLog.objects.get(action="meetings.minutes.export", actor=scripted.delegate)
    assert row.detail["format"] == "docx"


def test_pdf_is_a_pdf_with_the_title(scripted):
    r = client_for(scripted.chair).get(f"/api/v1/meetings/{scripted.meeting.pk}/minutes.pdf")
    assert r.status_code == 200
    assert r.content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert "BIÊN BẢN" in text
    assert "Giao các xã hoàn thành báo cáo" in text
    assert AuditLog.objects.filter(
        action="meetings.minutes.export", actor=scripted.chair, detail__format="pdf"
    ).exists()


def test_secret_meeting_minutes_refused(tree, users):
    room = build_room(tree, users, secret=True)
    script(room)
    for fmt in ("docx", "pdf"):
        r = client_for(room.chair).get(f"/api/v1/meetings/{room.meeting.pk}/minutes.{fmt}")
        assert r.status_code == 403
    assert not AuditLog.objects.filter(action="meetings.minutes.export").exists()
    # outside the participants the secret meeting does not exist
    r = client_for(users["admin"]).get(f"/api/v1/meetings/{room.meeting.pk}/minutes.pdf")
    assert r.status_code == 404


def test_draft_only_for_those_who_manage(tree, users):
    room = build_room(tree, users)
    services.meeting_open(actor=room.chair, meeting=room.meeting)
    services.meeting_close(actor=room.chair, meeting=room.meeting)
    url = f"/api/v1/meetings/{room.meeting.pk}/minutes.docx"
    assert client_for(room.delegate).get(url).status_code == 403
    r = client_for(room.chair).get(url)
    assert r.status_code == 200 and "(Dự thảo)" in docx_text(r.content)
