"""The O&M node's periodic work for one machine without Celery beat: every --interval seconds, collect the
samples that are due (each node's sampling interval), check the applications, scan the alarm rules, retry failed
reports, send scheduled reports and summarise/purge the samples. --once for a single round."""
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kernel.core import context


class Command(BaseCommand):
    help = "运维监控节点定时任务：采集、应用检测、告警扫描、上报重试与定时上报、汇总与清理"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=int, default=30)

    def handle(self, *args, once=False, interval=30, **options):
        from domains.ops.monitoring.services import tick

        while True:
            close_old_connections()
            try:
                with context.bind(context.RequestContext()):
                    result = tick()
            except Exception as exc:  # keep the loop alive; the next round retries
                self.stderr.write(f"运维监控定时任务出错：{exc}")
            else:
                self.stdout.write(f"采集{result['collected']}个节点，应用{result['apps']}，重试{result['retried']}条，"
                                  f"上报{result['reported']}条，清理{result['purged']}条")
            if once:
                return
            time.sleep(interval)
