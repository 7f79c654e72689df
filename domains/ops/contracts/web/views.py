"""Service contracts and their SLA terms (/gov/ops/contracts/), scoped by the using agency's region."""
from kernel.ui.generic import ScopedDetailView, ScopedListView
from kernel.ui.tables import Column

from ..models import ServiceContract

SECTION = ("运维服务管理", None)
COLUMNS = [
    Column("contract_no", "合同编号", link="gov:ops_contract", width=22),
    Column("name", "合同名称", width=30),
    Column("system", "运维对象", accessor="system.name", order_by="system__name", width=24),
    Column("agency", "使用单位", accessor="system.agency.name", order_by="system__agency__name", width=24),
    Column("supplier", "服务商", width=24),
    Column("starts_on", "开始日期", width=12),
    Column("ends_on", "结束日期", width=12),
    Column("onsite", "驻场服务", default=False, width=24),
]


class ContractListView(ScopedListView):
    model = ServiceContract
    title = "服务合同与SLA"
    list_key = "ops_contracts"
    permission_required = "ops_contracts.view_servicecontract"
    columns = COLUMNS
    select_related = ("system", "system__agency")
    breadcrumbs = [SECTION]

    def related_for(self, columns):
        return list(self.select_related)


class ContractDetailView(ScopedDetailView):
    model = ServiceContract
    template_name = "ops_contracts/contract.html"
    permission_required = "ops_contracts.view_servicecontract"
    select_related = ("system", "system__agency")
    breadcrumbs = [SECTION, ("服务合同与SLA", "/gov/ops/contracts/")]
    fields = COLUMNS[:7] + [Column("onsite", "驻场服务"), Column("source", "依据")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["terms"] = list(self.get_object().terms.select_related("schedule"))
        ctx["components"] = self.get_object().system.components
        return ctx
