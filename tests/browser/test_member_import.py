"""A commune cadre imports a roster through the UI: upload, see the problems, import the valid
rows, find the new member in the member list; the pages fit a 360-px phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hoiso.members.models import Member
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.core.test_imports import write_xlsx

ROWS: list[list[Any]] = [
    ["HỘI LHPN PHƯỜNG PHỔ YÊN"],
    ["DANH SÁCH HỘI VIÊN"],
    [],
    ["STT", "HỌ VÀ TÊN", "Ngày, tháng, năm sinh", "Số CCCD", "Số điện thoại", "Chi hội"],
    [1, "NGUYỄN THỊ HỒNG NHUNG", "05/03/1985", 19185001234, 912345678, "Tổ dân phố 1"],
    [2, "Trần Thị Bích", "31/02/1990", None, None, "Tổ dân phố 1"],
    [3, "Lê Thị Ngọc", "1975", None, None, "Tổ dân phố 2"],
    ["Tổng cộng", None, "3 hội viên"],
]


def roster(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "danh-sach-hoi-vien.xlsx", ROWS)


def test_import_through_the_preview_then_find_the_member(
    page: Any, tree: Any, users: Any, tmp_path: Path
) -> None:
    log_in(page, "canbo_phoyen", PASSWORD)
    page.goto(page.base_url + "/members/import/")
    page.select_option("select[name=unit]", tree.commune_a.code)
    page.set_input_files("input[name=file]", str(roster(tmp_path)))
    page.click("form[data-testid=import-upload] button[type=submit]")
    errors = page.locator("[data-testid=import-errors]")
    errors.wait_for()
    text = errors.inner_text()
    assert "6" in text and "Ngày, tháng, năm sinh" in text and "31/02/1990" in text
    assert "2" in page.locator("[data-testid=valid-rows]").inner_text()
    assert not Member.objects.exists()  # the preview wrote nothing

    page.click("[data-testid=import-valid]")
    page.wait_for_url(page.base_url + "/members/")
    page.fill("input[name=q]", "nguyen thi hong nhung")
    page.press("input[name=q]", "Enter")
    table = page.locator("[data-testid=member-table]")
    table.locator("text=Nguyễn Thị Hồng Nhung").wait_for()
    assert Member.objects.count() == 2
    assert Member.objects.get(full_name="Nguyễn Thị Hồng Nhung").phone == "0912345678"


def test_import_pages_fit_a_phone(phone_page: Any, tree: Any, users: Any, tmp_path: Path) -> None:
    page = phone_page
    log_in(page, "canbo_phoyen", PASSWORD)
    page.goto(page.base_url + "/members/import/")
    page.select_option("select[name=unit]", tree.commune_a.code)
    page.set_input_files("input[name=file]", str(roster(tmp_path)))
    page.click("form[data-testid=import-upload] button[type=submit]")
    page.locator("[data-testid=import-errors]").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the import preview is {width}px wide on a 360px phone"
    page.screenshot(path="var/screenshot-phone-member-import.png", full_page=True)
