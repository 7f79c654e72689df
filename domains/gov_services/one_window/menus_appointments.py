"""Menu entries and home cards of online appointments (imported by OneWindowConfig.ready())."""
from kernel.ui.home import HomeCard
from kernel.ui.home import register as register_card
from kernel.ui.menu import MenuItem, registry

SECTION = "一窗受理"
registry.add(MenuItem(SECTION, "预约时段", "gov:gs_slots", perm=("gs_window.view_slot", "gs_window.add_slot"),
                      icon="bi-calendar-plus", order=30))
registry.add(MenuItem(SECTION, "预约到窗", "gov:gs_appointments", perm="gs_window.view_appointment",
                      icon="bi-calendar-check", order=31))


def _todays(user):
    from django.utils import timezone

    from .models import Appointment

    return Appointment.objects.visible_to(user).filter(slot__date=timezone.localdate(),
                                                       status=Appointment.Status.BOOKED).count()


def _my_live(user):
    from .models import Appointment

    return Appointment.objects.visible_to(user).filter(applicant=user, status=Appointment.Status.BOOKED).count()


register_card(HomeCard("今日待到窗预约", "bi-calendar-check", "gs_window.view_appointment", _todays,
                       "gov:gs_appointments", order=61))
register_card(HomeCard("我的预约", "bi-calendar-check", "", _my_live, "m:gs_m_appointments", entrance="m", order=30))
