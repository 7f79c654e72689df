"""Run the inspections that are due (each active checklist once per day, ISO week or month), or one checklist
now. Scheduled by Celery beat as the task ops_inspections.run_due, or from cron / run_scheduler."""
from django.core.management.base import BaseCommand, CommandError

from kernel.core import context


class Command(BaseCommand):
    help = "Run due inspections (--checklist ID: that checklist now; --list: only show what is due)."

    def add_arguments(self, parser):
        parser.add_argument("--checklist", type=int, help="run this checklist now, due or not")
        parser.add_argument("--list", action="store_true", dest="list_only", help="list the due checklists without running them")

    def handle(self, *args, checklist=None, list_only=False, **options):
        from django.core.exceptions import ValidationError

        from ...models import Checklist, InspectionRun
        from ...services import due_checklists, run_due, run_inspection

        with context.bind(context.RequestContext()):
            if list_only:
                due = due_checklists()
                for c in due:
                    self.stdout.write(f"{c.pk}\t{c.system.name}\t{c.name}\t{c.get_frequency_display()}")
                self.stdout.write(f"到期巡检清单{len(due)}个")
                return
            if checklist is not None:
                found = Checklist.objects.filter(pk=checklist).first()
                if found is None:
                    raise CommandError(f"巡检清单{checklist}不存在")
                try:
                    runs = [(found, run_inspection(found, None, InspectionRun.Trigger.SCHEDULED), "")]
                except ValidationError as exc:
                    raise CommandError("；".join(exc.messages)) from exc
            else:
                runs = run_due()
            for c, run, error in runs:
                if run is None:
                    self.stderr.write(f"{c}：巡检失败：{error}")
                else:
                    self.stdout.write(f"{run.no} {c}：{run.targets_probed}个目标，正常{run.passed}，超限{run.breached}，"
                                      f"无法探测{run.failed}，待填写{run.pending}，{run.probe_seconds:.2f}秒")
            self.stdout.write(f"巡检{sum(1 for _, r, _ in runs if r)}次，失败{sum(1 for _, r, _ in runs if not r)}次")
