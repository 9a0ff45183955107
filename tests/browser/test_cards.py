"""A cadre issues a member's card; the QR code's address, opened by a stranger, says "hợp lệ"."""

from __future__ import annotations

from typing import Any

from hoiso.members import services
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.members.conftest import make_member


def test_cadre_issues_a_card_and_its_verification_page_says_valid(
    page: Any, tree: Any, users: Any, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = page.base_url  # the QR code points at this test server
    member = make_member(tree.chapter_a1, "Nguyễn Thị Hoa")
    log_in(page, "canbo_phoyen", PASSWORD)
    page.goto(page.base_url + f"/members/cards/{member.pk}/")
    page.locator("[data-testid=card-state]").wait_for()
    page.click("[data-testid=card-issue]")
    page.locator("[data-testid=member-card]").wait_for()
    assert page.locator("[data-testid=card-number]").inner_text() == "TN-PHOYEN-000001"
    assert page.locator("[data-testid=member-card] svg").count() == 1  # the QR code

    href = page.get_attribute("[data-testid=verify-link]", "href")
    assert href and href.startswith(page.base_url + "/members/cards/v/")
    pdf = page.request.get(page.base_url + f"/members/cards/{member.pk}/pdf/")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # Someone scans the card with her own phone: a fresh browser context, no session.
    stranger = page.context.browser.new_context(locale="vi-VN")
    try:
        public = stranger.new_page()
        public.goto(href)
        verdict = public.locator("[data-testid=verdict]")
        assert verdict.get_attribute("data-verdict") == "valid"
        text = verdict.inner_text()
        assert "hợp lệ" in text and "không hợp lệ" not in text
        assert "Nguyễn Thị Hoa" in text and "TN-PHOYEN-000001" in text
        public.screenshot(path="var/screenshot-card-verify.png", full_page=True)
    finally:
        stranger.close()


def test_card_page_fits_a_phone(phone_page: Any, tree: Any, users: Any) -> None:
    page = phone_page
    member = services.card_issue(actor=None, member=make_member(tree.group_a1, "Lò Thị Sáu"))
    log_in(page, "canbo_phoyen", PASSWORD)
    page.goto(page.base_url + f"/members/cards/{member.pk}/")
    page.locator("[data-testid=member-card]").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the card page is {width}px wide on a 360px phone"
    page.screenshot(path="var/screenshot-phone-card.png", full_page=True)
