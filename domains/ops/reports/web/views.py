"""The O&M dashboard (/gov/ops/dashboard/) and the monthly service report (/gov/ops/reports/monthly/) with its
Word and Excel downloads. Figures come from domains.ops.reports.quality over the user's scoped tickets."""

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from domains.ops.contracts.models import ServiceContract
from kernel.audit.services import log_operation
from kernel.exports.documents import DOCX_CONTENT_TYPE
from kernel.exports.excel import workbook_response
from kernel.org.scope import restrict
from kernel.ui.generic import EntranceMixin

from .. import documents, quality

SECTION = ("运维服务管理", None)
VIEW = "ops_tickets.view_ticket"
REPORT = ("ops_tickets.view_ticket", "ops_tickets.export_ticket")


class ReportForm(forms.Form):
    month = forms.CharField(label="统计月份", required=False, widget=forms.TextInput(attrs={"type": "month"}))
    contract = forms.ChoiceField(label="服务合同", required=False)

    def __init__(self, user, data=None):
        super().__init__(data)
        self.contracts = {str(c.pk): c for c in restrict(ServiceContract.objects.select_related("system"), user)}
        self.fields["contract"].choices = [("", "全部合同")] + [(k, str(c)) for k, c in self.contracts.items()]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm" if isinstance(field, forms.ChoiceField) \
                else "form-control form-control-sm"
        self.fields["contract"].error_messages["invalid_choice"] = "请选择您可查看的服务合同"
        self.fields["month"].initial = f"{timezone.localdate():%Y-%m}"

    def clean_month(self):
        text = self.cleaned_data["month"]
        if not text:
            return timezone.localdate().replace(day=1)
        month = quality.parse_month(text)
        if month is None:
            raise forms.ValidationError("请输入有效的月份，格式如 2026-11")
        return month

    def clean_contract(self):
        return self.contracts.get(self.cleaned_data["contract"]) if self.cleaned_data["contract"] else None


class _Filtered(EntranceMixin, TemplateView):
    def setup_form(self):
        self.form = ReportForm(self.request.user, self.request.GET or None)
        if self.request.GET and not self.form.is_valid():
            for name in self.form.errors:
                if name in self.form.fields:
                    self.form.fields[name].widget.attrs["class"] += " is-invalid"
            return None, None
        data = self.form.cleaned_data if self.request.GET else {}
        return data.get("month") or timezone.localdate().replace(day=1), data.get("contract")

    def scope_name(self):
        user = self.request.user
        org = getattr(user, "organisation", None)
        return org.name if org is not None else "全部"


class MonthlyReportView(_Filtered):
    template_name = "ops_reports/monthly.html"
    permission_required = REPORT
    title = "运维服务月报"
    breadcrumbs = [SECTION]

    def get(self, request, *args, **kwargs):
        month, contract = self.setup_form()
        fmt = request.GET.get("format")
        if month is None:
            return self.render_to_response(self.get_context_data(report=None), status=400 if fmt else 200)
        report = quality.monthly(request.user, month, contract)
        if fmt == "docx":
            content = documents.render_docx(report, scope_name=self.scope_name(), contract=contract,
                                            author=request.user.real_name or request.user.username)
            log_operation("export", user=request.user, object=report.title, format="docx",
                          filters={k: v for k, v in request.GET.items() if k != "format"})
            response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
            from urllib.parse import quote

            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report.title)}.docx"
            return response
        if fmt == "xlsx":
            return workbook_response(request, report.title,
                                     documents.sheets(report, quality.month_tickets(request.user, month, contract)))
        return self.render_to_response(self.get_context_data(report=report, contract=contract))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.form
        ctx["query"] = self.request.GET.urlencode()
        return ctx


class DashboardView(_Filtered):
    template_name = "ops_reports/dashboard.html"
    permission_required = VIEW
    title = "运维服务看板"
    breadcrumbs = [SECTION]

    def get(self, request, *args, **kwargs):
        month, contract = self.setup_form()
        if month is None:
            return self.render_to_response(self.get_context_data(report=None))
        user = request.user
        report = quality.monthly(user, month, contract)
        days = quality.daily_counts(user, month, contract)
        statuses = quality.status_counts(user, contract)
        chart = {
            "days": [f"{d:%d}" for d, _, _ in days], "raised": [r for _, r, _ in days],
            "resolved": [s for _, _, s in days],
            "kinds": [{"name": label, "value": n} for label, n in report.counts["by_kind"]],
            "status": {"labels": [s[0] for s in statuses], "values": [s[1] for s in statuses]},
            "sla": {"labels": [f"{line.contract_no} {line.kind_label}" for line in report.sla],
                    "rates": [line.rate for line in report.sla]},
        }
        return self.render_to_response(self.get_context_data(
            report=report, contract=contract, clocks=quality.clock_counts(user), chart=chart,
            can_report=user.has_perms(REPORT)))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = self.form
        ctx["query"] = self.request.GET.urlencode()
        return ctx
