"""State machines of the hazard system.

Major hazard (线上填报—派单督办—整改反馈—复核销号):

    reported ──dispatch──▶ rectifying ──feedback──▶ feedback ──close──▶ closed
       │                    │   ▲  ▲                    │
       └─revoke─▶ revoked   │   │  └──────return────────┘  (some item returned)
                            ▼   │
                         extension (approve / reject)

Guards read the record's own relations only (no model imports: models.py imports this module)."""
import datetime

from django.utils import timezone

from kernel.workflow.engine import State, StateTask, Transition, Workflow

REGULATOR = "se_regulator"
REVIEW_WORKING_DAYS = 5  # to review a unit's feedback (our choice: the seed names no limit)
AWAITING_FEEDBACK = ("rectifying", "extension")


def people_of(org):
    """The active people of an organisation: its machine clients' service accounts never get to-dos."""
    from kernel.accounts.models import User

    return User.objects.filter(organisation=org, is_active=True, api_client__isnull=True)


def _unit_contact(hazard_or_unit):
    """The person at a unit who receives its to-dos: its safety manager, else any active person."""
    unit = getattr(hazard_or_unit, "user_unit", hazard_or_unit)
    users = people_of(unit)
    return (users.filter(roles__code="se_unit_safety").order_by("id").first()
            or users.order_by("id").first())


def _reviewer(hazard):
    """Items are reviewed by the institution that reported the hazard (one of its people who may check
    hazards), otherwise by the regulator."""
    if hazard.reporter_org.kind == "institution":
        return (people_of(hazard.reporter_org)
                .filter(roles__enabled=True, roles__permissions__codename="check_majorhazard",
                        roles__permissions__content_type__app_label="se_hazards")
                .order_by("id").first())
    return None


def _agency_region(hazard):
    return hazard.managing_agency.region


def _url(hazard):
    return f"/gov/se/hazards/{hazard.pk}/"


def _ent_url(hazard):
    return f"/ent/se/hazards/{hazard.pk}/"


# -- guards -------------------------------------------------------------------------------------
def _parse_date(value):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def dispatch_fields(obj, user, params):
    data = params.get("data", {})
    if data.get("directive") not in ("notice", "letter"):
        return "请选择下达的文书（整改通知书或整改督处函）"
    deadline = _parse_date(data.get("deadline"))
    if deadline is None:
        return "请填写整改期限"
    if deadline <= timezone.localdate():
        return "整改期限必须晚于今天"
    if not obj.items.exists():
        return "请至少登记一项隐患明细"
    return None


def every_item_fed_back(obj, user, params):
    pending = obj.items.filter(status__in=("open", "returned"), feedback="").count()
    return f"尚有{pending}项隐患未填写整改情况" if pending else None


def extension_date(obj, user, params):
    wanted = _parse_date(params.get("data", {}).get("requested_deadline"))
    if wanted is None:
        return "请填写申请延期至的日期"
    if obj.deadline and wanted <= obj.deadline:
        return "延期日期必须晚于原整改期限"
    return None


def may_review_items(obj, user, params):
    if user.is_superuser or user.has_perm("se_hazards.review_majorhazard"):
        return None
    if user.has_perm("se_hazards.check_majorhazard") and user.organisation_id == obj.reporter_org_id:
        return None
    return "只有上报该隐患的技术机构或属地监管部门可以复核"


def some_item_returned(obj, user, params):
    return None if obj.items.filter(status="returned").exists() else "请先对未整改到位的隐患明细逐项退回"


def every_item_closed(obj, user, params):
    left = obj.items.exclude(status="closed").count()
    return f"尚有{left}项隐患未复核销项，不能销号" if left else None


def has_supervision_log(obj, user, params):
    return None if obj.logs.filter(kind="supervision").exists() else "该隐患没有监察日志，不能销号"


def has_review_log_if_directed(obj, user, params):
    if obj.directive == "notice" and not obj.logs.filter(kind="review").exists():
        return "已下达整改通知书（指令书）的隐患须有复核日志才能销号"
    return None


# -- field changes made by a transition (inside its transaction) ---------------------------------
def set_dispatch(obj, user, params):
    data = params["data"]
    obj.directive = data["directive"]
    obj.deadline = _parse_date(data["deadline"])
    obj.requirement = data.get("requirement") or obj.requirement
    obj.dispatched_at = timezone.now()
    prefix = "整改通知" if obj.directive == "notice" else "督处函"
    obj.directive_no = f"{prefix}〔{timezone.localdate().year}〕{obj.pk:06d}号"


def set_feedback(obj, user, params):
    obj.feedback_at = timezone.now()
    obj.items.filter(status__in=("open", "returned")).update(status="fed_back")


def set_requested(obj, user, params):
    obj.requested_deadline = _parse_date(params["data"]["requested_deadline"])


def set_extended(obj, user, params):
    obj.deadline = obj.requested_deadline
    obj.extensions += 1
    obj.requested_deadline = None


def clear_requested(obj, user, params):
    obj.requested_deadline = None


def set_closed(obj, user, params):
    obj.closed_at = timezone.now()


def _effect(name):
    """Side effects live in services (SMS, documents); resolved late to keep this module import-free."""
    def run(obj, log):
        from . import services

        getattr(services, name)(obj, log)
    run.__name__ = name
    return run


MAJOR_STATES = [
    State("reported", "待派单", "info", task=StateTask(
        "重大事故隐患待派单督办：{obj}", role=REGULATOR, region=_agency_region, due_working_days=3, url=_url)),
    State("rectifying", "待整改", "warning", task=StateTask(
        "重大事故隐患待整改：{obj}", assignee=_unit_contact, url=_ent_url, due=lambda h: h.deadline)),
    State("extension", "延期审批中", "primary", task=StateTask(
        "延期整改申请待审批：{obj}", role=REGULATOR, region=_agency_region, due_working_days=3, url=_url)),
    State("feedback", "待复核", "primary", task=StateTask(
        "整改反馈待复核：{obj}", assignee=lambda h: _reviewer(h), role=REGULATOR, region=_agency_region,
        due_working_days=REVIEW_WORKING_DAYS, url=lambda h: _ent_url(h) if _reviewer(h) else _url(h))),
    State("closed", "已销号", "success", final=True),
    State("revoked", "已撤销", "secondary", final=True),
]
STATES_CHOICES = [(s.code, s.label) for s in MAJOR_STATES]

MAJOR = Workflow("se_major_hazard", states=MAJOR_STATES, transitions=[
    Transition("dispatch", "派单督办", ["reported"], "rectifying", perm="se_hazards.dispatch_majorhazard",
               guards=[dispatch_fields], prepare=[set_dispatch], effects=[_effect("after_dispatch")]),
    Transition("revoke", "撤销", ["reported"], "revoked", perm="se_hazards.dispatch_majorhazard",
               requires=["comment"], style="secondary"),
    Transition("feedback", "提交整改反馈", ["rectifying"], "feedback", perm="se_hazards.rectify_majorhazard",
               requires=["comment"], guards=[every_item_fed_back], prepare=[set_feedback],
               effects=[_effect("after_feedback")]),
    Transition("request_extension", "申请延期整改", ["rectifying"], "extension",
               perm="se_hazards.rectify_majorhazard", requires=["comment"], guards=[extension_date],
               prepare=[set_requested], style="warning"),
    Transition("approve_extension", "同意延期", ["extension"], "rectifying", perm="se_hazards.dispatch_majorhazard",
               prepare=[set_extended], style="success", effects=[_effect("after_extension")]),
    Transition("reject_extension", "不同意延期", ["extension"], "rectifying", perm="se_hazards.dispatch_majorhazard",
               requires=["comment"], prepare=[clear_requested], style="warning", effects=[_effect("after_extension")]),
    Transition("return", "退回整改", ["feedback"], "rectifying", requires=["comment"],
               guards=[may_review_items, some_item_returned], style="warning", effects=[_effect("after_return")]),
    Transition("close", "复核销号", ["feedback"], "closed", perm="se_hazards.review_majorhazard",
               guards=[every_item_closed, has_supervision_log, has_review_log_if_directed], prepare=[set_closed],
               style="success", effects=[_effect("after_close")]),
])


# -- general hazards (一般隐患): rectified by the responsible person, accepted by the investigator --
def by_responsible(obj, user, params):
    return None if user.pk == obj.responsible_id else "只有整改责任人可以提交整改结果"


def by_investigator(obj, user, params):
    return None if user.pk == obj.investigator_id else "只有排查人员（复查人）可以验收"


def rectification_recorded(obj, user, params):
    data = params.get("data", {})
    missing = [label for key, label in (("handled_on", "隐患处理日期"), ("handler", "处理人"),
                                         ("handling_result", "处理结果")) if not data.get(key)]
    return "请填写" + "、".join(missing) if missing else None


def set_rectification(obj, user, params):
    data = params["data"]
    obj.handled_on = _parse_date(data["handled_on"])
    obj.handler = data["handler"]
    obj.handling_result = data["handling_result"]
    obj.remarks = data.get("remarks", "")


def set_acceptance(obj, user, params):
    obj.accepted_at = timezone.now()
    obj.acceptor = user
    obj.acceptance_opinion = params["comment"]


GENERAL_STATES = [
    State("rectifying", "待整改", "warning", task=StateTask(
        "一般隐患待整改：{obj}", assignee=lambda g: g.responsible, url=lambda g: f"/ent/se/general-hazards/{g.pk}/")),
    State("accepting", "待验收", "primary", task=StateTask(
        "一般隐患待验收：{obj}", assignee=lambda g: g.investigator, url=lambda g: f"/ent/se/general-hazards/{g.pk}/")),
    State("accepted", "验收通过", "success", final=True),
]
GENERAL_CHOICES = [(s.code, s.label) for s in GENERAL_STATES]

GENERAL = Workflow("se_general_hazard", states=GENERAL_STATES, transitions=[
    Transition("rectify", "提交整改结果", ["rectifying"], "accepting", guards=[by_responsible, rectification_recorded],
               prepare=[set_rectification]),
    Transition("accept", "验收通过", ["accepting"], "accepted", requires=["comment"], guards=[by_investigator],
               prepare=[set_acceptance], style="success"),
    Transition("reject", "验收不通过（退回）", ["accepting"], "rectifying", requires=["comment"],
               guards=[by_investigator], prepare=[set_acceptance], style="warning"),
])


# -- public complaints -----------------------------------------------------------------------------
COMPLAINT_STATES = [
    State("submitted", "待审核", "info", task=StateTask(
        "投诉举报待审核：{obj}", role=REGULATOR, region=lambda c: c.region, due_working_days=5,
        url=lambda c: f"/gov/se/complaints/{c.pk}/")),
    State("verifying", "核查中", "primary", task=StateTask(
        "投诉举报待核查：{obj}", role=REGULATOR, region=lambda c: c.region, due_working_days=15,
        url=lambda c: f"/gov/se/complaints/{c.pk}/")),
    State("done", "已办结", "success", final=True),
    State("rejected", "不予受理", "secondary", final=True),
]
COMPLAINT_CHOICES = [(s.code, s.label) for s in COMPLAINT_STATES]


def set_result(obj, user, params):
    obj.result = params["comment"]


COMPLAINT = Workflow("se_complaint", states=COMPLAINT_STATES, transitions=[
    Transition("accept", "受理核查", ["submitted"], "verifying", perm="se_hazards.change_complaint"),
    Transition("reject", "不予受理", ["submitted"], "rejected", perm="se_hazards.change_complaint",
               requires=["comment"], prepare=[set_result], style="secondary", effects=[_effect("complaint_result")]),
    Transition("conclude", "办结并答复", ["verifying"], "done", perm="se_hazards.change_complaint",
               requires=["comment"], prepare=[set_result], style="success", effects=[_effect("complaint_result")]),
])
