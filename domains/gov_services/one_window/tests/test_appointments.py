"""Online appointments: slots, booking (capacity under concurrency), cancel, reschedule, scope, SMS."""
import datetime
import random
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from domains.gov_services.one_window import services
from domains.gov_services.one_window.models import Appointment, Matter, Slot, Window
from kernel.accounts.models import User
from kernel.calendar.models import CalendarDay
from kernel.calendar.services import next_working_day
from kernel.core.testing import PASSWORD, make_agency, make_staff, race
from kernel.notify.models import SmsMessage
from kernel.org.models import Region
from kernel.org.validators import id_check_char

pytestmark = pytest.mark.django_db
XINGNING = "450102"


def idno(seq):
    first = f"45010219900101{seq:03d}"
    return first + id_check_char(first)


def citizen(seq=1):
    return User.objects.create_user(username=f"cit{seq}", password=PASSWORD, kind="citizen", real_name=f"市民{seq}",
                                    phone=f"1390771{seq:04d}", id_number=idno(seq), must_change_password=False)


def world(capacity=5):
    region = Region.objects.get(code=XINGNING)
    dept = make_agency(XINGNING)
    matter = Matter.objects.create(code=f"GS-{Matter.objects.count() + 1}", name="不动产登记", category="housing",
                                   department=dept, region=region, statutory_days=20, promised_days=5,
                                   status=Matter.Status.PUBLISHED, bookable=True, version=1)
    window = Window.objects.create(region=region, centre=dept, name="不动产综合窗口", number="3",
                                   categories=["housing", "fund"])
    day = next_working_day(timezone.localdate())
    slot = Slot.objects.create(window=window, date=day, start=datetime.time(9), end=datetime.time(10), capacity=capacity)
    return matter, window, slot


def book(matter, slot, user, seq=1, **kw):
    args = dict(name=f"市民{seq}", id_number=idno(seq), phone=f"1390771{seq:04d}") | kw
    return services.book(matter, slot, user, **args)


def test_open_slots_on_working_days_only_and_not_twice():
    matter, window, _ = world()
    admin = make_staff(XINGNING, ["gs_window.add_slot"])
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())
    CalendarDay.objects.create(date=monday + datetime.timedelta(days=2), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    n = services.open_slots(window, monday, monday + datetime.timedelta(days=6), services.APPOINTMENT_PERIODS, 5, admin)
    assert n == 4 * 6 - 1  # Mon-Fri minus the holiday, six periods, minus the slot world() made
    assert services.open_slots(window, monday, monday + datetime.timedelta(days=6), services.APPOINTMENT_PERIODS, 5,
                               admin) == 0
    with pytest.raises(ValidationError) as e:
        services.open_slots(window, monday, monday - datetime.timedelta(days=1), [("09:00", "10:00")], 5, admin)
    assert "结束日期不能早于开始日期" in str(e.value)


def test_capacity_never_below_booked():
    matter, window, slot = world(capacity=3)
    user = citizen()
    book(matter, slot, user, 1)
    book(matter, slot, user, 2)
    with pytest.raises(ValidationError) as e:
        services.set_slot_capacity(slot, 1, None)
    assert "不能少于已预约人数（2人）" in str(e.value)
    services.set_slot_capacity(slot, 2, None)
    assert Slot.objects.get(pk=slot.pk).capacity == 2


def test_booking_gives_a_number_and_one_sms(django_capture_on_commit_callbacks):
    matter, window, slot = world()
    user = citizen()
    with django_capture_on_commit_callbacks(execute=False):
        appt = book(matter, slot, user)
    assert appt.no == f"YY{timezone.localdate():%Y%m%d}{appt.pk:06d}"
    assert Slot.objects.get(pk=slot.pk).booked == 1
    sms = SmsMessage.objects.get(idempotency_key=f"gs_appt:{appt.no}")
    assert appt.no in sms.content and "不动产登记" in sms.content
    from kernel.notify.services import send_sms

    send_sms(appt.phone, "gs_appointment_booked", services._sms_params(appt), key=f"gs_appt:{appt.no}")  # again: no second
    assert SmsMessage.objects.filter(phone=appt.phone).count() == 1
    from kernel.audit.models import ChangeLog

    assert ChangeLog.objects.filter(object_id=str(appt.pk)).exists()


def test_rules_refuse_bad_bookings():
    matter, window, slot = world()
    user = citizen()
    with pytest.raises(ValidationError) as e:
        book(matter, slot, user, id_number="450102199001011230")
    assert "身份证号码校验位错误" in e.value.message_dict["id_number"][0]
    assert not Appointment.objects.exists() and Slot.objects.get(pk=slot.pk).booked == 0
    past = Slot.objects.create(window=window, date=timezone.localdate() - datetime.timedelta(days=1),
                               start=datetime.time(9), end=datetime.time(10), capacity=5)
    with pytest.raises(ValidationError, match="已过去"):
        book(matter, past, user)
    holiday = next_working_day(slot.date)
    CalendarDay.objects.create(date=holiday, kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    on_holiday = Slot.objects.create(window=window, date=holiday, start=datetime.time(9), end=datetime.time(10), capacity=5)
    with pytest.raises(ValidationError, match="不是工作日"):
        book(matter, on_holiday, user)
    book(matter, slot, user)
    other = Slot.objects.create(window=window, date=slot.date, start=datetime.time(10), end=datetime.time(11), capacity=5)
    with pytest.raises(ValidationError, match="不能重复预约"):
        book(matter, other, user)
    police = Window.objects.create(region=window.region, centre=window.centre, name="公安窗口", number="9",
                                   categories=["police"])
    wrong = Slot.objects.create(window=police, date=slot.date, start=datetime.time(9), end=datetime.time(10), capacity=5)
    with pytest.raises(ValidationError, match="不受理此事项"):
        book(matter, wrong, user, 2)
    Matter.objects.filter(pk=matter.pk).update(bookable=False)
    matter.refresh_from_db()
    with pytest.raises(ValidationError, match="不接受预约"):
        book(matter, other, user, 3)
    assert Appointment.objects.count() == 1


def test_full_slot_refused_in_chinese():
    matter, window, slot = world(capacity=1)
    book(matter, slot, citizen(1), 1)
    with pytest.raises(ValidationError) as e:
        book(matter, slot, citizen(2), 2)
    assert e.value.message_dict["slot"] == [services.FULL]


def test_cancel_frees_the_place_and_reschedule_keeps_the_number(django_capture_on_commit_callbacks):
    matter, window, slot = world(capacity=1)
    user = citizen()
    with django_capture_on_commit_callbacks(execute=False):
        appt = book(matter, slot, user)
        later = Slot.objects.create(window=window, date=slot.date, start=datetime.time(14, 30),
                                    end=datetime.time(15, 30), capacity=1)
        moved = services.reschedule_appointment(appt, later, user)
    assert moved.no == appt.no and moved.slot_id == later.pk
    assert Slot.objects.get(pk=slot.pk).booked == 0 and Slot.objects.get(pk=later.pk).booked == 1
    with django_capture_on_commit_callbacks(execute=False):
        book(matter, slot, citizen(2), 2)  # the old place is free again
        with pytest.raises(ValidationError, match="约满"):
            services.reschedule_appointment(moved, slot, user)  # full now: nothing moves
        assert Appointment.objects.get(pk=appt.pk).slot_id == later.pk
        services.cancel_appointment(moved, user)
    assert Appointment.objects.get(pk=appt.pk).status == "cancelled"
    assert Slot.objects.get(pk=later.pk).booked == 0
    assert SmsMessage.objects.filter(idempotency_key=f"gs_appt_cancel:{appt.no}").count() == 1
    with pytest.raises(ValidationError, match="不能取消"):
        services.cancel_appointment(moved, user)
    assert Slot.objects.get(pk=later.pk).booked == 0  # never freed twice


def test_my_appointments_are_mine_only(client):
    matter, window, slot = world()
    mine, other = citizen(1), citizen(2)
    appt = book(matter, slot, mine, 1)
    client.force_login(other)
    assert client.get(f"/m/gs/appointments/{appt.pk}/").status_code == 404
    assert client.post(f"/m/gs/appointments/{appt.pk}/", {"action": "cancel"}).status_code == 404
    assert appt.no not in client.get("/m/gs/appointments/").content.decode()
    client.force_login(mine)
    page = client.get(f"/m/gs/appointments/{appt.pk}/").content.decode()
    assert appt.no in page and appt.id_number not in page
    client.post(f"/m/gs/appointments/{appt.pk}/", {"action": "cancel"})
    assert Appointment.objects.get(pk=appt.pk).status == "cancelled"


def test_booking_page_field_errors_and_success(client):
    matter, window, slot = world()
    user = citizen()
    client.force_login(user)
    url = f"/m/gs/appointments/new/?matter={matter.code}&date={slot.date.isoformat()}"
    page = client.get(url).content.decode()
    assert "09:00-10:00" in page and user.phone in page
    r = client.post(url, {"slot": slot.pk, "name": "市民1", "id_number": "12345", "phone": user.phone})
    assert r.status_code == 400 and "身份证号码应为18位" in r.content.decode()
    assert not Appointment.objects.exists()
    r = client.post(url, {"slot": slot.pk, "name": "市民1", "id_number": idno(1), "phone": user.phone})
    appt = Appointment.objects.get()
    assert r.status_code == 302 and appt.applicant == user and appt.created_by == user


def test_staff_sees_their_region_masked_and_marks_arrival(client):
    matter, window, slot = world()
    Slot.objects.filter(pk=slot.pk).update(date=timezone.localdate(), start=datetime.time(23, 58),
                                           end=datetime.time(23, 59))
    slot.refresh_from_db()
    if slot.date != next_working_day(slot.date - datetime.timedelta(days=1)):
        CalendarDay.objects.create(date=slot.date, kind=CalendarDay.Kind.WORKDAY, name="调休上班")
    appt = book(matter, slot, citizen())
    clerk = make_staff(XINGNING, ["gs_window.view_appointment", "gs_window.change_appointment"])
    stranger = make_staff("450202", ["gs_window.view_appointment", "gs_window.change_appointment"])
    client.force_login(stranger)
    assert appt.no not in client.get("/gov/gs/appointments/").content.decode()
    assert client.post("/gov/gs/appointments/", {"appointment": appt.pk}).status_code == 404
    with pytest.raises(ValidationError, match="不存在或不在您的管辖范围内"):
        services.appointment_for_acceptance(appt.no, stranger)
    client.force_login(clerk)
    page = client.get("/gov/gs/appointments/").content.decode()
    assert appt.no in page and appt.masked_id in page and appt.id_number not in page and appt.phone not in page
    client.post("/gov/gs/appointments/", {"appointment": appt.pk})
    assert Appointment.objects.get(pk=appt.pk).status == "arrived"
    assert services.appointment_for_acceptance(appt.no.lower(), clerk) == appt


def test_slots_page_opens_slots(client):
    matter, window, slot = world()
    admin = make_staff(XINGNING, ["gs_window.view_window", "gs_window.view_slot", "gs_window.add_slot",
                                  "gs_window.change_slot"])
    client.force_login(admin)
    assert "09:00-10:00" in client.get(f"/gov/gs/slots/?window={window.pk}").content.decode()
    start = next_working_day(slot.date)
    r = client.post("/gov/gs/slots/", {"action": "open", "window": window.pk, "date_from": start.isoformat(),
                                       "date_to": start.isoformat(), "periods": ["09:00-10:00", "10:00-11:00"],
                                       "capacity": 4})
    assert r.status_code == 302 and Slot.objects.filter(window=window, date=start, capacity=4).count() == 2
    r = client.post("/gov/gs/slots/", {"action": "open", "window": window.pk, "date_from": start.isoformat(),
                                       "date_to": start.isoformat(), "capacity": 0})
    assert r.status_code == 400 and "请至少选择一个时段" in r.content.decode()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_five_places():
    from django.core.management import call_command

    call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))
    matter, window, slot = world(capacity=5)
    users = [citizen(i) for i in range(1, 21)]
    barrier, ok, full, other = threading.Barrier(20), [], [], []

    def worker(i):
        try:
            barrier.wait()
            for _ in range(200):
                try:
                    ok.append(book(matter, Slot.objects.get(pk=slot.pk), users[i - 1], i).no)
                except ValidationError as exc:
                    (full if "约满" in str(exc) else other).append(str(exc))
                except OperationalError as exc:
                    # The SQLite test database is in memory with a shared cache: a writer there gets
                    # "table is locked" at once (no busy timeout), and the transaction was rolled back
                    # whole; retry it. (A file database waits: settings give timeout and BEGIN IMMEDIATE.)
                    if connection.vendor == "sqlite" and "locked" in str(exc):
                        time.sleep(random.uniform(0.002, 0.02))
                        continue
                    other.append(repr(exc))
                except Exception as exc:  # noqa: BLE001 - any other error is a failure, reported below
                    other.append(repr(exc))
                break
            else:
                other.append("still locked after 200 tries")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(1, 21)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert other == []
    assert len(ok) == 5 and len(set(ok)) == 5 and len(full) == 15
    assert Slot.objects.get(pk=slot.pk).booked == 5 and Appointment.objects.count() == 5
    assert SmsMessage.objects.filter(idempotency_key__startswith="gs_appt:").count() == 5


@pytest.mark.django_db(transaction=True)
def test_one_person_racing_for_two_slots_of_one_day_gets_one():
    """The duplicate check runs before the transaction; the partial unique constraint on (matter, ID
    number, date) of booked appointments settles a race between two requests of the same person."""
    from django.core.management import call_command

    call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))
    matter, window, slot = world(capacity=10)
    other_slot = Slot.objects.create(window=window, date=slot.date, start=datetime.time(10), end=datetime.time(11),
                                     capacity=10)
    user = citizen(1)
    slots = [slot, other_slot]
    results, other = race(10, lambda i: book(matter, Slot.objects.get(pk=slots[i % 2].pk), user, 1).no)
    assert other == []
    booked = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(booked) == 1 and len(refused) == 9
    assert all("不能重复预约" in str(e) for e in refused)
    assert Appointment.objects.filter(status="booked").count() == 1
    # the loser's place was given back: one place taken in all
    assert sum(Slot.objects.filter(pk__in=[slot.pk, other_slot.pk]).values_list("booked", flat=True)) == 1
    appt = Appointment.objects.get()
    assert appt.date == appt.slot.date


def test_cancelled_booking_does_not_block_a_new_one_and_reschedule_moves_the_date():
    matter, window, slot = world(capacity=5)
    user = citizen(1)
    appt = book(matter, slot, user, 1)
    services.cancel_appointment(appt, user)
    again = book(matter, slot, user, 1)
    later = Slot.objects.create(window=window, date=next_working_day(slot.date), start=datetime.time(9),
                                end=datetime.time(10), capacity=5)
    moved = services.reschedule_appointment(again, later, user)
    assert Appointment.objects.get(pk=moved.pk).date == later.date


def test_demo_seed_is_idempotent(django_capture_on_commit_callbacks):
    from domains.gov_services.one_window import demo_appointments

    assert demo_appointments.seed(1, None) == ""  # no windows yet: nothing to do
    matter, window, slot = world()
    User.objects.create_user(username="citizen_demo", password=PASSWORD, kind="citizen", real_name="张三",
                             phone="13771100001", id_number=idno(7))
    with django_capture_on_commit_callbacks(execute=False):
        first = demo_appointments.seed(1, None)
        again = demo_appointments.seed(1, None)
    assert first == "预约时段59个，演示预约1个" and again == "预约时段0个，演示预约0个"
    assert Slot.objects.filter(window=window).count() == 60
