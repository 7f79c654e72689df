"""Organisation pages and API: forms with field-level errors, audit rows, dictionaries, soft delete."""
import pytest
from django.urls import reverse

from kernel.audit.models import ChangeLog, OperationLog
from kernel.audit.services import history_for
from kernel.core.testing import make_enterprise, make_staff, xlsx_rows
from kernel.dicts.models import DictItem
from kernel.org.models import Organisation, Region

WRITE = ["org.view_organisation", "org.add_organisation", "org.change_organisation", "org.delete_organisation",
         "org.export_organisation"]
GOOD = {"name": "南宁青秀测试建设有限公司", "kind": "enterprise", "uscc": "91450103MA5KY1230Q", "industry": "E",
        "legal_representative": "韦测试", "contact_phone": "13877110000", "address": "南宁市青秀区民族大道1号"}


def good_uscc():
    from kernel.org.demo import make_uscc

    return make_uscc("91", "450103", 123456)


@pytest.fixture
def staff(client):
    user = make_staff("450100", WRITE)
    client.force_login(user)
    return user


@pytest.mark.django_db
class TestOrganisationForm:
    def post(self, client, **over):
        data = {**GOOD, "uscc": good_uscc(), "region": Region.objects.get(code="450103").pk, **over}
        return client.post(reverse("gov:org_create"), data)

    def test_create_writes_record_and_audit_row(self, client, staff):
        response = self.post(client)
        assert response.status_code == 302
        org = Organisation.objects.get(name=GOOD["name"])
        assert org.created_by == staff
        log = history_for(org).get(action="create")
        assert log.actor == staff and log.after["name"] == GOOD["name"] and log.before is None
        assert log.region.code == "450100"
        assert log.ip == "127.0.0.1" and len(log.request_id) >= 8

    @pytest.mark.parametrize("field,value,message", [
        ("uscc", "91450103MA5KY1230R", "统一社会信用代码校验位错误"),
        ("uscc", "9145010", "应为18位"),
        ("uscc", "", "企业必须填写统一社会信用代码"),
        ("industry", "", "企业必须选择所属行业"),
        ("industry", "ZZ", "选择一个有效的选项"),
        ("contact_phone", "12345", "请输入有效的手机号或座机号"),
        ("name", "", "该字段是必填项"),
    ])
    def test_bad_input_gives_field_error_in_chinese_and_changes_nothing(self, client, staff, field, value, message):
        before = Organisation.objects.count(), ChangeLog.objects.count()
        response = self.post(client, **{field: value})
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert field in errors and message in " ".join(errors[field])
        assert (Organisation.objects.count(), ChangeLog.objects.count()) == before

    def test_region_outside_jurisdiction_is_not_offered_nor_accepted(self, client, staff):
        response = self.post(client, region=Region.objects.get(code="450202").pk)
        assert response.status_code == 400
        assert "region" in response.context["form"].errors

    def test_dictionary_drives_form_choices(self, client, staff):
        form = client.get(reverse("gov:org_create")).context["form"]
        assert ("E", "建筑业") in list(form.fields["industry"].choices)
        item = DictItem.objects.get(dict_type__code="industry", value="E")
        item.enabled = False
        item.save()
        form = client.get(reverse("gov:org_create")).context["form"]
        assert "E" not in [v for v, _ in form.fields["industry"].choices]
        assert self.post(client).status_code == 400  # a disabled value is refused

    def test_edit_records_before_and_after(self, client, staff):
        org = make_enterprise("450103")
        data = {**GOOD, "uscc": org.uscc, "region": org.region_id, "name": "改名后的企业有限公司"}
        assert client.post(reverse("gov:org_edit", args=[org.pk]), data).status_code == 302
        log = history_for(org).filter(action="update").latest("id")
        assert log.before["name"] == org.name and log.after["name"] == "改名后的企业有限公司"
        assert "name" in log.changed_fields
        page = client.get(reverse("gov:org_detail", args=[org.pk])).content.decode()
        assert "change-history" in page and "改名后的企业有限公司" in page

    def test_delete_is_soft_and_audited(self, client, staff):
        org = make_enterprise("450103")
        assert client.post(reverse("gov:org_delete", args=[org.pk])).status_code == 302
        assert not Organisation.objects.filter(pk=org.pk).exists()
        assert Organisation.all_objects.get(pk=org.pk).is_deleted
        assert history_for(org).filter(action="delete", actor=staff).exists()
        assert client.get(reverse("gov:org_detail", args=[org.pk])).status_code == 404

    def test_delete_refused_while_active_users_remain(self, client, staff):
        org = staff.organisation
        response = client.post(reverse("gov:org_delete", args=[org.pk]), follow=True)
        assert "仍有启用的用户账号" in response.content.decode()
        assert Organisation.objects.filter(pk=org.pk).exists()

    def test_sibling_city_cannot_edit_or_delete(self, client):
        org = make_enterprise("450103")
        client.force_login(make_staff("450200", WRITE))
        assert client.get(reverse("gov:org_edit", args=[org.pk])).status_code == 404
        assert client.post(reverse("gov:org_delete", args=[org.pk])).status_code == 404
        assert Organisation.objects.filter(pk=org.pk).exists()


@pytest.mark.django_db
class TestOrganisationExport:
    def test_export_uses_dictionary_labels_filters_and_is_logged(self, client, staff):
        a = make_enterprise("450103", name="导出甲建筑有限公司")
        make_enterprise("450103", name="导出乙建筑有限公司")
        response = client.get(reverse("gov:org_list"), {"name": "导出甲", "export": "xlsx"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = xlsx_rows(response)
        assert rows[0][:4] == ["机构名称", "机构类别", "统一社会信用代码", "所属行业"]
        assert rows[1][:4] == [a.name, "企业", a.uscc, "建筑业"]
        assert len(rows) == 2
        op = OperationLog.objects.get(action="export", actor=staff)
        assert op.detail["rows"] == 1 and op.detail["filters"]["name"] == "导出甲"

    def test_export_needs_permission(self, client):
        client.force_login(make_staff("450100", ["org.view_organisation"]))
        assert client.get(reverse("gov:org_list"), {"export": "xlsx"}).status_code == 403
        assert not OperationLog.objects.filter(action="export").exists()

    def test_phone_is_masked_without_personal_data_permission(self, client, staff):
        org = make_enterprise("450103", name="脱敏测试有限公司")
        org.contact_phone = "13877119999"
        org.save()
        staff.preferences = {"columns": {"organisations": ["name", "contact_phone"]}}
        staff.save()
        rows = xlsx_rows(client.get(reverse("gov:org_list"), {"name": "脱敏测试", "export": "xlsx"}))
        assert rows[1] == ["脱敏测试有限公司", "138****9999"]


@pytest.mark.django_db
class TestOrganisationApi:
    url = "/api/org/organisations/"

    def test_create_via_api_in_scope(self, client, staff):
        payload = {**GOOD, "uscc": good_uscc(), "region": "450103"}
        response = client.post(self.url, payload, content_type="application/json")
        assert response.status_code == 201, response.content
        assert history_for(Organisation.objects.get(pk=response.json()["id"])).filter(action="create").exists()

    @pytest.mark.parametrize("over,field,message", [
        ({"uscc": "91450103MA5KY1230R"}, "uscc", "校验位错误"),
        ({"region": "450202"}, "region", "不在您的管辖范围内"),
        ({"industry": "ZZ"}, "industry", "不是有效的所属行业"),
        ({"kind": "bank"}, "kind", "不是合法选项"),
        ({"uscc": ""}, "uscc", "企业必须填写统一社会信用代码"),
    ])
    def test_bad_payload_field_errors_in_chinese_change_nothing(self, client, staff, over, field, message):
        before = Organisation.objects.count(), ChangeLog.objects.count()
        response = client.post(self.url, {**GOOD, "uscc": good_uscc(), "region": "450103", **over},
                               content_type="application/json")
        assert response.status_code == 400
        assert message in " ".join(response.json()[field])
        assert (Organisation.objects.count(), ChangeLog.objects.count()) == before

    def test_api_delete_is_soft(self, client, staff):
        org = make_enterprise("450103")
        assert client.delete(f"{self.url}{org.pk}/").status_code == 204
        assert Organisation.all_objects.get(pk=org.pk).is_deleted
