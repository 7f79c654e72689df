"""Rule tables of the tax authority's back office (/gov/si/rules/): the contribution rules of the user's
prefectures by year, add and edit a rule, publish the year's new base, start a year from the last one.
Scoped through visible_to(user): a city's administrator sees and edits its own city's rules only."""
from decimal import Decimal, InvalidOperation

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.views.generic import TemplateView

from kernel.org.models import Region
from kernel.ui.filters import StyledFilterSet
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from .. import services
from ..models import ContributionRule, DeclarationMode, InsuranceType, SpecialCategory, validate_grades, yuan

VIEW, ADD, CHANGE = "si_rules.view_contributionrule", "si_rules.add_contributionrule", "si_rules.change_contributionrule"
SECTION = ("社保费掌上办", None)
BREAD = [SECTION, ("缴费规则", "/gov/si/rules/")]


class MoneyColumn(Column):
    def raw(self, obj):
        value = super().raw(obj)
        return yuan(value) if value is not None else ""


class GradesColumn(Column):
    def raw(self, obj):
        return "、".join(yuan(a) for a in obj.grade_amounts)


class FlagsColumn(Column):
    def raw(self, obj):
        flags = []
        if obj.no_prepay and not obj.base_published:
            flags.append("只能缴至当月")
        if obj.self_suspended:
            flags.append("暂停自行申报")
        if obj.assessed_categories:
            flags.append("核定：" + "、".join(SpecialCategory(c).label for c in obj.assessed_categories))
        if obj.opens_month > 1:
            flags.append(f"{obj.opens_month}月起征收")
        if obj.back_pay_until_month:
            flags.append(f"次年{obj.back_pay_until_month}月前可补缴")
        return "；".join(flags)


COLUMNS = [
    Column("prefecture", "地市", accessor="prefecture.name", order_by="prefecture__code", link="gov:si_rule", width=12),
    Column("year", "年度", width=8),
    Column("insurance", "险种", accessor="insurance.name", order_by="insurance__order", width=22),
    Column("mode", "申报方式", choices=True, width=22),
    MoneyColumn("min_base", "最低缴费基数（元/月）", width=14),
    GradesColumn("grades", "缴费档次（元/月）", sortable=False, default=False, width=40),
    Column("base_published", "新基数已公布", width=10),
    FlagsColumn("flags", "特别规则", sortable=False, width=40),
    Column("remark", "规则说明", sortable=False, default=False, width=60),
]


def _prefectures(user):
    """The prefectures (cities, and the autonomous region itself) whose rules `user` may keep: those in
    the subtree of the user's organisation's region (an autonomous-region administrator: all)."""
    regions = Region.objects.filter(level__in=(Region.Level.PROVINCE, Region.Level.CITY), path__startswith="450000.")
    if user.is_superuser:
        return regions.order_by("code")
    region = getattr(getattr(user, "organisation", None), "region", None)
    if region is None:
        return regions.none()
    return regions.filter(path__startswith=region.path).order_by("code")


class RuleFilter(StyledFilterSet):
    year = django_filters.NumberFilter(label="年度")
    prefecture = django_filters.ModelChoiceFilter(label="地市", queryset=Region.objects.none(), empty_label="全部")
    mode = django_filters.ChoiceFilter(label="申报方式", choices=DeclarationMode.choices, empty_label="全部")

    class Meta:
        model = ContributionRule
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["prefecture"].queryset = _prefectures(request.user)


class RuleListView(ScopedListView):
    model = ContributionRule
    title = "缴费规则"
    list_key = "si_rules"
    permission_required = VIEW
    filterset_class = RuleFilter
    columns = COLUMNS
    select_related = ("prefecture", "insurance")
    breadcrumbs = [SECTION]
    template_name = "si_rules/rule_list.html"

    def related_for(self, columns):
        return list(self.select_related)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(can_add=user.has_perm(ADD), copy_form=CopyYearForm())
        return ctx


def _amounts(text, field):
    parts = [p for p in (text or "").replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p]
    try:
        return [Decimal(p) for p in parts]
    except InvalidOperation as exc:
        raise forms.ValidationError("请填写金额，以逗号分隔") from exc


class RuleForm(forms.ModelForm):
    grades_text = forms.CharField(label="缴费档次（元/月）", help_text="从低到高，逗号分隔；第一档为最低缴费基数",
                                  widget=forms.TextInput)
    categories = forms.MultipleChoiceField(label="由社保核定的人员类别", required=False, choices=SpecialCategory.choices,
                                           widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ContributionRule
        fields = ["prefecture", "year", "insurance", "mode", "min_base", "no_prepay", "self_suspended", "opens_month",
                  "back_pay_until_month", "remark"]
        widgets = {"remark": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefecture"].queryset = _prefectures(user)
        self.fields["insurance"].queryset = InsuranceType.objects.filter(rate__isnull=False, active=True)
        if self.instance.pk:
            self.fields["grades_text"].initial = "、".join(yuan(a) for a in self.instance.grade_amounts)
            self.fields["categories"].initial = self.instance.assessed_categories
            for name in ("prefecture", "year", "insurance"):
                self.fields[name].disabled = True

    def clean_grades_text(self):
        grades = [str(a) for a in _amounts(self.cleaned_data.get("grades_text"), "grades")]
        validate_grades(grades)
        return grades

    def clean(self):
        data = super().clean()
        grades, min_base = data.get("grades_text"), data.get("min_base")
        if grades and min_base is not None and Decimal(grades[0]) != min_base:
            self.add_error("grades_text", f"第一档须等于最低缴费基数{yuan(min_base)}元")
        return data

    def _post_clean(self):
        self.instance.grades = self.cleaned_data.get("grades_text") or []
        self.instance.assessed_categories = list(self.cleaned_data.get("categories") or [])
        super()._post_clean()


class RuleEditView(EntranceMixin, TemplateView):
    """Add a rule, or change one of the user's prefectures."""

    template_name = "ui/form.html"
    permission_required = VIEW
    breadcrumbs = BREAD

    def rule(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        from django.shortcuts import get_object_or_404

        return get_object_or_404(ContributionRule.objects.visible_to(self.request.user), pk=pk)

    def get_title(self):
        rule = self.rule()
        return f"修改缴费规则：{rule}" if rule else "新增缴费规则"

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = (VIEW, CHANGE) if kwargs.get("pk") else (VIEW, ADD)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk=None):
        return self.render_to_response(self.get_context_data(form=RuleForm(instance=self.rule(), user=request.user)))

    def post(self, request, pk=None):
        form = RuleForm(request.POST, instance=self.rule(), user=request.user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    rule = services.save_rule(form.instance, request.user)
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    name = {"grades": "grades_text", "assessed_categories": "categories"}.get(field, field)
                    form.add_error(name if name in form.fields else None, msgs)
            else:
                messages.success(request, "缴费规则已保存")
                return redirect("gov:si_rule", pk=rule.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PublishForm(forms.Form):
    min_base = forms.DecimalField(label="新最低缴费基数（元/月）", max_digits=14, decimal_places=2,
                                  error_messages={"required": "请填写新最低缴费基数", "invalid": "请填写金额"})
    grades_text = forms.CharField(label="新缴费档次（元/月）", help_text="从低到高，逗号分隔；第一档为最低缴费基数")
    published_on = forms.DateField(label="公布日期", widget=forms.DateInput(attrs={"type": "date"}),
                                   error_messages={"required": "请填写公布日期", "invalid": "日期格式不正确"})

    def clean_grades_text(self):
        return _amounts(self.cleaned_data.get("grades_text"), "grades")


class RuleDetailView(ScopedDetailView):
    model = ContributionRule
    permission_required = VIEW
    select_related = ("prefecture", "insurance")
    breadcrumbs = BREAD
    template_name = "si_rules/rule_detail.html"
    edit_url_name, edit_permission = "gov:si_rule_edit", CHANGE
    fields = COLUMNS[:7] + [Column("published_on", "公布日期"), COLUMNS[7], COLUMNS[8]]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(can_change=self.request.user.has_perm(CHANGE),
                   publish_form=kwargs.get("publish_form") or PublishForm())
        return ctx


class PublishView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """新缴费基数公布: lifts the provisional base (and Nanning's prepayment limit)."""

    model = ContributionRule
    permission_required = (VIEW, CHANGE)

    def post(self, request, pk):
        rule = self.get_object()
        form = PublishForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    services.publish_base(rule, min_base=d["min_base"], grades=d["grades_text"],
                                          published_on=d["published_on"], user=request.user)
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    form.add_error({"grades": "grades_text"}.get(field, field) if field in ("min_base", "grades", "published_on") else None, msgs)
            else:
                messages.success(request, f"已公布{rule.year}年度新缴费基数")
                return redirect("gov:si_rule", pk=rule.pk)
        rule.refresh_from_db()
        view = RuleDetailView(request=request, kwargs={"pk": pk}, args=())
        view.setup(request, pk=pk)
        return view.render_to_response(view.get_context_data(publish_form=form), status=400)


class CopyYearForm(forms.Form):
    year = forms.IntegerField(label="新年度", min_value=2000, max_value=2100,
                              error_messages={"required": "请填写年度", "invalid": "请填写年度",
                                              "min_value": "年度不正确", "max_value": "年度不正确"})


class CopyYearView(EntranceMixin, TemplateView):
    """Start a year from the previous year's rules of the user's prefectures (provisional)."""

    permission_required = (VIEW, ADD)

    def post(self, request):
        form = CopyYearForm(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
            return redirect("gov:si_rules")
        year = form.cleaned_data["year"]
        previous = ContributionRule.objects.visible_to(request.user).filter(year=year - 1)
        if not previous.exists():
            messages.error(request, f"没有{year - 1}年度的缴费规则可以沿用")
            return redirect("gov:si_rules")
        with transaction.atomic():
            made = services.copy_year(previous, year, request.user)
        messages.success(request, f"已按{year - 1}年度规则新增{year}年度缴费规则{len(made)}条（待公布新基数后调整）")
        return redirect(f"/gov/si/rules/?year={year}")
