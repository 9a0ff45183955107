"""A commune cadre organises a meeting on a 360-px phone: creates it, adds a site, invites
people by unit and by name (htmx search), adds two agenda items; no page scrolls sideways."""

from __future__ import annotations

from typing import Any

from hoiso.meetings.models import Meeting
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

WIDE = (
    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
    " > 360).map(e => e.tagName + '.' + e.className).slice(0, 5)"
)


def no_sideways_scroll(page: Any, where: str) -> None:
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{where} is {width}px wide on a 360px phone: {page.evaluate(WIDE)}"


def test_cadre_organises_a_meeting_on_a_phone(phone_page: Any, tree: Any, users: Any) -> None:
    page = phone_page
    log_in(page, "canbo_phoyen", PASSWORD)
    page.goto(page.base_url + "/meetings/")
    no_sideways_scroll(page, "the meetings list")
    page.click("[data-testid=new-meeting]")
    page.wait_for_url("**/meetings/new/")
    no_sideways_scroll(page, "the new meeting form")

    form = page.locator("[data-testid=meeting-form]")
    # bad input first: the error sits at the field, nothing is created
    form.locator("button[type=submit]").click()
    page.locator("#id_title ~ .errorlist").wait_for()
    assert not Meeting.objects.exists()
    page.fill("#id_title", "Giao ban Hội LHPN phường tháng 3")
    page.select_option("#id_kind", "giao_ban")
    page.select_option("#id_unit", str(tree.commune_a.pk))
    page.fill("#id_starts_at", "2026-03-20T08:00")
    page.fill("#id_ends_at", "2026-03-20T10:30")
    page.fill("#id_place", "Hội trường phường Phổ Yên")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/meetings/*/")
    meeting = Meeting.objects.get()
    assert meeting.title == "Giao ban Hội LHPN phường tháng 3"
    no_sideways_scroll(page, "the meeting page")

    # a site: chapter 1's room, led by its chapter leader
    page.click("[data-testid=site-add] summary")
    page.fill("#id_site-unit", "TN-PHOYEN-CH1")
    page.fill("#id_site-lead", "chihoi_a1")
    page.click("[data-testid=site-add] button[type=submit]")
    page.locator("[data-testid=site]", has_text="Chi hội Tổ dân phố 1").wait_for()
    assert meeting.sites.get(is_hub=False).lead == users["chapter_a1"]

    # two agenda items, the second under the first
    for title, parent in (("Đánh giá kết quả tháng 2", None), ("Ý kiến các chi hội", "1")):
        page.click("[data-testid=item-add] summary")
        page.fill("#id_item-title", title)
        if parent:
            page.select_option("#id_item-parent", label=f"{parent}. Đánh giá kết quả tháng 2")
        page.fill("#id_item-planned_minutes", "20")
        page.click("[data-testid=item-add] button[type=submit]")
        page.locator("[data-testid=agenda]", has_text=title).wait_for()
    agenda = page.locator("[data-testid=agenda]").inner_text()
    assert "1.Đánh giá kết quả tháng 2" in agenda and "1.1.Ý kiến các chi hội" in agenda
    assert meeting.agenda.count() == 2
    no_sideways_scroll(page, "the meeting page with its agenda")

    page.click("[data-testid=participants-link]")
    page.wait_for_url("**/participants/")
    no_sideways_scroll(page, "the participants page")

    # invite by name: the search (htmx) offers people in her scope only
    page.fill("#people-q", "tinh")  # province people sit above her: not offered
    page.locator("[data-testid=people-hits] p.muted").wait_for()
    assert page.locator("[data-testid=people-hits] input[type=checkbox]").count() == 0
    page.fill("#people-q", "pham thi")
    tick = page.locator(f"[data-testid=people-hits] input[value='{users['member'].pk}']")
    tick.check()
    page.select_option("#id_people-role", "secretary")
    page.click("[data-testid=invite-people] button[type=submit]")
    page.locator("[data-testid=participants]", has_text="Phạm Thị Hạnh").wait_for()
    assert meeting.participants.get(user=users["member"]).role == "secretary"

    # invite by unit: everyone holding a role in the commune and below
    unit_form = page.locator("[data-testid=invite-unit]")
    unit_form.locator("#id_byunit-unit").fill("TN-PHOYEN")
    unit_form.locator("#id_byunit-subtree").check()
    unit_form.locator("button[type=submit]").click()
    page.locator("[data-testid=participants]", has_text="Nguyễn Thị Hoa").wait_for()
    invited = set(meeting.participants.values_list("user__username", flat=True))
    assert invited == {"canbo_phoyen", "chihoi_a1", "hoivien"}
    no_sideways_scroll(page, "the participants page after invitations")
    page.screenshot(path="var/screenshot-phone-meeting-participants.png", full_page=True)
    page.goto(page.base_url + f"/meetings/{meeting.pk}/")
    no_sideways_scroll(page, "the meeting page at the end")
    page.screenshot(path="var/screenshot-phone-meeting.png", full_page=True)
