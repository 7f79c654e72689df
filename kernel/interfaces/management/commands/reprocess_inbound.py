"""Process stored inbound messages again (after the cause of their failure is fixed).

    manage.py reprocess_inbound --id 42 [--id 43]
    manage.py reprocess_inbound --failed [--endpoint org.enterprise_upsert] [--limit 500]
"""
from django.core.management.base import BaseCommand, CommandError

from kernel.interfaces import services
from kernel.interfaces.models import InboundMessage


class Command(BaseCommand):
    help = "Reprocess inbound messages: given ids, or every failed one (oldest first)."

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, action="append", dest="ids", default=[], help="message id (repeatable)")
        parser.add_argument("--failed", action="store_true", help="all messages in status failed")
        parser.add_argument("--endpoint", default="", help="with --failed: only this endpoint")
        parser.add_argument("--limit", type=int, default=1000, help="with --failed: at most this many (default 1000)")

    def handle(self, *args, ids, failed, endpoint, limit, **options):
        if not ids and not failed:
            raise CommandError("请指定 --id N 或 --failed")
        if ids:
            found = {m.pk: m for m in InboundMessage.objects.filter(pk__in=ids)}
            missing = [i for i in ids if i not in found]
            if missing:
                raise CommandError(f"报文不存在：{', '.join(map(str, missing))}")
            messages = [found[i] for i in ids]
        else:
            qs = InboundMessage.objects.filter(status=InboundMessage.Status.FAILED)
            if endpoint:
                qs = qs.filter(endpoint=endpoint)
            messages = list(qs.order_by("received_at", "pk")[:limit])
        counts = {}
        for message in messages:
            try:
                outcome = services.reprocess(message)
            except services.InterfaceError as exc:
                self.stdout.write(f"#{message.pk} 跳过：{exc}")
                counts["skipped"] = counts.get("skipped", 0) + 1
                continue
            status = outcome.message.status
            counts[status] = counts.get(status, 0) + 1
            first_line = outcome.message.error.splitlines()[0] if outcome.message.error else ""
            self.stdout.write(f"#{message.pk} {outcome.message.endpoint} → {outcome.message.get_status_display()}"
                              + (f"：{first_line}" if first_line else ""))
        labels = dict(InboundMessage.Status.choices, skipped="跳过")
        summary = "，".join(f"{labels.get(k, k)}{v}条" for k, v in sorted(counts.items())) or "没有需要处理的报文"
        self.stdout.write(f"共{len(messages)}条：{summary}")
