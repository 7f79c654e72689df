"""List filters of the supervision-database pages (each page and its Excel export share one).

The query fields of the project list are the seed's (§A1 (1) a 工程项目预警监管): project name,
construction unit, contractor, project type, funding source, industry authority, start-date range,
project scale (winning-bid contract price range, 万元) and project status, plus the region."""
import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from kernel.org.models import Region
from kernel.ui.filters import DateInput, StyledFilterSet

from . import services
from .models import (
    Contract,
    DifferentiatedEnterprise,
    Guarantee,
    GuaranteeReminder,
    Project,
    WageAccount,
    WageDeposit,
    Worker,
)


class RegionFilterMixin:
    """A '所在区划（含下级）' choice limited to the user's jurisdiction."""

    region_field = "region"

    def _set_region_choices(self, request):
        from kernel.org.scope import region_choices

        user = getattr(request, "user", None)
        region = getattr(user, "region", None) if user is not None and user.is_authenticated else None
        # county users pick among their towns; city and region users among counties (a county covers its towns)
        depth = Region.Level.TOWN if region is not None and region.level >= Region.Level.COUNTY else Region.Level.COUNTY
        self.form.fields["region"].choices = [("", "全部")] + region_choices(user, depth)

    def in_region(self, qs, name, value):
        from kernel.org.scope import in_region_subtree

        return in_region_subtree(qs, value, field=self.region_field)


def _region():
    return django_filters.ChoiceFilter(label="所在区划（含下级）", choices=[], method="in_region", empty_label="全部")


class _Base(RegionFilterMixin, StyledFilterSet):
    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if "region" in self.form.fields:
            self._set_region_choices(request)


def _text(label, field):
    return django_filters.CharFilter(label=label, field_name=field, lookup_expr="icontains")


def _date(label, field, lookup):
    return django_filters.DateFilter(label=label, field_name=field, lookup_expr=lookup, widget=DateInput)


class RangeForm(forms.Form):
    """A filter form whose (low, high, message) pairs must be in order."""

    ranges = ()

    def clean(self):
        data = super().clean()
        for low, high, message in self.ranges:
            if data.get(low) is not None and data.get(high) is not None and data[high] < data[low]:
                self.add_error(high, message)
        return data


class ProjectFilterForm(RangeForm):
    ranges = (("start_from", "start_to", "开工日期止不能早于开工日期起"),
              ("price_min", "price_max", "合同价上限不能小于下限"))


class ProjectFilter(_Base):
    name = _text("项目名称", "name")
    construction_unit = _text("建设单位", "construction_unit__name")
    contractor = _text("施工单位", "general_contractor__name")
    project_type = django_filters.ChoiceFilter(label="项目类型", choices=Project.Type.choices, empty_label="全部")
    funding_source = django_filters.ChoiceFilter(label="资金来源", choices=Project.Funding.choices, empty_label="全部")
    industry_authority = _text("行业主管部门", "industry_authority")
    start_from = _date("开工日期起", "start_date", "gte")
    start_to = _date("开工日期止", "start_date", "lte")
    price_min = django_filters.NumberFilter(label="中标合同价≥（万元）", field_name="contract_price", lookup_expr="gte",
                                            min_value=0)
    price_max = django_filters.NumberFilter(label="中标合同价≤（万元）", field_name="contract_price", lookup_expr="lte",
                                            min_value=0)
    status = django_filters.ChoiceFilter(label="项目状态", choices=Project.Status.choices, empty_label="全部")
    region = _region()
    certificate = django_filters.ChoiceFilter(
        label="证照状态", empty_label="全部", method="by_certificate",
        choices=[("permit_expired", "施工许可证过期或未登记"), ("qualification_expired", "总包资质过期或未登记")])

    class Meta:
        model = Project
        fields = ["name", "construction_unit", "contractor", "project_type", "funding_source", "industry_authority",
                  "start_from", "start_to", "price_min", "price_max", "status", "region", "certificate"]
        form = ProjectFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("price_min", "price_max"):
            self.form.fields[name].error_messages["min_value"] = "合同价不能为负数"
            self.form.fields[name].error_messages["invalid"] = "请输入数字（万元）"

    def by_certificate(self, qs, name, value):
        today = timezone.localdate()
        number, until = (("permit_no", "permit_valid_until") if value == "permit_expired"
                         else ("contractor_qualification_no", "contractor_qualification_valid_until"))
        return qs.filter(Q(**{number: ""}) | Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__lt": today}))


class WorkerFilter(_Base):
    name = _text("姓名", "name")
    id_number = django_filters.CharFilter(label="身份证号码（完整18位）", method="by_id_number")
    employer = _text("用工单位", "employer__name")
    project = django_filters.CharFilter(label="所在项目", method="by_project")
    on_site = django_filters.ChoiceFilter(label="用工状态", empty_label="全部", method="by_on_site",
                                          choices=[("1", "在岗"), ("0", "无在岗合同")])
    region = _region()
    registered_from = _date("实名登记日期起", "registered_on", "gte")
    registered_to = _date("实名登记日期止", "registered_on", "lte")

    class Meta:
        model = Worker
        fields = ["name", "id_number", "employer", "project", "on_site", "region", "registered_from",
                  "registered_to"]

    def by_id_number(self, qs, name, value):
        return qs.filter(id_number=value.strip().upper())

    def _contracts(self):
        return Contract.objects.visible_to(getattr(self.request, "user", None)).filter(worker=OuterRef("pk"))

    def by_project(self, qs, name, value):
        value = value.strip()
        contracts = self._contracts()
        contracts = contracts.filter(project_id=int(value)) if value.isdigit() else \
            contracts.filter(project__name__icontains=value)
        return qs.filter(Exists(contracts))

    def by_on_site(self, qs, name, value):
        active = Exists(self._contracts().filter(status=Contract.Status.ACTIVE))
        return qs.filter(active) if value == "1" else qs.exclude(active)


class AccountFilter(_Base):
    region_field = "project__region"
    project = _text("项目名称", "project__name")
    account_no = django_filters.CharFilter(label="账号", lookup_expr="icontains")
    bank = _text("开户银行", "bank")
    opener = _text("开户单位", "opener__name")
    status = django_filters.ChoiceFilter(label="账户状态", choices=WageAccount.Status.choices, empty_label="全部")
    region = _region()

    class Meta:
        model = WageAccount
        fields = ["project", "account_no", "bank", "opener", "status", "region"]


class DepositFilter(_Base):
    enterprise = _text("施工企业", "enterprise__name")
    project = _text("项目名称", "project__name")
    form = django_filters.ChoiceFilter(label="存储方式", choices=WageDeposit.Form.choices, empty_label="全部")
    shortfall = django_filters.ChoiceFilter(label="存储情况", empty_label="全部", method="by_shortfall",
                                            choices=[("1", "未足额存储"), ("0", "已足额存储")])
    region = _region()
    due_to = _date("应存期限止", "due_on", "lte")

    class Meta:
        model = WageDeposit
        fields = ["enterprise", "project", "form", "shortfall", "region", "due_to"]

    def by_shortfall(self, qs, name, value):
        short = qs.filter(balance__lt=F("required_amount"))
        return short if value == "1" else qs.exclude(balance__lt=F("required_amount"))


class GuaranteeFilter(_Base):
    guarantee_no = django_filters.CharFilter(label="保函编号", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="保函类型", choices=Guarantee.Kind.choices, empty_label="全部")
    enterprise = _text("施工企业", "enterprise__name")
    project = _text("项目名称", "project__name")
    issuer = _text("出具机构", "issuer")
    validity = django_filters.ChoiceFilter(label="有效状态", empty_label="全部", method="by_validity",
                                           choices=[("expiring", "1个月内到期"), ("expired", "已过期"),
                                                    ("valid", "有效（1个月后到期）")])
    region = _region()
    until_from = _date("到期日期起", "valid_until", "gte")
    until_to = _date("到期日期止", "valid_until", "lte")

    class Meta:
        model = Guarantee
        fields = ["guarantee_no", "kind", "enterprise", "project", "issuer", "validity", "region", "until_from",
                  "until_to"]

    def by_validity(self, qs, name, value):
        start, end = services.guarantee_window()
        if value == "expired":
            return qs.filter(valid_until__lt=start)
        if value == "expiring":
            return services.expiring_guarantees(qs)
        return qs.filter(valid_until__gt=end)


class ReminderFilter(_Base):
    region_field = "guarantee__region"
    guarantee_no = _text("保函编号", "guarantee__guarantee_no")
    kind = django_filters.ChoiceFilter(label="保函类型", field_name="guarantee__kind", choices=Guarantee.Kind.choices,
                                       empty_label="全部")
    enterprise = _text("施工企业", "guarantee__enterprise__name")
    sms_status = django_filters.ChoiceFilter(label="短信状态", empty_label="全部", method="by_sms",
                                             choices=[("none", "未发送"), ("pending", "待发送"), ("sent", "已提交平台"),
                                                      ("delivered", "已送达"), ("failed", "发送失败或未送达")])
    region = _region()
    reminded_from = _date("提醒日期起", "reminded_at", "date__gte")
    reminded_to = _date("提醒日期止", "reminded_at", "date__lte")
    until_from = _date("到期日期起", "valid_until", "gte")
    until_to = _date("到期日期止", "valid_until", "lte")

    class Meta:
        model = GuaranteeReminder
        fields = ["guarantee_no", "kind", "enterprise", "sms_status", "region", "reminded_from", "reminded_to",
                  "until_from", "until_to"]

    def by_sms(self, qs, name, value):
        if value == "none":
            return qs.filter(sms__isnull=True)
        if value == "failed":
            return qs.filter(sms__status__in=("failed", "undelivered"))
        return qs.filter(sms__status=value)


class DifferentiatedFilter(_Base):
    enterprise = _text("施工企业", "enterprise__name")
    uscc = django_filters.CharFilter(label="统一社会信用代码", field_name="enterprise__uscc", lookup_expr="iexact")
    region = _region()
    state = django_filters.ChoiceFilter(label="备案状态", empty_label="全部", method="by_state",
                                        choices=[("valid", "有效"), ("expired", "已失效"), ("pending", "未生效")])
    exempt = django_filters.ChoiceFilter(label="存储比例", empty_label="全部", method="by_exempt",
                                         choices=[("1", "免存（0%）"), ("0", "按比例存储")])

    class Meta:
        model = DifferentiatedEnterprise
        fields = ["enterprise", "uscc", "region", "state", "exempt"]

    def by_state(self, qs, name, value):
        today = timezone.localdate()
        if value == "pending":
            return qs.filter(valid_from__gt=today)
        if value == "expired":
            return qs.filter(valid_until__lt=today)
        return qs.filter(valid_from__lte=today).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))

    def by_exempt(self, qs, name, value):
        return qs.filter(ratio=0) if value == "1" else qs.exclude(ratio=0)

