import pytest
from django.core.exceptions import ValidationError

from kernel.dicts import services
from kernel.dicts.models import DictItem, DictType
from kernel.org.models import Organisation


@pytest.mark.django_db
class TestDictionaries:
    def test_national_tables_are_seeded(self):
        assert services.label("industry", "E") == "建筑业"
        assert len(services.choices("industry")) == 20
        assert [v for v, _ in services.choices("equipment_category")] == ["1000", "2000", "2300", "3000", "4000", "5000", "6000", "8000", "9000"]
        assert services.label("equipment_category", "3000") == "电梯"
        assert services.label("id_type", "01") == "居民身份证"

    def test_cache_serves_repeated_reads_and_drops_on_change(self, django_assert_num_queries):
        services.items("industry")
        with django_assert_num_queries(0):
            assert services.label("industry", "C") == "制造业"
        item = DictItem.objects.get(dict_type__code="industry", value="C")
        item.label = "制造业（新）"
        item.save()
        assert services.label("industry", "C") == "制造业（新）"

    def test_label_to_value_for_imports(self):
        assert services.value_for_label("industry", "建筑业") == "E"
        assert services.value_for_label("industry", "E") == "E"
        assert services.value_for_label("industry", "不存在的行业") is None

    def test_disabled_items_are_not_offered_but_still_labelled(self):
        item = DictItem.objects.get(dict_type__code="industry", value="T")
        item.enabled = False
        item.save()
        assert "T" not in dict(services.choices("industry"))
        assert services.label("industry", "T") == "国际组织"  # old records keep their label

    def test_model_field_rejects_unknown_values(self):
        org = Organisation(name="x", kind="enterprise", industry="ZZ")
        with pytest.raises(ValidationError) as exc:
            Organisation._meta.get_field("industry").validate("ZZ", org)
        assert "不是有效的所属行业" in exc.value.messages[0]

    def test_operator_can_add_a_table(self):
        dt = DictType.objects.create(code="complaint_channel", name="投诉渠道")
        DictItem.objects.create(dict_type=dt, value="12345", label="12345热线", order=1, colour="#d9534f")
        assert services.choices("complaint_channel") == [("12345", "12345热线")]
        assert services.colour("complaint_channel", "12345") == "#d9534f"


@pytest.mark.django_db
class TestDictionaryPages:
    def test_operator_edits_an_item_and_forms_follow(self, client):
        from django.urls import reverse

        from kernel.audit.services import history_for
        from kernel.core.testing import make_staff

        client.force_login(make_staff("450000", ["dicts.view_dicttype", "dicts.change_dictitem", "dicts.add_dictitem",
                                                 "org.add_organisation", "org.view_organisation"]))
        dt = DictType.objects.get(code="industry")
        page = client.get(reverse("gov:dict_detail", args=[dt.pk])).content.decode()
        assert "建筑业" in page
        item = dt.items.get(value="E")
        response = client.post(reverse("gov:dict_item_edit", args=[dt.pk, item.pk]),
                               {"value": "E", "label": "建筑业（含装修）", "order": 5, "colour": "", "enabled": "on"})
        assert response.status_code == 302
        assert history_for(item).filter(action="update").exists()
        form = client.get(reverse("gov:org_create")).context["form"]
        assert ("E", "建筑业（含装修）") in list(form.fields["industry"].choices)
        # a duplicate value is a field error
        response = client.post(reverse("gov:dict_item_create", args=[dt.pk]), {"value": "E", "label": "重复", "order": 1})
        assert response.status_code == 400 and "已存在相同的字典值" in response.context["form"].errors["value"][0]

    def test_editing_needs_permission(self, client):
        from django.urls import reverse

        from kernel.core.testing import make_staff

        client.force_login(make_staff("450000", ["dicts.view_dicttype"]))
        dt = DictType.objects.get(code="industry")
        item = dt.items.get(value="E")
        assert client.post(reverse("gov:dict_item_edit", args=[dt.pk, item.pk]), {"value": "E", "label": "x", "order": 1}).status_code == 403
