"""§A3 (1) 差异化存储企业备案库: list, create, update, soft delete and Excel download. Every write leaves
an audit row; bad input (a region outside the jurisdiction, a negative ratio, a duplicate, an unknown
enterprise, dates out of order) is refused with a Chinese field error and changes nothing; a Liuzhou
inspector gets 404 on a Nanning entry."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kernel.audit.models import ChangeLog
from kernel.audit.services import history_for
from kernel.core import context
from kernel.core.testing import ScopeContract, make_agency, xlsx_rows

from .. import services
from ..models import DifferentiatedEnterprise
from . import factories as f
from .factories import LIUZHOU, LIUZHOU_COUNTY, NANNING, NANNING_COUNTY, days

LIST, CREATE = reverse("gov:labor_differentiated_list"), reverse("gov:labor_differentiated_create")


def edit_url(entry):
    return reverse("gov:labor_differentiated_edit", args=[entry.pk])


def delete_url(entry):
    return reverse("gov:labor_differentiated_delete", args=[entry.pk])


def detail_url(entry):
    return reverse("gov:labor_differentiated_detail", args=[entry.pk])


@pytest.fixture
def nanning(db):
    return f.inspector(NANNING)


@pytest.fixture
def good_company(db):
    return f.enterprise(NANNING_COUNTY, name="广西诚信建设工程有限公司")


def entry_for(enterprise, region_code=NANNING_COUNTY, ratio="50.00", **fields):
    values = {"enterprise": enterprise, "region": f.region(region_code), "ratio": Decimal(ratio),
              "reason": "连续三年无拖欠工资记录", "valid_from": days(-30)}
    values.update(fields)
    return DifferentiatedEnterprise.objects.create(**values)


def form_data(enterprise, region_code=NANNING_COUNTY, **overrides):
    data = {"enterprise_uscc": enterprise.uscc, "region": f.region(region_code).pk, "ratio": "50",
            "reason": "连续三年无拖欠工资记录，信用评价A级", "valid_from": days(0).isoformat(), "valid_until": ""}
    data.update(overrides)
    return data


def changes(entry=None):
    qs = ChangeLog.objects.filter(content_type__app_label="labor_monitoring",
                                  content_type__model="differentiatedenterprise")
    return qs.filter(object_id=str(entry.pk)) if entry is not None else qs


@pytest.mark.django_db
class TestCreate:
    def test_create_writes_the_entry_and_an_audit_row(self, client, nanning, good_company):
        client.force_login(nanning)
        response = client.post(CREATE, form_data(good_company, ratio="50.5"))
        entry = DifferentiatedEnterprise.objects.get(enterprise=good_company)
        assert response.status_code == 302 and response["Location"] == detail_url(entry)
        assert (entry.ratio, entry.region.code, entry.created_by) == (Decimal("50.50"), NANNING_COUNTY, nanning)
        log = changes(entry).get()
        assert (log.action, log.actor) == ("create", nanning)
        assert log.after["ratio"] in ("50.50", 50.5, "50.5")

    def test_a_city_entry_and_exemption(self, client, nanning, good_company):
        client.force_login(nanning)
        client.post(CREATE, form_data(good_company, region_code=NANNING, ratio="0"))
        entry = DifferentiatedEnterprise.objects.get(enterprise=good_company)
        assert (entry.region.code, entry.ratio) == (NANNING, Decimal("0"))

    @pytest.mark.parametrize("overrides, field, message", [
        ({"region_code": LIUZHOU_COUNTY}, "region", "该区划不在您的管辖范围内"),
        ({"ratio": "-10"}, "ratio", "存储比例不能为负数"),
        ({"ratio": "abc"}, "ratio", "请输入数字"),
        ({"enterprise_uscc": "91450100MA5XXXXXXX"}, "enterprise_uscc", "未找到该统一社会信用代码对应的企业"),
        ({"reason": ""}, "reason", "请填写差异化原因"),
        ({"valid_until": "2000-01-01"}, "valid_until", "失效日期不能早于生效日期"),
    ])
    def test_bad_input_is_refused_with_a_field_error_and_nothing_changes(self, client, nanning, good_company,
                                                                         overrides, field, message):
        client.force_login(nanning)
        region_code = overrides.pop("region_code", NANNING_COUNTY)
        before = changes().count()
        response = client.post(CREATE, form_data(good_company, region_code, **overrides))
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert any(message in e for e in errors[field]), errors
        assert message in response.content.decode()
        assert not DifferentiatedEnterprise.all_objects.filter(enterprise=good_company).exists()
        assert changes().count() == before

    def test_an_agency_is_not_an_enterprise(self, client, nanning):
        agency = make_agency(NANNING, agency_type="hrss")
        agency.uscc = "11450100MB0000000X"
        type(agency).objects.filter(pk=agency.pk).update(uscc=agency.uscc)
        client.force_login(nanning)
        response = client.post(CREATE, form_data(agency))
        assert response.status_code == 400
        assert "未找到该统一社会信用代码对应的企业" in response.context["form"].errors["enterprise_uscc"][0]

    def test_duplicate_is_refused(self, client, nanning, good_company):
        entry_for(good_company)
        before = changes().count()
        client.force_login(nanning)
        response = client.post(CREATE, form_data(good_company))
        assert response.status_code == 400
        assert "已有差异化存储备案" in response.context["form"].errors["enterprise_uscc"][0]
        assert DifferentiatedEnterprise.objects.filter(enterprise=good_company).count() == 1
        assert changes().count() == before
        # the same enterprise in another region of the jurisdiction is a separate entry
        assert client.post(CREATE, form_data(good_company, region_code=NANNING)).status_code == 302

    def test_a_deleted_entry_does_not_block_a_new_one(self, client, nanning, good_company):
        old = entry_for(good_company)
        with context.acting_as(nanning):
            services.delete_differentiated(nanning, old)
        client.force_login(nanning)
        assert client.post(CREATE, form_data(good_company)).status_code == 302
        assert DifferentiatedEnterprise.objects.filter(enterprise=good_company).count() == 1

    def test_without_the_permission(self, client, good_company):
        viewer = f.staff(NANNING, "labor_grid_owner")
        client.force_login(viewer)
        assert client.get(CREATE).status_code == 403
        assert client.post(CREATE, form_data(good_company)).status_code == 403
        assert client.get(LIST).status_code == 200
        with pytest.raises(PermissionDenied):
            services.create_differentiated(viewer, enterprise=good_company, region=f.region(NANNING_COUNTY),
                                           ratio=Decimal("50"), reason="x", valid_from=days(0))


@pytest.mark.django_db
class TestUpdateDelete:
    def test_update_is_audited(self, client, nanning, good_company):
        entry = entry_for(good_company)
        client.force_login(nanning)
        assert client.get(edit_url(entry)).status_code == 200
        response = client.post(edit_url(entry), form_data(good_company, ratio="30", reason=entry.reason,
                                                          valid_from=days(-30).isoformat()))
        assert response.status_code == 302
        entry.refresh_from_db()
        assert entry.ratio == Decimal("30.00")
        log = changes(entry).filter(action="update").get()
        assert log.changed_fields == ["ratio"] and log.actor == nanning
        assert any(row[0] == "存储比例（%）" for row in log.diff_rows())

    def test_update_with_bad_input_changes_nothing(self, client, nanning, good_company):
        entry = entry_for(good_company)
        client.force_login(nanning)
        response = client.post(edit_url(entry), form_data(good_company, ratio="-1"))
        assert response.status_code == 400
        entry.refresh_from_db()
        assert entry.ratio == Decimal("50.00")
        assert not changes(entry).filter(action="update").exists()

    def test_soft_delete_is_audited(self, client, nanning, good_company):
        entry = entry_for(good_company)
        client.force_login(nanning)
        response = client.post(delete_url(entry))
        assert response.status_code == 302 and response["Location"] == LIST
        assert not DifferentiatedEnterprise.objects.filter(pk=entry.pk).exists()
        kept = DifferentiatedEnterprise.all_objects.get(pk=entry.pk)
        assert kept.is_deleted and kept.deleted_at is not None
        assert changes(entry).filter(action="delete", actor=nanning).exists()
        assert client.get(detail_url(entry)).status_code == 404
        assert entry.pk not in [e.pk for e in client.get(LIST).context["page"].object_list]

    def test_delete_needs_post_and_permission(self, client, good_company):
        entry = entry_for(good_company)
        viewer = f.staff(NANNING, "labor_grid_owner")
        client.force_login(viewer)
        assert client.post(delete_url(entry)).status_code == 403
        assert DifferentiatedEnterprise.objects.filter(pk=entry.pk).exists()
        with pytest.raises(PermissionDenied):
            services.delete_differentiated(viewer, entry)

    def test_service_refuses_a_region_outside_the_jurisdiction(self, nanning, good_company):
        before = changes().count()
        with pytest.raises(ValidationError) as exc:
            services.create_differentiated(nanning, enterprise=good_company, region=f.region(LIUZHOU),
                                           ratio=Decimal("50"), reason="x", valid_from=days(0))
        assert "该区划不在您的管辖范围内" in exc.value.message_dict["region"][0]
        assert changes().count() == before and not DifferentiatedEnterprise.objects.exists()

    def test_history_shows_on_the_detail_page(self, client, nanning, good_company):
        client.force_login(nanning)
        client.post(CREATE, form_data(good_company))
        entry = DifferentiatedEnterprise.objects.get()
        html = client.get(detail_url(entry)).content.decode()
        assert "新增" in html and good_company.uscc in html and "50.00" in html
        assert len(history_for(entry)) == 1


@pytest.mark.django_db
class TestListAndExport:
    def test_filters_and_export(self, client, nanning, good_company):
        exempt = entry_for(f.enterprise(NANNING_COUNTY, name="广西免存示范建筑有限公司"), ratio="0")
        entry_for(good_company, valid_from=days(-400), valid_until=days(-1))
        entry_for(f.enterprise(LIUZHOU_COUNTY, name="柳州备案企业有限公司"), region_code=LIUZHOU_COUNTY)
        client.force_login(nanning)
        response = client.get(LIST)
        assert {e.enterprise.name for e in response.context["page"].object_list} == {
            "广西免存示范建筑有限公司", "广西诚信建设工程有限公司"}
        assert "新增" in response.content.decode()
        only = client.get(LIST, {"exempt": "1"})
        assert [e.pk for e in only.context["page"].object_list] == [exempt.pk]
        expired = client.get(LIST, {"state": "expired"})
        assert [e.enterprise.name for e in expired.context["page"].object_list] == ["广西诚信建设工程有限公司"]
        by_uscc = client.get(LIST, {"uscc": good_company.uscc.lower()})
        assert [e.enterprise_id for e in by_uscc.context["page"].object_list] == [good_company.pk]
        rows = xlsx_rows(client.get(LIST, {"state": "valid", "export": "xlsx"}))
        header = rows[0]
        assert [r[header.index("施工企业")] for r in rows[1:]] == ["广西免存示范建筑有限公司"]
        assert rows[1][header.index("存储比例（%）")] == "0.00"
        assert rows[1][header.index("备案状态")] == "有效"


@pytest.mark.django_db
def test_liuzhou_inspector_gets_404_on_a_nanning_entry(client, good_company):
    entry = entry_for(good_company)
    client.force_login(f.inspector(LIUZHOU))
    assert client.get(detail_url(entry)).status_code == 404
    assert client.get(edit_url(entry)).status_code == 404
    assert client.post(edit_url(entry), form_data(good_company, ratio="1")).status_code == 404
    assert client.post(delete_url(entry)).status_code == 404
    entry.refresh_from_db()
    assert entry.ratio == Decimal("50.00") and not entry.is_deleted


class TestDifferentiatedScope(ScopeContract):
    model = DifferentiatedEnterprise
    list_url = "gov:labor_differentiated_list"
    detail_url = "gov:labor_differentiated_detail"
    view_perms = ["labor_monitoring.view_differentiatedenterprise"]
    export_perm = "labor_monitoring.export_differentiatedenterprise"

    def make_record(self, region):
        return entry_for(f.enterprise(region.code, name="范围测试备案企业有限公司"), region_code=region.code)

    def marker(self, obj):
        return obj.enterprise.uscc

