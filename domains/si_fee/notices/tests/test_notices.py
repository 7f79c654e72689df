"""Notices (通知公告) and the operation manual (操作手册) of seed 003 §2.5: publish rules, audience, push
frequency, validity, read state, the four sorts, staff scope, audit rows, bad input and the watermarked PDF."""
import datetime
import itertools
import re
import subprocess

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from domains.si_fee.notices import reference, services
from domains.si_fee.notices.models import ManualVersion, Notice, NoticeRead, NoticeTarget
from domains.si_fee.notices.push import push_context
from domains.si_fee.payers.models import Payer
from domains.si_fee.rules import reference as rules_reference
from kernel.accounts.models import Role, User
from kernel.audit.models import ChangeLog, OperationLog
from kernel.core.testing import make_agency
from kernel.files.models import Attachment
from kernel.org.models import Region
from kernel.org.validators import id_check_char
from kernel.workflow.engine import TransitionError
from kernel.workflow.models import TransitionLog

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
_seq = itertools.count(100)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def refs():
    rules_reference.load()
    reference.load()


def id_number(birth="19900101", region="450102"):
    first17 = f"{region}{birth}{next(_seq):03d}"
    return first17 + id_check_char(first17)


def make_payer(name="张三", county="450102", city="450100", person_type="flexible"):
    number = id_number(region=county)
    user = User.objects.create_user(username=f"p{number}", password="Test@pass2026", kind="citizen",
                                    id_number=number, real_name=name, must_change_password=False)
    return Payer.objects.create(user=user, person_type=person_type, name=name, id_number=number,
                                mobile="13907710000", region=Region.objects.get(code=county),
                                prefecture=Region.objects.get(code=city))


def tax_user(region_code, role="si_tax_admin"):
    user = User.objects.create_user(username=f"tax{next(_seq)}", password="Test@pass2026", kind="staff",
                                    organisation=make_agency(region_code, "tax"), must_change_password=False,
                                    real_name="李税务")
    user.roles.add(Role.objects.get(code=role))
    return user


def draft(user, region="450100", **fields):
    data = dict(title=f"通知{next(_seq)}", document_no="", level=3, category=2, issuer="国家税务总局南宁市税务局",
                content="第一段。\n\n第二段。", region=Region.objects.get(code=region), valid_from=TODAY,
                valid_until=None, push_frequency="first_login", audience="all", audience_person_type="",
                audience_prefecture=None)
    data.update(fields)
    return services.save_draft(user, data)


def published(user, **fields):
    notice = draft(user, **fields)
    services.publish(notice, user)
    notice.refresh_from_db()
    return notice


@pytest.fixture
def admin():
    return tax_user("450100")


@pytest.fixture
def payer():
    return make_payer()


def seen(payer, **kw):
    return set(services.notices_for(payer, **kw).values_list("pk", flat=True))


# == roles and wiring ===========================================================================
def test_roles_carry_the_permissions_and_tiles_are_registered():
    admin_perms = set(Role.objects.get(code="si_tax_admin").permissions.values_list("codename", flat=True))
    clerk_perms = set(Role.objects.get(code="si_tax_clerk").permissions.values_list("codename", flat=True))
    assert {"view_notice", "add_notice", "change_notice", "publish_notice", "add_manualversion"} <= admin_perms
    assert "view_notice" in clerk_perms and "publish_notice" not in clerk_perms
    assert "view_contributionrule" in admin_perms  # the rules app's permissions are kept
    from domains.si_fee.payers.tiles import tiles_for

    groups = dict(tiles_for(None))
    assert [t["label"] for t in groups["公众服务"]][:2] == ["通知公告", "操作手册"]


# == publish rules ==============================================================================
def test_only_drafts_publish_and_withdrawn_disappear(admin, payer):
    notice = draft(admin)
    assert notice.pk not in seen(payer)  # a draft is not shown
    services.publish(notice, admin)
    notice.refresh_from_db()
    assert notice.status == "published" and notice.published_by == admin and notice.published_at
    assert notice.pk in seen(payer)
    with pytest.raises(ValidationError, match="不能执行“发布”"):
        services.publish(notice, admin)
    with pytest.raises(ValidationError, match="只有草稿可以修改"):
        services.save_draft(admin, {"title": "改"}, notice)
    with pytest.raises(ValidationError) as exc:
        services.withdraw(notice, admin, "")
    assert "请填写处理意见" in str(exc.value)
    services.withdraw(notice, admin, "内容有误，重新发布")
    notice.refresh_from_db()
    assert notice.status == "withdrawn" and notice.withdraw_reason == "内容有误，重新发布"
    assert notice.pk not in seen(payer)
    assert services.due_notices(payer, on_login=True) == []
    with pytest.raises(ValidationError):
        services.publish(notice, admin)  # withdrawn is final
    notice.status = "published"
    with pytest.raises(TransitionError):
        notice.save()  # never by assignment


def test_clerk_may_not_publish_and_expired_draft_does_not_publish(admin):
    clerk = tax_user("450100", "si_tax_clerk")
    notice = draft(admin)
    with pytest.raises(ValidationError, match="权限"):
        services.publish(notice, clerk)
    old = draft(admin, valid_from=TODAY - datetime.timedelta(days=30), valid_until=TODAY - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="有效期已过"):
        services.publish(old, admin)


def test_publish_and_withdraw_through_pages_with_audit_rows(client, admin, payer):
    client.force_login(admin)
    response = client.post(reverse("gov:si_notice_create"), {
        "title": "关于缴费的通知", "document_no": "南税发〔2021〕1号", "level": 1, "category": 1,
        "issuer": "国家税务总局南宁市税务局", "content": "正文", "region": Region.objects.get(code="450100").pk,
        "valid_from": TODAY.isoformat(), "push_frequency": "every_login", "audience": "all",
        "attachment": SimpleUploadedFile("政策解读.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = Notice.objects.get(title="关于缴费的通知")
    assert Attachment.objects.for_owner(notice).count() == 1
    assert ChangeLog.objects.filter(object_id=str(notice.pk), action="create",
                                    content_type__model="notice").exists()
    assert client.post(reverse("gov:si_notice_publish", args=[notice.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.status == "published"
    assert TransitionLog.objects.filter(object_id=str(notice.pk), transition="publish", actor=admin).exists()
    assert any("status" in row.changed_fields for row in ChangeLog.objects.filter(
        object_id=str(notice.pk), action="update", content_type__model="notice"))
    bad = client.post(reverse("gov:si_notice_withdraw", args=[notice.pk]), {"reason": ""})
    assert bad.status_code == 400 and "请填写撤回原因" in bad.content.decode()
    notice.refresh_from_db()
    assert notice.status == "published"
    client.post(reverse("gov:si_notice_withdraw", args=[notice.pk]), {"reason": "政策调整"})
    notice.refresh_from_db()
    assert notice.status == "withdrawn"
    assert TransitionLog.objects.filter(object_id=str(notice.pk), transition="withdraw", comment="政策调整").exists()


# == audience ===================================================================================
def test_audience_by_person_reaches_only_the_chosen_payers(client, admin):
    chosen, other = make_payer("王五"), make_payer("赵六")
    notice = draft(admin, audience="persons")
    with pytest.raises(ValidationError, match="推送名单"):
        services.publish(notice, admin)  # by person needs a list
    response = client.post(reverse("gov:si_notice_audience", args=[notice.pk]), {"id_numbers": chosen.id_number})
    assert response.status_code == 302  # anonymous: login
    client.force_login(admin)
    response = client.post(reverse("gov:si_notice_audience", args=[notice.pk]),
                           {"id_numbers": f"{chosen.id_number.lower()}\n{chosen.id_number}\n"})
    assert response.status_code == 302
    assert list(NoticeTarget.objects.filter(notice=notice).values_list("payer", flat=True)) == [chosen.pk]
    assert OperationLog.objects.filter(action="si_notice_audience", detail__notice_id=notice.pk,
                                       detail__after=1).exists()
    services.publish(notice, admin)
    assert notice.pk in seen(chosen) and notice.pk not in seen(other)
    assert services.read_stats(notice) == {"audience": 1, "read": 0, "unread": 1, "rate": 0}
    client.force_login(other.user)
    assert client.get(reverse("m:si_notice_detail", args=[notice.pk])).status_code == 404
    client.force_login(chosen.user)
    assert client.get(reverse("m:si_notice_detail", args=[notice.pk])).status_code == 200


def test_bad_id_numbers_are_field_errors_and_nothing_is_saved(client, admin):
    kept, liuzhou = make_payer("王五"), make_payer("柳州人", county="450202", city="450200")
    notice = draft(admin, audience="persons")
    services.set_audience(notice, admin, kept.id_number)
    wrong_check = kept.id_number[:17] + ("0" if kept.id_number[17] != "0" else "1")
    unknown = id_number()
    client.force_login(admin)
    response = client.post(reverse("gov:si_notice_audience", args=[notice.pk]), {
        "id_numbers": "\n".join([make_payer("孙七").id_number, wrong_check, unknown, "12345", liuzhou.id_number])})
    assert response.status_code == 400
    page = response.content.decode()
    errors = re.search(r'id="id-number-errors">(.*?)</div>', page, re.S).group(1)
    assert "第2行" in errors and "身份证号码校验位错误" in errors
    assert "第3行" in errors and "未找到该证件号码的缴费人" in errors
    assert "第4行" in errors and "身份证号码应为18位" in errors
    assert "第5行" in errors  # another city's payer is not in this notice's region
    assert "第1行" not in errors
    assert list(NoticeTarget.objects.filter(notice=notice).values_list("payer", flat=True)) == [kept.pk]
    response = client.post(reverse("gov:si_notice_audience", args=[notice.pk]), {"id_numbers": ""})
    assert response.status_code == 400 and "请至少填写一个证件号码" in response.content.decode()


def test_everyone_is_limited_by_region_person_type_and_prefecture(admin):
    nanning, resident = make_payer(), make_payer("居民", person_type="resident")
    liuzhou = make_payer("柳州人", county="450202", city="450200")
    region_admin = tax_user("450000")
    city = published(admin)
    residents = published(admin, audience_person_type="resident")
    whole = published(region_admin, region="450000")
    only_liuzhou = published(region_admin, region="450000",
                             audience_prefecture=Region.objects.get(code="450200"))
    assert seen(nanning) == {city.pk, whole.pk}
    assert seen(resident) == {city.pk, residents.pk, whole.pk}
    assert seen(liuzhou) == {whole.pk, only_liuzhou.pk}
    assert services.read_stats(only_liuzhou)["audience"] == 1


# == push frequency, validity, read state ======================================================
def test_push_every_login_versus_first_login_until_read(admin, payer):
    every = published(admin, push_frequency="every_login", level=2)
    first = published(admin, push_frequency="first_login", level=1)
    never = published(admin, push_frequency="none")
    assert [n.pk for n in services.due_notices(payer, on_login=True)] == [first.pk, every.pk]
    assert [n.pk for n in services.due_notices(payer, on_login=False)] == [first.pk]
    services.mark_read(payer, every)
    services.mark_read(payer, first)
    assert [n.pk for n in services.due_notices(payer, on_login=True)] == [every.pk]  # every login, read or not
    assert services.due_notices(payer, on_login=False) == []
    assert never.pk in seen(payer)  # listed, never pushed


def test_push_context_pops_up_once_per_login(admin, payer):
    every = published(admin, push_frequency="every_login")
    first = published(admin, push_frequency="first_login")
    factory = RequestFactory()

    def request(session):
        r = factory.get("/m/si/")
        r.user, r.session = payer.user, session
        return r

    session = SessionStore()
    assert {n.pk for n in push_context(request(session), payer)["si_push_notices"]} == {every.pk, first.pk}
    session.save()
    assert push_context(request(session), payer)["si_push_notices"] == []  # same session: shown already
    later = published(admin, push_frequency="first_login")
    assert [n.pk for n in push_context(request(session), payer)["si_push_notices"]] == [later.pk]
    services.mark_read(payer, first)
    fresh = SessionStore()  # the next login
    assert {n.pk for n in push_context(request(fresh), payer)["si_push_notices"]} == {every.pk, later.pk}
    from django.template.loader import render_to_string

    html = render_to_string("si_notice/_push.html", {"si_push_notices": [every]})
    assert every.title in html and reverse("m:si_notice_detail", args=[every.pk]) in html
    assert render_to_string("si_notice/_push.html", {"si_push_notices": []}).strip() == ""


def test_validity_window(admin, payer):
    day = datetime.timedelta(days=1)
    current = published(admin, valid_from=TODAY - 10 * day, valid_until=TODAY + 10 * day,
                        push_frequency="every_login")
    future = published(admin, valid_from=TODAY + 5 * day)
    assert seen(payer) == {current.pk}
    assert seen(payer, today=TODAY + 5 * day) == {current.pk, future.pk}
    assert seen(payer, today=TODAY + 11 * day) == {future.pk}
    assert [n.pk for n in services.due_notices(payer, on_login=True, today=TODAY + 11 * day)] == [future.pk]
    assert services.due_notices(payer, on_login=True, today=TODAY - 11 * day) == []


def test_read_state_marks_and_statistics(client, admin, payer):
    other = make_payer("李四")
    notice = published(admin, title="待读通知")
    client.force_login(payer.user)
    page = client.get(reverse("m:si_notice_list")).content.decode()
    assert re.search(rf'notice-row unread" data-id="{notice.pk}"', page)
    assert client.get(reverse("m:si_notice_detail", args=[notice.pk])).status_code == 200
    first_read = NoticeRead.objects.get(notice=notice, payer=payer).read_at
    client.get(reverse("m:si_notice_detail", args=[notice.pk]))
    assert NoticeRead.objects.filter(notice=notice, payer=payer).count() == 1
    assert NoticeRead.objects.get(notice=notice, payer=payer).read_at == first_read
    page = client.get(reverse("m:si_notice_list")).content.decode()
    assert f'data-id="{notice.pk}"' in page and "unread-mark" not in page
    assert ChangeLog.objects.filter(content_type__model="noticeread", action="create").exists()
    assert services.read_stats(notice) == {"audience": 2, "read": 1, "unread": 1, "rate": 50.0}
    client.force_login(other.user)
    client.post(reverse("m:si_notice_read", args=[notice.pk]))
    assert services.read_stats(notice)["read"] == 2
    client.force_login(admin)
    page = client.get(reverse("gov:si_notice_detail", args=[notice.pk])).content.decode()
    assert 'id="stat-audience">2<' in page and 'id="stat-read">2<' in page


# == sorting ====================================================================================
def test_payer_list_sorts_by_time_document_number_level_and_category(client, admin, payer):
    a = published(admin, document_no="南税发〔2021〕3号", level=3, category=1)
    b = published(admin, document_no="南税发〔2021〕1号", level=1, category=4)
    c = published(admin, document_no="南税发〔2021〕2号", level=2, category=2)
    Notice.objects.filter(pk=a.pk).update(published_at=timezone.now() - datetime.timedelta(days=1))
    Notice.objects.filter(pk=b.pk).update(published_at=timezone.now() - datetime.timedelta(days=3))
    Notice.objects.filter(pk=c.pk).update(published_at=timezone.now() - datetime.timedelta(days=2))
    client.force_login(payer.user)
    expected = {"time": [a, c, b], "docno": [b, c, a], "level": [b, c, a], "category": [a, c, b]}
    for sort, order in expected.items():
        page = client.get(reverse("m:si_notice_list"), {"sort": sort}).content.decode()
        ids = [int(x) for x in re.findall(r'notice-row[^"]*" data-id="(\d+)"', page)]
        assert ids == [n.pk for n in order], sort
    assert [n.pk for n in services.payer_list(payer, "nonsense")] == [a.pk, c.pk, b.pk]


# == staff scope ================================================================================
def test_other_city_staff_get_404_and_see_nothing(client, admin):
    notice = published(admin, title="南宁专属通知")
    liuzhou_clerk = tax_user("450200", "si_tax_clerk")
    liuzhou_admin = tax_user("450200")
    client.force_login(liuzhou_clerk)
    assert client.get(reverse("gov:si_notice_detail", args=[notice.pk])).status_code == 404
    assert "南宁专属通知" not in client.get(reverse("gov:si_notice_list")).content.decode()
    client.force_login(liuzhou_admin)
    assert client.post(reverse("gov:si_notice_withdraw", args=[notice.pk]), {"reason": "x"}).status_code == 404
    other_draft = draft(admin)
    assert client.get(reverse("gov:si_notice_edit", args=[other_draft.pk])).status_code == 404
    assert client.post(reverse("gov:si_notice_publish", args=[other_draft.pk])).status_code == 404
    assert client.post(reverse("gov:si_notice_audience", args=[other_draft.pk]), {"id_numbers": "x"}).status_code == 404
    # a region he does not govern is refused in the form
    response = client.post(reverse("gov:si_notice_create"), {
        "title": "越权", "level": 3, "category": 2, "issuer": "x", "content": "x",
        "region": Region.objects.get(code="450100").pk, "valid_from": TODAY.isoformat(),
        "push_frequency": "none", "audience": "all"})
    assert response.status_code == 400 and "只能选择您管辖范围内的辖区" in response.content.decode()
    assert not Notice.objects.filter(title="越权").exists()
    for user in (tax_user("450100", "si_tax_clerk"), tax_user("450000", "si_tax_clerk")):
        client.force_login(user)
        page = client.get(reverse("gov:si_notice_detail", args=[notice.pk]))
        assert page.status_code == 200 and "撤回通知" not in page.content.decode()  # clerks only view
        assert client.get(reverse("gov:si_notice_list")).status_code == 200
    assert client.get(reverse("gov:si_notice_create")).status_code == 403


# == bad input ==================================================================================
def test_bad_attachment_and_dates_are_field_errors_and_nothing_is_saved(client, admin):
    client.force_login(admin)
    base = {"title": "带附件的通知", "level": 3, "category": 2, "issuer": "国家税务总局南宁市税务局", "content": "正文",
            "region": Region.objects.get(code="450100").pk, "valid_from": TODAY.isoformat(),
            "push_frequency": "none", "audience": "all"}
    before = Attachment.all_objects.count()
    for upload in (SimpleUploadedFile("通知.exe", b"MZ\x90\x00" + b"\x00" * 100),
                   SimpleUploadedFile("通知.pdf", b"<html><script>alert(1)</script></html>"),
                   SimpleUploadedFile("音频.mp3", b"ID3\x03\x00\x00\x00" + b"\x00" * 200)):
        response = client.post(reverse("gov:si_notice_create"), {**base, "attachment": upload})
        assert response.status_code == 400, upload.name
        assert re.search(r'id="field-attachment">.*?invalid-feedback d-block">[^<]*[\u4e00-\u9fff]',
                         response.content.decode(), re.S), upload.name
    response = client.post(reverse("gov:si_notice_create"), {
        **base, "valid_until": (TODAY - datetime.timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "有效期止不能早于有效期起" in response.content.decode()
    response = client.post(reverse("gov:si_notice_create"), {**base, "title": "", "level": 9})
    assert response.status_code == 400
    assert not Notice.all_objects.filter(title="带附件的通知").exists()
    assert Attachment.all_objects.count() == before


# == attachments for payers =====================================================================
def test_payer_downloads_attachments_of_notices_addressed_to_them_only(client, admin, payer):
    targeted = make_payer("王五")
    notice = draft(admin, audience="persons")
    from kernel.files.services import store

    attachment = store(notice, SimpleUploadedFile("缴费指南.pdf", PDF), services.ATTACHMENT_PURPOSE, admin)
    services.set_audience(notice, admin, targeted.id_number)
    services.publish(notice, admin)
    url = reverse("m:si_notice_file", args=[notice.pk, attachment.pk])
    client.force_login(targeted.user)
    detail = client.get(reverse("m:si_notice_detail", args=[notice.pk])).content.decode()
    assert url in detail and "缴费指南.pdf" in detail
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert OperationLog.objects.filter(action="download", actor=targeted.user,
                                       detail__attachment_id=attachment.pk).exists()
    client.force_login(payer.user)
    assert client.get(url).status_code == 404


# == operation manual ===========================================================================
MANUAL_TEXT = "# 注册与登录\n输入手机号码和短信验证码登录。\n# 缴费申报\n选择险种、所属期和缴费基数后确认申报。"


def test_manual_versions_and_bad_input(client, admin):
    client.force_login(admin)
    response = client.post(reverse("gov:si_notice_manual_create"), {
        "version": "一点零", "released_on": TODAY.isoformat(), "changes": "", "content": "没有标题的正文"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "版本号格式应为" in page and "正文须以“# 章节标题”开头" in page and "请填写本次更新的功能" in page
    assert not ManualVersion.objects.exists()
    response = client.post(reverse("gov:si_notice_manual_create"), {
        "version": "v1.2", "released_on": TODAY.isoformat(), "changes": "新增退费申请", "content": MANUAL_TEXT,
        "video_url": "https://example.gov.cn/manual.mp4"})
    assert response.status_code == 302
    manual = services.current_manual()
    assert manual.version == "V1.2" and [s["title"] for s in manual.sections] == ["注册与登录", "缴费申报"]
    assert ChangeLog.objects.filter(content_type__model="manualversion", action="create").exists()
    response = client.post(reverse("gov:si_notice_manual_create"), {
        "version": "V1.2", "released_on": TODAY.isoformat(), "changes": "x", "content": MANUAL_TEXT})
    assert response.status_code == 400 and "已存在" in response.content.decode()


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "manual.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out


def test_manual_pdf_is_a_real_pdf_watermarked_with_masked_name_and_time(client, payer, tmp_path):
    from domains.si_fee.notices.demo import seed

    seed(1, None)
    client.force_login(payer.user)
    page = client.get(reverse("m:si_notice_manual")).content.decode()
    assert "V1.1" in page and "委托扣款协议" in page and "退费申请" in page and "短信验证码" in page
    before = timezone.localtime()
    response = client.get(reverse("m:si_notice_manual_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and b"%%EOF" in response.content[-1024:]
    text = _pdf_text(response.content, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "缴费申报" in text and "委托扣款协议" in text
    assert payer.name not in flat  # the full name never appears
    stamp = f"张*{before:%Y-%m-%d}"
    info = subprocess.run(["pdfinfo", str(tmp_path / "manual.pdf")], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2
    assert flat.count(stamp) >= pages * 3, "the watermark repeats on every page"
    for n in range(1, pages + 1):
        one = subprocess.run(["pdftotext", "-raw", "-f", str(n), "-l", str(n), str(tmp_path / "manual.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
        assert stamp in re.sub(r"\s+", "", one), f"page {n} has no watermark"
    log = OperationLog.objects.get(action="si_manual_download")
    assert log.detail["version"] == "V1.1" and log.detail["watermark"].startswith("张* ")


def test_demo_seed_notices_are_real_and_idempotent(payer):
    from domains.si_fee.notices.demo import seed

    seed(1, None)
    seed(1, None)
    assert ManualVersion.objects.count() == 2
    nanning = Notice.objects.get(document_no="南税发〔2021〕6号")
    assert nanning.status == "published" and "3153.9" in nanning.content
    titles = {n.title for n in services.notices_for(payer)}
    assert nanning.title in titles and any("退费申请" in t for t in titles)
    assert services.mask_name("王小明") == "王*明" and services.mask_name("欧阳明华") == "欧**华"


def test_service_home_pops_up_due_notices_once_per_login(client, admin, payer):
    notice = published(admin, title="每次登录都提醒的通知", push_frequency="every_login")
    client.force_login(payer.user)
    home = client.get(reverse("m:si_home"))
    assert home.status_code == 200
    page = home.content.decode()
    assert 'id="si-notice-push"' in page and "每次登录都提醒的通知" in page
    assert 'id="si-notice-push"' not in client.get(reverse("m:si_home")).content.decode()
    client.logout()
    client.force_login(payer.user)
    assert "每次登录都提醒的通知" in client.get(reverse("m:si_home")).content.decode()
    services.withdraw(notice, admin, "撤回")
    client.logout()
    client.force_login(payer.user)
    assert 'id="si-notice-push"' not in client.get(reverse("m:si_home")).content.decode()


def test_back_office_manual_pages_and_empty_manual(client, admin, payer):
    client.force_login(payer.user)
    assert "暂无操作手册" in client.get(reverse("m:si_notice_manual")).content.decode()
    assert client.get(reverse("m:si_notice_manual_pdf")).status_code == 404
    from domains.si_fee.notices.demo import seed

    seed(1, None)
    client.force_login(admin)
    page = client.get(reverse("gov:si_notice_manuals")).content.decode()
    assert "V1.1" in page and "现行" in page
    v11 = ManualVersion.objects.get(version="V1.1")
    assert "委托扣款协议" in client.get(reverse("gov:si_notice_manual_detail", args=[v11.pk])).content.decode()
    response = client.get(reverse("gov:si_notice_manual_pdf", args=[v11.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert client.get(reverse("gov:si_notice_manual_create")).status_code == 200
    clerk = tax_user("450200", "si_tax_clerk")
    client.force_login(clerk)
    assert client.get(reverse("gov:si_notice_manuals")).status_code == 200
    assert client.get(reverse("gov:si_notice_manual_create")).status_code == 403
