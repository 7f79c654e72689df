from django.core.management.base import BaseCommand, CommandError

from kernel.alerts import scanner
from kernel.alerts.registry import all_definitions


class Command(BaseCommand):
    help = "Scan warning rules (all, or --rule CODE) and print what each scan found."

    def add_arguments(self, parser):
        parser.add_argument("--rule", help="rule code")

    def handle(self, *args, rule=None, **options):
        codes = [rule] if rule else list(all_definitions())
        for code in codes:
            if code not in all_definitions():
                raise CommandError(f"没有编码为 {code} 的预警规则")
            self.stdout.write(f"{code}: {scanner.scan(code)}")
