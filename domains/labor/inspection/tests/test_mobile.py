"""Mobile disposition (/m/labor/warnings/): the inspector's assigned labour warnings, disposition with a
photo from the phone, scope and refusals."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kernel.alerts import services
from kernel.alerts.models import AlertRule, Warning
from kernel.core.testing import make_enterprise, make_staff
from kernel.files.models import Attachment
from kernel.org.models import Organisation

from ..reference import WARNING_CATEGORY

HANDLER = ["alerts.view_warning", "labor_inspection.view_labour_warning"]  # a labour role's warning permissions
INSPECTOR = ["alerts.view_warning", "alerts.review_warning", "alerts.assign_warning", "alerts.register_warning",
             "alerts.release_warning"]


def png():
    """A small real PNG, as a phone camera upload stand-in."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(buf, "PNG")
    return buf.getvalue()


def labour_rule(code="labor_mobile_test", category=WARNING_CATEGORY):
    return AlertRule.objects.create(
        code=code, name="测试欠薪预警", category=category,
        subject_type=ContentType.objects.get_for_model(Organisation),
        levels=[{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 2},
                {"level": "red", "threshold": 3}])


def assigned_warning(handler, region="450103", rule=None):
    inspector = make_staff("450100", INSPECTOR)
    unit = make_enterprise(region)
    w = services.register_manual(rule=rule or labour_rule(), subject=unit, level="orange", message="工人反映拖欠两个月工资",
                                 user=inspector, region=unit.region, organisation=unit)
    services.review(w, inspector)
    services.assign(w, inspector, handler)
    return w


@pytest.mark.django_db
class TestMobileDisposition:
    def test_list_shows_my_assigned_warnings_only(self, client):
        me = make_staff("450103", HANDLER)
        other = make_staff("450103", HANDLER)
        mine = assigned_warning(me)
        assigned_warning(other, rule=labour_rule("labor_mobile_other"))
        client.force_login(me)
        page = client.get(reverse("m:labor_m_warnings"))
        assert page.status_code == 200
        assert list(page.context["warnings"]) == [mine] and page.context["todo_count"] == 1
        home = client.get(reverse("m:home")).content.decode()
        assert "待处置预警" in home

    def test_other_categories_are_not_shown(self, client):
        me = make_staff("450103", HANDLER)
        w = assigned_warning(me, rule=labour_rule("se_like", category="特种设备"))
        client.force_login(me)
        assert list(client.get(reverse("m:labor_m_warnings")).context["warnings"]) == []
        assert client.get(reverse("m:labor_m_warning", args=[w.pk])).status_code == 404

    def test_disposition_with_a_photo(self, client):
        me = make_staff("450103", HANDLER)
        w = assigned_warning(me)
        client.force_login(me)
        page = client.get(reverse("m:labor_m_warning", args=[w.pk])).content.decode()
        assert 'capture="environment"' in page and "约谈负责人" in page
        response = client.post(reverse("m:labor_m_warning", args=[w.pk]), {
            "disposition_type": "interview", "result": "已约谈项目负责人，承诺月底前结清",
            "photo": SimpleUploadedFile("现场.png", png(), "image/png")})
        assert response.status_code == 302, response.context["form"].errors
        w.refresh_from_db()
        assert (w.status, w.disposition_type) == ("handled", "interview")
        assert Attachment.objects.filter(object_id=w.pk, purpose="alert_disposition").count() == 1

    def test_bad_input_changes_nothing(self, client):
        me = make_staff("450103", HANDLER)
        w = assigned_warning(me)
        client.force_login(me)
        response = client.post(reverse("m:labor_m_warning", args=[w.pk]), {
            "disposition_type": "", "result": "", "photo": SimpleUploadedFile("a.png", b"not an image", "image/png")})
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert set(errors) >= {"disposition_type", "result", "photo"}
        assert Warning.objects.get(pk=w.pk).status == "assigned"
        assert not Attachment.objects.filter(object_id=w.pk).exists()

    def test_only_the_assignee_disposes_and_other_cities_get_404(self, client):
        me = make_staff("450103", HANDLER)
        w = assigned_warning(me)
        colleague = make_staff("450100", HANDLER)
        client.force_login(colleague)
        assert client.get(reverse("m:labor_m_warning", args=[w.pk])).context["form"] is None
        client.post(reverse("m:labor_m_warning", args=[w.pk]), {"disposition_type": "patrol", "result": "x"})
        assert Warning.objects.get(pk=w.pk).status == "assigned"
        client.force_login(make_staff("450202", HANDLER))  # Liuzhou
        assert client.get(reverse("m:labor_m_warning", args=[w.pk])).status_code == 404
