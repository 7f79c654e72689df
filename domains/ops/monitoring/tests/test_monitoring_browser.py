"""兴宁区's O&M node in headless Chromium on the demo data: xn_ops looks at the overview and the node, adds a resource,
checks the applications, reports the resources upward and sees them received at the city-node simulator;
a screenshot of every page."""
import io
import socket

import pytest
from django.apps import apps

from domains.ops.monitoring.models import AppMonitor, Resource
from integrations.city_node.models import ReceivedReport
from kernel.accounts.demo import DEMO_PASSWORD
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_xn_ops_adds_a_resource_and_reports_it_to_the_city(live, browser, shot):
    out = io.StringIO()
    for label in ("gs_window", "ops_contracts", "ops_monitoring"):
        apps.get_app_config(label).seed_demo(1, out)
    AppMonitor.objects.filter(name="一窗综合受理系统").update(url=f"{live.url}/gov/login/")
    AppMonitor.objects.filter(name="办事指南（公众服务）").update(url=f"http://127.0.0.1:{closed_port()}/public/")
    page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
    login(page, live.url, "xn_ops", DEMO_PASSWORD)
    base = f"{live.url}/gov/ops/monitoring/"

    page.goto(base)
    page.wait_for_selector("#topology canvas")
    assert page.inner_text("#count-resources") == "10" and page.inner_text("#count-alarms") == "2"
    shot(page, "ops_monitoring_overview")

    page.goto(base + "node/")
    info = page.inner_text("#node-info")
    assert "XN450102YW01" in info and "南宁市兴宁区政务服务中心" in info and "0771-5611234" in info
    assert "已加密保存" in page.inner_text("#node-keys")
    shot(page, "ops_monitoring_node")

    page.goto(base + "resources/")
    page.wait_for_selector("#result-table")
    shot(page, "ops_monitoring_resources")
    page.click("text=新增")
    page.fill("#id_number", "XN-WEB-01")
    page.select_option("#id_category", "middleware")
    page.fill("#id_name", "Web服务中间件")
    page.fill("#id_ip", "10.45.3.40")
    page.fill("#id_brand", "Nginx")
    shot(page, "ops_monitoring_resource_form")
    page.click(".zw-form button[type=submit]")
    page.wait_for_selector("#sub-resources")
    assert "Web服务中间件" in page.content()
    assert Resource.objects.get(number="XN-WEB-01").created_by.username == "xn_ops"
    shot(page, "ops_monitoring_resource_detail")

    page.goto(base + "apps/")
    page.click("#check-apps")
    page.wait_for_selector(".alert-success")
    states = page.locator(".app-card").evaluate_all("els => els.map(e => e.dataset.state)")
    assert sorted(states) == ["down", "normal"]
    shot(page, "ops_monitoring_apps")

    page.goto(base + "performance/")
    assert "XN-DB-01" in page.inner_text("#pick-resource option:checked")  # the resource with most metrics
    page.select_option("select[name=days]", "7")
    page.click("text=查看")
    page.wait_for_selector("#perf-chart canvas")
    assert page.locator(".summary-table").count() == 3
    shot(page, "ops_monitoring_performance")

    page.goto(base + "alarms/")
    page.wait_for_selector("#c-level canvas")
    assert "政务服务数据库" in page.inner_text("#alarm-list")
    shot(page, "ops_monitoring_alarms")
    page.goto(base + "thresholds/")
    shot(page, "ops_monitoring_thresholds")

    page.goto(base + "orders/")
    page.wait_for_selector("#result-table")
    assert page.locator("#result-table tbody tr").count() == 3
    shot(page, "ops_monitoring_orders")
    page.click("#result-table tbody tr:has-text('数据库连接数') a")
    page.wait_for_selector("#complete-form")
    shot(page, "ops_monitoring_order")

    page.goto(base + "reports/")
    page.select_option("#report-kind", "resources")
    page.click("#report-now")
    page.wait_for_selector(".alert-success")
    assert "上级节点已接收" in page.inner_text(".alert-success")
    shot(page, "ops_monitoring_reports")
    received = ReceivedReport.objects.filter(accepted=True, kind="resources").order_by("-pk").first()
    numbers = [item["number"] for item in received.payload["items"]]
    assert "XN-WEB-01" in numbers and len(numbers) == 7
    page.click("#result-table tbody tr:first-child a")
    page.wait_for_selector("#envelope")
    assert "XN-WEB-01" in page.inner_text("#payload") and "XN-WEB-01" not in page.inner_text("#envelope")
    shot(page, "ops_monitoring_report")

    page.goto(base + "reports/")
    page.click("#city-received-link")
    page.wait_for_selector("#city-received")
    first = page.inner_text("#city-received tbody tr:first-child")
    assert "资源及子资源信息" in first and "已接收" in first and "7" in first
    shot(page, "ops_monitoring_city_received")
