"""The catalogue in headless Chromium on the demo data: the 兴宁区 centre administrator (xn_centre) edits a
matter's promised days and publishes version 2; the public guide then shows the new limit."""
import io

import pytest

from domains.gov_services.one_window import demo_catalogue
from domains.gov_services.one_window.models import Matter
from kernel.accounts.demo import DEMO_PASSWORD
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODE = "450102-QY-002"  # 食品经营许可（新办）: promised 7 working days in version 1


def test_centre_admin_edits_promised_days_and_the_public_guide_follows(live, browser, shot):
    demo_catalogue.seed(1, io.StringIO())
    matter = Matter.objects.get(code=CODE)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, live.url, "xn_centre", DEMO_PASSWORD)

    page.goto(f"{live.url}/gov/gs/matters/?category=enterprise")
    assert page.locator("table").inner_text().count("450102-QY-") == 4
    shot(page, "gs_catalogue_list")

    page.goto(f"{live.url}/gov/gs/matters/{matter.pk}/edit/")
    page.fill("#id_promised_days", "30")  # over the statutory 20: refused
    page.click("#matter-form button[type=submit]")
    assert "不能超过法定期限" in page.inner_text("body")
    page.fill("#id_promised_days", "3")
    shot(page, "gs_catalogue_edit")
    page.click("#matter-form button[type=submit]")
    page.wait_for_selector("#publish-matter")
    assert "草稿有尚未发布的内容" in page.inner_text("body")
    from kernel.audit.services import history_for

    assert history_for(matter).first().changed_fields == ["promised_days"]  # textareas unchanged (no CRLF noise)

    public = context.new_page()
    public.goto(f"{live.url}/public/gs/matters/{CODE}/")
    assert public.inner_text("#guide-promised") == "7个工作日"  # the draft is not public yet

    page.fill("#publish-form input[name=note]", "承诺时限压缩至3个工作日")
    page.click("#publish-matter")
    page.wait_for_selector("text=已发布第2版")
    assert "第2版" in page.inner_text("#versions")
    shot(page, "gs_catalogue_detail")

    public.goto(f"{live.url}/public/gs/matters/{CODE}/")
    assert public.inner_text("#guide-promised") == "3个工作日"
    assert public.inner_text("#guide-statutory") == "20个工作日"
    mobile = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    mobile.goto(f"{live.url}/public/gs/matters/{CODE}/")
    shot(mobile, "gs_catalogue_public_guide")
    mobile.goto(f"{live.url}/public/gs/matters/")
    assert "食品经营许可（新办）" in mobile.inner_text("body")
    shot(mobile, "gs_catalogue_public_list")
    matter.refresh_from_db()
    assert (matter.version, matter.promised_days) == (2, 3)

    # the same guide in the H5 entrance, with 预约 and 网上申请
    from kernel.accounts.models import User

    User.objects.create_user(username="gs_citizen", password=DEMO_PASSWORD, kind="citizen", real_name="李市民",
                             must_change_password=False)
    h5 = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    login(h5, live.url, "gs_citizen", DEMO_PASSWORD, entrance="m")
    h5.goto(f"{live.url}/m/gs/matters/{CODE}/")
    assert h5.get_attribute("#book-matter", "href") == f"/m/gs/appointments/new/?matter={CODE}"
    assert h5.get_attribute("#apply-matter", "href") == f"/m/gs/apply/{CODE}/"
    assert h5.inner_text("#guide-promised") == "3个工作日"
    shot(h5, "gs_catalogue_m_guide")
