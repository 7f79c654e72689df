"""Dictionary maintenance pages for operators (/gov/system/dicts/)."""
from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse

from kernel.ui.generic import ScopedDetailView, ScopedFormView, ScopedListView
from kernel.ui.tables import Column

from .models import DictItem, DictType

BREAD = [("系统管理", None), ("数据字典", "/gov/system/dicts/")]


class DictTypeListView(ScopedListView):
    model = DictType
    title = "数据字典"
    list_key = "dicts"
    permission_required = "dicts.view_dicttype"
    columns = [
        Column("code", "字典编码", link="gov:dict_detail"),
        Column("name", "字典名称"),
        Column("description", "说明", sortable=False),
        Column("is_system", "系统内置"),
    ]
    default_ordering = "code"
    breadcrumbs = [("系统管理", None)]

    def base_queryset(self):
        return DictType.objects.all()  # platform configuration, the same for every region


class DictTypeDetailView(ScopedDetailView):
    model = DictType
    permission_required = "dicts.view_dicttype"
    template_name = "dicts/dicttype_detail.html"
    fields = [Column("code", "字典编码"), Column("name", "字典名称"), Column("description", "说明"),
              Column("is_system", "系统内置")]
    breadcrumbs = BREAD

    def get_object(self):
        return get_object_or_404(DictType, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["items"] = self.get_object().items.order_by("order", "value")
        ctx["can_edit"] = self.request.user.has_perm("dicts.change_dictitem")
        return ctx


class DictItemForm(forms.ModelForm):
    class Meta:
        model = DictItem
        fields = ["value", "label", "order", "colour", "enabled", "remark"]

    def __init__(self, *args, user=None, dict_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dict_type = dict_type
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-check-input" if name == "enabled" else "form-control")

    def clean_value(self):
        value = self.cleaned_data["value"].strip()
        clash = DictItem.objects.filter(dict_type=self.dict_type, value=value).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("该字典中已存在相同的字典值")
        return value

    def save(self, commit=True):
        self.instance.dict_type = self.dict_type
        return super().save(commit)


class DictItemFormView(ScopedFormView):
    model = DictItem
    form_class = DictItemForm
    breadcrumbs = BREAD

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = "dicts.change_dictitem" if "item_pk" in kwargs else "dicts.add_dictitem"
        return super().dispatch(request, *args, **kwargs)

    def dict_type(self):
        return get_object_or_404(DictType, pk=self.kwargs["pk"])

    def get_instance(self):
        if "item_pk" in self.kwargs:
            return get_object_or_404(DictItem, pk=self.kwargs["item_pk"], dict_type_id=self.kwargs["pk"])
        return None

    def get_title(self):
        return ("编辑字典项：" if "item_pk" in self.kwargs else "新增字典项：") + self.dict_type().name

    def get_form(self, data=None):
        return self.form_class(data=data, instance=self.get_instance(), dict_type=self.dict_type())

    def get_success_url(self, obj):
        return reverse("gov:dict_detail", args=[obj.dict_type_id])
