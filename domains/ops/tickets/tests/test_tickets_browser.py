"""Issue 8's browser walk in headless Chromium: gx_ops_clerk raises a level-2 fault on the pension contract,
gx_ops_eng accepts it (assigning it to himself), starts and resolves it with root cause and solution (after
being refused without a root cause), gx_ops_clerk confirms it; the ticket is closed within its SLA, and the
manager's monthly report and dashboard count it as within SLA."""
import pytest

from domains.ops.contracts.demo import DEMO_PASSWORD
from domains.ops.tickets.models import Ticket
from tests.browser import login

from .conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_for(browser, live, username):
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, username, DEMO_PASSWORD)
    return page


def open_step(page, name):
    page.click(f"details[data-step='{name}'] summary")
    return f"#step-{name}"


def test_clerk_raises_engineer_resolves_clerk_confirms(live, browser, shot):
    World()
    clerk = page_for(browser, live, "gx_ops_clerk")
    clerk.goto(f"{live.url}/gov/ops/tickets/new/")
    clerk.wait_for_selector("#ticket-form")
    contract = clerk.locator("#id_contract option", has_text="广西社会保险养老系统").get_attribute("value")
    clerk.select_option("#id_contract", contract)
    clerk.select_option("#id_kind", "fault")
    assert clerk.is_visible("#id_level") and not clerk.is_visible("#id_upgrade_type")
    clerk.select_option("#id_level", "2")
    clerk.fill("#id_title", "待遇核定提示程序错误")
    clerk.fill("#id_description", "南宁市经办窗口核定退休待遇时提示“程序错误”，窗口业务积压。")
    assert clerk.input_value("#id_contact_phone") == "13771208003"
    shot(clerk, "ops_ticket_form")
    clerk.click("#ticket-submit")
    clerk.wait_for_selector("#ticket-state")
    assert clerk.inner_text("#ticket-state") == "新建"
    assert "首次响应" in clerk.inner_text("#sla-clocks") and "剩余23小时" in clerk.inner_text("[data-clock=response]")
    shot(clerk, "ops_ticket_new")
    ticket = Ticket.objects.get()
    assert ticket.requester.username == "gx_ops_clerk" and ticket.level == 2

    eng = page_for(browser, live, "gx_ops_eng")
    eng.goto(f"{live.url}/gov/ops/tickets/")
    eng.wait_for_selector("#result-table")
    assert ticket.number in eng.inner_text("#result-table")
    shot(eng, "ops_ticket_list")
    eng.click(f"#result-table a:has-text('{ticket.number}')")
    eng.wait_for_selector("#ticket-steps")
    form = open_step(eng, "accept")
    eng.click(f"{form} [data-submit=accept]")  # assigned to himself: the default
    eng.wait_for_selector("#ticket-state:has-text('已派单')")
    form = open_step(eng, "start")
    eng.select_option(f"{form} select[name='start-handling_mode']", "remote")
    eng.click(f"{form} [data-submit=start]")
    eng.wait_for_selector("#ticket-state:has-text('处理中')")
    form = open_step(eng, "resolve")
    eng.fill(f"{form} textarea[name='resolve-solution']", "补录参数并重算当日核定的待遇")
    eng.click(f"{form} [data-submit=resolve]")
    eng.wait_for_selector("[data-field='resolve-root_cause']")
    assert eng.inner_text("[data-field='resolve-root_cause']") == "故障工单须填写原因分析"
    shot(eng, "ops_ticket_resolve_refused")
    assert Ticket.objects.get().status == "in_progress"
    eng.fill("#step-resolve textarea[name='resolve-root_cause']", "过渡性养老金参数表缺少新增的视同缴费指数")
    eng.click("#step-resolve [data-submit=resolve]")
    eng.wait_for_selector("#ticket-state:has-text('已解决')")
    assert "过渡性养老金参数表" in eng.inner_text("#ticket-result")
    shot(eng, "ops_ticket_resolved")

    clerk.goto(f"{live.url}/gov/ops/tickets/{ticket.pk}/")
    form = open_step(clerk, "close")
    clerk.click(f"{form} [data-submit=close]")
    clerk.wait_for_selector("#ticket-state:has-text('已确认关闭')")
    timeline = clerk.inner_text("#ticket-timeline")
    for label in ("提出工单", "受理", "派单", "开始处理", "解决", "确认关闭"):
        assert label in timeline
    assert "按时完成" in clerk.inner_text("[data-clock=response]")
    shot(clerk, "ops_ticket_closed")
    ticket = Ticket.objects.get()
    assert ticket.status == "closed" and ticket.response_breached is False
    assert ticket.responded_at <= ticket.response_due

    manager = page_for(browser, live, "gx_ops")
    manager.goto(f"{live.url}/gov/ops/reports/monthly/")
    manager.wait_for_selector("#sla-lines")
    line = manager.locator("#sla-lines tr[data-contract='GXZC2021-004'][data-kind='fault'][data-level='2']")
    assert [c.strip() for c in line.locator("td").all_inner_texts()][1:] == ["故障2级", "1", "1", "0", "0", "100.0%"]
    assert "已结算 1 件，达成 1 件，达成率 100.0%" in manager.inner_text("#sla-total")
    assert manager.get_attribute("[data-figure=response]", "data-met") == "1"
    shot(manager, "ops_monthly_report")
    with manager.expect_download() as download:
        manager.click("#download-docx")
    assert download.value.suggested_filename.endswith("运维服务月报.docx")
    manager.click("nav a:has-text('运维服务看板')")
    manager.wait_for_selector("#c-sla canvas")
    assert manager.inner_text("#count-raised") == "1"
    shot(manager, "ops_dashboard")


def test_demo_tickets_in_every_state(live, browser, shot):
    from django.core.management import call_command  # noqa: F401 - the live fixture loaded the reference data

    from domains.ops.tickets import demo

    World()
    demo.seed(1, None)
    manager = page_for(browser, live, "gx_ops")
    manager.goto(f"{live.url}/gov/ops/tickets/?per_page=50")
    manager.wait_for_selector("#result-table")
    assert manager.locator("#result-table tbody tr").count() == len(demo.CLOSED) + len(demo.OPEN)
    assert manager.locator("[data-sla=overdue]").count() >= 2 and manager.locator("[data-sla=near]").count() >= 2
    shot(manager, "ops_ticket_demo_list")
    manager.click("[data-sla-count=overdue]")
    manager.wait_for_selector("#result-table")
    assert manager.locator("#result-table tbody tr").count() == manager.locator("[data-sla=overdue]").count()
    upgrade = Ticket.objects.get(title="缴费基数下限政策调整")
    manager.goto(f"{live.url}/gov/ops/tickets/{upgrade.pk}/")
    manager.wait_for_selector("#upgrade-card")
    assert "内测通过" in manager.inner_text("#internal-test") and "未测试" in manager.inner_text("#user-test")
    shot(manager, "ops_ticket_upgrade")
    data = Ticket.objects.get(title="更正出生日期")
    manager.goto(f"{live.url}/gov/ops/tickets/{data.pk}/")
    form = open_step(manager, "accept")
    manager.click(f"{form} [data-submit=accept]")
    manager.wait_for_selector("[data-errors=accept]")
    assert "请上传授权文件" in manager.inner_text("#step-accept")
    shot(manager, "ops_ticket_data_refused")
    waiting = Ticket.objects.get(status="waiting")
    manager.goto(f"{live.url}/gov/ops/tickets/{waiting.pk}/")
    assert "当前暂停中" in manager.inner_text("#paused-total")
    shot(manager, "ops_ticket_waiting")
