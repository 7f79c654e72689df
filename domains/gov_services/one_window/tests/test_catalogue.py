"""The matters catalogue: editing the draft, publishing versions, retiring, scope, audit, the public and
H5 guide, and the demo catalogue."""
import io

import pytest
from django.contrib.contenttypes.models import ContentType

from domains.gov_services.one_window import demo_catalogue, services
from domains.gov_services.one_window.models import Matter, MatterMaterial, MatterVersion, Window
from kernel.accounts.models import Role
from kernel.audit.models import ChangeLog
from kernel.core import context
from kernel.core.testing import make_agency, make_staff, xlsx_rows
from kernel.org.models import Region

pytestmark = pytest.mark.django_db
XINGNING, LZ_CHENGZHONG = "450102", "450202"


def admin(region_code=XINGNING):
    make_agency(region_code, "gov_service")
    user = make_staff(region_code)
    user.organisation.agency_type = "gov_service"
    user.roles.add(Role.objects.get(code="gs_centre_admin"))
    return user


def matter(user, code="T-001", materials=1, **extra):
    values = dict(code=code, name="测试事项企业设立登记", category="enterprise", department=user.organisation,
                  region=Region.objects.get(code=XINGNING), statutory_days=15, promised_days=5,
                  contact_phone="0771-5611234", fee_standard="不收费", conditions="有公司名称", created_by=user)
    values.update(extra)
    with context.acting_as(user):
        m = Matter.objects.create(**values)
    for n in range(materials):
        MatterMaterial.objects.create(matter=m, name=f"材料{n + 1}", licence_type="居民身份证" if n == 0 else "",
                                      order=n)
    return m


def post_data(m, **changes):
    data = {"code": m.code, "name": m.name, "category": m.category, "department": m.department_id,
            "region": m.region_id, "statutory_days": m.statutory_days, "promised_days": m.promised_days,
            "contact_phone": m.contact_phone, "supervision_phone": "", "fee_standard": m.fee_standard,
            "fee_basis": "", "location": "一楼", "conditions": m.conditions, "legal_basis": "《公司法》",
            "process_steps": "提交申请\n受理\n\n发证", "online": "on", "bookable": "on"}
    mats = list(m.materials.all()) if m.pk else []
    data.update({"materials-TOTAL_FORMS": str(len(mats) + 2), "materials-INITIAL_FORMS": str(len(mats)),
                 "materials-MIN_NUM_FORMS": "0", "materials-MAX_NUM_FORMS": "1000"})
    for i, mat in enumerate(mats):
        data.update({f"materials-{i}-id": mat.pk, f"materials-{i}-name": mat.name, f"materials-{i}-required": "on",
                     f"materials-{i}-copies": mat.copies, f"materials-{i}-licence_type": mat.licence_type,
                     f"materials-{i}-note": "", f"materials-{i}-order": mat.order})
    for i in range(len(mats), len(mats) + 2):
        data.update({f"materials-{i}-name": "", f"materials-{i}-copies": "1", f"materials-{i}-order": "0",
                     f"materials-{i}-required": "on"})
    data.update(changes)
    return data


def changes_of(model, pk):
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return ChangeLog.objects.filter(content_type=ct, object_id=str(pk))


def test_publish_makes_versions_with_their_own_snapshots():
    user = admin()
    m = matter(user)
    v1 = services.publish_matter(m, user, "首次发布")
    m.refresh_from_db()
    assert (v1.version, m.version, m.status) == (1, 1, "published")
    assert v1.snapshot["promised_days"] == 5 and [x["name"] for x in v1.snapshot["materials"]] == ["材料1"]
    assert v1.snapshot["materials"][0]["licence_type"] == "居民身份证"

    m.promised_days = 3
    m.save()
    MatterMaterial.objects.create(matter=m, name="营业执照", licence_type="营业执照", order=5)
    assert services.published_guide(m)["promised_days"] == 5  # the draft is not public yet
    assert services.has_unpublished_changes(m)
    v2 = services.publish_matter(m, user, "压缩承诺时限")
    m.refresh_from_db()
    assert (v2.version, m.version) == (2, 2)
    assert v2.snapshot["promised_days"] == 3 and len(v2.snapshot["materials"]) == 2
    # version 1 (what a case accepted under it keeps) is unchanged
    assert MatterVersion.objects.get(matter=m, version=1).snapshot["promised_days"] == 5
    assert not services.has_unpublished_changes(m)
    assert services.published_guide(m)["promised_days"] == 3


def test_publish_without_materials_is_refused():
    from django.core.exceptions import ValidationError

    user = admin()
    m = matter(user, materials=0)
    with pytest.raises(ValidationError, match="至少要有一项办理材料"):
        services.publish_matter(m, user)
    m.refresh_from_db()
    assert (m.version, m.status, m.versions.count()) == (0, "draft", 0)


def test_publish_page_refuses_without_materials(client):
    user = admin()
    m = matter(user, materials=0)
    client.force_login(user)
    r = client.post(f"/gov/gs/matters/{m.pk}/publish/", follow=True)
    assert "至少要有一项办理材料" in r.content.decode()
    assert not MatterVersion.objects.filter(matter=m).exists()


def test_promised_over_statutory_is_refused_and_nothing_saved(client):
    user = admin()
    m = matter(user)
    client.force_login(user)
    r = client.post(f"/gov/gs/matters/{m.pk}/edit/", post_data(m, promised_days="20", name="改名"))
    assert r.status_code == 400
    assert "承诺期限（20个工作日）不能超过法定期限（15个工作日）" in r.content.decode()
    m.refresh_from_db()
    assert (m.promised_days, m.name) == (5, "测试事项企业设立登记")


def test_create_with_materials_and_duplicate_code(client):
    user = admin()
    existing = matter(user, code="T-DUP")
    client.force_login(user)
    data = post_data(Matter(code="T-NEW", name="食品经营许可", category="enterprise", department=user.organisation,
                            region=Region.objects.get(code=XINGNING), statutory_days=20, promised_days=7,
                            conditions="场所"), **{"materials-0-name": "食品经营许可申请书",
                                                  "materials-0-licence_type": ""})
    r = client.post("/gov/gs/matters/new/", data)
    assert r.status_code == 302
    new = Matter.objects.get(code="T-NEW")
    assert new.status == "draft" and new.process_steps == ["提交申请", "受理", "发证"]
    assert list(new.materials.values_list("name", flat=True)) == ["食品经营许可申请书"]
    assert changes_of(Matter, new.pk).filter(action="create").exists()
    mat = new.materials.get()
    assert changes_of(MatterMaterial, mat.pk).filter(action="create").exists()

    data["code"] = existing.code
    r = client.post("/gov/gs/matters/new/", data)
    assert r.status_code == 400 and "事项编码已存在" in r.content.decode()


def test_edit_and_publish_leave_audit_rows(client):
    user = admin()
    m = matter(user)
    mat = m.materials.get()
    client.force_login(user)
    data = post_data(m, promised_days="2", **{"materials-0-name": "申请人身份证"})
    r = client.post(f"/gov/gs/matters/{m.pk}/edit/", data)
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.promised_days == 2 and m.status == "draft"
    row = changes_of(Matter, m.pk).filter(action="update").latest("id")
    assert "promised_days" in row.changed_fields and row.actor == user
    assert changes_of(MatterMaterial, mat.pk).filter(action="update").latest("id").after["name"] == "申请人身份证"

    r = client.post(f"/gov/gs/matters/{m.pk}/publish/", {"note": "压缩时限"})
    assert r.status_code == 302
    v = MatterVersion.objects.get(matter=m)
    assert v.version == 1 and v.note == "压缩时限" and v.published_by == user
    assert changes_of(MatterVersion, v.pk).filter(action="create").exists()
    assert "version" in changes_of(Matter, m.pk).latest("id").changed_fields

    # deleting a material through the formset is audited too
    data = post_data(m, **{"materials-0-DELETE": "on"})
    client.post(f"/gov/gs/matters/{m.pk}/edit/", data)
    assert not MatterMaterial.objects.filter(pk=mat.pk).exists()
    assert changes_of(MatterMaterial, mat.pk).filter(action="delete").exists()


def test_retire_leaves_the_public_catalogue(client):
    user = admin()
    m = matter(user)
    services.publish_matter(m, user)
    client.force_login(user)
    client.post(f"/gov/gs/matters/{m.pk}/retire/")
    m.refresh_from_db()
    assert m.status == "retired"
    client.logout()
    assert client.get(f"/public/gs/matters/{m.code}/").status_code == 404


def test_detail_version_list_and_export(client):
    user = admin()
    m = matter(user)
    services.publish_matter(m, user, "首次发布")
    client.force_login(user)
    page = client.get(f"/gov/gs/matters/{m.pk}/").content.decode()
    assert "第1版" in page and "首次发布" in page
    assert "材料1" in client.get(f"/gov/gs/matters/{m.pk}/versions/1/").content.decode()
    assert client.get(f"/gov/gs/matters/{m.pk}/versions/9/").status_code == 404
    listing = client.get("/gov/gs/matters/?category=enterprise&status=published&name=设立").content.decode()
    assert m.code in listing
    assert m.code not in client.get("/gov/gs/matters/?status=draft").content.decode()
    rows = xlsx_rows(client.get("/gov/gs/matters/?export=xlsx"))
    assert rows[0][0] == "事项编码" and any(r[0] == m.code for r in rows[1:])


def test_liuzhou_centre_admin_gets_404():
    from django.test import Client

    m = matter(admin())
    other = admin(LZ_CHENGZHONG)
    client = Client()
    client.force_login(other)
    for url in (f"/gov/gs/matters/{m.pk}/", f"/gov/gs/matters/{m.pk}/edit/", f"/gov/gs/matters/{m.pk}/versions/1/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/gov/gs/matters/{m.pk}/publish/").status_code == 404
    assert m.code not in client.get("/gov/gs/matters/").content.decode()


def test_public_pages_show_only_published_versions(client):
    user = admin()
    published = matter(user, code="T-PUB", name="住房公积金提取", category="fund")
    draft = matter(user, code="T-DRAFT", name="草稿事项")
    services.publish_matter(published, user)
    published.refresh_from_db()
    published.name = "未发布的新名称"
    published.save()
    page = client.get("/public/gs/matters/").content.decode()
    assert "住房公积金提取" in page and "住房公积金类" in page
    assert "草稿事项" not in page and "未发布的新名称" not in page
    assert "住房公积金提取" not in client.get("/public/gs/matters/?q=户口").content.decode()
    assert "住房公积金提取" in client.get("/public/gs/matters/?q=公积金").content.decode()
    guide = client.get("/public/gs/matters/T-PUB/").content.decode()
    assert "住房公积金提取" in guide and "5个工作日" in guide and "15个工作日" in guide and "材料1" in guide
    assert client.get(f"/public/gs/matters/{draft.code}/").status_code == 404
    assert client.get("/public/gs/matters/NOPE/").status_code == 404


def test_mobile_guide_has_booking_and_online_buttons(client):
    from kernel.accounts.models import User

    user = admin()
    m = matter(user, code="T-M1", bookable=True, online=False)
    services.publish_matter(m, user)
    assert client.get("/m/gs/matters/").status_code == 302  # sign in first
    citizen = User.objects.create_user(username="cit_gs", password="x", kind="citizen",
                                       must_change_password=False)
    client.force_login(citizen)
    assert "测试事项企业设立登记" in client.get("/m/gs/matters/").content.decode()
    page = client.get("/m/gs/matters/T-M1/").content.decode()
    assert "/m/gs/appointments/new/?matter=T-M1" in page and "/m/gs/apply/T-M1/" not in page


def test_demo_catalogue_is_idempotent():
    out = io.StringIO()
    demo_catalogue.seed(1, out)
    matters = Matter.objects.filter(region__code=XINGNING)
    assert matters.count() >= 15
    assert set(matters.values_list("category", flat=True)) >= {"investment", "enterprise", "housing", "fund", "police"}
    assert all(m.status == "published" and m.version == 1 for m in matters)
    assert MatterMaterial.objects.filter(matter__in=matters, licence_type="居民身份证").exists()
    assert MatterMaterial.objects.filter(matter__in=matters, licence_type="营业执照").exists()
    assert Window.objects.filter(region__code=XINGNING).count() == 6
    counts = (Matter.objects.count(), MatterVersion.objects.count(), MatterMaterial.objects.count(),
              Window.objects.count())
    demo_catalogue.seed(1, out)
    assert counts == (Matter.objects.count(), MatterVersion.objects.count(), MatterMaterial.objects.count(),
                      Window.objects.count())
    from kernel.accounts.models import User

    assert User.objects.get(username="xn_centre").has_perm("gs_window.publish_matter")
    assert User.objects.get(username="xn_window").roles.filter(code="gs_window_clerk").exists()
