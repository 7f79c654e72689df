"""The generic import page mounted for the organisation spec: permissions, upload, errors, report."""
from io import BytesIO

import pytest
from django.template import Context, Template
from django.urls import reverse
from openpyxl import load_workbook

from kernel.audit.models import OperationLog
from kernel.core.testing import make_enterprise, make_staff
from kernel.exports.registry import get_import, register_import
from kernel.exports.specs import ORGANISATION_IMPORT
from kernel.org.models import Organisation

from .helpers import HEADERS, ORG_IMPORT, ORG_IMPORT_UPDATE, org_row, upload, xlsx_upload

PAGE = "/gov/exports/import/organisations/"
TEMPLATE = "/gov/exports/import/organisations/template/"
REPORT = "/gov/exports/import/organisations/errors/"


def imported():
    return Organisation.objects.filter(name__startswith="导入测试")


@pytest.mark.django_db
class TestAccess:
    def test_urls(self):
        assert reverse("gov:exports_import", args=["organisations"]) == PAGE
        assert reverse("gov:exports_import_template", args=["organisations"]) == TEMPLATE
        assert reverse("gov:exports_import_errors", args=["organisations"]) == REPORT

    @pytest.mark.parametrize("url", [PAGE, TEMPLATE, REPORT])
    def test_anonymous_is_sent_to_login(self, client, url):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/gov/login/")

    @pytest.mark.parametrize("url", [PAGE, TEMPLATE, REPORT])
    def test_permission_is_required(self, client, url):
        client.force_login(make_staff("450100", ["org.view_organisation", "org.change_organisation"]))
        assert client.get(url).status_code == 403

    def test_post_without_permission_changes_nothing(self, client):
        client.force_login(make_staff("450100", ["org.view_organisation"]))
        response = client.post(PAGE, {"file": xlsx_upload([org_row(1)])})
        assert response.status_code == 403
        assert not imported().exists() and not OperationLog.objects.filter(action="import").exists()

    def test_enterprise_users_cannot_use_the_gov_page(self, client):
        from kernel.accounts.models import User

        org = make_enterprise("450103")
        user = User.objects.create_user(username="ent-importer", password="x", kind="enterprise", organisation=org,
                                        must_change_password=False)
        client.force_login(user)
        assert client.get(PAGE).status_code == 403

    def test_unknown_key_is_404(self, client):
        client.force_login(make_staff("450100", ORG_IMPORT))
        assert client.get("/gov/exports/import/nothing-here/").status_code == 404

    def test_update_mode_needs_the_change_permission(self, client):
        org = make_enterprise("450103")
        client.force_login(make_staff("450100", ORG_IMPORT))
        page = client.get(PAGE).content.decode()
        assert 'name="update"' not in page
        response = client.post(PAGE, {"file": xlsx_upload([org_row(1, uscc=org.uscc)]), "update": "on"})
        assert response.status_code == 403
        assert Organisation.objects.get(pk=org.pk).name == org.name

    def test_registry_refuses_a_second_spec_under_the_same_key(self):
        import dataclasses

        with pytest.raises(ValueError):
            register_import("organisations", dataclasses.replace(ORGANISATION_IMPORT), "org.add_organisation")
        assert get_import("organisations").spec is ORGANISATION_IMPORT


@pytest.mark.django_db
class TestImportPage:
    @pytest.fixture
    def staff(self, client):
        user = make_staff("450100", ORG_IMPORT_UPDATE)
        client.force_login(user)
        return user

    def test_page_offers_the_template_and_update_mode(self, client, staff):
        response = client.get(PAGE)
        assert response.status_code == 200
        page = response.content.decode()
        assert "导入企业信息" in page and "下载导入模板" in page and TEMPLATE in page
        assert 'name="update"' in page and "按“统一社会信用代码”匹配" in page
        assert 'href="/gov/org/organisations/"' in page  # back to the list

    def test_template_download(self, client, staff):
        response = client.get(TEMPLATE)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert "attachment" in response["Content-Disposition"] and "xlsx" in response["Content-Disposition"]
        wb = load_workbook(BytesIO(response.content))
        assert [c.value for c in wb.worksheets[0][1]] == HEADERS

    def test_good_upload_shows_the_count(self, client, staff):
        response = client.post(PAGE, {"file": xlsx_upload([org_row(1), org_row(2)])})
        assert response.status_code == 200
        assert "导入成功：共2行，新增2条，更新0条" in response.content.decode()
        assert imported().count() == 2
        op = OperationLog.objects.get(action="import")
        assert op.success and op.ip == "127.0.0.1" and op.detail["rows"] == 2

    def test_refused_upload_lists_row_numbered_errors_and_offers_a_report(self, client, staff):
        rows = [org_row(1), org_row(2, region="450202"), org_row(3, industry="")]
        response = client.post(PAGE, {"file": xlsx_upload(rows)})
        assert response.status_code == 400
        page = response.content.decode()
        assert "导入未执行：发现2处错误，文件中的数据均未导入" in page
        assert "<td>3</td><td>所属区划代码</td><td>“450202”不在您的管辖范围内</td>" in page
        assert "<td>4</td><td>所属行业</td><td>必填项不能为空</td>" in page
        assert REPORT in page
        assert not imported().exists()
        report = client.get(REPORT)
        assert report.status_code == 200
        rows = [list(r) for r in load_workbook(BytesIO(report.content)).active.iter_rows(values_only=True)]
        assert rows == [["行号", "列", "错误说明"], [3, "所属区划代码", "“450202”不在您的管辖范围内"],
                        [4, "所属行业", "必填项不能为空"]]
        # a later success clears the report
        assert client.post(PAGE, {"file": xlsx_upload([org_row(1)])}).status_code == 200
        assert client.get(REPORT).status_code == 302

    def test_file_level_error_is_shown(self, client, staff):
        response = client.post(PAGE, {"file": upload(b"not a spreadsheet", name="企业.xlsx")})
        assert response.status_code == 400
        assert "文件内容不是 Excel（.xlsx）格式" in response.content.decode()

    def test_missing_file_is_a_field_error(self, client, staff):
        response = client.post(PAGE, {})
        assert response.status_code == 400
        assert "请选择要导入的 Excel（.xlsx）文件" in response.content.decode()

    def test_update_mode_from_the_page(self, client, staff):
        org = make_enterprise("450103", name="导入测试页面旧名有限公司")
        rows = [org_row(1, uscc=org.uscc, name="导入测试页面新名有限公司")]
        response = client.post(PAGE, {"file": xlsx_upload(rows), "update": "on"})
        assert "导入成功：共1行，新增0条，更新1条" in response.content.decode()
        assert Organisation.objects.get(pk=org.pk).name == "导入测试页面新名有限公司"

    def test_error_messages_are_escaped(self, client, staff):
        rows = [org_row(1, industry="<script>alert(1)</script>")]
        page = client.post(PAGE, {"file": xlsx_upload(rows)}).content.decode()
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


@pytest.mark.django_db
class TestImportButton:
    def render(self, user, key="organisations", entrance="gov"):
        tpl = Template("{% load exports %}{% import_button key %}")
        return tpl.render(Context({"user": user, "entrance": entrance, "key": key}))

    def test_shown_with_the_permission(self):
        html = self.render(make_staff("450100", ORG_IMPORT))
        assert f'href="{PAGE}"' in html and "导入" in html

    def test_one_line_inside_a_block_of_the_list_template_works(self, rf):
        """The line proposed for ui/list.html: {% load exports %}{% import_button list_key %}."""
        from django.template.loader import engines

        user = make_staff("450100", ORG_IMPORT)
        request = rf.get("/gov/org/organisations/")
        request.user = user
        tpl = engines["django"].from_string(
            '{% extends "ui/list.html" %}{% block content %}<div id="buttons">'
            '{% load exports %}{% import_button list_key %}</div>{% endblock %}')
        html = tpl.render({"list_key": "organisations", "entrance": "gov", "user": user}, request)
        assert f'<div id="buttons"><a class="btn btn-outline-primary btn-sm" id="import-xlsx" href="{PAGE}">' in html

    def test_hidden_without_permission_or_registration(self):
        assert self.render(make_staff("450100", ["org.view_organisation"])) == ""
        assert self.render(make_staff("450100", ORG_IMPORT), key="regions") == ""
        assert self.render(make_staff("450100", ORG_IMPORT), entrance="ent") == ""

