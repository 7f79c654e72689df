"""Reconcile one day's bank file with our paid orders (default: yesterday). Prints the run's counts."""
import datetime

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "社保费对账：读取银行对账文件并与我方当日已缴订单核对（默认昨天）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="对账日期 YYYY-MM-DD（默认昨天）")

    def handle(self, *args, date=None, **options):
        from kernel.core import context

        from ...reconciliation import reconcile, yesterday

        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD") from None
        else:
            day = yesterday()
        with context.bind(context.RequestContext()):
            run = reconcile(day)
        line = (f"{day:%Y-%m-%d} 对账{run.get_status_display()}：银行文件{run.file_count}笔，我方{run.our_count}笔，"
                f"一致{run.matched}笔（转已上解{run.remitted_lines}条、转已入库{run.stored_lines}条明细），"
                f"我方有银行无{run.missing}笔，银行有我方无{run.extra}笔，金额不符{run.amount}笔，"
                f"新增差异{run.new_differences}条，耗时{run.duration_ms / 1000:.3f}秒")
        if run.status != "done":
            raise CommandError(f"{line}。{run.error}")
        self.stdout.write(line)
