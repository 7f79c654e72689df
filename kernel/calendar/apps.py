from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "kernel.calendar"
    label = "bizcalendar"
    verbose_name = "工作日历"

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        registry.add(MenuItem("系统管理", "工作日历", "gov:calendar", "bizcalendar.view_calendarday", "bi-calendar3",
                              order=27))

    def load_reference(self):
        from .reference import load

        return f"节假日与调休{load()}天"
