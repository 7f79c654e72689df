"""Forms of the training pages (field-level Chinese errors; services do the business checks)."""
from django import forms

from domains.ops.contracts.models import MaintainedSystem
from kernel.ui.forms import style as _style

from ..models import Question, TrainingPlan, TrainingSession


class PlanForm(forms.ModelForm):
    class Meta:
        model = TrainingPlan
        fields = ["system", "title", "year", "quarter", "mode", "audience", "topics"]
        widgets = {"topics": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = MaintainedSystem.objects.visible_to(user)
        self.fields["system"].error_messages["invalid_choice"] = "请选择您管辖范围内的运维对象"
        for name in ("system", "title", "year", "audience", "topics"):
            self.fields[name].error_messages["required"] = f"请填写{self.fields[name].label}"
        _style(self)


class SessionForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["topic", "starts_at", "ends_at", "place", "trainer", "mode", "capacity"]
        widgets = {"starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.error_messages["required"] = f"请填写{field.label}"
            if name in ("starts_at", "ends_at"):
                field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
                field.error_messages["invalid"] = "请输入有效的日期时间"
        self.fields["capacity"].error_messages["min_value"] = "容纳人数至少为1"
        _style(self)


class TraineesForm(forms.Form):
    trainees = forms.ModelMultipleChoiceField(label="学员", queryset=None, required=False,
                                              widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainees"].queryset = candidates
        self.fields["trainees"].label_from_instance = lambda u: f"{u.display_name}（{getattr(u.organisation, 'name', '')}）"
        self.fields["trainees"].error_messages["invalid_choice"] = "所选用户不能参加本场培训"
        self.fields["trainees"].error_messages["invalid_pk_value"] = "所选用户不能参加本场培训"
        _style(self)


class ExamForm(forms.Form):
    title = forms.CharField(label="试卷名称", max_length=150, error_messages={"required": "请填写试卷名称"})
    pass_mark = forms.IntegerField(label="及格分（百分制）", min_value=1, max_value=100, initial=60,
                                   error_messages={"required": "请填写及格分", "min_value": "及格分应在1到100之间",
                                                   "max_value": "及格分应在1到100之间", "invalid": "请输入整数"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="题型", choices=Question.Kind.choices, error_messages={"required": "请选择题型"})
    text = forms.CharField(label="题干", widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": "请填写题干"})
    options = forms.CharField(label="选项（每行一个，判断题不填）", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    answer = forms.CharField(label="正确答案", max_length=10, help_text="选项字母，如 A 或 AC；判断题填“对”或“错”",
                             error_messages={"required": "请填写正确答案"})
    points = forms.IntegerField(label="分值", min_value=1, max_value=100, initial=10,
                                error_messages={"required": "请填写分值", "min_value": "分值应在1到100之间",
                                                "max_value": "分值应在1到100之间", "invalid": "请输入整数"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def option_list(self):
        return [line.strip() for line in (self.cleaned_data.get("options") or "").splitlines() if line.strip()]

    def answer_indices(self):
        """The answer as option indices; None when it names no option."""
        from ..services import parse_letters

        raw = (self.cleaned_data.get("answer") or "").strip()
        if self.cleaned_data.get("kind") == Question.Kind.TRUE_FALSE:
            return {"对": [0], "正确": [0], "√": [0], "A": [0], "错": [1], "错误": [1], "×": [1], "B": [1]}.get(raw.upper())
        try:
            return parse_letters(raw, len(self.option_list()))
        except ValueError:
            return None
