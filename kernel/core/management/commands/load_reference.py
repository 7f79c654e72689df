from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load reference data every installation needs (regions, dictionaries, standard roles); idempotent."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            loader = getattr(config, "load_reference", None)
            if callable(loader):
                result = loader()
                self.stdout.write(f"{config.label}: {result}")
