import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from kernel.accounts.models import User
from kernel.core.testing import PASSWORD, make_enterprise, make_staff


@pytest.mark.django_db
class TestNavigation:
    def test_menu_shows_only_permitted_entries(self, client):
        client.force_login(make_staff("450100", ["org.view_organisation"]))
        page = client.get("/gov/").content.decode()
        assert "机构管理" in page and reverse("gov:org_list") in page
        assert "数据变更日志" not in page and "用户管理" not in page
        client.force_login(make_staff("450100", ["org.view_organisation", "audit.view_changelog", "accounts.view_user"]))
        page = client.get("/gov/").content.decode()
        assert "数据变更日志" in page and "用户管理" in page

    def test_home_counts_are_scoped(self, client):
        make_enterprise("450103")
        make_enterprise("450202")
        nn = make_staff("450100", ["org.view_organisation"])
        client.force_login(nn)
        cards = {c["label"]: c["value"] for c in client.get("/gov/").context["cards"]}
        from kernel.org.models import Organisation

        assert cards["辖区机构"] == Organisation.objects.visible_to(nn).count()
        assert cards["辖区企业"] == Organisation.objects.visible_to(nn).filter(kind="enterprise").count() == 1

    def test_breadcrumbs_and_chinese_titles(self, client):
        client.force_login(make_staff("450100", ["org.view_organisation"]))
        page = client.get(reverse("gov:org_list")).content.decode()
        assert 'aria-label="breadcrumb"' in page and "基础数据" in page and '<html lang="zh-CN">' in page


@pytest.mark.django_db
class TestListFeatures:
    @pytest.fixture
    def viewer(self, client):
        user = make_staff("450100", ["org.view_organisation"])
        client.force_login(user)
        for name in ("甲建筑有限公司", "乙建筑有限公司", "丙建筑有限公司"):
            make_enterprise("450103", name=name)
        return user

    def names(self, response):
        return [row[0] for row in response.context["rows"]]

    def test_sorting_by_column_both_ways(self, client, viewer):
        up = client.get(reverse("gov:org_list"), {"kind": "enterprise", "sort": "name"})
        down = client.get(reverse("gov:org_list"), {"kind": "enterprise", "sort": "-name"})
        assert [str(n) for n in self.names(up)] == [str(n) for n in reversed(self.names(down))]

    def test_unknown_sort_key_is_ignored(self, client, viewer):
        assert client.get(reverse("gov:org_list"), {"sort": "password"}).status_code == 200

    def test_pagination_and_page_size(self, client, viewer):
        for _ in range(25):
            make_enterprise("450102")
        r = client.get(reverse("gov:org_list"), {"kind": "enterprise"})
        assert len(r.context["rows"]) == 20 and r.context["page"].paginator.count == 28
        r = client.get(reverse("gov:org_list"), {"kind": "enterprise", "page": 2})
        assert len(r.context["rows"]) == 8
        r = client.get(reverse("gov:org_list"), {"kind": "enterprise", "per_page": 50})
        assert len(r.context["rows"]) == 28
        r = client.get(reverse("gov:org_list"), {"kind": "enterprise", "per_page": 100000})
        assert r.context["per_page"] == 20

    def test_column_choice_is_remembered(self, client, viewer):
        client.post(reverse("gov:save_columns"), {"list_key": "organisations", "columns": ["name", "address"],
                                                  "next": "/gov/org/organisations/"})
        r = client.get(reverse("gov:org_list"))
        assert [c.name for c in r.context["columns"]] == ["name", "address"]
        assert User.objects.get(pk=viewer.pk).preferences["columns"]["organisations"] == ["name", "address"]

    def test_invalid_filter_shows_error_and_no_rows(self, client, viewer):
        r = client.get(reverse("gov:org_list"), {"region": "999999"})
        assert r.status_code == 200 and r.context["rows"] == []
        assert r.context["filterset"].form.errors["region"]

    def test_htmx_request_gets_the_table_only(self, client, viewer):
        r = client.get(reverse("gov:org_list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-body")
        body = r.content.decode()
        assert 'id="result-table"' in body and "<html" not in body


@pytest.mark.django_db
class TestErrorsAndEntrances:
    @pytest.mark.parametrize("code,text", [(403, "无权访问"), (404, "页面不存在"), (500, "系统繁忙")])
    def test_error_pages_are_chinese(self, rf, code, text):
        from kernel.ui import views

        handler = {403: views.error_403, 404: views.error_404, 500: views.error_500}[code]
        response = handler(rf.get("/x")) if code == 500 else handler(rf.get("/x"), Exception())
        assert response.status_code == code and text in response.content.decode()

    def test_404_page_through_the_stack(self, client, settings):
        settings.DEBUG = False
        client.force_login(make_staff("450100", ["org.view_organisation"]))
        response = client.get(reverse("gov:org_detail", args=[987654321]))
        assert response.status_code == 404 and "不在您的管辖范围内" in response.content.decode()

    def test_public_and_mobile_pages(self, client):
        assert "公众服务入口" in client.get("/public/").content.decode()
        assert client.get("/").status_code == 302
        citizen = User.objects.create_user("mobile1", password=PASSWORD, kind="citizen", real_name="王五",
                                           id_number="11010519491231002X", must_change_password=False)
        assert client.post("/m/login/", {"username": "mobile1", "password": PASSWORD}).status_code == 302
        page = client.get("/m/").content.decode()
        assert 'name="viewport"' in page and "王五" in page and "zw-m-tabbar" in page
        profile = client.get("/m/profile/").content.decode()
        assert "110105********002X" in profile and "11010519491231002X" not in profile
        assert client.get("/gov/").status_code == 403  # citizens have no business at /gov/
        citizen.refresh_from_db()

    def test_api_docs_are_served_offline(self, client):
        client.force_login(make_staff("450100"))
        page = client.get("/api/docs/").content.decode()
        assert "swagger" in page.lower() and "cdn" not in page.lower() and "https://" not in page
        assert client.get("/api/schema/").status_code == 200


def test_templates_reference_no_external_assets():
    """Everything the browser loads is served locally: no CDN links in any template."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in list(root.glob("kernel/**/templates/**/*.html")) + list(root.glob("domains/**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"""(src|href)=["']https?://""", text):
            offenders.append(str(path))
    assert offenders == []


def test_vendored_assets_are_installed():
    for asset in ("vendor/bootstrap/css/bootstrap.min.css", "vendor/bootstrap/js/bootstrap.bundle.min.js",
                  "vendor/bootstrap-icons/bootstrap-icons.min.css", "vendor/echarts/echarts.min.js",
                  "django_htmx/htmx-2.min.js"):
        assert finders.find(asset), asset


def test_openapi_schema_is_valid_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=open("/dev/null", "w"))
