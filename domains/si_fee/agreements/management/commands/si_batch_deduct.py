import datetime

from django.core.management.base import BaseCommand, CommandError

from domains.si_fee.agreements import services
from domains.si_fee.agreements.models import BatchTask


class Command(BaseCommand):
    help = "执行到期的社保费批量扣款任务（委托银行扣款）；--task 只执行指定任务"

    def add_arguments(self, parser):
        parser.add_argument("--task", help="批扣任务号，如PK20210301000001")
        parser.add_argument("--date", help="以该日期为今天（YYYY-MM-DD），执行计划扣款日期不晚于该日的任务")

    def handle(self, *args, **options):
        day = None
        if options.get("date"):
            try:
                day = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("日期格式应为YYYY-MM-DD") from None
        if options.get("task"):
            task = BatchTask.objects.filter(batch_no=options["task"]).first()
            if task is None:
                raise CommandError(f"批扣任务{options['task']}不存在")
            ran = {task.batch_no: services.run_task(task, when=day)}
        else:
            ran = services.run_due(day)
        if not ran:
            self.stdout.write("没有到期的批扣任务")
        for batch_no, counts in ran.items():
            self.stdout.write(f"{batch_no}：已扣款{counts['deducted']}条，扣款失败{counts['failed']}条，"
                              f"已作废{counts['voided']}条，待批扣{counts['pending']}条，扣款中{counts['sending']}条")
