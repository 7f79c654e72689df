"""Public complaints (众投诉举报受理): the H5 form refuses a flood (5 per IP an hour, 3 per phone a day),
bad uploads and a wrong captcha, storing nothing; the QR code opens the form; the complainant queries
by number and phone; the county regulator reviews, verifies and answers by SMS through the workflow,
within its jurisdiction only, every write audited.

Seed figures: IP_LIMIT 5 per hour, PHONE_LIMIT 3 per day, photos: images only, 5 MB each, at most 9."""
import io
import re
from pathlib import Path

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from domains.special_equipment.hazards.models import Complaint, MajorHazard
from domains.special_equipment.hazards.reference import ROLES
from domains.special_equipment.hazards.web import public
from kernel.audit.models import ChangeLog
from kernel.core.testing import xlsx_rows
from kernel.files.models import Attachment
from kernel.files.tests.samples import pe_bytes
from kernel.notify.models import SmsMessage
from kernel.todos.models import Todo
from kernel.todos.services import open_for
from kernel.workflow.models import TransitionLog

from .test_gov_support import QINGXIU, XINGNING, World, region

pytestmark = pytest.mark.django_db

FORM = "public:se_complaint"
PHONE = "13907710001"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def captcha_test_mode(settings, monkeypatch):
    """django-simple-captcha's test mode: the answer "PASSED" is accepted. The package reads the setting
    into captcha.conf.settings when it is imported, so the settings fixture alone does not reach it."""
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)


@pytest.fixture
def w():
    return World()


def stored_files(root: Path):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def jpeg(size=(800, 600), color=(200, 60, 40), name="现场.jpg"):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def data(**over):
    values = {"region": region(QINGXIU).pk, "location": "青秀区民族大道100号某某小区3栋1单元电梯",
              "equipment_category": "3000", "unit_name": "某某物业服务有限公司",
              "description": "电梯运行时抖动明显，关门时夹人，已多次向物业反映未处理。", "name": "李先生",
              "phone": PHONE, "captcha_0": "test", "captcha_1": "PASSED"}
    values.update(over)
    return values


def submit(client, ip="10.1.1.1", **over):
    return client.post(reverse(FORM), data(**over), REMOTE_ADDR=ip)


def changes(obj):
    return ChangeLog.objects.filter(content_type__app_label=obj._meta.app_label,
                                    content_type__model=obj._meta.model_name, object_id=str(obj.pk))


def photos_of(complaint):
    return Attachment.objects.filter(object_id=complaint.pk, purpose="se_complaint_photo",
                                     content_type__model="complaint")


def make_complaint(client, **over):
    response = submit(client, **over)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Complaint.objects.get(no=client.session[public.SESSION_KEY])


# == the form ================================================================================================
def test_form_page_offers_counties_captcha_and_the_region_of_the_qr_code(client):
    page = client.get(reverse(FORM), {"region": QINGXIU}).content.decode()
    assert '<optgroup label="南宁市">' in page
    assert re.search(rf'<option value="{region(QINGXIU).pk}" selected>青秀区</option>', page)
    assert 'class="zw-captcha-img' in page and reverse("captcha-refresh") in page
    assert 'name="captcha_0"' in page and 'name="captcha_1"' in page
    assert 'multiple' in page and 'accept="image/*"' in page
    assert "电梯困人" in page and "96333" in page


def test_submit_stores_the_complaint_photos_todo_and_audit(client, captcha_test_mode, w, media_root):
    response = client.post(reverse(FORM), data(photos=[jpeg(), jpeg(color=(1, 2, 3), name="门.jpg")]),
                           REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302 and response.url == reverse("public:se_complaint_done")
    complaint = Complaint.objects.get()
    assert re.fullmatch(r"TS\d{8}\d{6}", complaint.no)
    assert (complaint.status, complaint.region.code, complaint.phone, complaint.ip) == (
        "submitted", QINGXIU, PHONE, "10.1.1.1")
    assert complaint.created_by is None
    photos = list(photos_of(complaint).order_by("id"))
    assert [p.original_name for p in photos] == ["现场.jpg", "门.jpg"]
    assert all(p.created_by is None and p.thumbnail and p.kind == "image" for p in photos)
    assert len(stored_files(media_root)) == 4  # two photos and their thumbnails
    # audited: the complaint and each photo
    assert list(changes(complaint).values_list("action", flat=True)) == ["create"]
    assert all(changes(p).filter(action="create").exists() for p in photos)
    # the to-do of the county's regulators (5 working days), not of the neighbouring county
    todo = Todo.objects.get(object_id=str(complaint.pk), content_type__model="complaint")
    assert (todo.role_code, todo.region.code, todo.status, todo.url) == (
        "se_regulator", QINGXIU, "open", f"/gov/se/complaints/{complaint.pk}/")
    assert todo.due_at is not None and complaint.no in todo.title
    assert todo in open_for(w.qx) and todo not in open_for(w.xn) and todo not in open_for(w.lz)
    # the done page shows the number (kept in the submitter's session only)
    done = client.get(response.url).content.decode()
    assert complaint.no in done and "查询办理进度" in done
    assert client.__class__().get(reverse("public:se_complaint_done")).status_code == 302


def test_a_refused_form_asks_for_the_photos_again(client, captcha_test_mode):
    page = submit(client, phone="1", photos=[jpeg()]).content.decode()
    assert 'id="photo-reselect"' in page and not Complaint.all_objects.exists()


def test_same_photo_twice_is_kept_once(client, captcha_test_mode):
    complaint = make_complaint(client, photos=[jpeg(), jpeg(name="同一张.jpg")])
    assert photos_of(complaint).count() == 1


def test_sixth_complaint_from_one_ip_within_the_hour_gets_429_and_stores_nothing(client, captcha_test_mode):
    for n in range(5):  # five phones would pass the phone limit; the IP limit is what stops the sixth
        assert submit(client, ip="10.2.2.2", phone=f"1390771{n:04d}").status_code == 302
    response = submit(client, ip="10.2.2.2", phone="13907719999", photos=[jpeg()])
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert Complaint.objects.count() == 5 and not Attachment.objects.filter(purpose="se_complaint_photo").exists()
    assert submit(client, ip="10.2.2.3", phone="13907719999").status_code == 302  # another address is served


def test_behind_nginx_the_limit_is_per_real_client_and_cannot_be_spoofed(client, captcha_test_mode, settings):
    settings.TRUSTED_PROXIES = 1  # every request arrives from nginx at 127.0.0.1

    def via_nginx(forwarded, n):
        return client.post(reverse(FORM), data(phone=f"1390771{n:04d}"), REMOTE_ADDR="127.0.0.1",
                           HTTP_X_FORWARDED_FOR=forwarded)

    for n in range(6):  # six different citizens behind one proxy: all served
        assert via_nginx(f"203.0.113.{n}", n).status_code == 302
    for n in range(5):  # one citizen writing a new address in front each time: still one client
        assert via_nginx(f"6.6.6.{n}, 198.51.100.7", 10 + n).status_code == 302
    assert via_nginx("6.6.6.99, 198.51.100.7", 20).status_code == 429


def test_refused_attempts_do_not_use_up_the_ip_limit(client, captcha_test_mode):
    for _ in range(6):
        assert submit(client, ip="10.3.3.3", phone="123").status_code == 400
    assert submit(client, ip="10.3.3.3").status_code == 302


def test_fourth_complaint_from_one_phone_within_a_day_is_refused(client, captcha_test_mode):
    for n in range(3):
        assert submit(client, ip=f"10.4.4.{n}").status_code == 302
    response = submit(client, ip="10.4.4.9")
    assert response.status_code == 429
    assert re.search(r'data-field="phone">该手机号今日提交次数已达上限，请明天再试<', response.content.decode())
    assert Complaint.objects.filter(phone=PHONE).count() == 3


def bmp_over_5mb():
    out = io.BytesIO()
    Image.new("RGB", (1500, 1400), (90, 90, 90)).save(out, "BMP")  # 6.3 MB
    assert out.tell() > 6 * 1024 * 1024
    return SimpleUploadedFile("大图.bmp", out.getvalue(), content_type="image/bmp")


@pytest.mark.parametrize("photos, message", [
    (lambda: [SimpleUploadedFile("现场.jpg", pe_bytes(), content_type="image/jpeg")], "不允许上传可执行文件"),
    (lambda: [bmp_over_5mb()], "有照片超过5 MB，请压缩后重新选择"),
    (lambda: [jpeg(color=(n, n, n), name=f"{n}.jpg") for n in range(10)], "最多上传9张照片，您选择了10张"),
    (lambda: [SimpleUploadedFile("说明.txt", "电梯有问题".encode(), content_type="text/plain")], "无法识别的文件类型"),
], ids=["exe-renamed-jpg", "6mb-image", "ten-photos", "text-file"])
def test_bad_uploads_get_a_chinese_field_error_and_nothing_is_stored(client, captcha_test_mode, media_root,
                                                                     photos, message):
    response = submit(client, photos=photos())
    page = response.content.decode()
    assert response.status_code == 400
    errors = re.findall(r'data-field="photos">([^<]+)<', page)
    assert errors and message in "".join(errors)
    assert "提交未成功" in page
    assert Complaint.all_objects.count() == 0 and Attachment.all_objects.count() == 0
    assert stored_files(media_root) == [] and not ChangeLog.objects.filter(
        content_type__model__in=("complaint", "attachment")).exists()


def test_field_errors_are_in_chinese(client, captcha_test_mode):
    response = submit(client, region="", location="", description="坏了", phone="12345")
    errors = dict(re.findall(r'data-field="(\w+)">([^<]+)<', response.content.decode()))
    assert response.status_code == 400
    assert errors == {"region": "请选择设备所在区县", "location": "请填写设备所在地点",
                      "description": "请至少用10个字描述隐患情况", "phone": "请填写正确的11位手机号码"}
    assert not Complaint.all_objects.exists()


def _captcha(client, url):
    """The key of the captcha the page shows, and its answer (from the captcha store)."""
    from captcha.models import CaptchaStore

    page = client.get(url).content.decode()
    key = re.search(r'name="captcha_0" value="(\w+)"', page).group(1)
    return key, CaptchaStore.objects.get(hashkey=key).response


def test_wrong_captcha_is_refused_and_each_captcha_works_once(client):
    key, answer = _captcha(client, reverse(FORM))
    response = submit(client, captcha_0=key, captcha_1=answer + "x")
    assert response.status_code == 400
    assert re.search(r'data-field="captcha">验证码错误，请重新输入<', response.content.decode())
    assert not Complaint.all_objects.exists()
    assert submit(client, captcha_0=key, captcha_1=answer).status_code == 400  # that image is used up
    key, answer = _captcha(client, reverse(FORM))
    assert submit(client, captcha_0=key, captcha_1=answer.upper()).status_code == 302
    assert Complaint.objects.count() == 1


def test_captcha_refresh_gives_a_new_image(client):
    response = client.get(reverse("captcha-refresh"), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    body = response.json()
    assert body["key"] and body["image_url"].startswith("/captcha/image/")
    assert client.get(body["image_url"])["Content-Type"] == "image/png"


def test_csrf_is_checked(captcha_test_mode):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse(FORM), data(), REMOTE_ADDR="10.5.5.5").status_code == 403
    assert not Complaint.all_objects.exists()


# == QR code and poster ========================================================================================
def test_qr_code_encodes_the_complaint_url(client):
    response = client.get(reverse("public:se_complaint_qr"), {"region": QINGXIU})
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "max-age=3600" in response["Cache-Control"]
    url = f"http://testserver{reverse(FORM)}?region={QINGXIU}"

    def svg(text):
        out = io.BytesIO()
        segno.make(text, error="m").save(out, kind="svg", scale=8, border=2, dark="#000000", light="#ffffff",
                                         title="扫码投诉举报")
        return out.getvalue()

    assert response.content == svg(url)
    assert response.content != svg(f"http://testserver{reverse(FORM)}")
    plain = client.get(reverse("public:se_complaint_qr")).content
    assert plain == svg(f"http://testserver{reverse(FORM)}")
    # the code leads to the form with the county chosen
    page = client.get(url).content.decode()
    assert re.search(rf'<option value="{region(QINGXIU).pk}" selected>', page)


def test_poster_shows_the_code_of_the_chosen_county(client):
    page = client.get(reverse("public:se_complaint_poster"), {"region": QINGXIU}).content.decode()
    assert f'src="{reverse("public:se_complaint_qr")}?region={QINGXIU}"' in page
    assert f"http://testserver{reverse(FORM)}?region={QINGXIU}" in page
    assert "南宁市青秀区市场监督管理局" in page and f'<option value="{QINGXIU}" selected>' in page


# == the complainant's query ====================================================================================
def query(client, no, phone):
    return client.post(reverse("public:se_complaint_query"),
                       {"no": no, "phone": phone, "captcha_0": "test", "captcha_1": "PASSED"})


def test_query_by_number_and_phone_shows_progress_and_result(client, captcha_test_mode, w):
    complaint = make_complaint(client)
    page = query(client, complaint.no.lower(), PHONE).content.decode()
    assert 'id="result-status">待审核<' in page and "属地监管部门审核" in page and complaint.location in page
    client.force_login(w.qx)
    client.post(reverse("gov:se_complaint_detail", args=[complaint.pk]), {"action": "accept"})
    client.post(reverse("gov:se_complaint_detail", args=[complaint.pk]),
                {"action": "conclude", "conclude-comment": "经现场核查，该电梯门锁装置故障，已责令停梯整改。"})
    client.logout()
    page = query(client, complaint.no, PHONE).content.decode()
    assert 'id="result-status">已办结<' in page and "已责令停梯整改" in page
    assert "受理核查" in page and "办结并答复" in page
    assert w.qx.display_name not in page  # who handled it is not shown to the public


def test_query_with_a_wrong_phone_reveals_nothing(client, captcha_test_mode):
    complaint = make_complaint(client)
    for no, phone in ((complaint.no, "13907719998"), ("TS2000010100000", PHONE)):
        response = query(client, no, phone)
        page = response.content.decode()
        assert response.status_code == 404
        assert "未找到该受理编号与手机号码对应的投诉举报" in page
        assert complaint.location not in page and "待审核" not in page


def test_query_needs_the_captcha(client):
    complaint = make_complaint_plain()
    response = client.post(reverse("public:se_complaint_query"),
                           {"no": complaint.no, "phone": PHONE, "captcha_0": "x", "captcha_1": "nope"})
    assert response.status_code == 400 and complaint.location not in response.content.decode()


def make_complaint_plain(region_code=QINGXIU, phone=PHONE):
    from domains.special_equipment.hazards import services

    return services.submit_complaint(region=region(region_code), location="某商场一楼自动扶梯",
                                     description="扶梯梯级缺损，存在夹脚风险，请尽快处理。", phone=phone)


# == the regulator ==============================================================================================
def detail(complaint):
    return reverse("gov:se_complaint_detail", args=[complaint.pk])


def act(client, complaint, action, comment="", capture=None):
    """Post a decision; with capture (django_capture_on_commit_callbacks) its after-commit effects run."""
    if capture is None:
        return client.post(detail(complaint), {"action": action, f"{action}-comment": comment})
    with capture(execute=True):
        return client.post(detail(complaint), {"action": action, f"{action}-comment": comment})


def test_regulator_role_may_view_and_handle_complaints():
    assert {"se_hazards.view_complaint", "se_hazards.change_complaint"} <= set(ROLES["se_regulator"][2])


def test_accept_then_conclude_sends_the_result_by_sms(client, captcha_test_mode, w,
                                                      django_capture_on_commit_callbacks):
    complaint = make_complaint(client)
    client.force_login(w.qx)
    page = client.get(detail(complaint)).content.decode()
    assert PHONE in page and 'id="accept-complaint"' in page and 'id="reject-complaint"' in page
    assert 'id="conclude-complaint"' not in page
    assert act(client, complaint, "accept", "转青秀所现场核查").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "verifying" and not SmsMessage.objects.exists()
    # the review to-do is closed and the verification one opened (15 working days)
    todos = dict(Todo.objects.filter(object_id=str(complaint.pk), content_type__model="complaint")
                 .values_list("key", "status"))
    assert todos == {"workflow:submitted": "done", "workflow:verifying": "open"}

    refused = act(client, complaint, "conclude", "")
    assert refused.status_code == 400
    assert re.search(r'data-field="comment">请填写核查结果<', refused.content.decode())
    complaint.refresh_from_db()
    assert complaint.status == "verifying" and not SmsMessage.objects.exists()

    result = "经现场核查，该电梯门锁装置故障，已责令使用单位停梯整改。"
    assert act(client, complaint, "conclude", result, django_capture_on_commit_callbacks).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.result) == ("done", result)
    sms = SmsMessage.objects.get()
    assert (sms.phone, sms.template.code, sms.related) == (PHONE, "se_complaint_result",
                                                           f"se_hazards.complaint:{complaint.pk}")
    assert sms.content.endswith(f"（受理编号{complaint.no}）已处理：{result[:-1]}。感谢您的监督。")
    logs = TransitionLog.objects.filter(object_id=str(complaint.pk), workflow="se_complaint").order_by("id")
    assert [(lg.transition, lg.actor) for lg in logs] == [("accept", w.qx), ("conclude", w.qx)]
    audit = list(changes(complaint).order_by("id").values_list("action", "actor"))
    assert audit == [("create", None), ("update", w.qx.pk), ("update", w.qx.pk)]
    assert not Todo.objects.filter(object_id=str(complaint.pk), content_type__model="complaint",
                                   status="open").exists()
    page = client.get(detail(complaint)).content.decode()
    assert 'id="complaint-state">已办结<' in page and sms.content in page
    assert 'id="accept-complaint"' not in page and 'id="conclude-complaint"' not in page
    assert act(client, complaint, "conclude", "再次答复", django_capture_on_commit_callbacks).status_code == 302
    assert SmsMessage.objects.count() == 1


def test_the_sms_carries_at_most_60_characters_of_the_reply():
    from domains.special_equipment.hazards.services import sms_result_text

    assert sms_result_text("已核查。\n已整改。") == "已核查。 已整改"
    long = "经" * 80
    assert sms_result_text(long) == "经" * 59 + "…" and len(sms_result_text(long)) == 60
    assert sms_result_text("经" * 60) == "经" * 60


def test_reject_requires_a_reason_and_tells_the_complainant(client, captcha_test_mode, w,
                                                            django_capture_on_commit_callbacks):
    complaint = make_complaint(client)
    client.force_login(w.qx)
    refused = act(client, complaint, "reject", "  ")
    assert refused.status_code == 400
    assert re.search(r'data-field="comment">请填写不予受理理由<', refused.content.decode())
    complaint.refresh_from_db()
    assert complaint.status == "submitted" and not SmsMessage.objects.exists()
    assert list(changes(complaint).values_list("action", flat=True)) == ["create"]
    assert act(client, complaint, "reject", "所反映设备为普通货运升降平台，不属于特种设备",
               django_capture_on_commit_callbacks).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "rejected" and "不属于特种设备" in complaint.result
    assert SmsMessage.objects.get().phone == PHONE
    assert changes(complaint).filter(action="update", actor=w.qx).exists()


def test_unknown_action_is_404_and_a_viewer_cannot_decide(client, captcha_test_mode, w):
    from kernel.core.testing import make_staff

    complaint = make_complaint(client)
    client.force_login(w.qx)
    assert client.post(detail(complaint), {"action": "delete"}).status_code == 404
    viewer = make_staff(QINGXIU, ["se_hazards.view_complaint"])
    client.force_login(viewer)
    page = client.get(detail(complaint)).content.decode()
    assert complaint.no in page and 'id="accept-complaint"' not in page
    assert act(client, complaint, "accept").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "submitted"


def test_another_countys_regulator_gets_404(client, captcha_test_mode, w):
    complaint = make_complaint(client)
    for user in (w.xn, w.lz):
        client.force_login(user)
        assert client.get(detail(complaint)).status_code == 404
        assert act(client, complaint, "accept").status_code == 404
        assert detail(complaint) not in client.get(reverse("gov:se_complaint_list")).content.decode()
        by_no = client.get(reverse("gov:se_complaint_list"), {"no": complaint.no}).content.decode()
        assert detail(complaint) not in by_no
    complaint.refresh_from_db()
    assert complaint.status == "submitted"
    client.force_login(w.city)  # the city bureau sees its counties
    assert client.get(detail(complaint)).status_code == 200


def test_list_is_scoped_filtered_masked_and_exported(client, captcha_test_mode, w):
    qx = make_complaint(client, photos=[jpeg()])
    xn = make_complaint(client, region=region(XINGNING).pk, phone="13907710002", ip="10.9.9.9")
    lz = make_complaint_plain(region_code="450202", phone="13907710003")
    client.force_login(w.qx)
    page = client.get(reverse("gov:se_complaint_list")).content.decode()
    assert detail(qx) in page and detail(xn) not in page and detail(lz) not in page
    assert "139****0001" in page and PHONE not in page
    assert re.search(r'data-status="submitted">待审核 <span[^>]*>1<', page)

    client.force_login(w.city)

    def nos(**params):
        html = client.get(reverse("gov:se_complaint_list"), params).content.decode()
        return {c.no for c in (qx, xn, lz) if detail(c) in html}

    assert nos() == {qx.no, xn.no}
    assert nos(region=str(region(XINGNING).pk)) == {xn.no}
    assert nos(no=qx.no.lower()) == {qx.no}
    assert nos(status="verifying") == set()
    assert nos(keyword="民族大道") == {qx.no, xn.no}
    assert nos(created_to="2000-01-01") == set()
    assert nos(equipment_category="2000") == set()
    rows = xlsx_rows(client.get(reverse("gov:se_complaint_list"), {"region": str(region(QINGXIU).pk),
                                                                   "export": "xlsx"}))
    assert rows[0][:3] == ["受理编号", "举报时间", "所在区县"]
    assert [r[0] for r in rows[1:]] == [qx.no]
    assert "139****0001" in rows[1] and PHONE not in rows[1] and 1 in rows[1]  # masked phone, one photo


def test_detail_shows_the_photos_read_only(client, captcha_test_mode, w):
    complaint = make_complaint(client, photos=[jpeg()])
    photo = photos_of(complaint).get()
    client.force_login(w.qx)
    page = client.get(detail(complaint)).content.decode()
    assert reverse("files:thumbnail", args=[photo.pk]) in page and reverse("files:download", args=[photo.pk]) in page
    assert reverse("files:delete", args=[photo.pk]) not in page and 'type="file"' not in page
    assert client.get(reverse("files:download", args=[photo.pk])).status_code == 200
    upload = reverse("files:panel", args=["se_hazards.complaint", complaint.pk, "se_complaint_photo"])
    assert client.post(upload, {"file": jpeg(color=(9, 9, 9))}).status_code == 403  # photos come with the complaint only
    assert photos_of(complaint).count() == 1
    assert client.post(reverse("files:delete", args=[photo.pk])).status_code == 403  # evidence stays
    assert photos_of(complaint).count() == 1
    client.force_login(w.xn)
    assert client.get(reverse("files:download", args=[photo.pk])).status_code == 404


def test_a_complaint_under_verification_can_become_a_major_hazard(client, captcha_test_mode, w):
    complaint = make_complaint(client)
    client.force_login(w.qx)
    hazard_url = reverse("gov:se_complaint_hazard", args=[complaint.pk])
    assert client.get(hazard_url).status_code == 403  # not before it is accepted
    act(client, complaint, "accept")
    page = client.get(hazard_url).content.decode()
    assert complaint.no in page and "投诉举报" in page and complaint.location in page
    bad = client.post(hazard_url, {"user_unit": w.unit.pk, "equipment_category": "3000", "description": "",
                                   "found_on": "2000-01-01", "source": "supervision"})
    assert bad.status_code == 400 and not MajorHazard.objects.exists()
    response = client.post(hazard_url, {
        "user_unit": w.unit.pk, "equipment": w.lift.pk, "source": "supervision", "equipment_category": "3000",
        "found_on": "", "description": "举报核查：电梯门锁装置失效",
        "judgement_items": [w.items[0].pk]})
    assert response.status_code == 400  # found_on is required
    response = client.post(hazard_url, {
        "user_unit": w.unit.pk, "equipment": w.lift.pk, "source": "supervision", "equipment_category": "3000",
        "found_on": complaint.created_at.date().isoformat(), "description": "举报核查：电梯门锁装置失效",
        "judgement_items": [w.items[0].pk]})
    assert response.status_code == 302 and response.url == detail(complaint)
    hazard = MajorHazard.objects.get()
    assert (hazard.source, hazard.complaint, hazard.user_unit, hazard.status) == (
        "complaint", complaint, w.unit, "reported")
    assert changes(hazard).filter(action="create", actor=w.qx).exists()
    assert hazard.no in client.get(detail(complaint)).content.decode()
    client.force_login(w.xn)
    assert client.get(hazard_url).status_code == 404


def test_menu_and_home_card(client, captcha_test_mode, w):
    from kernel.ui.home import cards_for
    from kernel.ui.menu import menu_for

    make_complaint(client)
    labels = [label for _, _, entries in menu_for(w.qx, "gov") for label, *_ in entries]
    assert "投诉举报" in labels
    cards = {c["label"]: c["value"] for c in cards_for(w.qx, "gov")}
    assert cards["待办投诉举报"] == 1
    assert {c["label"]: c["value"] for c in cards_for(w.xn, "gov")}["待办投诉举报"] == 0
    assert {c["label"]: c["value"] for c in cards_for(w.city, "gov")}["待办投诉举报"] == 1
    client.force_login(w.qx)
    assert client.get(reverse("gov:home")).status_code == 200


def test_anonymous_users_are_sent_to_login(client):
    complaint = make_complaint_plain()
    response = client.get(detail(complaint))
    assert response.status_code == 302 and "/gov/login/" in response.url
    assert client.get(reverse("gov:se_complaint_list")).status_code == 302

