"""Two users of different cities log in through the real login page and see different lists."""
import pytest

from kernel.core.testing import PASSWORD, make_enterprise, make_staff

from .browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_cities_see_different_organisation_lists(live, browser, shot):
    make_staff("450100", ["org.view_organisation"], username="nn_browser", real_name="南宁用户")
    make_staff("450200", ["org.view_organisation"], username="lz_browser", real_name="柳州用户")
    make_enterprise("450103", name="南宁青秀浏览器测试有限公司")
    make_enterprise("450202", name="柳州城中浏览器测试有限公司")

    seen = {}
    for username in ("nn_browser", "lz_browser"):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        page = context.new_page()
        login(page, live.url, username, PASSWORD)
        assert page.url.endswith("/gov/")
        page.click("text=机构管理")
        page.fill("#id_name", "浏览器测试")
        page.click("button:has-text('查询')")
        page.wait_for_selector("#result-table")
        seen[username] = page.inner_text("#result-table")
        assert "共 1 条" in page.inner_text("#result-count")
        shot(page, f"org_list_{username}")
        # a record of the other city is a 404, not a page
        context.close()

    assert "南宁青秀浏览器测试有限公司" in seen["nn_browser"]
    assert "柳州城中浏览器测试有限公司" not in seen["nn_browser"]
    assert "柳州城中浏览器测试有限公司" in seen["lz_browser"]
    assert "南宁青秀浏览器测试有限公司" not in seen["lz_browser"]


def test_other_city_detail_is_404_in_the_browser(live, browser):
    make_staff("450200", ["org.view_organisation"], username="lz_404")
    target = make_enterprise("450103", name="不可见企业有限公司")
    page = browser.new_page()
    login(page, live.url, "lz_404", PASSWORD)
    response = page.goto(f"{live.url}/gov/org/organisations/{target.pk}/")
    assert response.status == 404
    assert "页面不存在" in page.inner_text("body")
    page.close()


def test_lockout_message_in_the_browser(live, browser, shot):
    make_staff("450100", username="lock_browser")
    page = browser.new_page()
    for _ in range(5):
        login(page, live.url, "lock_browser", "wrong-password")
    assert "账号已锁定15分钟" in page.inner_text("#login-error")
    shot(page, "login_locked")
    page.close()
