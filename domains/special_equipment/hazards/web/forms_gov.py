"""Forms of the agency pages (/gov/se/...): hazard entry by regulators, dispatch, the decisions of
the closed loop, supervision / review logs and the GB 45067—2024 judgement configuration.

Forms check what a person typed, field by field, in Chinese; services and the workflow re-check
the business rules and make the change."""
from django import forms
from django.db.models import Q
from django.utils import timezone

from domains.special_equipment.equipment.models import CATEGORIES, Equipment
from kernel.org.models import Organisation

from ..models import JudgementItem, MajorHazard, SupervisionLog

UNIT_OPTIONS = 30  # units offered in the select before the user searches


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.CheckboxInput, forms.RadioSelect)):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


def visible_units(user):
    """The user units (enterprises) a regulator may enter a hazard for: those in the jurisdiction."""
    return Organisation.objects.visible_to(user).filter(kind=Organisation.Kind.ENTERPRISE)


def search_units(user, text, limit=UNIT_OPTIONS):
    qs = visible_units(user)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(uscc__iexact=text))
    return list(qs.order_by("name", "id").only("id", "name", "uscc")[:limit])


def unit_label(unit):
    return f"{unit.name}（{unit.uscc}）" if unit.uscc else unit.name


def judgement_items_for(category):
    """Enabled criteria that apply to an equipment category: the general ones and its own."""
    qs = JudgementItem.objects.filter(enabled=True)
    if category:
        return qs.filter(Q(equipment_category="") | Q(equipment_category=category))
    return qs.filter(equipment_category="")


def judgement_groups(category, checked=()):
    """[(hazard category, [(item, checked)])] for the entry form's check boxes."""
    checked = {str(v) for v in checked}
    groups = {}
    for item in judgement_items_for(category):
        groups.setdefault(item.category, []).append((item, str(item.pk) in checked))
    return list(groups.items())


# -- entry ----------------------------------------------------------------------------------------------
class HazardEntryForm(forms.Form):
    """重大事故隐患录入 by a regulator of any level: a user unit of the jurisdiction, optionally one of its
    devices, the source and the GB 45067—2024 criteria met (with their recommended measures)."""

    user_unit = forms.ModelChoiceField(label="特种设备使用单位", queryset=Organisation.objects.none(),
                                       error_messages={"invalid_choice": "请选择您辖区内的使用单位"})
    equipment = forms.ModelChoiceField(label="设备", queryset=Equipment.objects.none(), required=False,
                                       error_messages={"invalid_choice": "所选设备不存在或不在您的辖区内"})
    source = forms.ChoiceField(label="隐患来源", choices=MajorHazard.Source.choices, initial="supervision")
    equipment_category = forms.ChoiceField(label="隐患类型（设备种类）", choices=())
    found_on = forms.DateField(label="发现日期", widget=DateInput())
    description = forms.CharField(label="隐患问题描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    judgement_items = forms.ModelMultipleChoiceField(
        label="判定项（GB 45067—2024）", required=False, queryset=JudgementItem.objects.filter(enabled=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "判定项不存在或已停用", "invalid_pk_value": "判定项不存在"})
    other_items = forms.CharField(label="其他隐患问题", required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 2}), help_text="判定项未涵盖的问题，每行一项")

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("found_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["user_unit"].queryset = visible_units(user)
        self.fields["equipment"].queryset = Equipment.objects.visible_to(user).select_related("user_unit")
        self.fields["equipment_category"].choices = [("", "请选择")] + list(CATEGORIES.items())
        style(self)
        # Only a handful of options are rendered; any unit / device in scope validates.
        unit = self.chosen_unit()
        units = search_units(user, "")
        if unit is not None and unit not in units:
            units.insert(0, unit)
        self.fields["user_unit"].widget.choices = [("", "请选择或搜索使用单位")] + [(u.pk, unit_label(u)) for u in units]
        self.fields["equipment"].widget.choices = equipment_choices(user, unit)

    def chosen_unit(self):
        value = self.data.get("user_unit") if self.is_bound else self.initial.get("user_unit")
        if not value or not str(value).isdigit():
            return None
        return visible_units(self.user).filter(pk=value).first()

    def clean_found_on(self):
        value = self.cleaned_data["found_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("发现日期不能晚于今天")
        return value

    def clean(self):
        data = super().clean()
        unit, equipment, category = data.get("user_unit"), data.get("equipment"), data.get("equipment_category")
        if equipment is not None and unit is not None and equipment.user_unit_id != unit.pk:
            self.add_error("equipment", "所选设备不属于该使用单位")
        elif equipment is not None and category and equipment.category != category:
            self.add_error("equipment_category",
                           f"所选设备的种类为“{CATEGORIES.get(equipment.category, equipment.category)}”，与隐患类型不一致")
        chosen = data.get("judgement_items") or []
        wrong = [j.code for j in chosen if j.equipment_category and j.equipment_category != category]
        if category and wrong:
            self.add_error("judgement_items", f"判定项{'、'.join(wrong)}不适用于所选设备种类")
        others = [line.strip() for line in (data.get("other_items") or "").splitlines() if line.strip()]
        data["other_lines"] = others
        if not chosen and not others and "judgement_items" not in self.errors:
            self.add_error("judgement_items", "请至少选择一项判定项或填写其他隐患问题")
        return data

    def service_fields(self):
        data = self.cleaned_data
        items = [{"judgement_item": j.pk, "description": j.text} for j in data["judgement_items"]]
        items += [{"description": line} for line in data["other_lines"]]
        return {"user_unit": data["user_unit"], "equipment": data.get("equipment"), "source": data["source"],
                "equipment_category": data["equipment_category"], "description": data["description"],
                "found_on": data["found_on"], "items": items}


def equipment_choices(user, unit):
    if unit is None:
        return [("", "（请先选择使用单位）")]
    devices = (Equipment.objects.visible_to(user).filter(user_unit=unit).order_by("code")
               .only("id", "code", "name", "category")[:200])
    return [("", "（不指定设备）")] + [(e.pk, f"{e.code} {e.name}（{CATEGORIES.get(e.category, e.category)}）")
                                    for e in devices]


# -- the decisions of the closed loop ----------------------------------------------------------------------
class DispatchForm(forms.Form):
    """派单督办: the document to issue, the deadline (after today) and the requirement."""

    directive = forms.ChoiceField(label="下达文书", choices=MajorHazard.Directive.choices, widget=forms.RadioSelect,
                                  error_messages={"required": "请选择下达的文书（整改通知书或整改督处函）"})
    deadline = forms.DateField(label="整改期限", widget=DateInput(), error_messages={"required": "请填写整改期限"})
    requirement = forms.CharField(label="整改要求", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"required": "请填写整改要求"})
    comment = forms.CharField(label="督办意见", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, hazard=None, **kwargs):
        if hazard is not None:
            kwargs.setdefault("initial", {}).update(requirement=hazard.requirement, deadline=hazard.deadline)
        super().__init__(*args, **kwargs)
        style(self)

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        if value <= timezone.localdate():
            raise forms.ValidationError("整改期限必须晚于今天")
        return value


class CommentForm(forms.Form):
    comment = forms.CharField(label="处理意见", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, label="处理意见", required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = label
        self.fields["comment"].required = required
        self.fields["comment"].error_messages["required"] = f"请填写{label}"
        style(self)


class ExtensionDecisionForm(forms.Form):
    """延期整改审批: agree (the deadline moves to the requested date) or not (with the reason)."""

    decision = forms.ChoiceField(label="审批意见", choices=[("approve_extension", "同意延期"),
                                                         ("reject_extension", "不同意延期")],
                                 widget=forms.RadioSelect, error_messages={"required": "请选择是否同意延期"})
    comment = forms.CharField(label="审批说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject_extension" and not (data.get("comment") or "").strip():
            self.add_error("comment", "不同意延期须填写理由")
        return data


class ItemReviewForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=[("pass", "复核通过（销项）"), ("return", "退回整改")],
                                error_messages={"required": "请选择复核结果"})
    comment = forms.CharField(label="复核意见", required=False, max_length=1000)

    def clean(self):
        data = super().clean()
        if data.get("verdict") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", "退回整改须填写复核意见")
        return data


class LogForm(forms.ModelForm):
    """监察日志 / 复核日志 of a hazard."""

    class Meta:
        model = SupervisionLog
        fields = ["kind", "date", "inspectors", "content"]
        widgets = {"date": DateInput(), "content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].help_text = "多名人员以顿号分隔"
        style(self)

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError("检查日期不能晚于今天")
        return value


# -- judgement configuration ----------------------------------------------------------------------------------
class JudgementItemForm(forms.ModelForm):
    """A GB 45067—2024 criterion: hazard category, parent category, text and recommended measures."""

    class Meta:
        model = JudgementItem
        fields = ["code", "equipment_category", "category", "parent_category", "text", "measures", "enabled", "order"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "measures": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"code": {"unique": "该条款号已存在"}, "category": {"required": "请填写隐患类别"},
                          "text": {"required": "请填写判定项内容"}}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["equipment_category"] = forms.ChoiceField(
            label="设备种类", required=False, choices=[("", "通用（各类设备）")] + list(CATEGORIES.items()),
            help_text="通用判定项适用于所有设备种类")
        self.fields["category"].widget.attrs["list"] = "judgement-categories"
        self.fields["parent_category"].widget.attrs["list"] = "judgement-parents"
        self.fields["measures"].required = True
        self.fields["measures"].error_messages["required"] = "请填写建议处置措施"
        style(self)

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()
