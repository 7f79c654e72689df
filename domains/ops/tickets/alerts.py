"""Escalation of ticket SLA clocks through the alert engine: one rule per clock, so that each deadline has its
own warning (one open warning per ticket and rule) and its own "before" and "at" breach.

* ops_ticket_response_sla: a ticket not yet accepted (first response), its response deadline near or past;
* ops_ticket_resolution_sla: a ticket not yet resolved whose clock runs (not waiting on the requester), its
  resolution deadline near or past.

Levels: yellow (预警) once the yellow threshold's share of the limit has elapsed (default 80 %, editable on the
rule page as the yellow level's threshold; the warning moment is stored on the ticket next to the deadline,
see sla.py, and recomputed when the threshold changes); red (超时) at the deadline itself (the red threshold,
100, is the deadline and is not a setting). Each rule's scan is one SQL query over the ticket table, served
by a partial index of the tickets whose clock still runs.

Notices: when a warning is raised or its level changes, the assignee (or, before assignment, the engineers of
the ticket's jurisdiction) get an in-app message, an SMS and a to-do; at red the O&M managers as well. Every
notice has a key made of the ticket, the clock, the level and the deadline, so a later scan never sends it
again (a deadline moved by a pause is a new deadline and is warned again)."""
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from kernel.alerts.registry import RuleDefinition, register

from .sla import RESOLUTION_RULE, RESPONSE_RULE
from .workflows import CLOCK_STATES, ENGINEER, MANAGER

CATEGORY = "运维服务管理"
DEFAULT_LEVELS = [{"level": "yellow", "threshold": 80}, {"level": "red", "threshold": 100}]
LEVEL_TEXT = {"yellow": "即将超时", "red": "已超时"}
SMS_TEMPLATES = [
    ("ops_ticket_sla_warning", "运维工单即将超时",
     "运维工单{no}（{title}）{phase}期限为{due}，即将超时，请尽快处理。"),
    ("ops_ticket_sla_breach", "运维工单已超时",
     "运维工单{no}（{title}）{phase}已超过期限{due}，请立即处理。"),
]


class TicketClock(RuleDefinition):
    category = CATEGORY
    subject = "ops_tickets.Ticket"
    default_levels = DEFAULT_LEVELS
    only_rise = False  # the level follows the clock: a recomputed deadline may lower it
    phase = ""
    phase_label = ""
    done_field = due_field = warn_field = ""

    def matches(self, rule, now=None):
        now = now or timezone.now()
        level = Case(When(**{f"{self.due_field}__lte": now}, then=Value("red")), default=Value("yellow"),
                     output_field=CharField())
        return (self.subjects()
                .filter(**{f"{self.done_field}__isnull": True, f"{self.warn_field}__isnull": False,
                           f"{self.warn_field}__lte": now}, status__in=CLOCK_STATES)
                .annotate(alert_level=level, alert_region=F("region_id"), alert_org=F("organisation_id"),
                          alert_repr=Concat(F("number"), Value(" "), F("title"), output_field=CharField()),
                          alert_value=Value(self.phase_label, output_field=CharField()))
                .order_by())  # no sort: the scan materialises the matches as a set

    def on_scan(self, rule, raised, changed):
        from kernel.alerts.models import Warning

        ids = sorted(set(raised.values_list("pk", flat=True)) | set(changed.values_list("pk", flat=True)))
        for start in range(0, len(ids), 2000):
            escalate(self, list(Warning.objects.filter(pk__in=ids[start:start + 2000])))


@register
class ResponseClock(TicketClock):
    code = RESPONSE_RULE
    name = "运维工单响应时限预警"
    description = ("尚未受理（首次响应）的运维工单：已用去响应时限的预警比例（黄色阈值，默认80%）为黄色预警，"
                   "到达响应期限为红色（超时）。通知处理工程师（未派单时为辖区运维工程师），超时同时通知运维服务管理员。")
    phase, phase_label = "response", "首次响应"
    done_field, due_field, warn_field = "responded_at", "response_due", "response_warn_at"


@register
class ResolutionClock(TicketClock):
    code = RESOLUTION_RULE
    name = "运维工单解决时限预警"
    description = ("尚未解决且正在计时（不含待用户反馈）的运维工单：已用去解决时限的预警比例（黄色阈值，默认80%）为黄色预警，"
                   "到达解决期限为红色（超时）。通知处理工程师（未派单时为辖区运维工程师），超时同时通知运维服务管理员。")
    phase, phase_label = "resolution", "解决"
    done_field, due_field, warn_field = "resolved_at", "resolution_due", "resolution_warn_at"


def escalate(rule_def, warnings):
    """The notices of warnings raised or changed by one scan (in batches): SMS and in-app messages through
    notify_many (keys make them once only), to-dos written in bulk (the same keys)."""
    from kernel.notify.services import notify_many
    from kernel.todos.models import Todo

    from .models import Ticket
    from .services import people_for

    by_ticket = {w.subject_id: w for w in warnings}
    tickets = list(Ticket.all_objects.filter(pk__in=by_ticket).select_related("assignee", "region"))
    ct = ContentType.objects.get_for_model(Ticket)
    people = {}

    def holders(region, role):
        if (region.pk, role) not in people:
            people[(region.pk, role)] = list(people_for(region, role))
        return people[(region.pk, role)]

    existing = set(Todo.objects.filter(content_type=ct, object_id__in=[str(t.pk) for t in tickets],
                                       key__startswith=f"sla:{rule_def.phase}:").values_list("object_id", "key"))
    notices, todos = [], []
    for ticket in tickets:
        warning = by_ticket[ticket.pk]
        level, due = warning.level, getattr(ticket, rule_def.due_field)
        if level not in LEVEL_TEXT or due is None:
            continue
        stamp = timezone.localtime(due).strftime("%Y%m%d%H%M")
        due_text = timezone.localtime(due).strftime("%m月%d日%H:%M")
        handlers = [ticket.assignee] if ticket.assignee_id else holders(ticket.region, ENGINEER)
        recipients = list(handlers)
        if level == "red":
            recipients += [m for m in holders(ticket.region, MANAGER) if m not in recipients]
        title = f"运维工单{rule_def.phase_label}{LEVEL_TEXT[level]}：{ticket.number} {ticket.title}"
        for user in recipients:
            notices.append(dict(
                user=user, title=title, body=f"{rule_def.phase_label}期限：{due_text}", url=ticket.get_absolute_url(),
                sms_template="ops_ticket_sla_breach" if level == "red" else "ops_ticket_sla_warning",
                sms_params={"no": ticket.number, "title": ticket.title[:20], "phase": rule_def.phase_label,
                            "due": due_text},
                key=f"ops_ticket:{ticket.pk}:{rule_def.phase}:{level}:{stamp}:{user.pk}", region=ticket.region,
                related=f"ops_tickets.ticket:{ticket.pk}"))
        wanted = [(f"sla:{rule_def.phase}:{level}:{stamp}", ticket.assignee, "" if ticket.assignee_id else ENGINEER)]
        if level == "red":
            wanted.append((f"sla:{rule_def.phase}:{level}:{stamp}:manager", None, MANAGER))
        for key, assignee, role in wanted:
            if (str(ticket.pk), key) in existing:
                continue
            existing.add((str(ticket.pk), key))
            todos.append(Todo(title=f"{title}"[:200], url=ticket.get_absolute_url(), assignee=assignee,
                              role_code=role, region=ticket.region, content_type=ct, object_id=str(ticket.pk),
                              key=key, due_at=due))
    Todo.objects.bulk_create(todos, batch_size=1000)
    return notify_many(notices)


def run_sla_scan(now=None):
    """Scan both clocks once (what the scheduled alert scan does for these rules); returns their counts."""
    from kernel.alerts import scanner

    return {code: scanner.scan(code, now) for code in (RESPONSE_RULE, RESOLUTION_RULE)}


def on_rule_saved(sender, instance, created, **kwargs):
    """A changed yellow threshold gives the tickets whose clock runs new warning moments (after commit)."""
    if created or instance.code not in (RESPONSE_RULE, RESOLUTION_RULE):
        return
    from django.db import transaction

    from .services import recompute_warn_times

    transaction.on_commit(recompute_warn_times)
