"""A cadre logs in, browses the tree, finds a unit without diacritics and merges two communes."""

from __future__ import annotations

from typing import Any

from hoiso.org.models import Unit, UnitEvent
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD


def test_login_browse_and_merge_through_the_wizard(page: Any, tree: Any, users: Any) -> None:
    log_in(page, "admin_tinh", PASSWORD)
    page.goto(page.base_url + "/org/")
    # expand the commune: its chapters arrive through htmx
    page.click(f"button[aria-controls='kids-{tree.commune_a.pk}']")
    page.locator("text=Chi hội Tổ dân phố 2").wait_for()
    assert page.locator(f"#kids-{tree.commune_a.pk}").is_visible()

    # folded search: no diacritics typed
    page.fill("input[name=q]", "dai tu")
    page.press("input[name=q]", "Enter")
    page.locator("a", has_text="Hội LHPN xã Đại Từ").first.wait_for()

    # the merge wizard: choose, preview, confirm
    page.goto(page.base_url + f"/org/units/{tree.commune_a.code}/restructure/merge/")
    page.check(f"input[name=others][value='{tree.commune_b.pk}']")
    page.check("input[name=mode][value=new]")
    page.fill("input[name=new_name]", "Hội LHPN phường Phổ Yên - Đại Từ")
    page.fill("input[name=new_code]", "TN-PYDT")
    page.fill("input[name=effective_date]", "2026-07-01")
    page.fill("input[name=decision]", "Nghị quyết số 01/NQ-HĐND")
    page.click("form[data-testid=restructure-form] button[type=submit]")
    preview = page.locator("[data-testid=preview]")
    preview.wait_for()
    assert "TN-PYDT" in preview.inner_text()
    assert not Unit.objects.filter(code="TN-PYDT").exists()  # nothing written by the preview
    preview.locator("button[type=submit]").click()
    page.wait_for_url(page.base_url + "/org/units/TN-PYDT/")
    body = page.locator("main").inner_text()
    assert "Chi hội xóm Đồng Tâm" in body and "Chi hội Tổ dân phố 1" in body
    assert Unit.objects.get(code=tree.commune_a.code).valid_to is not None
    assert UnitEvent.objects.filter(kind="merge").count() == 1


def test_phone_width_has_no_sideways_scroll(phone_page: Any, tree: Any, users: Any) -> None:
    page = phone_page
    log_in(page, "canbo_phoyen", PASSWORD)
    for path in ["/", "/org/", f"/org/units/{tree.commune_a.code}/"]:
        page.goto(page.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > 360).map(e => e.tagName + '.' + e.className).slice(0, 5)"
        )
        assert width <= 360, f"{path} is {width}px wide on a 360px phone: {wide}"
    page.screenshot(path="var/screenshot-phone-unit.png", full_page=True)
