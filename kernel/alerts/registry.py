"""Warning rules in code: what is watched and how a level is computed, as one database query.

    @register
    class AmountTooHigh(RuleDefinition):
        code = "app_amount"
        name = "申请金额过高"
        subject = "testapp.Application"
        default_levels = [{"level": "yellow", "threshold": 100}, {"level": "orange", "threshold": 500},
                          {"level": "red", "threshold": 1000}]

        def matches(self, rule):
            qs = annotate_level(self.subjects(), F("amount"), rule, "gte")
            return qs.annotate(alert_region=F("region_id"), alert_org=F("organisation_id"),
                               alert_repr=F("title"), alert_value=Cast("amount", CharField()))

matches() returns the subject model's queryset annotated with alert_level (a level code, or NULL
for "no warning"), alert_region, alert_org, alert_repr and alert_value. The scanner runs it as one
INSERT ... SELECT / UPDATE ... FROM over the whole table; nothing loops in Python per record.
"""
import abc

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, Value, When

_rules: dict[str, "RuleDefinition"] = {}


class RuleDefinition(abc.ABC):
    code: str = ""
    name: str = ""
    category: str = ""
    description: str = ""
    subject: str = ""  # "app_label.Model"
    default_levels: list[dict] = []
    default_params: dict = {}
    auto_assign_max_level: str = ""
    approval_min_level: str = ""  # levels from this one up need leadership approval before dispatch
    only_rise = True  # a worsening case raises the level; an improving one keeps it until released

    def subject_model(self):
        return apps.get_model(self.subject)

    def subjects(self):
        model = self.subject_model()
        manager = model._base_manager
        qs = manager.all()
        if any(f.name == "is_deleted" for f in model._meta.concrete_fields):
            qs = qs.filter(is_deleted=False)
        return qs

    def on_scan(self, rule, raised, changed):
        """Called after a scan commits with the querysets of warnings it raised and whose level it
        changed; a domain sends its own notices here (e.g. an SMS to the unit on each level change)."""
        return None

    @abc.abstractmethod
    def matches(self, rule):
        """The subjects annotated with alert_level / alert_region / alert_org / alert_repr / alert_value."""

    def ensure_rule(self):
        from .models import AlertRule

        rule, created = AlertRule.objects.get_or_create(code=self.code, defaults={
            "name": self.name, "category": self.category, "description": self.description,
            "subject_type": ContentType.objects.get_for_model(self.subject_model(), for_concrete_model=False),
            "levels": self.default_levels, "params": self.default_params,
            "auto_assign_max_level": self.auto_assign_max_level, "approval_min_level": self.approval_min_level,
        })
        return rule


class ManualRule(RuleDefinition):
    """A rule that only people raise (人工登记: an inspector's or grid worker's report about a unit): the
    scan matches nothing, so it never raises, changes or releases one of its warnings."""

    subject = "org.Organisation"

    def matches(self, rule):
        from django.db.models import F

        # nothing matches; none() or a constant NULL level cannot be compiled into the scan's SQL
        never = When(pk__lt=0, then=Value(""))
        return self.subjects().filter(pk__lt=0).annotate(
            alert_level=Case(never, default=Value(None), output_field=CharField()), alert_region=F("region_id"),
            alert_org=F("pk"),
            alert_repr=F("name"), alert_value=Value("", output_field=CharField()))


def register(cls):
    instance = cls()
    _rules[instance.code] = instance
    return cls


def definition(code) -> RuleDefinition:
    return _rules[code]


def all_definitions():
    return dict(_rules)


def annotate_level(queryset, value, rule, op="gte"):
    """Annotate alert_level: the worst level whose threshold `value` reaches, NULL when none.

    op "gte": value >= threshold (amounts, counts, days overdue); op "lt": value < threshold
    (days left before a deadline: < 30 blue, < 20 yellow, < 10 orange, < 0 red)."""
    if op not in ("gte", "gt", "lt", "lte"):
        raise ValueError(op)
    whens = [When(**{f"_alert_measure__{op}": entry["threshold"]}, then=Value(entry["level"]))
             for entry in reversed(rule.levels)]  # the worst level first
    # The scanner computes the level from _alert_measure outside the query (see scanner.match_query), so an
    # expensive measure runs once a subject; alert_level stays for anyone reading the queryset itself.
    return queryset.annotate(_alert_measure=value, _alert_op=Value(op, output_field=CharField())).annotate(
        alert_level=Case(*whens, default=Value(None), output_field=CharField()))


# -- the warning detail page, extended by domains --------------------------------------------------
# A domain may add actions of its own to a warning's page (e.g. labour inspection's 转立案登记, which
# creates a complaint registration and escalates the warning) and hide generic transitions that its
# own action replaces. extension(warning, user) -> {"actions": [(label, url)], "hide": {names}} or None.
_detail_extensions: list = []


def register_detail_extension(fn):
    if fn not in _detail_extensions:
        _detail_extensions.append(fn)
    return fn


def detail_extensions(warning, user) -> tuple[list, set]:
    actions, hide = [], set()
    for fn in _detail_extensions:
        got = fn(warning, user) or {}
        actions += list(got.get("actions", ()))
        hide |= set(got.get("hide", ()))
    return actions, hide


# A domain may refuse the generic 升级转办 of its warnings where escalating means something more (labour
# inspection: a complaint registration is created with it). guard(warning, user, params) -> message or None.
_escalation_guards: list = []


def register_escalation_guard(fn):
    if fn not in _escalation_guards:
        _escalation_guards.append(fn)
    return fn


def escalation_refusal(warning, user, params):
    for fn in _escalation_guards:
        message = fn(warning, user, params)
        if message:
            return message
    return None
