"""Demo appointments: slots for the next 10 working days at the 兴宁区 windows that demo_catalogue made
(capacity 5), and a few appointments of citizen_demo. Idempotent (runs after demo_catalogue)."""
import datetime

from django.utils import timezone

XINGNING = "450102"


def seed(scale, out):
    from kernel.accounts.models import User
    from kernel.calendar.services import next_working_day

    from . import services
    from .models import Appointment, Matter, Slot, Window

    windows = [w for w in Window.objects.filter(region__code=XINGNING, active=True).order_by("number")]
    if not windows:
        return ""
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    first = next_working_day(timezone.localdate())
    last = first
    for _ in range(9):
        last = next_working_day(last)
    created = sum(services.open_slots(w, first, last, services.APPOINTMENT_PERIODS, 5, admin) for w in windows)
    citizen = User.objects.filter(username="citizen_demo").first()
    booked = 0
    if citizen is not None and citizen.id_number and citizen.phone and \
            not Appointment.objects.filter(applicant=citizen).exists():
        matters = Matter.objects.filter(status=Matter.Status.PUBLISHED, bookable=True,
                                        region__code=XINGNING).order_by("code")
        day = first
        for matter in matters:
            if booked >= 3:
                break
            slot = next((s for s in services.free_slots(matter, day) if s.start >= datetime.time(9)), None)
            if slot is None:
                continue
            services.book(matter, Slot.objects.select_related("window__region", "window__centre").get(pk=slot.pk),
                          citizen, citizen.real_name or "张三", citizen.id_number, citizen.phone)
            booked += 1
            day = next_working_day(day)
    return f"预约时段{created}个，演示预约{booked}个"
