"""Business calendar: Chinese public holidays and make-up working days (调休) as editable data,
and working-time schedules (office hours, 7x24) used by statutory time limits and SLAs."""
import datetime

from django.core.exceptions import ValidationError
from django.db import models


class CalendarDay(models.Model):
    """An exception to the Monday-Friday rule: a holiday on a weekday or a make-up working day
    on a weekend. Ordinary weekdays and weekends are not stored."""

    audit_enabled = True

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日（休）"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("节日", max_length=30)
    provisional = models.BooleanField("待国务院通知确认", default=False,
                                      help_text="按节日规则预排，国务院办公厅通知发布后请核对并取消勾选")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"

    def clean(self):
        if self.date is None:
            return
        weekend = self.date.weekday() >= 5
        if self.kind == self.Kind.WORKDAY and not weekend:
            raise ValidationError({"kind": "调休上班日应为周六或周日"})


class Schedule(models.Model):
    """When the clock runs: office hours on working days, or round the clock."""

    audit_enabled = True

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=60)
    working_days_only = models.BooleanField("仅工作日", default=True, help_text="取消勾选表示每天都计时（如7×24）")
    periods = models.JSONField("时段", default=list,
                               help_text='每天的计时时段，如 [["08:00","12:00"],["14:30","17:30"]]；空表示全天')

    class Meta:
        verbose_name = verbose_name_plural = "计时时段方案"
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            parsed = self.parsed_periods()
        except (TypeError, ValueError):
            raise ValidationError({"periods": "时段格式应为 [[\"08:00\",\"12:00\"], ...]"}) from None
        for (a, b), nxt in zip(parsed, parsed[1:] + [None], strict=True):
            if a >= b:
                raise ValidationError({"periods": "每个时段的开始时间必须早于结束时间"})
            if nxt is not None and nxt[0] < b:
                raise ValidationError({"periods": "时段须按时间先后排列且不重叠"})

    def parsed_periods(self) -> list[tuple[datetime.time, datetime.time]]:
        if not self.periods:
            return [(datetime.time(0, 0), datetime.time.max)]
        return [(datetime.time.fromisoformat(a), datetime.time.fromisoformat(b)) for a, b in self.periods]
