"""Forms of the grid and case pages: field-level Chinese errors; the services re-check everything."""
from django import forms
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone

from kernel.accounts.models import User
from kernel.org.forms import restrict_regions
from kernel.org.models import Organisation, Region
from kernel.ui.forms import style

from . import services
from .models import Complaint
from .reference import LABOUR_VIEW


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def people_with(perm_names, user):
    """Active staff the user may see who hold a permission, or every one of a tuple of permissions (each through a
    role or directly)."""
    qs = User.objects.visible_to(user).filter(kind="staff", is_active=True)
    for perm_name in (perm_names,) if isinstance(perm_names, str) else perm_names:
        app, codename = perm_name.split(".")
        perm = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        if perm is not None:
            qs = qs.filter(Q(roles__permissions=perm, roles__enabled=True) | Q(user_permissions=perm)
                           | Q(is_superuser=True))
    return qs.distinct().select_related("organisation").order_by("username")


def person_label(u):
    return f"{u.display_name}（{u.organisation.name if u.organisation_id else '—'}）"


# == grids ===========================================================================================
class GridForm(forms.Form):
    parent = forms.ModelChoiceField(label="上级区划（县区或乡镇）", queryset=Region.objects.none(), empty_label="请选择",
                                    error_messages={"required": "请选择上级区划", "invalid_choice": "请选择您管辖范围内的区划"})
    name = forms.CharField(label="网格名称", max_length=60, error_messages={"required": "请填写网格名称"})
    head = forms.CharField(label="网格长", max_length=50, error_messages={"required": "请填写网格长"})
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    address = forms.CharField(label="地址", max_length=300, required=False)
    organisation = forms.ModelChoiceField(label="所属机构", queryset=Organisation.objects.none(), required=False,
                                          empty_label="（无）")
    owner = forms.ModelChoiceField(label="网格员（预警属地处置人）", queryset=User.objects.none(), required=False,
                                   empty_label="（暂不指定）",
                                   help_text="低等级预警按属地自动派发给网格员；须为本网格所在区县（乡镇）持“网格员”角色的人员")

    def __init__(self, *args, user=None, grid=None, **kwargs):
        if grid is not None:
            kwargs.setdefault("initial", {
                "parent": grid.region.parent_id, "name": grid.region.name, "head": grid.head,
                "contact_person": grid.contact_person, "phone": grid.phone, "address": grid.address,
                "organisation": grid.organisation_id, "owner": grid.owner_id})
        super().__init__(*args, **kwargs)
        self.grid = grid
        parents = services.grid_parents(user).order_by("path")
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda r: ("　" * (r.level - 3)) + r.name
        if grid is not None:
            self.fields["parent"].disabled = True
            self.fields["parent"].queryset = Region.objects.filter(pk=grid.region.parent_id)
        self.fields["organisation"].queryset = (Organisation.objects.visible_to(user).filter(kind="agency")
                                                .order_by("region__path", "name"))
        self.fields["owner"].queryset = people_with(LABOUR_VIEW, user)
        self.fields["owner"].label_from_instance = person_label
        style(self)

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("parent")
        return data


# == complaints ========================================================================================
class ComplaintForm(forms.ModelForm):
    """投诉举报登记 by hand."""

    respondent_uscc = forms.CharField(label="被投诉单位统一社会信用代码", max_length=18, required=False,
                                      help_text="填写后关联到本辖区已登记的单位（可不填）")

    class Meta:
        model = Complaint
        fields = ["channel", "received_on", "region", "complainant_name", "complainant_id_number", "complainant_phone",
                  "respondent_name", "respondent_address", "respondent_contact", "workers_involved", "amount_owed",
                  "facts", "demands", "supervisor"]
        widgets = {"received_on": DateInput(), "facts": forms.Textarea(attrs={"rows": 4}),
                   "demands": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "respondent_name": {"required": "请填写被投诉单位名称"},
            "facts": {"required": "请填写投诉举报事项"},
            "received_on": {"required": "请填写收到日期", "invalid": "请输入有效的日期"},
            "region": {"required": "请选择所属区划", "invalid_choice": "请选择您管辖范围内的区划"},
            "channel": {"required": "请选择案件来源", "invalid_choice": "请选择案件来源"},
            "amount_owed": {"invalid": "请输入有效的金额"},
            "workers_involved": {"invalid": "请输入整数"},
        }

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate(), "workers_involved": 1})
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["channel"].choices = [("", "请选择")] + services.MANUAL_CHANNELS
        self.fields["region"].queryset = restrict_regions(Region.objects.filter(level__lte=Region.Level.COUNTY),
                                                          user).order_by("path")
        self.fields["region"].label_from_instance = lambda r: ("　" * (r.level - 1)) + r.name
        if user is not None and user.region is not None and user.region.level <= Region.Level.COUNTY:
            self.initial.setdefault("region", user.region.pk)
        supervisors_of(self.fields["supervisor"], user)
        self.fields["supervisor"].empty_label = "（暂不指定）"
        self.fields["amount_owed"].help_text = "元"
        self.fields["complainant_phone"].help_text = "手机号或座机号"
        style(self)

    def clean_respondent_uscc(self):
        uscc = (self.cleaned_data.get("respondent_uscc") or "").strip().upper()
        if not uscc:
            return None
        org = services.visible_enterprise(self.user, uscc)
        if org is None:
            raise forms.ValidationError("未找到该统一社会信用代码对应的单位，或该单位不在您的管辖范围内")
        return org

    def clean_amount_owed(self):
        value = self.cleaned_data.get("amount_owed")
        if value is not None and value < 0:
            raise forms.ValidationError("涉及金额不能为负数")
        return value

    def clean_complainant_id_number(self):
        from kernel.org.validators import validate_id_number

        value = (self.cleaned_data.get("complainant_id_number") or "").strip().upper()
        if value:
            validate_id_number(value)
        return value

    def clean_complainant_phone(self):
        value = (self.cleaned_data.get("complainant_phone") or "").strip()
        if value and not services.PHONE_RE.fullmatch(value):
            raise forms.ValidationError("请输入有效的手机号或座机号（如 13800138000 或 0771-5881234）")
        return value

    def clean_received_on(self):
        value = self.cleaned_data.get("received_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError("收到日期不能晚于今天")
        return value

    def _post_clean(self):
        pass  # the service validates the record whole (it sets no, accept_due and the creator)

    def service_fields(self):
        data = {k: v for k, v in self.cleaned_data.items() if k != "respondent_uscc"}
        data["respondent"] = self.cleaned_data.get("respondent_uscc")
        if data["workers_involved"] is None:
            data["workers_involved"] = 1
        return data


class CommentForm(forms.Form):
    comment = forms.CharField(label="处理意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, label="处理意见", required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = label
        self.fields["comment"].required = required
        self.fields["comment"].error_messages["required"] = f"请填写{label}"
        style(self)


class StyledForm(forms.Form):
    """A form of fixed fields with Bootstrap classes on its widgets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


def supervisors_of(field, user):
    """A supervisor (督办责任人) choice: the people of the user's jurisdiction who may handle cases."""
    field.queryset = people_with("labor_inspection.view_complaint", user)
    field.label_from_instance = person_label


class CloseForm(StyledForm):
    result = forms.CharField(label="处理结果", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写处理结果"})


class SupervisorForm(forms.Form):
    supervisor = forms.ModelChoiceField(label="督办责任人", queryset=User.objects.none(), empty_label="请选择",
                                        error_messages={"required": "请选择督办责任人",
                                                        "invalid_choice": "请选择您管辖范围内有案件权限的人员"})

    def __init__(self, *args, user=None, complaint=None, **kwargs):
        if complaint is not None and complaint.supervisor_id:
            kwargs.setdefault("initial", {"supervisor": complaint.supervisor_id})
        super().__init__(*args, **kwargs)
        supervisors_of(self.fields["supervisor"], user)
        style(self)


class ConvertForm(forms.Form):
    """转立案登记 of an unresolved labour warning."""

    workers_involved = forms.IntegerField(label="涉及人数", min_value=1, required=False,
                                          error_messages={"min_value": "涉及人数至少为1人", "invalid": "请输入整数"})
    amount_owed = forms.DecimalField(label="涉及金额（元）", max_digits=16, decimal_places=2, required=False,
                                     error_messages={"invalid": "请输入有效的金额"})
    supervisor = forms.ModelChoiceField(label="督办责任人", queryset=User.objects.none(), required=False,
                                        empty_label="（暂不指定）")
    comment = forms.CharField(label="核查未解决情况说明", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": "请填写核查未解决的情况说明"})

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        supervisors_of(self.fields["supervisor"], user)
        style(self)

    def clean_amount_owed(self):
        value = self.cleaned_data.get("amount_owed")
        if value is not None and value < 0:
            raise forms.ValidationError("涉及金额不能为负数")
        return value


class WithdrawForm(StyledForm):
    comment = forms.CharField(label="撤回理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": "请填写撤回理由"})



class EditManualForm(StyledForm):
    """人工登记预警的修改: the content always, the level until it is reviewed (kernel.alerts.services.edit_manual)."""

    message = forms.CharField(label="预警内容", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": "请填写预警内容"})
    level = forms.ChoiceField(label="等级", choices=())

    def __init__(self, *args, warning=None, **kwargs):
        from kernel.alerts.models import LEVEL_LABELS

        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(c, LEVEL_LABELS.get(c, c)) for c in warning.rule.level_codes()]
        if warning.status != "generated":
            self.fields["level"].disabled = True
            self.fields["level"].help_text = "已审核的预警，等级只能在审核时调整"
