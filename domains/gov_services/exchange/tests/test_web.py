"""The exchange in the pages: 分发至部门 on the case page, the staff pages (systems, shadow table with
Excel export, callback log) scoped by region, and the demo seed."""
import io

import pytest
from django.apps import apps
from django.urls import reverse
from openpyxl import load_workbook

from domains.gov_services.one_window.models import Case
from domains.gov_services.one_window.tests.acceptance_support import QINGXIU, XINGNING, World, clerk
from integrations.department_sim.simulator import Department
from kernel.audit.models import ChangeLog
from kernel.core.testing import PASSWORD
from kernel.org.models import Organisation

from .. import services
from ..frontdb import FrontDB
from ..models import CallbackLog, DepartmentSystem, ShadowRecord

pytestmark = pytest.mark.django_db
OTHER_CITY = "450202"  # 柳州市城中区


@pytest.fixture
def w():
    w = World()
    w.system = services.create_system(code="xn_invest", name="兴宁区投资项目审批系统", department=w.dept,
                                      secret="s3cret-xn")
    w.case = w.register()
    w.admin = clerk(XINGNING, role="gs_centre_admin", real_name="中心管理员")
    return w


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def detail(client, case):
    return client.get(reverse("gov:gs_case_detail", args=[case.pk])).content.decode()


def test_button_dispatches_to_front_db_shadow_and_state(w, client):
    login(client, w.clerk)
    text = detail(client, w.case)
    assert 'id="dispatch-case"' in text and "兴宁区投资项目审批系统（xn_invest）" in text
    response = client.post(reverse("gov:gs_exchange_dispatch", args=[w.case.pk]), follow=True)
    text = response.content.decode()
    assert "已分发至兴宁区投资项目审批系统" in text and "版本号1" in text
    assert Case.objects.get(pk=w.case.pk).status == "dispatched"
    assert FrontDB("xn_invest").read_case(w.case.no, 1)["status"] == "received"
    shadow = ShadowRecord.objects.get(case=w.case)
    assert (shadow.version, shadow.direction, shadow.stage, shadow.operator_user) == (1, "out", "dispatch", w.clerk)
    assert shadow.acknowledged_at is not None
    assert 'id="dispatch-case"' not in text and "未确认" not in text
    # a second post is refused: the case is no longer accepted
    text = client.post(reverse("gov:gs_exchange_dispatch", args=[w.case.pk]), follow=True).content.decode()
    assert "只有已受理的办件可以分发至部门" in text
    assert ShadowRecord.objects.filter(case=w.case).count() == 1


def test_callback_files_and_redispatch_after_correction(w, client):
    login(client, w.clerk)
    client.post(reverse("gov:gs_exchange_dispatch", args=[w.case.pk]))
    Department("xn_invest").progress(w.case.no, "correction", opinion="缺少选址意见书")
    text = detail(client, w.case)
    assert 'id="redispatch-case"' in text and "补正补齐" in text
    client.post(reverse("gov:gs_exchange_redispatch", args=[w.case.pk]), {"comment": "已补交"})
    assert Case.objects.get(pk=w.case.pk).status == "dispatched"
    assert FrontDB("xn_invest").read_case(w.case.no, 2) is not None
    dept = Department("xn_invest")
    dept.progress(w.case.no, "accept")
    dept.progress(w.case.no, "complete")
    text = detail(client, w.case)
    assert 'id="exchange-files"' in text and f"{w.case.no}-结果.pdf" in text
    assert text.count("<td>回调</td>") == 3


def test_clerk_of_another_county_gets_404_and_nothing_changes(w, client):
    login(client, w.other)
    assert client.post(reverse("gov:gs_exchange_dispatch", args=[w.case.pk])).status_code == 404
    assert Case.objects.get(pk=w.case.pk).status == "accepted"
    assert not ShadowRecord.objects.exists()


def test_without_department_system_refused_in_chinese(w, client):
    matter = w.make_matter(name="另一部门事项")
    matter.department = Organisation.objects.create(name="兴宁区未接入局", kind="agency", region=w.dept.region,
                                                    agency_type=w.dept.agency_type)
    matter.save()
    case = w.register(matter=matter)
    login(client, w.clerk)
    assert "办理部门尚未接入部门业务系统" in detail(client, case)
    text = client.post(reverse("gov:gs_exchange_dispatch", args=[case.pk]), follow=True).content.decode()
    assert "尚未接入部门业务系统，无法分发" in text
    assert Case.objects.get(pk=case.pk).status == "accepted" and not ShadowRecord.objects.exists()


def test_user_without_accept_permission_gets_403(w, client):
    login(client, w.admin)
    assert 'id="dispatch-case"' not in detail(client, w.case)
    assert client.post(reverse("gov:gs_exchange_dispatch", args=[w.case.pk])).status_code == 403
    assert Case.objects.get(pk=w.case.pk).status == "accepted"


def test_admin_creates_and_edits_a_system_secret_write_only_with_audit(w, client):
    login(client, w.admin)
    dept = Organisation.objects.create(name="兴宁区住建局", kind="agency", region=w.dept.region,
                                       agency_type=w.dept.agency_type)
    url = reverse("gov:gs_exchange_system_create")
    bad = client.post(url, {"code": "Bad-Code", "name": "x", "department": dept.pk, "notify_url": "ftp://x",
                            "secret": "", "active": "on"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "系统代码须为小写字母开头" in text and "请填写共享密钥" in text and "通知地址须以" in text
    assert DepartmentSystem.objects.count() == 1
    response = client.post(url, {"code": "xn_housing", "name": "住建系统", "department": dept.pk,
                                 "notify_url": "https://dept.example/notify", "secret": "secret-123", "active": "on"})
    assert response.status_code == 302
    system = DepartmentSystem.objects.get(code="xn_housing")
    assert system.secret == "secret-123" and "secret-123" not in system.secret_encrypted
    assert (FrontDB("xn_housing").cases()) == []  # the front-end database exists
    edit = reverse("gov:gs_exchange_system_edit", args=[system.pk])
    page = client.get(edit).content.decode()
    assert "secret-123" not in page and system.secret_encrypted not in page
    client.post(edit, {"name": "住建审批系统", "department": dept.pk, "notify_url": "", "secret": "",
                       "active": "on"})
    system.refresh_from_db()
    assert (system.name, system.notify_url, system.secret) == ("住建审批系统", "", "secret-123")
    logs = ChangeLog.objects.filter(object_id=str(system.pk), content_type__model="departmentsystem")
    assert sorted(logs.values_list("action", flat=True)) == ["create", "update"]
    assert "secret-123" not in str(list(logs.values_list("after", flat=True)))
    text = client.get(reverse("gov:gs_exchange_system_list")).content.decode()
    assert "住建审批系统" in text and "（本地部门模拟器）" in text


def test_staff_pages_are_scoped_by_region(w, client):
    services.dispatch(w.case, w.clerk)
    far = clerk(OTHER_CITY, role="gs_centre_admin")
    login(client, far)
    assert client.get(reverse("gov:gs_exchange_system_edit", args=[w.system.pk])).status_code == 404
    assert client.post(reverse("gov:gs_exchange_system_edit", args=[w.system.pk]),
                       {"name": "x", "department": w.dept.pk}).status_code == 404
    assert "xn_invest" not in client.get(reverse("gov:gs_exchange_system_list")).content.decode()
    assert w.case.no not in client.get(reverse("gov:gs_exchange_shadow_list")).content.decode()
    neighbour = clerk(QINGXIU, role="gs_centre_admin")
    client.logout()
    login(client, neighbour)
    assert client.get(reverse("gov:gs_exchange_system_edit", args=[w.system.pk])).status_code == 404
    client.logout()
    login(client, w.admin)
    assert client.get(reverse("gov:gs_exchange_system_edit", args=[w.system.pk])).status_code == 200
    assert w.case.no in client.get(reverse("gov:gs_exchange_shadow_list")).content.decode()


def test_shadow_filters_and_excel_export(w, client):
    services.dispatch(w.case, w.clerk)
    Department("xn_invest").progress(w.case.no, "accept")
    other = w.register()
    login(client, w.admin)
    url = reverse("gov:gs_exchange_shadow_list")
    text = client.get(url, {"direction": "in"}).content.decode()
    assert "回调" in text and w.case.no in text
    assert other.no not in client.get(url).content.decode()  # not dispatched: no shadow row
    assert client.get(url, {"sbh": "NOPE"}).content.decode().count(w.case.no) == 0
    response = client.get(url, {"export": "xlsx", "sbh": w.case.no})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else
                                      response.content)).active
    rows = list(sheet.values)
    header = next(r for r in rows if r and "申报号" in r)
    body = rows[rows.index(header) + 1:]
    assert {"申报号", "版本号", "取值时间", "操作人", "方向", "环节"} <= set(header)
    assert sorted(r[header.index("环节")] for r in body if r[0]) == ["分发", "受理"]
    assert all(r[header.index("申报号")] == w.case.no for r in body if r[0])


def test_callback_log_lists_refusals(w, client):
    services.dispatch(w.case, w.clerk)
    Department("xn_invest").call_back(w.case.no, 1, "accept")  # no front_callback row: refused
    assert CallbackLog.objects.filter(outcome="refused").exists()
    login(client, w.admin)
    text = client.get(reverse("gov:gs_exchange_callback_list"), {"outcome": "refused"}).content.decode()
    assert "前置库中没有该回调记录" in text and "已拒绝" in text
    client.logout()
    login(client, clerk(OTHER_CITY, role="gs_centre_admin"))
    assert "前置库中没有该回调记录" not in client.get(reverse("gov:gs_exchange_callback_list")).content.decode()


def test_demo_seed_is_idempotent(settings):
    out = io.StringIO()
    apps.get_app_config("gs_window").seed_demo(1, out)
    config = apps.get_app_config("gs_exchange")
    first = config.seed_demo(1, out)
    systems = list(DepartmentSystem.objects.order_by("code").values_list("code", "department__name"))
    assert len(systems) == 5 and all(code.startswith("xn_") for code, _ in systems)
    assert "南宁市兴宁区市场监督管理局" in {name for _, name in systems}
    shadows = ShadowRecord.objects.count()
    assert shadows == 2  # dispatched, and 受理 taken in
    case = ShadowRecord.objects.first().case
    assert Case.objects.get(pk=case.pk).status == "dept_accepted" and "部门受理" in first
    for code, _ in systems:
        assert FrontDB(code).cases() is not None
    config.seed_demo(1, out)
    assert DepartmentSystem.objects.count() == 5 and ShadowRecord.objects.count() == shadows
    from kernel.notify.models import SmsMessage

    assert SmsMessage.objects.filter(template__code="gs_exchange_dept_accepted", status="queued").count() == 0
