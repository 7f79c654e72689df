import datetime

from django.db import transaction

from .data.holidays import HOLIDAYS, MAKEUP_WORKDAYS, PROVISIONAL_YEARS
from .models import CalendarDay, Schedule

SCHEDULES = [
    ("office", "机关工作时间（工作日 8:00-12:00、14:30-17:30）", True, [["08:00", "12:00"], ["14:30", "17:30"]]),
    ("workday_24h", "工作日全天", True, []),
    ("always", "7×24小时", False, []),
]


@transaction.atomic
def load():
    """Holidays, make-up days and the standard schedules; keeps rows an operator already edited."""
    count = 0
    for year, spans in HOLIDAYS.items():
        for first, last, name in spans:
            day = datetime.date.fromisoformat(first)
            while day <= datetime.date.fromisoformat(last):
                _, made = CalendarDay.objects.get_or_create(date=day, defaults={
                    "kind": CalendarDay.Kind.HOLIDAY, "name": name, "provisional": year in PROVISIONAL_YEARS})
                count += made
                day += datetime.timedelta(days=1)
        for date, name in MAKEUP_WORKDAYS[year]:
            _, made = CalendarDay.objects.get_or_create(date=datetime.date.fromisoformat(date), defaults={
                "kind": CalendarDay.Kind.WORKDAY, "name": name, "provisional": year in PROVISIONAL_YEARS})
            count += made
    for code, name, working_days_only, periods in SCHEDULES:
        Schedule.objects.get_or_create(code=code, defaults={
            "name": name, "working_days_only": working_days_only, "periods": periods})
    return CalendarDay.objects.count()
