"""The engineer's inspection round in headless Chromium, on the seed-004 demo checklists: 立即巡检 against a
real load-balanced application on loopback (6 of its 11 services down), the results colour-coded, the manual
CPU check filled in, the run completed and its Word report downloaded; the lists and the target form."""
import io

import pytest
from docx import Document

from domains.ops.contracts import demo as contracts_demo
from domains.ops.inspections import demo
from domains.ops.inspections.models import InspectionRun, Target
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.core.testing import make_agency
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_engineer_runs_an_inspection_completes_it_and_downloads_the_report(live, browser, shot, http_services,
                                                                          settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for kind in ("hrss", "market", "tax"):
        make_agency("450000", kind)
    contracts_demo.seed(1, io.StringIO())
    demo.seed(1, io.StringIO())
    names = [f"app{i}" for i in range(11)]
    for n in names[:6]:
        http_services.status[n] = 503
    Target.objects.filter(kind="http").update(url=http_services.url("lb"),
                                              backends=[http_services.url(n) for n in names])

    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, "gx_ops_eng", DEMO_PASSWORD)
    page.goto(f"{live.url}/gov/ops/inspections/checklists/")
    page.wait_for_selector("#result-table")
    assert page.locator("#result-table tbody tr").count() == 3
    shot(page, "ops_inspections_checklists")
    page.click("#result-table a:has-text('日常巡检')")
    page.wait_for_selector("#checklist-items")
    assert "立即扩容" in page.inner_text("#checklist-items") and "> 90%" in page.inner_text("#checklist-items")
    shot(page, "ops_inspections_checklist")

    page.click("#run-now")
    page.wait_for_selector("#run-results")
    run = InspectionRun.objects.order_by("-pk").first()
    assert page.url.endswith(f"/gov/ops/inspections/runs/{run.pk}/")
    breach = page.locator("#run-results tr[data-outcome='breach']", has_text="负载均衡地址下宕机服务数")
    assert breach.count() == 1 and "6个" in breach.inner_text()
    assert "启动预警响应措施" in page.inner_text("#run-warnings") or "负载均衡地址下服务宕机" in page.inner_text(
        "#run-warnings")
    shot(page, "ops_inspections_run_filling")

    page.check("#manual-form input[value='pass']")
    page.fill("#manual-form input[name$='_value_text']", "CPU使用率32%")
    page.fill("#id_conclusion", "应用服务6个宕机，已启动预警响应；其余指标正常。")
    page.click("#complete-run")
    page.wait_for_selector("#run-conclusion")
    assert "已启动预警响应" in page.inner_text("#run-conclusion")
    assert page.inner_text("#workflow-state") == "已完成"
    shot(page, "ops_inspections_run_completed")
    with page.expect_download() as download:
        page.click("#report-docx")
    doc = Document(download.value.path())
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "广西社会保险养老系统巡检报告" in text and "已启动预警响应" in text

    page.goto(f"{live.url}/gov/ops/inspections/runs/")
    page.wait_for_selector("#result-table")
    assert page.locator("#result-table tbody tr").count() == 2  # the demo's run and this one
    shot(page, "ops_inspections_runs")
    page.goto(f"{live.url}/gov/ops/inspections/targets/")
    page.wait_for_selector("#result-table")
    shot(page, "ops_inspections_targets")
    page.goto(f"{live.url}/gov/ops/inspections/targets/new/")
    page.select_option("#id_kind", "postgresql")
    assert page.is_visible("#id_host") and not page.is_visible("#id_url")
    shot(page, "ops_inspections_target_form")

    # the manager adds an item: a percentage threshold over 100 is refused on the field, in Chinese
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, "gx_ops", DEMO_PASSWORD)
    checklist = run.checklist
    page.goto(f"{live.url}/gov/ops/inspections/checklists/{checklist.pk}/items/new/")
    page.select_option("#id_category", "database")
    page.fill("#id_name", "索引表空间使用率")
    page.select_option("#id_method", "probe")
    page.select_option("#id_metric", "pg_tablespace_pct")
    page.fill("#id_threshold", "190")
    page.select_option("#id_level", "red")
    page.click("form.zw-form button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    assert "百分比阈值须在0至100之间" in page.inner_text(".invalid-feedback")
    shot(page, "ops_inspections_item_form_error")
    page.fill("#id_threshold", "90")
    page.click("form.zw-form button[type=submit]")
    page.wait_for_selector("#checklist-items")
    assert "索引表空间使用率" in page.inner_text("#checklist-items")
