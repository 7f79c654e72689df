"""The attachment panel in headless Chromium: HTMX upload, field error, thumbnail, download, delete.

Playwright runs in a thread of its own: its sync API allows one instance per thread, and the
project's session-wide browser (tests/conftest.py) may be open in the main thread."""
import os
import threading

import pytest

from kernel.core.testing import PASSWORD, make_enterprise, make_staff
from kernel.files.models import Attachment
from tests import browser as browser_env

from . import samples as s
from .conftest import EDIT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.urls("kernel.files.tests.urls")]


@pytest.fixture
def live_site(live_server, transactional_db):
    from django.core.management import call_command

    call_command("load_reference", stdout=open(os.devnull, "w"))
    return live_server


def in_own_thread(scenario, timeout=120):
    outcome = {}

    def run():
        try:
            outcome["value"] = scenario()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "browser scenario timed out"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_upload_refuse_download_and_delete_in_the_browser(live_site, media_root):
    make_staff("450100", EDIT, username="nn_files")
    org = make_enterprise("450103", name="浏览器附件测试有限公司")
    base = live_site.url
    photo = s.image_bytes("PNG", (1200, 800))
    program = s.pe_bytes()

    def scenario():
        from playwright.sync_api import sync_playwright

        seen = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_env.chromium_path(), headless=True,
                                        args=browser_env.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1300, "height": 900}, locale="zh-CN", accept_downloads=True)
            browser_env.login(page, base, "nn_files", PASSWORD)
            page.goto(f"{base}/files-test/organisations/{org.pk}/")
            seen["empty"] = page.inner_text(".zw-attachments")

            # a program renamed to .pdf: the error appears under the field
            page.set_input_files("input[type=file]", files=[{"name": "通知书.pdf", "mimeType": "application/pdf",
                                                             "buffer": program}])
            page.click(".zw-attachment-upload button[type=submit]")
            seen["error"] = page.wait_for_selector("[data-field=file]").inner_text()

            # a photo: the panel is swapped in place with the new row and its thumbnail
            page.set_input_files("input[type=file]", files=[{"name": "整改照片.png", "mimeType": "image/png",
                                                             "buffer": photo}])
            page.click(".zw-attachment-upload button[type=submit]")
            page.wait_for_selector("text=已上传“整改照片.png”")
            row = page.wait_for_selector("[data-attachment]")
            seen["pk"] = int(row.get_attribute("data-attachment"))
            thumb = row.query_selector("img")
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb)
            seen["thumb"] = thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]")
            browser_env.ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(browser_env.ARTIFACTS / "files_panel_uploaded.png"), full_page=True)

            with page.expect_download() as info:
                row.query_selector("a[title=下载]").click()
            seen["download"] = info.value.suggested_filename

            page.once("dialog", lambda dialog: dialog.accept())  # hx-confirm
            row.query_selector("button[title=删除]").click()
            page.wait_for_selector("text=暂无附件")
            seen["after_delete"] = page.inner_text(".zw-attachments")
            browser.close()
        return seen

    seen = in_own_thread(scenario)
    assert "暂无附件" in seen["empty"]
    assert seen["error"] == "不允许上传可执行文件"
    assert seen["thumb"] == [320, 213]
    assert seen["download"] == "整改照片.png"
    assert "已删除“整改照片.png”" in seen["after_delete"]
    attachment = Attachment.all_objects.get()  # only the photo was ever stored
    assert attachment.pk == seen["pk"] and attachment.original_name == "整改照片.png"
    assert attachment.is_deleted and (media_root / attachment.file.name).exists()
