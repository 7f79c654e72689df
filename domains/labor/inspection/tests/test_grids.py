"""Grids (网格, §(4) 1) d and §(3) 2): the grid tree under the counties, create/edit/delete within the
jurisdiction, the grid owner kept as the alert territory of the grid (low-level warnings of the grid go to
the owner), the Excel export with the spec's columns, and the grid warning statistics."""
import pytest
from django.urls import reverse

from domains.labor.inspection import services
from domains.labor.inspection.models import Grid
from kernel.alerts import services as alert_services
from kernel.alerts.models import Territory, Warning
from kernel.audit.models import ChangeLog
from kernel.core import context
from kernel.core.testing import PASSWORD, make_enterprise, xlsx_rows
from kernel.org.models import Organisation, Region

from .cases_support import LZ_CHENGZHONG, QINGXIU, XINGNING, World, make_agency, person, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def grid(w, name="民族大道网格", parent=QINGXIU, owner=None, **over):
    fields = {"head": "韦网格长", "contact_person": "黄联系", "phone": "0771-5881234", "address": "民族大道100号",
              "organisation": make_agency(QINGXIU), "owner": owner}
    fields.update(over)
    with context.acting_as(w.admin):
        return services.create_grid(w.admin, parent=region(parent), name=name, **fields)


def form_data(w, **over):
    data = {"parent": region(QINGXIU).pk, "name": "七星网格", "head": "梁网格长", "contact_person": "李联系",
            "phone": "13907712345", "address": "七星路1号", "organisation": make_agency(QINGXIU).pk,
            "owner": w.owner.pk}
    data.update(over)
    return data


def listed(response):
    """Grid names in the list's rows (not the tree beside it)."""
    import re

    return [re.sub(r"<[^>]+>", "", str(row[0])) for row in response.context["rows"]]


def changes(obj):
    return ChangeLog.objects.filter(content_type__app_label=obj._meta.app_label,
                                    content_type__model=obj._meta.model_name, object_id=str(obj.pk))


# == create, edit, delete, territory ===============================================================================
def test_create_grid_makes_the_region_and_the_owners_territory(w, client):
    login(client, w.admin)
    response = client.post(reverse("gov:labor_grid_create"), form_data(w))
    assert response.status_code == 302
    g = Grid.objects.get()
    assert (g.region.level, g.region.parent.code, g.region.name, g.region.code) == (
        Region.Level.GRID, QINGXIU, "七星网格", f"{QINGXIU}G001")
    assert (g.head, g.contact_person, g.phone, g.owner, g.created_by) == ("梁网格长", "李联系", "13907712345", w.owner, w.admin)
    assert g.parent_name == "青秀区"
    territory = Territory.objects.get(region=g.region)
    assert (territory.user, territory.rule) == (w.owner, None)
    assert list(changes(g).values_list("action", flat=True)) == ["create"]
    assert changes(g.region).filter(action="create").exists()
    second = grid(w, name="民族大道网格")
    assert second.region.code == f"{QINGXIU}G002"


def test_low_level_warnings_of_the_grid_go_to_its_owner(w):
    g = grid(w, owner=w.owner)
    project_unit = make_enterprise(QINGXIU, name="网格内施工单位有限公司")
    warning = w.auto_warning(region_=g.region, subject=project_unit)
    assert alert_services.territory_assignee(warning) == w.owner
    alert_services.auto_assign(warning)
    warning = Warning.objects.get(pk=warning.pk)
    assert (warning.status, warning.assignee) == ("assigned", w.owner)
    # a warning of the county outside the grid is not the grid owner's
    outside = w.auto_warning(region_=region(QINGXIU), subject=make_enterprise(QINGXIU))
    assert alert_services.territory_assignee(outside) is None


def test_owner_changes_move_the_territory_and_delete_removes_it(w, client):
    g = grid(w, owner=w.owner)
    new_owner = person(QINGXIU, role="labor_grid_owner", real_name="新网格员")
    with context.acting_as(w.admin):
        services.update_grid(g, w.admin, owner=new_owner, head="新网格长")
    assert Territory.objects.get(region=g.region).user == new_owner
    update = changes(g).filter(action="update").latest("id")
    assert set(update.changed_fields) == {"owner", "head"} and update.actor == w.admin
    services.update_grid(Grid.objects.get(pk=g.pk), w.admin, owner=None)
    assert not Territory.objects.filter(region=g.region).exists()
    services.update_grid(Grid.objects.get(pk=g.pk), w.admin, owner=w.owner)
    assert Territory.objects.get(region=g.region).user == w.owner
    login(client, w.admin)
    assert client.post(reverse("gov:labor_grid_delete", args=[g.pk])).status_code == 302
    assert Grid.all_objects.get(pk=g.pk).is_deleted
    assert not Territory.objects.filter(region=g.region).exists()
    assert changes(g).filter(action="delete").exists()


def test_edit_page_renames_the_grid(w, client):
    g = grid(w, owner=w.owner)
    login(client, w.admin)
    url = reverse("gov:labor_grid_edit", args=[g.pk])
    assert client.get(url).status_code == 200
    data = form_data(w, name="民族大道东网格", head="覃网格长")
    assert client.post(url, data).status_code == 302
    g = Grid.objects.get(pk=g.pk)
    assert (g.region.name, g.head, g.region.parent.code) == ("民族大道东网格", "覃网格长", QINGXIU)


def test_bad_grid_input_gives_chinese_errors_and_creates_nothing(w, client):
    login(client, w.admin)
    regions, grids = Region.objects.count(), Grid.objects.count()
    response = client.post(reverse("gov:labor_grid_create"), form_data(w, head="", phone="12", name=""))
    assert response.status_code == 400
    assert response.context["form"].errors == {"head": ["请填写网格长"], "name": ["请填写网格名称"]}
    response = client.post(reverse("gov:labor_grid_create"), form_data(w, phone="12"))
    assert response.status_code == 400
    assert response.context["form"].errors["phone"] == ["请输入有效的手机号或座机号（如 13800138000 或 0771-5881234）"]
    # another city's county is not offered, a grid owner of another county is refused
    response = client.post(reverse("gov:labor_grid_create"), form_data(w, parent=region(LZ_CHENGZHONG).pk))
    assert response.context["form"].errors["parent"] == ["请选择您管辖范围内的区划"]
    response = client.post(reverse("gov:labor_grid_create"), form_data(w, owner=w.xn_owner.pk))
    assert response.context["form"].errors["owner"] == ["网格员须为本网格所在区县（乡镇）的人员"]
    response = client.post(reverse("gov:labor_grid_create"), form_data(w, owner=w.qx2.pk))
    assert response.status_code == 302  # an inspector of the county (who sees warnings) may own a grid
    assert Grid.objects.count() == grids + 1 and Region.objects.count() == regions + 1
    response = client.post(reverse("gov:labor_grid_create"), form_data(w))
    assert response.context["form"].errors["name"] == ["同一上级区划下已有同名网格"]
    assert Grid.objects.count() == grids + 1 and Region.objects.count() == regions + 1
    # inspectors may see grids but not create them
    client.logout()
    login(client, w.qx)
    assert client.post(reverse("gov:labor_grid_create"), form_data(w, name="另一网格")).status_code == 403


# == list, tree, export, scope =====================================================================================
def test_list_tree_filters_and_export_with_the_spec_columns(w, client):
    a = grid(w, name="民族大道网格", head="韦网格长", owner=w.owner)
    b = grid(w, name="兴宁一网格", parent=XINGNING, head="莫网格长", organisation=make_agency(XINGNING))
    login(client, w.qx)
    page = client.get(reverse("gov:labor_grid_list")).content.decode()
    assert "民族大道网格" in page and "兴宁一网格" not in page  # a Qingxiu inspector sees Qingxiu's grids
    client.logout()
    login(client, w.city)
    response = client.get(reverse("gov:labor_grid_list"))
    tree = response.context["tree"]
    assert [(e["region"].code, e["count"]) for e in tree] == [(XINGNING, 1), (QINGXIU, 1)]
    assert listed(client.get(reverse("gov:labor_grid_list"), {"head": "莫"})) == ["兴宁一网格"]
    assert listed(client.get(reverse("gov:labor_grid_list"), {"county": region(QINGXIU).pk})) == ["民族大道网格"]
    assert listed(client.get(reverse("gov:labor_grid_list"), {"name": "民族"})) == ["民族大道网格"]
    rows = xlsx_rows(client.get(reverse("gov:labor_grid_list"), {"export": "xlsx", "name": "网格"}))
    assert rows[0] == ["网格名称", "网格长", "联系人", "联系电话", "地址", "所属机构", "上级网格"]
    assert sorted(rows[1:]) == sorted([
        ["民族大道网格", "韦网格长", "黄联系", "0771-5881234", "民族大道100号", a.organisation.name, "青秀区"],
        ["兴宁一网格", "莫网格长", "黄联系", "0771-5881234", "民族大道100号", b.organisation.name, "兴宁区"]])


def test_another_city_neither_sees_nor_edits_grids(w, client):
    g = grid(w, owner=w.owner)
    login(client, w.lz_admin)
    assert client.get(reverse("gov:labor_grid_edit", args=[g.pk])).status_code == 404
    assert client.post(reverse("gov:labor_grid_edit", args=[g.pk]), form_data(w)).status_code == 404
    assert client.post(reverse("gov:labor_grid_delete", args=[g.pk])).status_code == 404
    assert "民族大道网格" not in client.get(reverse("gov:labor_grid_list")).content.decode()
    assert len(xlsx_rows(client.get(reverse("gov:labor_grid_list"), {"export": "xlsx"}))) == 1
    assert Grid.objects.get(pk=g.pk).head == "韦网格长"


# == grid warning statistics ========================================================================================
def test_grid_warning_statistics_by_level_and_status(w, client):
    a = grid(w, name="民族大道网格", owner=w.owner)
    b = grid(w, name="七星网格")
    units = [make_enterprise(QINGXIU, name=f"统计测试单位{i}") for i in range(4)]
    w.auto_warning(level="yellow", region_=a.region, subject=units[0])
    red = w.auto_warning(level="red", region_=a.region, subject=units[1])
    handled = w.auto_warning(level="orange", region_=a.region, subject=units[2])
    alert_services.review(handled, w.qx)
    alert_services.assign(handled, w.leader, w.owner)
    w.auto_warning(level="yellow", region_=region(QINGXIU), subject=units[3])  # not in a grid
    alert_services.review(red, w.qx)  # red goes to leadership approval
    login(client, w.qx)
    response = client.get(reverse("gov:labor_grid_stats"))
    rows = {r.grid.pk: r for r in response.context["rows"]}
    ra, rb = rows[a.pk], rows[b.pk]
    assert (ra.total, ra.yellow, ra.orange, ra.red) == (3, 1, 1, 1)
    assert (ra.pending, ra.dispatch, ra.handling, ra.released) == (2, 0, 1, 0)
    assert (rb.total, rb.yellow) == (0, 0)
    assert response.context["totals"]["total"] == 3
    rows = xlsx_rows(client.get(reverse("gov:labor_grid_stats"), {"export": "xlsx"}))
    assert rows[0][:7] == ["网格名称", "所属县区", "网格员", "预警总数", "黄色预警", "橙色预警", "红色预警"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["民族大道网格"][1:7] == ["青秀区", w.owner.display_name, 3, 1, 1, 1]
    assert by_name["七星网格"][3] == 0
    # another city's user counts nothing of these grids
    client.logout()
    login(client, w.lz)
    assert client.get(reverse("gov:labor_grid_stats")).context["rows"] == []


def test_a_grid_owner_may_own_only_with_warning_access(w):
    no_alerts = w.owner.__class__.objects.create_user(username="plain1", password=PASSWORD, kind="staff",
                                                      organisation=Organisation.objects.filter(
                                                          region__code=QINGXIU, kind="agency").first(),
                                                      must_change_password=False)
    with pytest.raises(Exception, match="请先授予“网格员”角色"):
        grid(w, owner=no_alerts)
    assert not Grid.objects.exists()
