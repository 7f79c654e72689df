import time

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Build the Guangxi demo dataset and one user per role. --scale N multiplies the volume "
        "(scale 1: about 500 enterprises; the benchmarks use thousands). Each app adds its part "
        "through AppConfig.seed_demo(scale, out)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="volume multiplier (default 1)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when demo data already exists")
        parser.add_argument("--only", default="", help="comma-separated app labels: run only their seeders (e.g. a "
                                                        "benchmark's volume on top of a scale-1 dataset)")

    def handle(self, *args, scale=1, if_empty=False, only="", **options):
        from kernel.accounts.models import User

        if if_empty and User.objects.filter(username="admin").exists():
            self.stdout.write("演示数据已存在，跳过。")
            return
        if scale < 1:
            raise SystemExit("--scale 必须为正整数")
        from django.utils import timezone

        from kernel.notify.services import record_as_history

        labels = {label.strip() for label in only.split(",") if label.strip()}
        unknown = labels - {config.label for config in apps.get_app_configs()}
        if unknown:
            raise SystemExit(f"--only 中的应用不存在：{', '.join(sorted(unknown))}")
        call_command("load_reference", stdout=self.stdout)
        for config in apps.get_app_configs():
            if labels and config.label not in labels:
                continue
            seeder = getattr(config, "seed_demo", None)
            if callable(seeder):
                started, since = time.monotonic(), timezone.now()
                summary = seeder(scale, self.stdout)
                # The SMS an app's demo story sends are history (sent two days ago by the "demo" gateway): they
                # neither reach an SMS platform now nor use up today's per-phone limits of the demo phones.
                record_as_history(since)
                self.stdout.write(f"[{config.label}] {summary} ({time.monotonic() - started:.1f}s)")
