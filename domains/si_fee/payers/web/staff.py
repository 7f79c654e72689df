"""Tax staff's pages of payers (/gov/si/payers/): the list of their region's payers with masked identity
and the payer's page with participation. Scoped through visible_to(user): another city's payer is a 404."""
import django_filters
from django.db.models import Q

from domains.si_fee.rules.models import PersonType
from kernel.ui.filters import StyledFilterSet
from kernel.ui.generic import ScopedDetailView, ScopedListView
from kernel.ui.tables import Column

from ..models import Payer

VIEW, EXPORT = "si_payers.view_payer", "si_payers.export_payer"
SECTION = ("社保费掌上办", None)

COLUMNS = [
    Column("name", "姓名", link="gov:si_payer", width=12),
    Column("id_number", "证件号码", mask="id_number", sortable=False, width=22),
    Column("person_type", "人员类型", choices=True, width=12),
    Column("special_category", "特殊人员类别", choices=True, width=12),
    Column("mobile", "手机号码", mask="phone", sortable=False, width=14),
    Column("prefecture", "地市", accessor="prefecture.name", order_by="prefecture__code", width=10),
    Column("region", "参保地", accessor="region.name", order_by="region__code", width=12),
    Column("registration_no", "登记序号", width=16),
    Column("agency", "社保经办机构", default=False, width=20),
    Column("registered_at", "注册时间", width=18),
]


class PayerFilter(StyledFilterSet):
    keyword = django_filters.CharFilter(label="姓名/证件号码/登记序号", method="search")
    person_type = django_filters.ChoiceFilter(label="人员类型", choices=PersonType.choices, empty_label="全部")
    registered = django_filters.ChoiceFilter(label="注册状态", method="by_registered", empty_label="全部",
                                             choices=[("yes", "已注册"), ("no", "未注册")])

    class Meta:
        model = Payer
        fields = []

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(id_number__iexact=value.upper()) | Q(registration_no=value))

    def by_registered(self, qs, name, value):
        return qs.filter(user__isnull=value != "yes")


class PayerListView(ScopedListView):
    model = Payer
    title = "缴费人"
    list_key = "si_payers"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = PayerFilter
    columns = COLUMNS
    select_related = ("prefecture", "region")
    breadcrumbs = [SECTION]

    def related_for(self, columns):
        return list(self.select_related)


class PayerDetailView(ScopedDetailView):
    model = Payer
    permission_required = VIEW
    select_related = ("prefecture", "region", "tax_authority")
    breadcrumbs = [SECTION, ("缴费人", "/gov/si/payers/")]
    fields = COLUMNS + [Column("address", "联系地址"), Column("person_no", "人员编号"),
                        Column("tax_authority", "主管税务机关", accessor="tax_authority.name")]
