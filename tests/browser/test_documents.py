"""A commune cadre drops a resolution into the archive, watches its processing reach
"indexed", then finds it with a query typed without diacritics; the pages fit a 360-px phone.

The pipeline runs in the request (django-tasks' ImmediateBackend) instead of a worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hoiso.documents.models import Document, ProcessingState
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD
from tests.documents import corpus


@pytest.fixture
def immediate(settings: Any, tmp_path: Path) -> Any:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def resolution(tmp_path: Path, name: str = "nghi-quyet-12.docx") -> Path:
    path = tmp_path / name
    path.write_bytes(corpus.docx_bytes())
    return path


def test_upload_watch_progress_then_search(page: Any, tree: Any, users: Any, tmp_path: Path,
                                           immediate: Any) -> None:  # fmt: skip
    log_in(page, "canbo_phoyen", PASSWORD)
    page.click("nav a[href='/documents/']")
    page.click("[data-testid=upload-link]")
    page.select_option("select[name=direction]", "out")
    page.set_input_files("input[type=file]", str(resolution(tmp_path)))
    page.click("[data-testid=upload-submit]")
    item = page.locator("[data-testid=upload-item]").first
    item.locator("text=nghi-quyet-12.docx").wait_for()
    # the state fragment replaces itself every 2 s until the document is indexed
    item.locator("[data-testid=doc-state][data-state=indexed]").wait_for(timeout=60000)
    document = Document.objects.get()
    assert document.state == ProcessingState.INDEXED and document.unit == tree.commune_a

    page.goto(page.base_url + "/documents/")
    page.fill("input[name=q]", "nghi quyet chuyen doi so")
    page.press("input[name=q]", "Enter")
    results = page.locator("[data-testid=results]")
    results.locator(f"a[href='/documents/{document.pk}/']").wait_for()
    assert results.locator("mark").count() >= 1
    page.click(f"a[href='/documents/{document.pk}/']")
    page.locator("[data-testid=doc-state][data-state=indexed]").wait_for()


def test_without_javascript_the_plain_form_still_uploads(browser: Any, live_server: Any,
                                                         tree: Any, users: Any, tmp_path: Path,
                                                         immediate: Any) -> None:  # fmt: skip
    context = browser.new_context(java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    page.base_url = live_server.url
    try:
        log_in(page, "canbo_phoyen", PASSWORD)
        page.goto(live_server.url + "/documents/upload/")
        page.set_input_files(
            "input[type=file]",
            [str(resolution(tmp_path, "a.docx")), str(resolution(tmp_path, "b.docx"))],
        )
        page.click("[data-testid=upload-submit]")
        page.locator("[data-testid=upload-item]").nth(1).wait_for()
        assert page.locator("[data-testid=upload-item]").count() == 2
        assert Document.objects.count() >= 1
    finally:
        context.close()


def test_archive_pages_fit_a_phone(phone_page: Any, tree: Any, users: Any, tmp_path: Path,
                                   immediate: Any) -> None:  # fmt: skip
    page = phone_page
    log_in(page, "canbo_phoyen", PASSWORD)
    page.goto(page.base_url + "/documents/upload/")
    page.set_input_files("input[type=file]", str(resolution(tmp_path)))
    page.click("[data-testid=upload-submit]")
    page.locator("[data-testid=doc-state][data-state=indexed]").wait_for(timeout=60000)
    document = Document.objects.get()
    for path in (
        "/documents/upload/",
        "/documents/?q=nghi+quyet",
        f"/documents/{document.pk}/",
        f"/documents/{document.pk}/edit/",
        "/documents/registers/",
        "/documents/files/",
    ):
        page.goto(page.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    page.goto(page.base_url + f"/documents/{document.pk}/")
    page.screenshot(path="var/screenshot-phone-document.png", full_page=True)
