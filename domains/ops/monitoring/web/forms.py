"""Forms of the monitoring node's pages: Bootstrap-styled, choices limited to the user's scope."""
from django import forms

from kernel.accounts.models import User
from kernel.ui.forms import style

from ..models import AppMonitor, MetricThreshold, Node, Resource, WorkOrder


class Styled:
    def style(self):
        style(self)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3


class NodeForm(Styled, forms.ModelForm):
    class Meta:
        model = Node
        fields = ["code", "unit_name", "responsible_person", "responsible_contact", "duty_phone", "address", "level",
                  "city_url", "city_public_key", "sample_interval", "retention_days", "slow_ms", "report_interval"]
        widgets = {"city_public_key": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class ResourceForm(Styled, forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["number", "category", "name", "parent", "ip", "model_no", "brand", "url", "mgmt_ip", "mgmt_port",
                  "asset_no", "description"]

    def __init__(self, *args, user, node, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.node = node
        parents = Resource.objects.visible_to(user).filter(node=node, parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.order_by("number")
        self.fields["parent"].help_text = "子资源（如路由器端口、业务系统功能入口）选择所属资源"
        self.style()


class AppMonitorForm(Styled, forms.ModelForm):
    class Meta:
        model = AppMonitor
        fields = ["name", "url", "resource", "slow_ms", "enabled"]

    def __init__(self, *args, user, node, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.node = node
        self.fields["resource"].queryset = Resource.objects.visible_to(user).filter(node=node).order_by("number")
        self.style()


class ThresholdForm(Styled, forms.ModelForm):
    class Meta:
        model = MetricThreshold
        fields = ["category", "metric", "yellow", "orange", "red", "enabled"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class WorkOrderForm(Styled, forms.ModelForm):
    class Meta:
        model = WorkOrder
        fields = ["kind", "subject", "content", "business_type", "om_level", "initiating_unit", "initiator_contact",
                  "initiator_phone", "receiving_unit", "receiver_contact", "receiver_phone", "resource"]

    def __init__(self, *args, user, node, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.node = node
        self.fields["resource"].queryset = Resource.objects.visible_to(user).filter(node=node).order_by("number")
        if not self.is_bound and not self.instance.pk and node is not None:
            self.initial.setdefault("initiating_unit", node.unit_name)
            self.initial.setdefault("initiator_contact", user.display_name)
            self.initial.setdefault("initiator_phone", user.phone or node.duty_phone)
        self.style()


def assignee_choices(user, node):
    """People of the node's unit who may handle work orders."""
    if node is None:
        return User.objects.none()
    users = User.objects.filter(organisation=node.organisation, is_active=True, kind="staff").order_by("username")
    return [u for u in users if u.has_perm("ops_monitoring.handle_workorder")]
