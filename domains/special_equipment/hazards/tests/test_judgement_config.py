"""判定项配置 (GB 45067—2024 criteria as data): the administrator lists, adds, edits and disables
criteria; entry forms offer the enabled ones of a category plus the general ones; bad input gives
Chinese field errors and changes nothing; every change is audited; regulators only read."""
import pytest
from django.urls import reverse

from domains.special_equipment.equipment.models import CATEGORIES
from domains.special_equipment.hazards.models import JudgementItem
from kernel.audit.models import ChangeLog

from .test_gov_support import World

pytestmark = pytest.mark.django_db
LIST, CREATE = reverse("gov:se_judgement_list"), reverse("gov:se_judgement_create")


@pytest.fixture
def w():
    return World()


def form(**over):
    data = {"code": "dt-99", "equipment_category": "3000", "category": "安全附件与保护装置",
            "parent_category": "电梯", "text": "轿厢意外移动保护装置失效", "measures": "立即停梯，修复后自行检测",
            "enabled": "on", "order": "990"}
    data.update(over)
    return data


def options(client, user, category):
    client.force_login(user)
    html = client.get(reverse("gov:se_hazard_judgement_options"), {"equipment_category": category}).content.decode()
    return html


def test_every_seeded_category_has_criteria_and_the_list_filters(client, w):
    for code in CATEGORIES:
        if code != "2300":  # gas cylinders come with the traceability system
            assert JudgementItem.objects.filter(equipment_category=code, enabled=True).exists(), code
    assert JudgementItem.objects.filter(equipment_category="").exists()  # the general criteria
    client.force_login(w.admin)
    page = client.get(LIST, {"equipment_category": "3000"})
    assert page.status_code == 200
    listed = {item.code for item in page.context["page"].object_list}
    assert listed and all(JudgementItem.objects.get(code=c).equipment_category == "3000" for c in listed)


def test_admin_adds_a_criterion_used_by_the_entry_form_and_audited(client, w):
    client.force_login(w.admin)
    response = client.post(CREATE, form())
    item = JudgementItem.objects.get(code="DT-99")  # the clause number is kept upper-case
    assert response.status_code == 302 and response["Location"] == reverse("gov:se_judgement_detail", args=[item.pk])
    assert ChangeLog.objects.filter(content_type__model="judgementitem", object_id=str(item.pk), action="create",
                                    actor=w.admin).exists()
    assert "轿厢意外移动保护装置失效" in options(client, w.qx, "3000")
    assert "轿厢意外移动保护装置失效" not in options(client, w.qx, "1000")  # another category's form


def test_editing_and_disabling_are_audited_and_disabled_criteria_leave_the_forms(client, w):
    item = JudgementItem.objects.filter(equipment_category="3000", enabled=True).order_by("order").first()
    client.force_login(w.admin)
    values = form(code=item.code, text=item.text + "（修订）", enabled="")
    assert client.post(reverse("gov:se_judgement_edit", args=[item.pk]), values).status_code == 302
    item.refresh_from_db()
    assert item.text.endswith("（修订）") and not item.enabled
    row = ChangeLog.objects.filter(content_type__model="judgementitem", object_id=str(item.pk), action="update").get()
    assert {"text", "enabled"} <= set(row.changed_fields) and row.actor == w.admin
    assert item.text not in options(client, w.qx, "3000")


@pytest.mark.parametrize("over,field,message", [
    ({"code": "T-01"}, "code", "该条款号已存在"),
    ({"category": ""}, "category", "请填写隐患类别"),
    ({"text": ""}, "text", "请填写判定项内容"),
    ({"measures": ""}, "measures", "请填写建议处置措施"),
    ({"equipment_category": "9999"}, "equipment_category", "选择一个有效的选项"),
])
def test_bad_input_gives_a_field_error_and_changes_nothing(client, w, over, field, message):
    before = JudgementItem.objects.count(), ChangeLog.objects.count()
    client.force_login(w.admin)
    response = client.post(CREATE, form(**over))
    assert response.status_code in (200, 400)
    assert any(message in str(e) for e in response.context["form"].errors.get(field, [])), response.context["form"].errors
    assert (JudgementItem.objects.count(), ChangeLog.objects.count()) == before


def test_regulators_read_but_do_not_change_the_configuration(client, w):
    item = JudgementItem.objects.order_by("order").first()
    client.force_login(w.qx)
    assert client.get(LIST).status_code == 200
    assert client.get(reverse("gov:se_judgement_detail", args=[item.pk])).status_code == 200
    assert client.post(CREATE, form()).status_code == 403
    assert client.post(reverse("gov:se_judgement_edit", args=[item.pk]), form(code=item.code)).status_code == 403
    assert not JudgementItem.objects.filter(code="DT-99").exists()
