import pytest
from django.urls import reverse

from kernel.accounts.models import User
from kernel.core.testing import PASSWORD, ScopeContract, make_agency, make_staff, xlsx_rows


class TestUserScope(ScopeContract):
    model = User
    list_url = "gov:user_list"
    detail_url = "gov:user_detail"
    view_perms = ["accounts.view_user"]
    export_perm = "accounts.view_user"
    api_list_url = "/api/accounts/users/"

    def make_record(self, region):
        return User.objects.create_user("qx_scope_target", password=PASSWORD, kind="staff", real_name="青秀目标",
                                        organisation=make_agency(region.code), must_change_password=False)

    def marker(self, obj):
        return obj.username


@pytest.mark.django_db
def test_user_list_masks_phone_unless_permitted(client):
    target = make_staff("450103", username="masked1", phone="13877110001")
    viewer = make_staff("450100", ["accounts.view_user"])
    client.force_login(viewer)
    page = client.get(reverse("gov:user_list"), {"q": "masked1"}).content.decode()
    assert "138****0001" in page and "13877110001" not in page
    assert client.get(f"/api/accounts/users/{target.pk}/").json()["phone"] == "138****0001"
    boss = make_staff("450100", ["accounts.view_user", "accounts.view_personal_data"])
    client.force_login(boss)
    assert "13877110001" in client.get(reverse("gov:user_list"), {"q": "masked1"}).content.decode()
    rows = xlsx_rows(client.get(reverse("gov:user_list"), {"q": "masked1", "export": "xlsx"}))
    assert "13877110001" in rows[1]
