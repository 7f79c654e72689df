"""The generic import page: upload form, template download, row-numbered errors, error report."""
import base64
import json
import zlib
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from kernel.ui.generic import EntranceMixin

from .importing import XLSX_CONTENT_TYPE, RowError, error_report, run_import, template_response
from .registry import get_import

SESSION_KEY = "zw_import_errors"
SHOWN_ERRORS = 500


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件", error_messages={"required": "请选择要导入的 Excel（.xlsx）文件"})
    update = forms.BooleanField(label="更新已存在的记录", required=False)


class _RegisteredImportMixin(EntranceMixin):
    """Resolves the registered spec and checks its permission (anonymous users go to login first)."""

    entrance = "gov"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.registration = get_import(kwargs["key"])
        if self.registration is None:
            raise Http404("导入类型不存在")
        self.spec = self.registration.spec
        self.permission_required = self.registration.permission
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return f"导入{self.spec.title}"

    def get_breadcrumbs(self):
        crumbs = []
        if self.registration.back:
            label, url_name = self.registration.back
            crumbs.append((label, reverse(url_name)))
        return crumbs + [(self.get_title(), None)]


class ImportView(_RegisteredImportMixin, TemplateView):
    template_name = "exports/import.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        key = self.registration.key
        ctx.update(
            spec=self.spec,
            key=key,
            form=kwargs.get("form") or ImportForm(),
            may_update=self.registration.may_update(self.request.user),
            key_header=self.spec.header_of(self.spec.key) if self.spec.key else "",
            template_url=reverse("gov:exports_import_template", args=[key]),
            report_url=reverse("gov:exports_import_errors", args=[key]),
            max_mb=self.spec.max_bytes // 1024 // 1024,
            shown_errors=SHOWN_ERRORS,
            back_url=reverse(self.registration.back[1]) if self.registration.back else None,
        )
        result = kwargs.get("result")
        if result is not None:
            ctx["result"] = result
            ctx["errors"] = result.errors[:SHOWN_ERRORS]
        return ctx

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        update = form.cleaned_data["update"]
        if update and not self.registration.may_update(request.user):
            raise PermissionDenied("您没有更新已有记录的权限")
        upload = form.cleaned_data["file"]
        result = run_import(self.spec, upload, request.user, update=update, filename=upload.name)
        _store_errors(request, self.registration.key, result)
        status = 200 if result.ok else 400
        return self.render_to_response(self.get_context_data(form=ImportForm(), result=result), status=status)


class ImportTemplateView(_RegisteredImportMixin, View):
    def get(self, request, *args, **kwargs):
        return template_response(self.spec, request.user)


class ImportErrorReportView(_RegisteredImportMixin, View):
    """The errors of this user's last refused import of this kind, as an .xlsx."""

    def get(self, request, *args, **kwargs):
        key = self.registration.key
        errors = _load_errors(request, key)
        if errors is None:
            messages.info(request, "没有可下载的错误报告，请先上传文件")
            return redirect("gov:exports_import", key=key)
        name = f"{self.spec.title}导入错误报告.xlsx"
        response = HttpResponse(error_report(errors), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response


def _store_errors(request, key, result):
    """Keep the last refused import's errors in the session (compressed), drop them after a success."""
    stored = dict(request.session.get(SESSION_KEY) or {})
    if result.ok:
        stored.pop(key, None)
    else:
        packed = json.dumps([[e.row, e.column, e.message] for e in result.errors], ensure_ascii=False)
        stored[key] = base64.b64encode(zlib.compress(packed.encode(), 6)).decode()
    request.session[SESSION_KEY] = stored


def _load_errors(request, key):
    packed = (request.session.get(SESSION_KEY) or {}).get(key)
    if not packed:
        return None
    return [RowError(*e) for e in json.loads(zlib.decompress(base64.b64decode(packed)))]
