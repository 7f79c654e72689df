"""证照送达 for the window staff: the list of their jurisdiction's deliveries (filters, export), registering the
courier's tracking number (SMS to the applicant, audit), receipt, window pickup and the door-to-door collection
of originals; bad tracking numbers get a Chinese field error and change nothing; another county gets 404."""
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from domains.gov_services.citizen import services
from domains.gov_services.one_window.models import Case
from kernel.audit.models import ChangeLog, OperationLog
from kernel.notify.models import SmsMessage

from .support import QINGXIU, XINGNING, World, citizen, clerk, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def case_for(world, user, *, complete=True):
    case = world.register()
    Case.all_objects.filter(pk=case.pk).update(applicant_user=user)
    case.refresh_from_db()
    if complete:
        for t in ("dispatch", "dept_accept", "complete"):
            case.workflow.apply(case, t, world.clerk)
    return case


def courier(world, user=None, complete=True, **kw):
    user = user or citizen()
    addr = services.save_address(user, None, {"recipient": "李四", "phone": "13907710088",
                                              "address": "南宁市兴宁区民族大道1号", "postcode": "530012"})
    case = case_for(world, user, complete=complete)
    return services.choose_delivery(user, case, method="courier", address=addr, **kw)


def url(d):
    return f"/gov/gs/deliveries/{d.pk}/"


def test_clerk_ships_with_tracking_number_audit_and_sms_then_marks_delivered(world):
    d = courier(world)
    c = client_for(world.clerk)
    page = c.get(url(d))
    assert page.status_code == 200
    html = page.content.decode()
    assert "13907710088" in html and 'id="ship-form"' in html  # staff see the full phone to ship
    resp = c.post(url(d), {"action": "ship", "carrier": "sf", "tracking_no": " sf 1234567890 "})
    assert resp.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.carrier, d.tracking_no, d.shipped_by) == ("shipped", "sf", "SF1234567890", world.clerk)
    assert OperationLog.objects.filter(action="gs_delivery_ship", actor=world.clerk,
                                       detail__tracking_no="SF1234567890").exists()
    assert ChangeLog.objects.filter(object_id=str(d.pk), action="update", actor=world.clerk).exists()
    sms = SmsMessage.objects.get(template__code="gs_delivery_shipped")
    assert sms.phone == d.case.applicant_phone and "SF1234567890" in sms.content and "顺丰速运" in sms.content
    assert d.case.no in sms.content
    # a second registration is refused and sends nothing more
    assert c.post(url(d), {"action": "ship", "carrier": "ems", "tracking_no": "EA123456789CN"}).status_code == 400
    assert SmsMessage.objects.filter(template__code="gs_delivery_shipped").count() == 1
    assert c.post(url(d), {"action": "delivered"}).status_code == 302
    d.refresh_from_db()
    assert d.status == "delivered" and d.finished_by == world.clerk
    assert OperationLog.objects.filter(action="gs_delivery_delivered").count() == 1
    assert c.post(url(d), {"action": "delivered"}).status_code == 400
    # the applicant sees it on the H5 case page
    assert "SF1234567890" in client_for(d.case.applicant_user).get(f"/m/gs/me/cases/{d.case.pk}/").content.decode()


@pytest.mark.parametrize("tracking_no, message", [
    ("", "请填写快递单号"), ("   ", "请填写快递单号"), ("SF12", "8至30位"), ("SF-1234-5678", "8至30位"),
    ("顺丰1234567890", "8至30位"), ("1" * 31, "8至30位"), ("<script>1234567890", "8至30位"),
])
def test_bad_tracking_number_field_error_and_nothing_changes(world, tracking_no, message):
    d = courier(world)
    before = ChangeLog.objects.count()
    resp = client_for(world.clerk).post(url(d), {"action": "ship", "carrier": "ems", "tracking_no": tracking_no})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert message in html and "is-invalid" in html and "<script>1234567890" not in html
    d.refresh_from_db()
    assert (d.status, d.tracking_no, d.carrier, d.shipped_at) == ("pending", "", "", None)
    assert not SmsMessage.objects.filter(template__code="gs_delivery_shipped").exists()
    assert not OperationLog.objects.filter(action="gs_delivery_ship").exists()
    assert ChangeLog.objects.count() == before


def test_unknown_carrier_is_a_field_error(world):
    d = courier(world)
    with pytest.raises(ValidationError) as exc:
        services.ship_delivery(world.clerk, d, "SF1234567890", "ups")
    assert exc.value.message_dict == {"carrier": ["请选择快递公司"]}
    d.refresh_from_db()
    assert d.status == "pending"


def test_another_county_gets_404_and_changes_nothing(world):
    d = courier(world)
    other = world.other  # a window clerk of 青秀区
    other_admin = clerk(QINGXIU, role="gs_centre_admin")
    for user in (other, other_admin):
        c = client_for(user)
        assert c.get(url(d)).status_code == 404
        assert c.post(url(d), {"action": "ship", "carrier": "sf", "tracking_no": "SF1234567890"}).status_code == 404
        assert d.case.no not in c.get("/gov/gs/deliveries/").content.decode()
        with pytest.raises(PermissionDenied):
            services.ship_delivery(user, d, "SF1234567890")
    d.refresh_from_db()
    assert d.status == "pending" and not d.tracking_no
    assert not SmsMessage.objects.filter(template__code="gs_delivery_shipped").exists()
    # the county's centre administrator may (region_tree of 兴宁区); a citizen may not open the staff page
    admin = clerk(XINGNING, role="gs_centre_admin")
    assert client_for(admin).get(url(d)).status_code == 200
    assert client_for(d.case.applicant_user).get(url(d)).status_code in (302, 403)


def test_ship_only_completed_courier_cases(world):
    d = courier(world, complete=False)
    resp = client_for(world.clerk).post(url(d), {"action": "ship", "carrier": "ems", "tracking_no": "EA123456789CN"})
    assert resp.status_code == 400 and "办结后才能寄送" in resp.content.decode()
    d.refresh_from_db()
    assert d.status == "pending"
    u = citizen()
    pickup = services.choose_delivery(u, case_for(world, u), method="pickup")
    with pytest.raises(ValidationError, match="窗口自取"):
        services.ship_delivery(world.clerk, pickup, "EA123456789CN")


def test_window_pickup_registered_once_with_sms(world):
    u = citizen()
    case = case_for(world, u)
    d = services.choose_delivery(u, case, method="pickup")  # chosen after 办结: allowed until handed over
    c = client_for(world.clerk)
    assert 'id="mark-picked"' in c.get(url(d)).content.decode()
    assert c.post(url(d), {"action": "picked"}).status_code == 302
    d.refresh_from_db()
    assert d.status == "picked" and d.finished_by == world.clerk
    assert SmsMessage.objects.filter(template__code="gs_delivery_picked", phone=case.applicant_phone).count() == 1
    assert c.post(url(d), {"action": "picked"}).status_code == 400
    with pytest.raises(ValidationError, match="不能修改"):
        services.choose_delivery(u, case, method="pickup")
    assert OperationLog.objects.filter(action="gs_delivery_picked").count() == 1


def test_door_pickup_of_originals_collected_once(world):
    d = courier(world, complete=False, door_pickup=True, pickup_address="兴宁区朝阳路8号")
    c = client_for(world.clerk)
    listing = c.get("/gov/gs/deliveries/?originals=waiting").content.decode()
    assert d.case.no in listing and "待上门收件" in listing
    assert c.post(url(d), {"action": "originals"}).status_code == 302
    d.refresh_from_db()
    assert d.originals_collected_by == world.clerk and d.originals_collected_at
    assert OperationLog.objects.filter(action="gs_delivery_originals", detail__case=d.case.no).count() == 1
    resp = c.post(url(d), {"action": "originals"})
    assert resp.status_code == 400 and "原件已收取" in resp.content.decode()
    assert d.case.no not in c.get("/gov/gs/deliveries/?originals=waiting").content.decode()
    assert d.case.no in c.get("/gov/gs/deliveries/?originals=collected").content.decode()
    u = citizen()
    plain = services.choose_delivery(u, case_for(world, u), method="pickup")
    with pytest.raises(ValidationError, match="未申请上门"):
        services.collect_originals(world.clerk, plain)


def test_list_filters_and_masked_export(world):
    from openpyxl import load_workbook

    shipped = courier(world)
    services.ship_delivery(world.clerk, shipped, "EA123456789CN")
    u = citizen()
    pickup = services.choose_delivery(u, case_for(world, u, complete=False), method="pickup")
    c = client_for(world.clerk)
    page = c.get("/gov/gs/deliveries/?status=shipped").content.decode()
    assert shipped.case.no in page and pickup.case.no not in page and "139****0088" in page
    page = c.get("/gov/gs/deliveries/?method=pickup").content.decode()
    assert pickup.case.no in page and shipped.case.no not in page
    assert c.get("/gov/gs/deliveries/?keyword=EA123456789CN").content.decode().count(shipped.case.no) == 1
    assert shipped.case.no in c.get("/gov/gs/deliveries/?ready=completed").content.decode()
    resp = c.get("/gov/gs/deliveries/?method=courier&export=xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content)).active
    values = [[cell for cell in row] for row in ws.iter_rows(values_only=True)]
    flat = " ".join(str(v) for row in values for v in row if v is not None)
    assert shipped.case.no in flat and pickup.case.no not in flat
    assert "13907710088" not in flat and "139****0088" in flat
    assert OperationLog.objects.filter(action="export", actor=world.clerk, detail__object="证照送达").exists()
    # the menu offers the page to the window clerk
    assert "/gov/gs/deliveries/" in c.get("/gov/").content.decode()
