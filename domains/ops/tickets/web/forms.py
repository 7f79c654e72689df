"""Forms of the ticket pages. They parse and offer choices; what is required and allowed is decided by
services.py, whose Chinese field errors are shown on these forms (apply_errors)."""
from django import forms
from django.utils import timezone

from kernel.files.forms import AttachmentField
from kernel.ui.forms import style

from .. import services
from ..models import FAULT_LEVEL_HELP, Channel, HandlingMode, Kind, TestResult, UpgradeType
from ..workflows import ATTACHMENT_PURPOSE, AUTHORISATION_PURPOSE, is_engineer


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"


def _choices(choices, empty="请选择"):
    return [("", empty)] + list(choices)


class TicketForm(forms.Form):
    contract = forms.ModelChoiceField(label="服务合同", queryset=None, required=False, empty_label="请选择")
    kind = forms.ChoiceField(label="工单类型", choices=_choices(Kind.choices), required=False)
    level = forms.ChoiceField(label="故障级别", required=False, help_text=FAULT_LEVEL_HELP, choices=_choices(
        [(1, "1级"), (2, "2级"), (3, "3级")]))
    channel = forms.ChoiceField(label="受理渠道", choices=_choices(Channel.choices), required=False,
                                help_text="咨询工单必填")
    upgrade_type = forms.ChoiceField(label="升级类型", choices=_choices(UpgradeType.choices), required=False)
    title = forms.CharField(label="标题", max_length=200, required=False)
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    requester = forms.ModelChoiceField(label="提出人账号", queryset=None, required=False, empty_label="（无账号，仅登记姓名）",
                                       help_text="代用户登记电话、微信、QQ咨询时选择提出人账号（如有）")
    requester_name = forms.CharField(label="提出人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    raised_at = forms.DateTimeField(label="提出时间", required=False, widget=DateTimeLocal(),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                    help_text="代登记时填写来电（来信）时间，不填为当前时间",
                                    error_messages={"invalid": "请填写有效的时间"})
    auth_department = forms.CharField(label="授权主管部门", max_length=100, required=False)
    auth_document_no = forms.CharField(label="授权文件文号", max_length=100, required=False)
    auth_file = AttachmentField(purpose=AUTHORISATION_PURPOSE, label="授权文件", required=False)
    attachment = AttachmentField(purpose=ATTACHMENT_PURPOSE, label="附件（截图、日志等）", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        contracts = services.visible_contracts(user).order_by("contract_no")
        self.fields["contract"].queryset = contracts
        self.fields["contract"].label_from_instance = lambda c: f"{c.system.name}（{c.contract_no}）"
        self.on_behalf = is_engineer(user)
        if self.on_behalf:
            from kernel.accounts.models import User

            ids = set()
            for c in contracts:
                ids.update(services.requesters_for(c.system.agency.region).values_list("pk", flat=True))
            self.fields["requester"].queryset = User.objects.filter(pk__in=ids).order_by("username")
            self.fields["requester"].label_from_instance = lambda u: f"{u.display_name}（{u.username}）"
        else:
            for name in ("requester", "raised_at"):
                del self.fields[name]
            self.fields["requester_name"].initial = user.display_name
            self.fields["contact_phone"].initial = user.phone
        if contracts.count() == 1:
            self.fields["contract"].initial = contracts.first().pk
        style(self)

    def service_kwargs(self):
        d = self.cleaned_data
        out = dict(contract=d.get("contract"), kind=d.get("kind") or "", level=d.get("level") or None,
                   channel=d.get("channel") or "", upgrade_type=d.get("upgrade_type") or "", title=d.get("title", ""),
                   description=d.get("description", ""), requester_name=d.get("requester_name", ""),
                   contact_phone=d.get("contact_phone", ""), auth_department=d.get("auth_department", ""),
                   auth_document_no=d.get("auth_document_no", ""), auth_file=d.get("auth_file"),
                   files=[d["attachment"]] if d.get("attachment") else [])
        if self.on_behalf:
            out["requester"] = d.get("requester")
            raised = d.get("raised_at")
            out["raised_at"] = timezone.make_aware(raised) if raised and timezone.is_naive(raised) else raised
        return out


# -- the steps on the ticket page ------------------------------------------------------------------------------
class StepForm(forms.Form):
    comment = forms.CharField(label="处理意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ticket, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket, self.user = ticket, user
        self.setup()
        style(self)

    def setup(self):
        pass

    def run(self, name):
        d = self.cleaned_data
        kwargs = {k: v for k, v in d.items() if k != "comment"}
        return services.STEPS[name](self.ticket, self.user, comment=d.get("comment", ""), **kwargs)


class AssignForm(StepForm):
    assignee = forms.ModelChoiceField(label="处理工程师", queryset=None, required=False, empty_label="请选择")

    def setup(self):
        self.fields["assignee"].queryset = services.engineers_for(self.ticket)
        self.fields["assignee"].label_from_instance = lambda u: u.display_name
        if self.user in self.fields["assignee"].queryset:
            self.fields["assignee"].initial = self.user.pk

    def run(self, name):
        d = self.cleaned_data
        return services.assign(self.ticket, self.user, d.get("assignee"), comment=d.get("comment", ""))


class AcceptForm(AssignForm):
    def setup(self):
        super().setup()
        self.fields["assignee"].label = "同时派单给"
        self.fields["assignee"].empty_label = "暂不派单"

    def run(self, name):
        d = self.cleaned_data
        return services.accept(self.ticket, self.user, assignee=d.get("assignee"), comment=d.get("comment", ""))


class StartForm(StepForm):
    handling_mode = forms.ChoiceField(label="处理方式", choices=_choices(HandlingMode.choices), required=False)

    def setup(self):
        self.fields["handling_mode"].initial = self.ticket.handling_mode


class ResolveForm(StepForm):
    handling_mode = forms.ChoiceField(label="处理方式", choices=_choices(HandlingMode.choices), required=False)
    root_cause = forms.CharField(label="原因分析", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    solution = forms.CharField(label="解决方案", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def setup(self):
        t = self.ticket
        self.fields["handling_mode"].initial = t.handling_mode
        self.fields["root_cause"].initial, self.fields["solution"].initial = t.root_cause, t.solution
        if t.kind != Kind.FAULT:
            self.fields["root_cause"].label = "原因分析（选填）"
        if t.kind == Kind.CONSULTATION:
            self.fields["solution"].label = "答复内容"


class SignOffForm(StepForm):
    requirement = forms.CharField(label="最终确认的需求说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    planned_release_on = forms.DateField(label="计划发布日期", required=False, widget=DateInput(),
                                         error_messages={"invalid": "请填写有效的日期"})

    def setup(self):
        del self.fields["comment"]
        self.fields["requirement"].initial = self.ticket.requirement or self.ticket.description
        self.fields["planned_release_on"].initial = self.ticket.planned_release_on

    def run(self, name):
        d = self.cleaned_data
        return services.sign_off(self.ticket, self.user, requirement=d.get("requirement", ""),
                                 planned_release_on=d.get("planned_release_on"))


class TestForm(StepForm):
    stage = forms.ChoiceField(label="测试阶段", choices=_choices([("internal", "内部测试"), ("user", "用户测试")]),
                              required=False)
    result = forms.ChoiceField(label="测试结果", choices=_choices(TestResult.choices), required=False)
    note = forms.CharField(label="测试说明", max_length=500, required=False)

    def setup(self):
        del self.fields["comment"]

    def run(self, name):
        d = self.cleaned_data
        return services.record_test(self.ticket, self.user, stage=d.get("stage", ""), result=d.get("result", ""),
                                    note=d.get("note", ""))


class AuthoriseForm(StepForm):
    auth_department = forms.CharField(label="授权主管部门", max_length=100, required=False)
    auth_document_no = forms.CharField(label="授权文件文号", max_length=100, required=False)
    auth_file = AttachmentField(purpose=AUTHORISATION_PURPOSE, label="授权文件", required=False)

    def setup(self):
        del self.fields["comment"]
        self.fields["auth_department"].initial = self.ticket.auth_department
        self.fields["auth_document_no"].initial = self.ticket.auth_document_no

    def run(self, name):
        d = self.cleaned_data
        return services.authorise(self.ticket, self.user, department=d.get("auth_department", ""),
                                  document_no=d.get("auth_document_no", ""), file=d.get("auth_file"))


STEP_FORMS = {"accept": AcceptForm, "assign": AssignForm, "start": StartForm, "resolve": ResolveForm}
EXTRA_FORMS = {"signoff": SignOffForm, "test": TestForm, "authorise": AuthoriseForm}


def step_form(name, ticket, user, data=None, files=None):
    cls = STEP_FORMS.get(name) or EXTRA_FORMS.get(name) or StepForm
    form = cls(data, files, ticket=ticket, user=user, prefix=name)
    if name in ("wait", "reopen", "cancel"):
        form.fields["comment"].label = {"wait": "需要用户反馈的内容", "reopen": "重新打开原因", "cancel": "撤销原因"}[name]
    return form
