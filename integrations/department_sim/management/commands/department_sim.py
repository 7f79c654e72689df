"""Demo: play a department system. `department_sim <code> list` shows its front-end cases;
`department_sim <code> progress <申报号> <correction|accept|complete> [--opinion 文字] [--lost]`."""
from django.core.management.base import BaseCommand, CommandError

from integrations.department_sim.simulator import Department


class Command(BaseCommand):
    help = "模拟部门业务系统：查看前置库办件，写入补正补齐/受理/办结回调并通知一窗平台"

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("action", choices=["list", "progress"])
        parser.add_argument("sbh", nargs="?")
        parser.add_argument("stage", nargs="?", choices=["correction", "accept", "complete"])
        parser.add_argument("--opinion", default="")
        parser.add_argument("--lost", action="store_true", help="只写前置库，不通知（模拟通知丢失）")

    def handle(self, code, action, sbh=None, stage=None, opinion="", lost=False, **options):
        dept = Department(code)
        if action == "list":
            for row in dept.db.cases():
                self.stdout.write(f"{row['sbh']} v{row['version']} {row['matter_code']} {row['status']}")
            return
        if not (sbh and stage):
            raise CommandError("progress 需要申报号和环节")
        answer = dept.progress(sbh, stage, opinion=opinion, notify=not lost)
        self.stdout.write("已写入前置库（未通知）" if answer is None else f"平台应答：{answer}")
