"""Generic scoped pages: list (filters, sorting, pagination, column choice, Excel export),
detail (with change history) and form (field-level errors). Domains subclass these."""
import hashlib

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from kernel.audit.services import history_for
from kernel.core.cache import cached_count, versioned
from kernel.exports.excel import export_response
from kernel.ui.forms import apply_errors
from kernel.workflow.engine import TransitionError

PAGE_SIZES = (20, 50, 100)


class CachedCountPaginator(Paginator):
    """The row count (the costly part of a page on large tables) is cached until a table
    the count reads is written (kernel.core.cache)."""

    @cached_property
    def count(self):
        return cached_count(self.object_list)


class EntranceMixin(LoginRequiredMixin):
    """Pages of one entrance: anonymous users go to that entrance's login page."""

    entrance = "gov"
    permission_required: str | tuple = ()
    breadcrumbs: list = []
    title = ""

    def get_login_url(self):
        return reverse(f"{self.entrance}:login")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        from kernel.accounts.services import ENTRANCE_KINDS

        if not request.user.is_superuser and request.user.kind not in ENTRANCE_KINDS.get(self.entrance, set()):
            raise PermissionDenied("您的账号不能使用此入口")
        perms = (self.permission_required,) if isinstance(self.permission_required, str) else self.permission_required
        if perms and not request.user.has_perms(perms):
            raise PermissionDenied("您没有访问此页面的权限")
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs(self):
        return list(self.breadcrumbs) + [(self.get_title(), None)]

    def get_title(self):
        return self.title

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("title", self.get_title())
        ctx.setdefault("breadcrumbs", self.get_breadcrumbs())
        ctx["entrance"] = self.entrance
        return ctx


class ScopedListView(EntranceMixin, TemplateView):
    model = None
    filterset_class = None
    columns: list = []
    list_key = ""
    select_related: tuple = ()
    default_ordering = "-id"
    export_permission: str | None = None
    create_url_name: str | None = None
    create_permission: str | None = None
    template_name = "ui/list.html"

    def base_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        qs = self.base_queryset()
        related = self.related_for(self.visible_columns())
        if related:
            qs = qs.select_related(*related)
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            if self.filterset.is_bound and self.filterset.is_valid():
                qs = self.filterset.qs
            elif self.filterset.is_bound:
                qs = qs.none()
        return qs.order_by(*self.ordering())

    def ordering(self):
        sort = self.request.GET.get("sort", "")
        allowed = {c.name: c.order_by for c in self.columns if c.order_by}
        key = sort.lstrip("-")
        if key in allowed:
            field = allowed[key]
            primary = f"-{field}" if sort.startswith("-") else field
            return [primary, "-pk"]
        return [self.default_ordering]

    def related_for(self, columns):
        """The select_related entries that the shown columns read: a hidden column's join would only
        widen the query (five joined organisations cost more to compile and fetch than the page)."""
        wanted = {c.accessor.split(".")[0] for c in columns}
        return [r for r in self.select_related if r.split("__")[0] in wanted]

    def visible_columns(self):
        prefs = (self.request.user.preferences or {}).get("columns", {}).get(self.list_key)
        if prefs:
            chosen = [c for c in self.columns if c.name in prefs]
            if chosen:
                return chosen
        return [c for c in self.columns if c.default]

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            if not self.export_permission or not request.user.has_perm(self.export_permission):
                raise PermissionDenied("您没有导出权限")
            return export_response(request, self.get_queryset(), self.visible_columns(), self.get_title())
        return super().get(request, *args, **kwargs)

    # Tables the filter form's choices come from; its HTML is cached until one of them changes.
    filter_form_tables = ("dicts_dictitem", "org_region")

    def filter_form_html(self):
        """The filter form's HTML, cached per user and filter values (not page or sort)."""
        if self.filterset is None:
            return ""
        params = sorted((k, v) for k, vs in self.request.GET.lists() for v in vs
                        if k not in ("page", "sort", "per_page", "export"))
        digest = hashlib.sha256(repr(params).encode()).hexdigest()[:24]
        html = versioned(f"filterform:{self.list_key}:{self.request.user.pk}:{digest}", self.filter_form_tables,
                         lambda: render_to_string("ui/_filter_form.html", {"filterset": self.filterset}))
        return mark_safe(html)  # rendered by our own template with autoescaping

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and self.request.htmx.target == "list-body":
            return ["ui/_list_body.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.get_queryset()
        try:
            per_page = int(self.request.GET.get("per_page", PAGE_SIZES[0]))
        except ValueError:
            per_page = PAGE_SIZES[0]
        if per_page not in PAGE_SIZES:
            per_page = PAGE_SIZES[0]
        page = CachedCountPaginator(qs, per_page).get_page(self.request.GET.get("page"))
        columns = self.visible_columns()
        user = self.request.user
        rows = [[c.html(obj, user) for c in columns] for obj in page.object_list]
        params = self.request.GET.copy()
        for k in ("page", "export"):
            params.pop(k, None)
        sort_params = params.copy()
        sort_params.pop("sort", None)
        ctx.update(
            page=page,
            per_page=per_page,
            page_sizes=PAGE_SIZES,
            columns=columns,
            all_columns=self.columns,
            visible_names={c.name for c in columns},
            rows=rows,
            rows_html=rows_html(rows),
            filterset=self.filterset,
            filter_form_html=self.filter_form_html(),
            querystring=params.urlencode(),
            sort_querystring=sort_params.urlencode(),
            current_sort=self.request.GET.get("sort", ""),
            list_key=self.list_key,
            can_export=bool(self.export_permission and user.has_perm(self.export_permission)),
            create_url=reverse(self.create_url_name) if self.create_url_name and (
                not self.create_permission or user.has_perm(self.create_permission)) else None,
        )
        return ctx


def rows_html(rows):
    """Table body HTML; cells are escaped unless they are already safe (links, badges)."""
    if not rows:
        return ""
    return mark_safe("".join(
        "<tr>" + "".join(f"<td>{conditional_escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    ))


class ScopedObjectMixin:
    model = None
    select_related: tuple = ()

    def object_queryset(self):
        """Where the record is looked up: the user's visible rows (a view narrows it, e.g. to one category)."""
        return self.model.objects.visible_to(self.request.user)

    def get_object(self):
        if not hasattr(self, "_object"):
            qs = self.object_queryset()
            if self.select_related:
                qs = qs.select_related(*self.select_related)
            obj = qs.filter(pk=self.kwargs["pk"]).first()
            if obj is None:
                raise Http404("记录不存在或不在您的管辖范围内")
            self._object = obj
        return self._object


class ScopedDetailView(ScopedObjectMixin, EntranceMixin, TemplateView):
    template_name = "ui/detail.html"
    fields: list = []  # Columns shown as label/value pairs
    edit_url_name: str | None = None
    edit_permission: str | None = None
    delete_url_name: str | None = None
    delete_permission: str | None = None

    def get_title(self):
        return str(self.get_object())

    def get_context_data(self, **kwargs):
        obj = self.get_object()
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            object=obj,
            field_rows=[(c.label, c.html(obj, user, link=False)) for c in self.fields],
            history=history_for(obj)[:50],
            edit_url=reverse(self.edit_url_name, args=[obj.pk]) if self.edit_url_name and user.has_perm(self.edit_permission) else None,
            delete_url=reverse(self.delete_url_name, args=[obj.pk]) if self.delete_url_name and user.has_perm(self.delete_permission) else None,
        )
        return ctx


class ScopedFormView(EntranceMixin, TemplateView):
    """Create or edit through a ModelForm; the save runs in one transaction via `save_form`."""

    model = None
    form_class = None
    template_name = "ui/form.html"
    success_message = "已保存"

    def get_instance(self):
        return None

    def get_form(self, data=None):
        return self.form_class(data=data, instance=self.get_instance(), user=self.request.user)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    obj = self.save_form(form)
            except (ValidationError, TransitionError) as exc:  # a service's refusal: nothing written
                self.show_refusal(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(self.get_success_url(obj))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def save_form(self, form):
        return form.save()

    def show_refusal(self, form, exc):
        """Put a service's refusal onto the form (its fields, else on top)."""
        apply_errors(form, exc)

    def get_success_url(self, obj):
        return obj.get_absolute_url()
