"""Opinion forms (phiếu lấy ý kiến): who answers, until when, what the organiser reads."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from openpyxl import load_workbook

from hoiso.core.models import AuditLog
from hoiso.meetings import selectors_opinions, services
from hoiso.meetings.models import OpinionForm, OpinionResponse
from tests.conftest import client_for
from tests.meetings.conftest import Room, build_room

pytestmark = pytest.mark.django_db

QUESTIONS = ["Điều 1: mục tiêu", "Điều 2: chỉ tiêu", "Điều 3: tổ chức thực hiện"]


def later(**kw: Any) -> dt.datetime:
    return timezone.now() + dt.timedelta(**(kw or {"days": 3}))


def make_form(room: Room, **kw: Any) -> OpinionForm:
    return services.opinion_form_create(
        actor=kw.pop("actor", room.chair),
        meeting=room.meeting,
        title=kw.pop("title", "Góp ý dự thảo Nghị quyết"),
        deadline=kw.pop("deadline", later()),
        questions=kw.pop("questions", QUESTIONS),
        **kw,
    )


def answers(form: OpinionForm, *choices: tuple[str, str]) -> dict[int, tuple[str, str]]:
    qs = list(form.questions.order_by("position"))
    return {q.pk: c for q, c in zip(qs, choices, strict=True)}


def pass_deadline(form: OpinionForm) -> None:
    """Time moves past the deadline."""
    OpinionForm.objects.filter(pk=form.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    form.refresh_from_db()


AGREE = ("agree", "")


# --- creating ------------------------------------------------------------------------------


def test_a_form_asks_every_participant_by_default(room):
    form = make_form(room)
    asked = {r.participant.user for r in form.recipients.select_related("participant__user")}
    assert asked == {room.chair, room.delegate, room.remote, room.absent, room.lead_a}
    assert [q.text for q in form.questions.order_by("position")] == QUESTIONS
    assert AuditLog.objects.filter(action="meetings.opinion.create", object_id=str(form.pk))


def test_a_form_for_some_units_asks_the_participants_from_there(room, tree):
    form = make_form(room, units=[tree.commune_a])
    asked = {r.participant.user for r in form.recipients.all()}
    assert asked == {room.remote, room.lead_a}


def test_only_organisers_create_forms(room):
    with pytest.raises(PermissionDenied):
        make_form(room, actor=room.delegate)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": "  "}, "title", "The title of the opinion form is required."),
        ({"deadline": None}, "deadline", "The answer deadline is required."),
        (
            {"deadline": timezone.now() - dt.timedelta(minutes=1)},
            "deadline",
            "The answer deadline must be later than now.",
        ),
    ],
)
def test_bad_input_is_refused_at_its_field(room, change, field, message):
    with pytest.raises(ValidationError) as caught:
        make_form(room, **change)
    assert caught.value.message_dict[field] == [gettext(message)]
    assert not OpinionForm.objects.exists()


def test_the_create_page_shows_the_error_beside_the_deadline(room):
    client = client_for(room.chair)
    page = client.post(
        reverse("meetings:opinion_create", args=[room.meeting.pk]),
        {"title": "Góp ý", "deadline": "2020-01-01T08:00", "questions": "Điều 1"},
    )
    assert page.status_code == 200
    form = page.context["form"]
    assert form.errors["deadline"] == [gettext("The answer deadline must be later than now.")]


# --- answering -----------------------------------------------------------------------------


def test_a_recipient_answers_and_may_change_her_answer_before_the_deadline(room):
    form = make_form(room)
    first = services.opinion_respond(
        actor=room.delegate,
        form=form,
        answers=answers(form, AGREE, ("disagree", "Chỉ tiêu cao quá"), AGREE),
    )
    second = services.opinion_respond(
        actor=room.delegate,
        form=form,
        answers=answers(form, AGREE, AGREE, ("other", "Bổ sung kinh phí")),
        opinion="Nhất trí cơ bản",
    )
    assert first.pk == second.pk
    assert OpinionResponse.objects.filter(form=form).count() == 1
    got = {a.question.position: (a.choice, a.comment) for a in second.answers.all()}
    assert got == {1: AGREE, 2: AGREE, 3: ("other", "Bổ sung kinh phí")}
    # the audit says who answered, not what
    row = AuditLog.objects.filter(action="meetings.opinion.respond").last()
    assert row is not None and "Bổ sung" not in str(row.detail)


def test_after_the_deadline_answers_are_frozen(room):
    form = make_form(room)
    services.opinion_respond(
        actor=room.delegate, form=form, answers=answers(form, AGREE, AGREE, AGREE)
    )
    pass_deadline(form)
    when = date_format(timezone.localtime(form.deadline), "d/m/Y H:i")
    expected = gettext(
        "The deadline (%(when)s) has passed: answers can no longer be given or changed."
    ) % {"when": when}
    for user in (room.delegate, room.remote):  # changing or answering late
        with pytest.raises(ValidationError) as caught:
            services.opinion_respond(
                actor=user, form=form, answers=answers(form, *[("disagree", "")] * 3)
            )
        assert caught.value.messages == [expected]
    assert {a.choice for a in OpinionResponse.objects.get().answers.all()} == {"agree"}
    assert OpinionResponse.objects.count() == 1


def test_someone_not_asked_is_refused(room, users):
    form = make_form(room, participants=[room.p(room.delegate)])
    with pytest.raises(PermissionDenied):
        services.opinion_respond(actor=room.remote, form=form, answers=answers(form, *[AGREE] * 3))
    url = reverse("meetings:opinion_answer", args=[room.meeting.pk, form.pk])
    assert client_for(room.remote).get(url).status_code == 403
    api = reverse("api:opinion_respond", args=[room.meeting.pk, form.pk])
    put = client_for(room.remote).put(api, data={"opinion": "x"}, content_type="application/json")
    assert put.status_code == 403
    # someone who sees the meeting from above but is not in it: 403 too; outside it: 404
    assert client_for(users["admin"]).get(url).status_code == 200  # an organiser (province)
    assert client_for(users["cadre_b"]).get(url).status_code == 404
    assert not OpinionResponse.objects.exists()


def test_a_form_of_another_meeting_is_404(room, tree, users):
    form = make_form(room)
    meeting2 = services.meeting_create(
        actor=None, unit=tree.province, title="Khác", starts_at=timezone.now(), chair=room.chair
    )
    url = reverse("meetings:opinion_answer", args=[meeting2.pk, form.pk])
    assert client_for(room.chair).get(url).status_code == 404


def test_bad_answers_name_the_question(room):
    form = make_form(room)
    with pytest.raises(ValidationError) as caught:
        services.opinion_respond(
            actor=room.delegate,
            form=form,
            answers=answers(form, AGREE, ("", ""), ("other", "  ")),
        )
    errors = caught.value.message_dict["answers"]
    assert errors == [
        gettext("Question %(n)d: choose Agree, Disagree or Other opinion.") % {"n": 2},
        gettext("Question %(n)d: write your other opinion.") % {"n": 3},
    ]
    assert not OpinionResponse.objects.exists()


def test_a_form_without_questions_needs_the_opinion(room):
    form = make_form(room, questions=[])
    with pytest.raises(ValidationError) as caught:
        services.opinion_respond(actor=room.delegate, form=form, opinion=" ")
    assert "opinion" in caught.value.message_dict
    response = services.opinion_respond(actor=room.delegate, form=form, opinion="Nhất trí")
    assert response.opinion == "Nhất trí"


def test_answering_on_the_phone_page(room):
    form = make_form(room)
    qs = list(form.questions.order_by("position"))
    client = client_for(room.remote)
    url = reverse("meetings:opinion_answer", args=[room.meeting.pk, form.pk])
    page = client.get(url).content.decode()
    assert 'type="radio"' in page and "Điều 2: chỉ tiêu" in page
    bad = client.post(url, {f"q{qs[0].pk}": "agree", f"c{qs[1].pk}": "Chưa chọn"})
    assert bad.status_code == 200
    shown = bad.content.decode()
    assert gettext("Question %(n)d: choose Agree, Disagree or Other opinion.") % {"n": 2} in shown
    assert "Chưa chọn" in shown  # what she wrote is kept
    assert not OpinionResponse.objects.exists()
    ok = client.post(
        url,
        {
            f"q{qs[0].pk}": "agree",
            f"q{qs[1].pk}": "disagree",
            f"c{qs[1].pk}": "Giảm còn 80%",
            f"q{qs[2].pk}": "agree",
            "opinion": "",
        },
    )
    assert ok.status_code == 302
    again = client.get(url).content.decode()
    assert "Giảm còn 80%" in again and 'value="disagree" checked' in again


def test_the_api_answers_and_says_when_it_is_too_late(room):
    form = make_form(room)
    qs = list(form.questions.order_by("position"))
    client = client_for(room.delegate)
    url = reverse("api:opinion_respond", args=[room.meeting.pk, form.pk])
    body = {"answers": [{"question": q.pk, "choice": "agree"} for q in qs]}
    ok = client.put(url, data=body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["response"]["answers"][0]["choice"] == "agree"
    pass_deadline(form)
    late = client.put(url, data=body, content_type="application/json")
    assert late.status_code == 422
    assert "__all__" in late.json()["detail"]


# --- what the organiser reads --------------------------------------------------------------


def answered_form(room: Room) -> OpinionForm:
    form = make_form(room)
    services.opinion_respond(
        actor=room.delegate,
        form=form,
        answers=answers(form, AGREE, ("disagree", "Cao quá"), AGREE),
        opinion="Cần thêm lộ trình",
    )
    services.opinion_respond(
        actor=room.remote,
        form=form,
        answers=answers(form, AGREE, AGREE, ("other", "Giao cho Ban Tuyên giáo")),
    )
    services.opinion_respond(
        actor=room.chair, form=form, answers=answers(form, ("disagree", ""), AGREE, AGREE)
    )
    return form


def test_the_summary_counts_each_answer_and_lists_who_has_not_answered(room):
    form = answered_form(room)
    data = selectors_opinions.summary(form)
    assert data.recipients == 5 and len(data.answered) == 3
    assert [q.counts for q in data.questions] == [
        {"agree": 2, "disagree": 1, "other": 0},
        {"agree": 2, "disagree": 1, "other": 0},
        {"agree": 2, "disagree": 0, "other": 1},
    ]
    assert data.questions[1].comments == [("Đỗ Thị Bình", "disagree", "Cao quá")]
    assert data.opinions == [("Đỗ Thị Bình", "Cần thêm lộ trình")]
    assert {p.user for p in data.missing} == {room.absent, room.lead_a}
    assert not data.overdue and data.overdue_missing == []


def test_overdue_lists_the_missing_respondents(room):
    form = answered_form(room)
    url = reverse("meetings:opinion_summary", args=[room.meeting.pk, form.pk])
    assert 'data-testid="overdue"' not in client_for(room.chair).get(url).content.decode()
    pass_deadline(form)
    data = selectors_opinions.summary(form)
    assert {p.user for p in data.overdue_missing} == {room.absent, room.lead_a}
    page = client_for(room.chair).get(url).content.decode()
    block = page.split('data-testid="overdue"')[1].split("</div>")[0]
    assert "Ngô Thị Dung" in block and "Nguyễn Thị Hoa" in block and "Vũ Thị Cúc" not in block


def test_only_organisers_read_the_summary(room):
    form = answered_form(room)
    url = reverse("meetings:opinion_summary", args=[room.meeting.pk, form.pk])
    assert client_for(room.delegate).get(url).status_code == 403
    api = reverse("api:opinion_summary", args=[room.meeting.pk, form.pk])
    assert client_for(room.delegate).get(api).status_code == 403
    data = client_for(room.chair).get(api).json()
    assert data["answered"] == 3 and data["questions"][0]["counts"]["disagree"] == 1
    assert {m["name"] for m in data["missing"]} == {"Ngô Thị Dung", "Nguyễn Thị Hoa"}


def test_the_export_holds_the_counts_the_answers_and_the_missing(room):
    form = answered_form(room)
    url = reverse("meetings:opinion_export", args=[room.meeting.pk, form.pk])
    response = client_for(room.chair).get(url)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    summary, answers_sheet, missing = wb.worksheets
    rows = [list(r) for r in summary.iter_rows(values_only=True)]
    assert rows[0][0] == "Góp ý dự thảo Nghị quyết"
    counts = {r[0]: r[2:5] for r in rows if isinstance(r[0], int)}
    assert counts == {1: [2, 1, 0], 2: [2, 1, 0], 3: [2, 0, 1]}
    table = [list(r) for r in answers_sheet.iter_rows(values_only=True)]
    by_name = {r[1]: r for r in table[1:]}
    assert set(by_name) == {"Đỗ Thị Bình", "Vũ Thị Cúc", "Lãnh đạo Tỉnh"}
    assert "Cao quá" in by_name["Đỗ Thị Bình"] and "Cần thêm lộ trình" in by_name["Đỗ Thị Bình"]
    assert by_name["Vũ Thị Cúc"][2] == room.site_a.name
    names = {r[1] for r in list(missing.iter_rows(values_only=True))[1:]}
    assert names == {"Ngô Thị Dung", "Nguyễn Thị Hoa"}
    assert AuditLog.objects.filter(action="meetings.opinion.export", object_id=str(form.pk))


def test_a_secret_meetings_forms_are_never_exported(tree, users):
    room = build_room(tree, users, secret=True)
    form = answered_form(room)
    url = reverse("meetings:opinion_export", args=[room.meeting.pk, form.pk])
    assert client_for(room.chair).get(url).status_code == 403
    # and outsiders do not even see that the form exists, the province admin included
    answer = reverse("meetings:opinion_answer", args=[room.meeting.pk, form.pk])
    assert client_for(users["admin"]).get(answer).status_code == 404
    # each view of it by a participant is audited
    before = AuditLog.objects.filter(action="meetings.meeting.view").count()
    assert client_for(room.delegate).get(answer).status_code == 200
    assert AuditLog.objects.filter(action="meetings.meeting.view").count() == before + 1


def test_the_list_shows_each_user_her_forms(room):
    mine = make_form(room, title="Phiếu cho đại biểu", participants=[room.p(room.delegate)])
    make_form(room, title="Phiếu cho điểm cầu", participants=[room.p(room.remote)])
    url = reverse("meetings:opinion_list", args=[room.meeting.pk])
    page = client_for(room.delegate).get(url).content.decode()
    assert "Phiếu cho đại biểu" in page and "Phiếu cho điểm cầu" not in page
    everything = client_for(room.chair).get(url).content.decode()
    assert "Phiếu cho đại biểu" in everything and "Phiếu cho điểm cầu" in everything
    api = client_for(room.delegate).get(reverse("api:opinion_list", args=[room.meeting.pk]))
    assert [f["id"] for f in api.json()] == [mine.pk]


def vietnamese(msgid: str) -> str:
    """The catalogue's Vietnamese for a msgid: in the merged catalogue, or still in this
    module's fragment before `make messages` merges it."""
    import polib
    from django.conf import settings

    base = settings.BASE_DIR / "locale" / "vi" / "LC_MESSAGES"
    for path in (base / "django.po", base / "django.po.d" / "notifications.po"):
        if path.exists():
            entry = polib.pofile(str(path)).find(msgid)
            if entry is not None and entry.msgstr:
                return str(entry.msgstr)
    return ""


@pytest.mark.parametrize(
    ("msgid", "field_vi"),
    [
        ("The title of the opinion form is required.", "tiêu đề"),
        ("The answer deadline is required.", "hạn trả lời"),
        ("The answer deadline must be later than now.", "hạn trả lời"),
        ("Question %(n)d: choose Agree, Disagree or Other opinion.", "câu %(n)d"),
        ("Question %(n)d: write your other opinion.", "câu %(n)d"),
        ("Write your opinion on the draft.", "ý kiến"),
        ("Recipients must be participants of this meeting.", "người được lấy ý kiến"),
    ],
)
def test_bad_input_messages_are_in_vietnamese_and_name_the_field(msgid, field_vi):
    text = vietnamese(msgid)
    assert text and field_vi in text.lower()
