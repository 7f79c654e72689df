"""Forms of the enterprise / institution pages (/ent/se/...): major-hazard reports, rectification
feedback, extension requests, per-item review, general hazards and their check plans.

Forms validate what a person typed and say what is wrong field by field; the services
(services.py) and the workflows make the change and re-check the business rules."""
import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

from domains.special_equipment.equipment.models import CATEGORIES, Equipment, InspectionReport
from kernel.accounts.models import User

from ..models import CheckPlan, GeneralHazard, JudgementItem, MajorHazard

# The sources a reporting institution picks from, and its default by institution type.
INSTITUTION_SOURCES = ("inspection", "self_testing", "maintenance", "other")
INSTITUTION_DEFAULT_SOURCE = {"inspection": "inspection", "self_testing": "self_testing", "maintenance": "maintenance"}
GENERAL_CATEGORIES = ["安全附件", "安全保护装置", "设备本体", "使用管理", "作业人员", "维护保养", "安全标识", "应急管理",
                      "作业环境"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def style(form):
    """Bootstrap classes on every widget (check boxes keep their own), and "请填写…/请选择…" as the
    message of an empty required field."""
    for field in form.fields.values():
        widget = field.widget
        if field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
            verb = "请选择" if isinstance(widget, forms.Select) else "请填写"
            field.error_messages["required"] = f"{verb}{field.label}"
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.CheckboxInput)):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


def apply_service_errors(form, exc):
    """Put a service's ValidationError onto the form: by field where the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, list(getattr(exc, "messages", [str(exc)])))


def unit_users(unit):
    return User.objects.filter(organisation=unit, is_active=True).order_by("real_name", "username")


def category_choices():
    return list(CATEGORIES.items())


def judgement_items_for(category):
    """Enabled criteria that apply to an equipment category: its own plus the general ones."""
    qs = JudgementItem.objects.filter(enabled=True)
    return qs.filter(Q(equipment_category="") | Q(equipment_category=category)) if category else qs.filter(
        equipment_category="")


# -- major hazards ---------------------------------------------------------------------------------
class MajorHazardForm(forms.Form):
    """线上填报 by the user unit (its own equipment) or by a technical institution (from one of its
    inspection reports, or a device it inspected or maintains). Items are GB 45067 criteria ticked in
    the list, plus any other problem typed one per line."""

    report_no = forms.CharField(label="关联检验报告编号", max_length=50, required=False,
                                help_text="从本机构出具的检验报告上报时填写，使用单位、设备和设备种类随报告带出")
    equipment_code = forms.CharField(label="设备代码", max_length=40, required=False,
                                     help_text="本机构检验或维保的设备")
    equipment = forms.ModelChoiceField(label="设备", queryset=Equipment.objects.none(), required=False,
                                       empty_label="（不指定设备）")
    source = forms.ChoiceField(label="隐患来源", choices=MajorHazard.Source.choices)
    equipment_category = forms.ChoiceField(label="隐患类型（设备种类）", choices=())
    description = forms.CharField(label="隐患问题描述", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    found_on = forms.DateField(label="发现日期", widget=DateInput())
    requirement = forms.CharField(label="整改要求", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                  max_length=2000)
    deadline = forms.DateField(label="整改期限", widget=DateInput(), required=False)
    judgement_items = forms.ModelMultipleChoiceField(label="隐患类别与判定项（GB 45067—2024）",
                                                     queryset=JudgementItem.objects.filter(enabled=True),
                                                     widget=forms.CheckboxSelectMultiple, required=False)
    other_items = forms.CharField(label="其他隐患问题", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                  help_text="判定项未涵盖的问题，每行一项", max_length=4000)

    def __init__(self, *args, user, hazard=None, report=None, **kwargs):
        self.user, self.hazard = user, hazard
        self.institution = user.kind == "institution"
        initial = kwargs.pop("initial", None) or {}
        initial.setdefault("found_on", timezone.localdate())
        if hazard is not None:
            initial.update(self.initial_from(hazard))
        elif report is not None:
            initial.update(report_no=report.report_no, equipment_code=report.equipment.code,
                           equipment_category=report.equipment.category, description=report.problems,
                           found_on=report.inspected_on)
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["equipment_category"].choices = [("", "请选择")] + category_choices()
        org = user.organisation
        if self.institution:
            del self.fields["equipment"]
            self.fields["source"].choices = [(c, label) for c, label in MajorHazard.Source.choices
                                             if c in INSTITUTION_SOURCES]
            self.fields["source"].initial = INSTITUTION_DEFAULT_SOURCE.get(getattr(org, "institution_type", ""), "other")
            # §4.3.7: the institution sets the category (criteria), the rectification requirement and the deadline
            self.fields["requirement"].help_text = "技术机构提出的整改要求，随隐患发送使用单位并报属地监管部门"
            self.fields["requirement"].required = self.fields["deadline"].required = True
            if hazard is not None:  # the unit and report of a reported hazard stay as they are
                del self.fields["report_no"]
        else:
            del self.fields["report_no"], self.fields["equipment_code"]
            self.fields["equipment"].queryset = (Equipment.objects.visible_to(user)
                                                 .filter(user_unit_id=user.organisation_id).order_by("code"))
            self.fields["source"].choices = [(c, label) for c, label in MajorHazard.Source.choices if c != "complaint"]
            self.fields["source"].initial = "unit"
            self.fields["requirement"].label = "整改措施（计划）"
            self.fields["deadline"].label = "计划整改期限"
        style(self)

    @staticmethod
    def initial_from(hazard):
        items = list(hazard.items.all())
        return {
            "equipment": hazard.equipment_id, "equipment_code": hazard.equipment.code if hazard.equipment_id else "",
            "source": hazard.source, "equipment_category": hazard.equipment_category,
            "description": hazard.description, "found_on": hazard.found_on, "requirement": hazard.requirement,
            "deadline": hazard.deadline,
            "judgement_items": [i.judgement_item_id for i in items if i.judgement_item_id],
            "other_items": "\n".join(i.description for i in items if not i.judgement_item_id),
        }

    # -- the institution's report and device --------------------------------------------------------
    def _own_reports(self):
        return InspectionReport.objects.visible_to(self.user).filter(agency_id=self.user.organisation_id)

    def _institution_equipment(self):
        """Devices an institution may report on: those it maintains (scope) or has inspected."""
        visible = Equipment.objects.visible_to(self.user).values("pk")
        inspected = self._own_reports().values("equipment_id")
        return Equipment.objects.filter(Q(pk__in=visible) | Q(pk__in=inspected))

    def clean_report_no(self):
        value = (self.cleaned_data.get("report_no") or "").strip()
        if not value:
            return None
        report = self._own_reports().select_related("equipment").filter(report_no=value).first()
        if report is None:
            raise forms.ValidationError("未找到本机构出具的该编号检验报告")
        return report

    def clean_equipment_code(self):
        value = (self.cleaned_data.get("equipment_code") or "").strip()
        if not value:
            return None
        equipment = self._institution_equipment().select_related("user_unit").filter(code=value).first()
        if equipment is None:
            raise forms.ValidationError("未找到该设备，或该设备不是本机构检验、维保的设备")
        return equipment

    def clean_found_on(self):
        value = self.cleaned_data["found_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("发现日期不能晚于今天")
        return value

    def clean_deadline(self):
        value = self.cleaned_data.get("deadline")
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError("整改期限必须晚于今天")
        return value

    def clean(self):
        data = super().clean()
        category = data.get("equipment_category")
        if self.institution:
            report, equipment = data.get("report_no"), data.get("equipment_code")
            if report is not None and equipment is not None and report.equipment_id != equipment.pk:
                self.add_error("equipment_code", "设备与检验报告不一致")
            equipment = equipment or (report.equipment if report is not None else None)
            if equipment is None and self.hazard is None and not self.errors.get("report_no") \
                    and not self.errors.get("equipment_code"):
                self.add_error("equipment_code", "请填写检验报告编号或设备代码")
            if self.hazard is not None and equipment is None:
                equipment = self.hazard.equipment
            data["equipment"] = equipment
            data["report"] = report
        equipment = data.get("equipment")
        if equipment is not None and category and equipment.category != category:
            self.add_error("equipment_category", f"所选设备的种类为“{CATEGORIES.get(equipment.category, equipment.category)}”，与隐患类型不一致")
        if self.hazard is not None and equipment is not None and equipment.user_unit_id != self.hazard.user_unit_id:
            self.add_error("equipment_code" if self.institution else "equipment", "所选设备不属于该隐患的使用单位")
        chosen = list(data.get("judgement_items") or [])
        wrong = [j.code for j in chosen if j.equipment_category not in ("", category)]
        if wrong:
            self.add_error("judgement_items", f"判定项{'、'.join(wrong)}不适用于所选设备种类")
        others = [line.strip() for line in (data.get("other_items") or "").splitlines() if line.strip()]
        if not chosen and not others:
            self.add_error("judgement_items", "请至少勾选一项判定项或填写一项其他隐患问题")
        data["items"] = ([{"judgement_item": j.pk, "description": j.text} for j in chosen]
                         + [{"description": line} for line in others])
        return data

    def service_fields(self):
        """Keyword arguments of services.report_major_hazard / update_major_hazard."""
        d = self.cleaned_data
        fields = {"source": d["source"], "equipment_category": d["equipment_category"], "equipment": d.get("equipment"),
                  "description": d["description"], "found_on": d["found_on"], "requirement": d.get("requirement", ""),
                  "deadline": d.get("deadline"), "items": d["items"]}
        if self.hazard is None:
            fields["report"] = d.get("report")
            fields["user_unit"] = d["equipment"].user_unit if self.institution else self.user.organisation
        return fields


class FeedbackForm(forms.Form):
    """The unit's rectification of each open or returned item, and its covering statement."""

    comment = forms.CharField(label="整改情况说明（销号申请）", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=2000)

    def __init__(self, *args, hazard, submit=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submit = submit
        self.items = list(hazard.items.filter(status__in=("open", "returned")))
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.CharField(
                label=f"整改情况：{item.description[:30]}", required=False, initial=item.feedback, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}))
        if submit:
            self.fields["comment"].required = True
            self.fields["comment"].error_messages["required"] = "请填写整改情况说明"
        style(self)

    def clean(self):
        data = super().clean()
        if self.submit:
            for item in self.items:
                if not (data.get(f"item_{item.pk}") or "").strip():
                    self.add_error(f"item_{item.pk}", "请填写该项隐患的整改情况")
        return data

    def item_rows(self):
        return [(item, self[f"item_{item.pk}"]) for item in self.items]

    def feedback(self):
        return {str(item.pk): self.cleaned_data.get(f"item_{item.pk}", "") for item in self.items}


class ExtensionForm(forms.Form):
    requested_deadline = forms.DateField(label="申请延期至", widget=DateInput())
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, hazard, **kwargs):
        super().__init__(*args, **kwargs)
        self.hazard = hazard
        self.fields["requested_deadline"].error_messages["required"] = "请填写申请延期至的日期"
        self.fields["reason"].error_messages["required"] = "请填写延期理由"
        style(self)

    def clean_requested_deadline(self):
        value = self.cleaned_data["requested_deadline"]
        if self.hazard.deadline and value <= self.hazard.deadline:
            raise forms.ValidationError(f"延期日期必须晚于原整改期限（{self.hazard.deadline:%Y-%m-%d}）")
        if value <= timezone.localdate():
            raise forms.ValidationError("延期日期必须晚于今天")
        return value


class ItemReviewForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=[("pass", "复核通过"), ("return", "退回")])
    comment = forms.CharField(label="复核意见", required=False, max_length=1000)

    def clean(self):
        data = super().clean()
        if data.get("verdict") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", "退回整改须填写复核意见")
        return data


class CommentForm(forms.Form):
    comment = forms.CharField(label="处理意见", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, label="处理意见", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = label
        self.fields["comment"].error_messages["required"] = f"请填写{label}"
        style(self)


# -- general hazards and check plans ------------------------------------------------------------------
class CheckPlanForm(forms.ModelForm):
    class Meta:
        model = CheckPlan
        fields = ["period", "year", "number", "title", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)
        self.fields["number"].help_text = "季度计划填1-4，月度计划填1-12，年度计划不填"
        style(self)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= timezone.localdate().year + 1:
            raise forms.ValidationError(f"年度应在2000至{timezone.localdate().year + 1}之间")
        return year

    def clean(self):
        data = super().clean()
        period, number = data.get("period"), data.get("number")
        limits = {"quarterly": (4, "季度"), "monthly": (12, "月份")}
        if period in limits:
            top, label = limits[period]
            if number is None or not 1 <= number <= top:
                self.add_error("number", f"请填写{label}（1-{top}）")
        elif period == "annual":
            data["number"] = None
        return data

    def save(self, commit=True):
        if not self.instance.pk:
            self.instance.unit_id = self.user.organisation_id
        return super().save(commit)


class GeneralHazardForm(forms.ModelForm):
    """Register or edit a general hazard of the unit (一般隐患登记)."""

    class Meta:
        model = GeneralHazard
        fields = ["check_type", "plan", "equipment", "category", "count", "level", "problem", "found_at", "deadline",
                  "hazard_source", "investigator", "investigating_unit", "responsible"]
        widgets = {"problem": forms.Textarea(attrs={"rows": 3}), "found_at": DateTimeInput(),
                   "deadline": DateInput(), "category": forms.TextInput(attrs={"list": "general-categories"})}

    def __init__(self, *args, user, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        unit = user.organisation
        people = unit_users(unit)
        self.fields["plan"].queryset = CheckPlan.objects.visible_to(user).filter(unit=unit)
        self.fields["plan"].empty_label = "（不属于排查计划）"
        self.fields["equipment"].queryset = Equipment.objects.visible_to(user).filter(user_unit=unit).order_by("code")
        self.fields["equipment"].empty_label = "（不指定设备）"
        for name in ("investigator", "responsible"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = lambda u: u.display_name
        self.fields["found_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["count"].min_value = 1
        if not self.instance.pk:
            self.initial.setdefault("investigator", user.pk)
            self.initial.setdefault("investigating_unit", getattr(unit, "name", ""))
            self.initial.setdefault("found_at", timezone.localtime().replace(second=0, microsecond=0))
            if plan is not None:
                self.initial.update(check_type="plan", plan=plan.pk)
        style(self)

    def clean_count(self):
        count = self.cleaned_data["count"]
        if count < 1:
            raise forms.ValidationError("隐患条数至少为1")
        return count

    def clean_found_at(self):
        value = self.cleaned_data["found_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError("发现隐患时间不能晚于当前时间")
        return value

    def clean(self):
        data = super().clean()
        found, deadline = data.get("found_at"), data.get("deadline")
        if found and deadline and deadline < timezone.localtime(found).date():
            self.add_error("deadline", "整改期限不能早于发现隐患时间")
        if data.get("check_type") == "plan" and not data.get("plan"):
            self.add_error("plan", "排查计划中发现的隐患请选择所属排查计划")
        if data.get("plan") and data.get("check_type") != "plan":
            self.add_error("check_type", "已选择排查计划的，检查类型应为“排查计划”")
        return data

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RectifyForm(forms.Form):
    handled_on = forms.DateField(label="隐患处理日期", widget=DateInput())
    handler = forms.CharField(label="处理人", max_length=50)
    handling_result = forms.CharField(label="处理结果", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    remarks = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def __init__(self, *args, hazard, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.hazard = hazard
        self.initial.setdefault("handled_on", timezone.localdate())
        self.initial.setdefault("handler", user.display_name)
        for name, label in (("handled_on", "隐患处理日期"), ("handler", "处理人"), ("handling_result", "处理结果")):
            self.fields[name].error_messages["required"] = f"请填写{label}"
        style(self)

    def clean_handled_on(self):
        value = self.cleaned_data["handled_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("隐患处理日期不能晚于今天")
        if value < timezone.localtime(self.hazard.found_at).date():
            raise forms.ValidationError("隐患处理日期不能早于发现隐患时间")
        return value

    def data_for_workflow(self):
        d = self.cleaned_data
        return {"handled_on": d["handled_on"].isoformat(), "handler": d["handler"].strip(),
                "handling_result": d["handling_result"].strip(), "remarks": d.get("remarks", "").strip()}


class AcceptForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("accept", "验收通过"), ("reject", "验收不通过（退回）")])
    opinion = forms.CharField(label="验收意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opinion"].error_messages["required"] = "请填写验收意见"
        style(self)
