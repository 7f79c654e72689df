"""Scan the wage-arrears warning rules (欠薪预警, domains.labor.inspection.alerts) and, with --reminders, run
the guarantee expiry reminder job: what a daily cron or the scheduler runs. Prints each rule's counts
(matched / raised / level changed / released) and the time taken."""
import time

from django.core.management.base import BaseCommand, CommandError

from kernel.core import context


class Command(BaseCommand):
    help = "Full scan of the labour wage-arrears warning rules (--rule CODE for some), --reminders for guarantee SMS."

    def add_arguments(self, parser):
        parser.add_argument("--rule", action="append", default=[], help="rule code (repeatable); default: all")
        parser.add_argument("--reminders", action="store_true", help="also run the guarantee expiry reminders")
        parser.add_argument("--no-scan", action="store_true", help="skip the rule scan (reminders only)")

    def handle(self, *args, rule=(), reminders=False, no_scan=False, **options):
        from domains.labor.inspection.alerts import LABOUR_CODES
        from domains.labor.monitoring import jobs
        from kernel.alerts import scanner

        codes = list(rule) or LABOUR_CODES
        unknown = [code for code in codes if code not in LABOUR_CODES]
        if unknown:
            raise CommandError(f"没有编码为 {'、'.join(unknown)} 的欠薪预警规则；可选：{'、'.join(LABOUR_CODES)}")
        started = time.monotonic()
        with context.bind(context.RequestContext()):
            if not no_scan:
                for code in codes:
                    stats = scanner.scan(code)
                    self.stdout.write(
                        f"{code}: 匹配{stats.get('matched', 0)} 新增{stats.get('raised', 0)} "
                        f"升级{stats.get('changed', 0)} 解除{stats.get('released', 0)} ({stats.get('seconds', 0)}s)"
                        if "skipped" not in stats else f"{code}: 已停用，跳过")
            if reminders:
                result = jobs.guarantee_reminders()
                self.stdout.write(f"保函到期提醒：{result['reminded']}条（短信{result['sms']}条，"
                                  f"无有效手机号{result['no_phone']}条）")
        self.stdout.write(f"合计用时 {time.monotonic() - started:.1f}s")
